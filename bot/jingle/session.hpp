// XEP-0166 §6 lifecycle of ONE Jingle session as a pure state machine, for
// either role: parrot as responder (a client called it) or as initiator
// (`!callme`). A parsed <jingle/> and the sender's full JID go in; a
// Decision comes out: ack it (empty IQ result) or the error to answer, and
// what happened (candidates, contents added/removed, the peer hung up, …).
// No gloox IQ plumbing, no clock, no I/O: the caller maps a Decision to the
// reply and to actions on the call.
//
//   auto [decision, session] = Session::receive_initiate(jingle, from, own_jid);
//   reply(decision);                      // ack, or the error to answer
//   … session->accept();                  // after sending session-accept
//   reply(session->handle(next_jingle, from));
//
// Tolerated real-client behaviour (docs/client-quirks.md#calls): Movim's
// extra session-accept after its own renegotiation (acked, ignored);
// transport-info before session-accept and one content per stanza;
// candidates in session-initiate or trickled; Movim's bare-JID initiator
// attribute; a session-terminate in any state, even a repeated one.
#pragma once

#include <gloox/tag.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bot/jingle/fingerprint.hpp"
#include "bot/jingle/jingle.hpp"
#include "transport/ice/ice_candidate.hpp"

namespace parrot::bot::jingle {

enum class SessionRole { kInitiator, kResponder };  // parrot's own role
enum class SessionState { kPending, kActive, kEnded };

std::string_view to_string(SessionRole role) noexcept;    // "initiator", "responder"
std::string_view to_string(SessionState state) noexcept;  // "pending", "active", "ended"

// The error to answer an IQ with: a Jingle condition (XEP-0166 §10, with its
// paired stanza condition) or, when `jingle` is unset, a plain bad-request.
struct ErrorReply {
  std::optional<JingleError> jingle;
  std::string text;  // for the <text/> and the logs, never for control flow

  // "bad-request", "unexpected-request", "conflict", "item-not-found",
  // "feature-not-implemented" (RFC 6120 §8.3.3).
  std::string_view stanza_condition() const noexcept;
  // The <error/> element (jingle_error() or bad_request_error()).
  std::unique_ptr<gloox::Tag> to_tag() const;

  friend bool operator==(const ErrorReply&, const ErrorReply&) = default;
};

// What a transport-info, session-initiate or session-accept said about the
// peer's side of one content's ICE-UDP transport.
struct TransportUpdate {
  std::string content;
  std::string ufrag;  // empty = not sent in this stanza
  std::string pwd;
  // ufrag/pwd differ from those known before: with no candidates this is
  // Conversations' ICE-restart offer (docs/client-quirks.md#conversations-calls).
  bool credentials_changed = false;
  std::vector<transport::IceCandidate> candidates;  // usable ones only
  std::size_t skipped_candidates = 0;               // TCP, mDNS, … (counted for the report)
  std::optional<Fingerprint> fingerprint;           // may come before session-accept (Dino)

  friend bool operator==(const TransportUpdate&, const TransportUpdate&) = default;
};

struct ContentSenders {
  std::string content;
  Senders senders = Senders::kBoth;
  friend bool operator==(const ContentSenders&, const ContentSenders&) = default;
};

// The outcome of one incoming <jingle/>. When `error` is set nothing else is
// set and the session did not change.
struct Decision {
  std::optional<ErrorReply> error;  // nullopt: answer an empty IQ result

  bool initiated = false;  // a session-initiate opened this session (responder)
  bool accepted = false;   // the peer's session-accept made it active (initiator)
  // Acked without any effect: a repeated session-accept (Movim), a repeated
  // session-terminate, description-info, security-info, an empty session-info.
  bool ignored = false;
  std::vector<TransportUpdate> transports;
  // content-add from the peer: the caller answers content-accept (then calls
  // Session::accept_content) or content-reject (Session::reject_content).
  std::vector<Content> contents_added;
  std::vector<std::string> contents_accepted;  // content-accept of parrot's content-add
  std::vector<std::string> contents_rejected;  // content-reject of parrot's content-add
  std::vector<std::string> contents_removed;   // content-remove, or absent from session-accept
  std::vector<ContentSenders> contents_modified;  // content-modify
  // transport-replace: parrot only does ICE-UDP; answer transport-reject.
  std::vector<std::string> transport_replace;
  // No content is left (XEP-0166 §7.2.5 says the session must then end):
  // the caller sends session-terminate.
  bool no_contents_left = false;
  std::vector<SessionInfo> session_info;  // acknowledged payloads (ringing, mute, …)
  // The peer ended the session; holds its <reason/> when it sent one.
  bool remote_ended = false;
  std::optional<Reason> end_reason;

