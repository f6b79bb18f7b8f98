#include "bot/jingle/session.hpp"

#include <algorithm>
#include <set>

namespace parrot::bot::jingle {
namespace {

Decision fail(std::optional<JingleError> condition, std::string text) {
  Decision decision;
  decision.error = ErrorReply{condition, std::move(text)};
  return decision;
}

Decision with_error(ErrorReply error) {
  Decision decision;
  decision.error = std::move(error);
  return decision;
}

Session::TrackedContent make_tracked(const Content& content, Session::ContentStatus status) {
  Session::TrackedContent result;
  result.creator = content.creator;
  result.name = content.name;
  result.senders = content.senders;
  result.status = status;
  return result;
}

Decision bad_request(std::string text) { return fail(std::nullopt, std::move(text)); }
Decision out_of_order(std::string text) { return fail(JingleError::kOutOfOrder, std::move(text)); }

std::string_view bare(std::string_view jid) { return jid.substr(0, jid.find('/')); }

// Movim puts the user's bare JID in `initiator` (docs/client-quirks.md#movim-calls),
// so the bare form of the initiator's full JID matches too.
bool initiator_matches(const std::string& attribute, const std::string& initiator_full) {
  return attribute.empty() || attribute == initiator_full || attribute == bare(initiator_full);
}

std::optional<ErrorReply> check_unique_names(const Jingle& jingle) {
  std::set<std::string_view> names;
  for (const Content& content : jingle.contents) {
    if (content.name.empty()) return ErrorReply{std::nullopt, "content without a name"};
    if (!names.insert(content.name).second) return ErrorReply{std::nullopt, "duplicate content name " + content.name};
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(SessionRole role) noexcept {
  return role == SessionRole::kInitiator ? "initiator" : "responder";
}

std::string_view to_string(SessionState state) noexcept {
  switch (state) {
    case SessionState::kPending: return "pending";
    case SessionState::kActive: return "active";
    case SessionState::kEnded: return "ended";
  }
  return "unknown";
}

std::string_view ErrorReply::stanza_condition() const noexcept {
  if (!jingle) return "bad-request";
  switch (*jingle) {
    case JingleError::kOutOfOrder: return "unexpected-request";
    case JingleError::kTieBreak: return "conflict";
    case JingleError::kUnknownSession: return "item-not-found";
    case JingleError::kUnsupportedInfo: return "feature-not-implemented";
  }
  return "bad-request";
}

std::unique_ptr<gloox::Tag> ErrorReply::to_tag() const {
  return jingle ? jingle_error(*jingle, text) : bad_request_error(text);
}

Decision unknown_session(std::string text) { return fail(JingleError::kUnknownSession, std::move(text)); }

Session::Session(SessionRole role, std::string sid, std::string local_jid, std::string peer)
    : role_(role), sid_(std::move(sid)), local_jid_(std::move(local_jid)), peer_(std::move(peer)) {}

std::pair<Decision, std::optional<Session>> Session::receive_initiate(const Jingle& initiate,
                                                                      const std::string& from,
                                                                      const std::string& local_jid) {
  if (initiate.action != Action::kSessionInitiate) {
    return {unknown_session("no session " + initiate.sid), std::nullopt};
  }
  if (initiate.contents.empty()) return {bad_request("session-initiate without content"), std::nullopt};
  if (initiate.contents.size() > kMaxContents) return {bad_request("too many contents"), std::nullopt};
  if (auto error = check_unique_names(initiate)) return {with_error(std::move(*error)), std::nullopt};
  if (!initiator_matches(initiate.initiator, from)) {
    return {bad_request("initiator " + initiate.initiator + " is not the sender"), std::nullopt};
  }
  Session session(SessionRole::kResponder, initiate.sid, local_jid, from);
  Decision decision;
  decision.initiated = true;
  for (const Content& content : initiate.contents) {
    // XEP-0166 §7.3: the creator of an offered content is the initiator.
    if (content.creator != Creator::kInitiator) {
      return {bad_request("content " + content.name + " not created by the initiator"), std::nullopt};
    }
    session.contents_.push_back(make_tracked(content, ContentStatus::kAccepted));
  }
  // Dino and Gajim put the candidates gathered so far into the offer.
  for (const Content& content : initiate.contents) {
    if (const IceUdpTransport* ice = content.ice_udp()) {
      decision.transports.push_back(session.transport_update(content, *ice));
    }
  }
  return {std::move(decision), std::move(session)};
}

Session Session::initiate(const Jingle& offer, const std::string& local_jid, const std::string& peer) {
  Session session(SessionRole::kInitiator, offer.sid, local_jid, peer);
  for (const Content& content : offer.contents) {
    if (session.contents_.size() >= kMaxContents) break;
    session.contents_.push_back(make_tracked(content, ContentStatus::kAccepted));
  }
  return session;
}

Creator Session::own_creator() const noexcept {
  return role_ == SessionRole::kInitiator ? Creator::kInitiator : Creator::kResponder;
}

Creator Session::peer_creator() const noexcept {
  return role_ == SessionRole::kInitiator ? Creator::kResponder : Creator::kInitiator;
}

const std::string& Session::initiator_jid() const noexcept {
  return role_ == SessionRole::kInitiator ? local_jid_ : peer_;
}

const Session::TrackedContent* Session::find_content(std::string_view name) const {
  auto it = std::find_if(contents_.begin(), contents_.end(), [&](const auto& c) { return c.name == name; });
  return it == contents_.end() ? nullptr : &*it;
}

Session::TrackedContent* Session::find_mutable(std::string_view name) {
  return const_cast<TrackedContent*>(std::as_const(*this).find_content(name));
}

std::optional<ErrorReply> Session::check_known_contents(const Jingle& jingle) const {
  for (const Content& content : jingle.contents) {
    const TrackedContent* known = find_content(content.name);
    // A content parrot no longer knows is most likely a race with a
    // content-remove, so it is out of order rather than malformed.
    if (!known) return ErrorReply{JingleError::kOutOfOrder, "unknown content " + content.name};
    // XEP-0166 §7.3: creator and name together identify a content.
    if (known->creator != content.creator) {
      return ErrorReply{std::nullopt, "wrong creator for content " + content.name};
    }
  }
  return std::nullopt;
}

TransportUpdate Session::transport_update(const Content& content, const IceUdpTransport& ice) {
  TransportUpdate update;
  update.content = content.name;
  update.ufrag = ice.ufrag;
  update.pwd = ice.pwd;
  update.candidates = ice.candidates;
  update.skipped_candidates = ice.skipped_candidates;
  update.fingerprint = ice.fingerprint;
  if (TrackedContent* tracked = find_mutable(content.name)) {
    // Movim sends pwd only once it knows it (docs/client-quirks.md#movim-calls), so a missing value is
    // "unchanged", not "changed to empty".
    const bool ufrag_changed = !ice.ufrag.empty() && !tracked->remote_ufrag.empty() && ice.ufrag != tracked->remote_ufrag;
    const bool pwd_changed = !ice.pwd.empty() && !tracked->remote_pwd.empty() && ice.pwd != tracked->remote_pwd;
    update.credentials_changed = ufrag_changed || pwd_changed;
    if (!ice.ufrag.empty()) tracked->remote_ufrag = ice.ufrag;
    if (!ice.pwd.empty()) tracked->remote_pwd = ice.pwd;
  }
  return update;
}

Decision Session::handle(const Jingle& jingle, const std::string& from) {
  // XEP-0166 §7.2: a stanza belongs to a session by sid and peer; anything
  // else is for a session parrot does not have.
  if (jingle.sid != sid_ || from != peer_) return unknown_session("no session " + jingle.sid + " with " + from);
  if (!initiator_matches(jingle.initiator, initiator_jid())) {
    return bad_request("initiator " + jingle.initiator + " does not match the session");
  }
  if (jingle.contents.size() > kMaxContents) return bad_request("too many contents");
  if (auto error = check_unique_names(jingle)) return with_error(std::move(*error));

  // A terminate may come in any state (§6.7); a repeated one is harmless.
  if (jingle.action == Action::kSessionTerminate) {
    Decision decision;
    if (state_ == SessionState::kEnded) {
      decision.ignored = true;
      return decision;
    }
    state_ = SessionState::kEnded;
    ended_by_peer_ = true;
    end_reason_ = jingle.reason;
    decision.remote_ended = true;
    decision.end_reason = jingle.reason;
    return decision;
  }
  if (state_ == SessionState::kEnded) {
    return out_of_order(std::string(to_string(jingle.action)) + " after the session ended");
  }

  switch (jingle.action) {
    case Action::kSessionInitiate:
      // The same sid from both sides is a glare (§7.2.10 tie-break); from
      // the caller again, a duplicate.
      if (role_ == SessionRole::kInitiator && state_ == SessionState::kPending) {
        return fail(JingleError::kTieBreak, "both sides initiated " + sid_);
      }
      return out_of_order("session-initiate for an existing session");
    case Action::kSessionAccept: return on_session_accept(jingle);
    case Action::kSessionInfo: return on_session_info(jingle);
    case Action::kTransportInfo: return on_transport_info(jingle);
    case Action::kContentAdd: return on_content_add(jingle);
    case Action::kContentAccept: return on_content_answer(jingle, true);
    case Action::kContentReject: return on_content_answer(jingle, false);
    case Action::kContentRemove: return on_content_remove(jingle);
    case Action::kContentModify: return on_content_modify(jingle);
    case Action::kDescriptionInfo:
    case Action::kSecurityInfo: {
      // Informational only (XEP-0167 §6 description-info); parrot echoes
      // whatever arrives, so nothing changes.
      if (auto error = check_known_contents(jingle)) return with_error(std::move(*error));
      Decision decision;
      decision.ignored = true;
      return decision;
    }
    case Action::kTransportReplace: {
      if (auto error = check_known_contents(jingle)) return with_error(std::move(*error));
      Decision decision;
      for (const Content& content : jingle.contents) decision.transport_replace.push_back(content.name);
      return decision;
    }
    case Action::kTransportAccept:
    case Action::kTransportReject:
      // Answers to a transport-replace, which parrot never sends.
      return out_of_order(std::string(to_string(jingle.action)) + " without transport-replace");
    case Action::kSessionTerminate: break;  // handled above
  }
  return bad_request("unexpected action");
}

Decision Session::on_session_accept(const Jingle& jingle) {
  if (state_ == SessionState::kActive) {
    // Movim answers renegotiation (its own or the peer's content-add) with
    // another session-accept (docs/client-quirks.md#movim-calls): ack, ignore.
    Decision decision;
    decision.ignored = true;
    return decision;
  }
  if (role_ == SessionRole::kResponder) return out_of_order("session-accept sent to the responder");
  if (jingle.contents.empty()) return bad_request("session-accept without content");
  if (auto error = check_known_contents(jingle)) {
    // Contents of an answer that were never offered are malformed.
    error->jingle.reset();
    return with_error(std::move(*error));
  }
  Decision decision;
  decision.accepted = true;
  for (const Content& content : jingle.contents) {
    find_mutable(content.name)->senders = content.senders;
    if (const IceUdpTransport* ice = content.ice_udp()) decision.transports.push_back(transport_update(content, *ice));
  }
  // Offered contents the answer leaves out are gone (XEP-0166 §7.2.8).
  std::erase_if(contents_, [&](const TrackedContent& tracked) {
    if (jingle.find_content(tracked.name)) return false;
    decision.contents_removed.push_back(tracked.name);
    return true;
  });
  state_ = SessionState::kActive;
  return decision;
}

Decision Session::on_session_info(const Jingle& jingle) {
  // XEP-0166 §7.2.16: an unknown payload gets <unsupported-info/>.
  if (jingle.unsupported_session_info) {
    return fail(JingleError::kUnsupportedInfo, "unknown session-info payload");
  }
  Decision decision;
  decision.session_info = jingle.session_info;
  decision.ignored = jingle.session_info.empty();  // a ping
  return decision;
}

Decision Session::on_transport_info(const Jingle& jingle) {
  if (jingle.contents.empty()) return bad_request("transport-info without content");
  if (auto error = check_known_contents(jingle)) return with_error(std::move(*error));
  Decision decision;
  for (const Content& content : jingle.contents) {
    const IceUdpTransport* ice = content.ice_udp();
    if (!ice) return bad_request("transport-info for " + content.name + " without an ICE-UDP transport");
  }
  // Checked first so an error leaves the stored credentials untouched.
  for (const Content& content : jingle.contents) {
    decision.transports.push_back(transport_update(content, *content.ice_udp()));
  }
  return decision;
}

Decision Session::on_content_add(const Jingle& jingle) {
  // XEP-0166 §7.2.1: content-add renegotiates an established session; before
  // session-accept the offer itself is still open, so it is out of order.
  if (state_ != SessionState::kActive) return out_of_order("content-add before the session is active");
  if (jingle.contents.empty()) return bad_request("content-add without content");
  if (contents_.size() + jingle.contents.size() > kMaxContents) return bad_request("too many contents");
  for (const Content& content : jingle.contents) {
    if (const TrackedContent* known = find_content(content.name)) {
      // Both sides added the same name at once (XEP-0166 §7.2.3).
      if (known->status == ContentStatus::kPendingLocal) return fail(JingleError::kTieBreak, "both added " + content.name);
      return bad_request("content " + content.name + " already exists");
    }
    if (content.creator != peer_creator()) return bad_request("content " + content.name + " has the wrong creator");
  }
  Decision decision;
  for (const Content& content : jingle.contents) {
    contents_.push_back(make_tracked(content, ContentStatus::kPendingRemote));
    if (const IceUdpTransport* ice = content.ice_udp()) decision.transports.push_back(transport_update(content, *ice));
    decision.contents_added.push_back(content);
  }
  return decision;
}

Decision Session::on_content_answer(const Jingle& jingle, bool accepted) {
  const std::string_view action = accepted ? "content-accept" : "content-reject";
  if (jingle.contents.empty()) return bad_request(std::string(action) + " without content");
  if (auto error = check_known_contents(jingle)) return with_error(std::move(*error));
  // Only parrot's own content-add can be answered; Dino never sends
  // content-reject (docs/client-quirks.md#dino-calls), so a pending add may simply stay pending.
  for (const Content& content : jingle.contents) {
    if (find_content(content.name)->status != ContentStatus::kPendingLocal) {
      return out_of_order(std::string(action) + " for " + content.name + ", which parrot did not add");
    }
  }
  Decision decision;
  for (const Content& content : jingle.contents) {
    if (accepted) {
      TrackedContent* tracked = find_mutable(content.name);
      tracked->status = ContentStatus::kAccepted;
      tracked->senders = content.senders;
      if (const IceUdpTransport* ice = content.ice_udp()) decision.transports.push_back(transport_update(content, *ice));
      decision.contents_accepted.push_back(content.name);
    } else {
      std::erase_if(contents_, [&](const TrackedContent& c) { return c.name == content.name; });
      decision.contents_rejected.push_back(content.name);
    }
  }
  decision.no_contents_left = contents_.empty();
  return decision;
}

Decision Session::on_content_remove(const Jingle& jingle) {
  if (jingle.contents.empty()) return bad_request("content-remove without content");
  if (auto error = check_known_contents(jingle)) return with_error(std::move(*error));
  // Any status may be removed: the peer may withdraw its own pending add.
  Decision decision;
  for (const Content& content : jingle.contents) {
    std::erase_if(contents_, [&](const TrackedContent& c) { return c.name == content.name; });
    decision.contents_removed.push_back(content.name);
  }
  decision.no_contents_left = contents_.empty();
  return decision;
}

Decision Session::on_content_modify(const Jingle& jingle) {
  if (jingle.contents.empty()) return bad_request("content-modify without content");
  if (auto error = check_known_contents(jingle)) return with_error(std::move(*error));
  // Whether parrot agrees to the new direction is the caller's choice (Dino
  // refuses to be told to send, docs/client-quirks.md#dino-calls); the session records it.
  Decision decision;
  for (const Content& content : jingle.contents) {
    find_mutable(content.name)->senders = content.senders;
    decision.contents_modified.push_back(ContentSenders{content.name, content.senders});
  }
  return decision;
}

bool Session::accept() {
  if (role_ != SessionRole::kResponder || state_ != SessionState::kPending) return false;
  state_ = SessionState::kActive;
  return true;
}

bool Session::terminate(Reason reason) {
  if (state_ == SessionState::kEnded) return false;
  state_ = SessionState::kEnded;
  end_reason_ = std::move(reason);
  ended_by_peer_ = false;
  return true;
}

bool Session::add_content(const Content& content) {
  if (state_ != SessionState::kActive || content.name.empty() || content.creator != own_creator()) return false;
  if (find_content(content.name) || contents_.size() >= kMaxContents) return false;
  contents_.push_back(make_tracked(content, ContentStatus::kPendingLocal));
  return true;
}

bool Session::accept_content(const std::string& name) {
  TrackedContent* tracked = find_mutable(name);
  if (state_ == SessionState::kEnded || !tracked || tracked->status != ContentStatus::kPendingRemote) return false;
  tracked->status = ContentStatus::kAccepted;
  return true;
}

bool Session::reject_content(const std::string& name) {
  const TrackedContent* tracked = find_content(name);
  if (state_ == SessionState::kEnded || !tracked || tracked->status != ContentStatus::kPendingRemote) return false;
  std::erase_if(contents_, [&](const TrackedContent& c) { return c.name == name; });
  return true;
}

bool Session::remove_content(const std::string& name) {
  if (state_ == SessionState::kEnded || !find_content(name)) return false;
  std::erase_if(contents_, [&](const TrackedContent& c) { return c.name == name; });
  return true;
}

bool Session::modify_content(const std::string& name, Senders senders) {
  TrackedContent* tracked = find_mutable(name);
  if (state_ == SessionState::kEnded || !tracked) return false;
  tracked->senders = senders;
  return true;
}

}  // namespace parrot::bot::jingle