  bool ack() const noexcept { return !error.has_value(); }
};

// Shorthand for the caller's session table: an IQ for a sid it does not know.
Decision unknown_session(std::string text = {});

class Session {
 public:
  enum class ContentStatus {
    kAccepted,       // part of the session (offered in session-initiate or accepted)
    kPendingLocal,   // parrot sent content-add; waiting for content-accept/-reject
    kPendingRemote,  // the peer sent content-add; parrot has not answered
  };

  struct TrackedContent {
    Creator creator = Creator::kInitiator;
    std::string name;
    Senders senders = Senders::kBoth;
    ContentStatus status = ContentStatus::kAccepted;
    std::string remote_ufrag;  // last credentials the peer sent for it
    std::string remote_pwd;
  };

  // Hostile-input cap on the tracked contents (session + pending adds).
  static constexpr std::size_t kMaxContents = Jingle::kMaxContents;

  // parrot is the responder: `initiate` must be a session-initiate. Errors
  // (session is nullopt): another action → unknown-session; no content,
  // too many, a duplicate name, a content whose creator is not 'initiator',
  // or an initiator attribute that is neither `from` nor its bare JID →
  // bad-request. Candidates in the offer are reported as transports.
  static std::pair<Decision, std::optional<Session>> receive_initiate(const Jingle& initiate,
                                                                      const std::string& from,
                                                                      const std::string& local_jid);

  // parrot is the initiator and has sent `offer` (a session-initiate) to
  // `peer`; the session is pending until the peer's session-accept.
  static Session initiate(const Jingle& offer, const std::string& local_jid, const std::string& peer);

  // One incoming <jingle/> from `from` (the IQ's full JID). Never throws
  // except std::bad_alloc.
  Decision handle(const Jingle& jingle, const std::string& from);

  // Local transitions; each returns false (and changes nothing) when it is
  // not allowed in the current state.
  bool accept();                      // responder, pending → active (session-accept sent)
  bool terminate(Reason reason);      // any state but ended → ended (session-terminate sent)
  bool add_content(const Content& content);  // parrot's content-add (active; creator = parrot's role)
  bool accept_content(const std::string& name);  // parrot accepted the peer's content-add
  bool reject_content(const std::string& name);  // parrot rejected it
  bool remove_content(const std::string& name);  // parrot sent content-remove
  bool modify_content(const std::string& name, Senders senders);  // parrot sent content-modify

  SessionRole role() const noexcept { return role_; }
  SessionState state() const noexcept { return state_; }
  const std::string& sid() const noexcept { return sid_; }
  const std::string& peer() const noexcept { return peer_; }
  const std::string& local_jid() const noexcept { return local_jid_; }
  const std::vector<TrackedContent>& contents() const noexcept { return contents_; }
  const TrackedContent* find_content(std::string_view name) const;
  // Who ended the session and why; nullopt while it runs, or when the peer
  // ended it without a <reason/>.
  const std::optional<Reason>& end_reason() const noexcept { return end_reason_; }
  bool ended_by_peer() const noexcept { return ended_by_peer_; }

 private:
  Session(SessionRole role, std::string sid, std::string local_jid, std::string peer);

  Creator own_creator() const noexcept;
  Creator peer_creator() const noexcept;
  const std::string& initiator_jid() const noexcept;
  TrackedContent* find_mutable(std::string_view name);
  // nullopt when every content names a tracked content with its creator.
  std::optional<ErrorReply> check_known_contents(const Jingle& jingle) const;
  TransportUpdate transport_update(const Content& content, const IceUdpTransport& ice);

  Decision on_session_accept(const Jingle& jingle);
  Decision on_session_info(const Jingle& jingle);
  Decision on_transport_info(const Jingle& jingle);
  Decision on_content_add(const Jingle& jingle);
  Decision on_content_answer(const Jingle& jingle, bool accepted);
  Decision on_content_remove(const Jingle& jingle);
  Decision on_content_modify(const Jingle& jingle);

  SessionRole role_;
  SessionState state_ = SessionState::kPending;
  std::string sid_;
  std::string local_jid_;
  std::string peer_;
  std::vector<TrackedContent> contents_;
  std::optional<Reason> end_reason_;
  bool ended_by_peer_ = false;
};

}  // namespace parrot::bot::jingle
