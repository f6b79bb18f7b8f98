#include "bot/call/call_manager.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "call/call_media.hpp"
#include "call/negotiated_setup.hpp"
#include "bot/jingle/jingle_message.hpp"
#include "bot/jingle/namespaces.hpp"
#include "bot/xmpp/jid.hpp"
#include "bot/metrics.hpp"
#include "bot/report_text.hpp"

namespace parrot::bot::call {

using parrot::call::call_transport_config;
using parrot::call::CallMedia;
using parrot::call::dtls_role;
using parrot::call::echo_stream_config;

namespace {


std::uint32_t random_seed() {
  static std::random_device device;
  return device();
}

// XEP-0353 gives no ring time; Conversations gives up on its own calls
// after about a minute, parrot a little sooner.
constexpr std::chrono::seconds kRingTime{45};
// A call parrot places opens with its tone (and pattern) this long, so the
// person hears that parrot is there, then echoes them.
constexpr std::chrono::seconds kCallMeSignal{3};
// How long a call whose working path died waits for the client to restart
// ICE before it ends (Conversations restarts once its own ICE fails).
constexpr std::chrono::seconds kRestartGrace{15};

std::string random_sid() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::mt19937 generator(random_seed());
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string sid = "parrot-";
  for (int i = 0; i < 16; ++i) sid += kAlphabet[pick(generator)];
  return sid;
}

// The caller's payload types for `content`, to name codecs and pick probes.
std::vector<PayloadName> offered_names(const jingle::Jingle& offer, const std::string& content) {
  std::vector<PayloadName> names;
  if (const auto* c = offer.find_content(content); c != nullptr && c->rtp() != nullptr) {
    for (const auto& pt : c->rtp()->payload_types) names.push_back(PayloadName{pt.id, pt.name, pt.clockrate.value_or(0)});
  }
  return names;
}

}  // namespace

// The worker-side half of a call: its CallMedia, and the observer that
// carries what it learns back to the control thread as values.
struct CallManager::Worker final : CallMedia::Observer {
  Worker(transport::ControlPost<CallManager> post, std::string call_sid)
      : to_control(std::move(post)), sid(std::move(call_sid)) {}

  void on_local_candidate(std::size_t transport, const transport::IceCandidate& candidate) override {
    to_control([sid = sid, transport, candidate](CallManager& m) { m.on_local_candidate(sid, transport, candidate); });
  }
  void on_gathering_done(std::size_t) override {}
  void on_media_timeout(parrot::call::MediaTimeout timeout, const std::string& why) override {
    to_control([sid = sid, timeout, why](CallManager& m) {
      // Connected but silent is a media error; never connected, a transport failure.
      const bool connected = timeout == parrot::call::MediaTimeout::kNoMedia;
      m.end_call(sid, connected ? jingle::ReasonCondition::kMediaError : jingle::ReasonCondition::kFailedTransport, why,
                 true, timeout);
    });
  }
  void on_transport_state(std::size_t transport, transport::CallTransportState state,
                          transport::TransportFailure failure, const std::string& reason) override {
    to_control([sid = sid, transport, state, failure, reason](CallManager& m) {
      m.on_transport_state(sid, transport, state, failure, reason);
    });
  }

  transport::ControlPost<CallManager> to_control;  // runs only while the manager lives
  std::string sid;
  std::unique_ptr<CallMedia> media;  // created, used and destroyed on the worker
};

namespace {

// What the parser left out of each content's description, for the report.
std::vector<std::string> ignored_in(const jingle::Jingle& offer) {
  std::vector<std::string> out;
  for (const auto& content : offer.contents) {
    const jingle::RtpDescription* rtp = content.rtp();
    if (rtp == nullptr) continue;
    for (const auto& part : rtp->ignored)
      out.push_back(fmt::format("{} ('{}' in {})", part.why, part.what, content.name));
  }
  return out;
}

// Why no content of an offer could be answered, in the caller's terms.
std::string refusal_text(jingle::ReasonCondition reason) {
  switch (reason) {
    case jingle::ReasonCondition::kFailedApplication:
      return "none of the payload types offered is one parrot can echo";
    case jingle::ReasonCondition::kUnsupportedTransports:
      return "it offers no ICE-UDP transport";
    case jingle::ReasonCondition::kUnsupportedApplications:
      return "it has no audio or video RTP content";
    default:
      return "nothing in it can be answered";
  }
}

}  // namespace

struct CallManager::Call {
  std::string sid;
  std::string peer;  // the caller's full JID
  std::string initiator;
  jingle::Session session;
  jingle::AnswerPlan plan;
  transport::Worker::Pin pin;
  std::shared_ptr<Worker> media;
  // Per transport: parrot's description of it (accept, offer or
  // content-accept) is out, so candidates are trickled; until then they
  // wait in early_candidates and go into that description.
  std::vector<bool> announced;
  std::vector<std::vector<transport::IceCandidate>> early_candidates;
  std::vector<transport::IceCredentials> local_credentials;
  std::vector<std::string> remote_types;
  std::chrono::system_clock::time_point started_wall = std::chrono::system_clock::now();
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  transport::Timer max_length;
  bool ending = false;
  // parrot placed this call (!callme): the offer it sent, until the answer.
  std::optional<jingle::OfferPlan> offer;
  std::vector<bool> secured;        // per transport: it carried keyed (or plain) media once
  transport::Timer restart_grace;   // a worked path died: waiting for the client's ICE restart
  unsigned ice_restarts = 0;
  std::vector<std::string> offer_ignored;  // parts of the offer left out (CallFacts)
  bool setup_observed = false;             // its setup time is in the metrics

  Call(std::string call_sid, std::string from, jingle::Session jingle_session)
      : sid(std::move(call_sid)), peer(std::move(from)), session(std::move(jingle_session)) {}

  std::optional<std::size_t> transport_of(const std::string& content) const {
    for (std::size_t i = 0; i < plan.transports.size(); ++i) {
      const auto& names = plan.transports[i].contents;
      if (std::find(names.begin(), names.end(), content) != names.end()) return i;
    }
    return std::nullopt;
  }
  // The candidates both sides signalled, kept for the report's NAT
  // evidence (component 1, each address once, bounded against a flood).
  std::vector<transport::IceCandidate> remote_candidates, local_candidates;
  static constexpr std::size_t kMaxCandidatesKept = 32;
  static void keep(std::vector<transport::IceCandidate>& kept, const transport::IceCandidate& c) {
    if (c.component != 1 || kept.size() >= kMaxCandidatesKept) return;
    const bool known = std::any_of(kept.begin(), kept.end(), [&](const transport::IceCandidate& k) {
      return k.ip == c.ip && k.port == c.port && k.type == c.type;
    });
    if (!known) kept.push_back(c);
  }

  void note_types(const std::vector<transport::IceCandidate>& candidates) {
    for (const auto& c : candidates) {
      const std::string type(transport::to_string(c.type));
      if (std::find(remote_types.begin(), remote_types.end(), type) == remote_types.end()) remote_types.push_back(type);
      keep(remote_candidates, c);
    }
  }
};

CallManager::CallManager(GMainContext* control, transport::WorkerPool& workers, const transport::Certificate& certificate,
                         ReportStore* reports, transport::IceConfig ice, CallLimits limits, Send send)
    : control_(control),
      workers_(workers),
      certificate_(certificate),
      reports_(reports),
      ice_(std::move(ice)),
      limits_(limits),
      send_(std::move(send)) {}

CallManager::~CallManager() {
  control_thread_.check("CallManager::~CallManager");
  end_all();
  liveness_.end();
}

void CallManager::set_extra_delay(const std::string& bare_jid, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) {
    extra_delays_.erase(bare_jid);
  } else {
    extra_delays_[bare_jid] = delay;
  }
  if (settings_ != nullptr && !settings_->save_extra_delay(bare_jid, std::max(delay, std::chrono::milliseconds{0})))
    spdlog::warn("store: !delay for {} kept by this instance only", bare_jid);
}

void CallManager::set_test_signal(const std::string& bare_jid, bool on) {
  if (on) {
    test_signal_.insert(bare_jid);
  } else {
    test_signal_.erase(bare_jid);
  }
  if (settings_ != nullptr && !settings_->save_test_signal(bare_jid, on))
    spdlog::warn("store: !mode for {} kept by this instance only", bare_jid);
}

UserSettings CallManager::settings_for(const std::string& bare_jid) {
  if (settings_ != nullptr) {
    if (auto stored = settings_->user_settings(bare_jid)) return *stored;
  }
  UserSettings known;
  if (const auto delay = extra_delays_.find(bare_jid); delay != extra_delays_.end()) known.extra_delay = delay->second;
  known.test_signal = test_signal_.contains(bare_jid);
  return known;
}

void CallManager::reply(const gloox::Tag& iq, std::unique_ptr<gloox::Tag> error) {
  auto answer = std::make_unique<gloox::Tag>("iq");
  answer->addAttribute("to", iq.findAttribute("from"));
  answer->addAttribute("id", iq.findAttribute("id"));
  answer->addAttribute("type", error ? "error" : "result");
  if (error) answer->addChild(error.release());
  send_(std::move(answer));
}

void CallManager::send_jingle(const std::string& peer, const jingle::Jingle& jingle) {
  auto iq = std::make_unique<gloox::Tag>("iq");
  iq->addAttribute("to", peer);
  iq->addAttribute("type", "set");
  iq->addAttribute("id", "parrot-jingle-" + std::to_string(++next_iq_));
  iq->addChild(jingle.to_tag().release());
  send_(std::move(iq));
}

void CallManager::send_content_action(const Call& call, jingle::Action action, jingle::Creator creator,
                                      const std::string& content_name, std::optional<jingle::Reason> reason,
                                      std::optional<jingle::Senders> senders) {
  // Dino takes one content per stanza in these actions (docs/client-quirks.md#dino-calls).
  jingle::Jingle stanza;
  stanza.action = action;
  stanza.sid = call.sid;
  jingle::Content content;
  content.creator = creator;
  content.name = content_name;
  if (senders) content.senders = *senders;
  stanza.contents.push_back(std::move(content));
  stanza.reason = std::move(reason);
  send_jingle(call.peer, stanza);
}

void CallManager::send_terminate(const std::string& peer, const std::string& sid, jingle::ReasonCondition reason,
                                 const std::string& text) {
  jingle::Jingle terminate;
  terminate.action = jingle::Action::kSessionTerminate;
  terminate.sid = sid;
  terminate.reason = jingle::Reason{reason, text, {}};
  send_jingle(peer, terminate);
}

std::string CallManager::busy_reason(const std::string& from) const {
  const auto per_contact =
      std::count_if(calls_.begin(), calls_.end(), [&](const auto& c) { return parrot::xmpp::bare_jid(c.second->peer) == parrot::xmpp::bare_jid(from); }) +
      std::count_if(proposals_.begin(), proposals_.end(), [&](const auto& p) { return p.second.callee == parrot::xmpp::bare_jid(from); });
  if (draining_) {
    if (metrics_) metrics_->call_busy(BusyLimit::kDraining);
    return "Busy: parrot is restarting. Call again in a minute.";
  }
  if (static_cast<std::size_t>(per_contact) >= limits_.max_calls_per_contact) {
    if (metrics_) metrics_->call_busy(BusyLimit::kPerContact);
    return "Busy: you already have " + std::to_string(per_contact) + " call(s) with parrot, the most it takes from one "
           "contact. Hang up one and call again.";
  }
  if (calls_.size() + proposals_.size() >= limits_.max_calls) {
    if (metrics_) metrics_->call_busy(BusyLimit::kTotal);
    return "Busy: parrot is in " + std::to_string(calls_.size() + proposals_.size()) +
           " calls, as many as it takes. Try again in a few minutes.";
  }
  return {};
}

void CallManager::send_chat(const std::string& to, const std::string& text) {
  auto message = std::make_unique<gloox::Tag>("message");
  message->addAttribute("to", to);
  message->addAttribute("type", "chat");
  new gloox::Tag(message.get(), "body", text);
  send_(std::move(message));
}

bool CallManager::on_jmi_message(const gloox::Tag& message) {
  control_thread_.check("CallManager::on_jmi_message");
  const auto parsed = jingle::JingleMessage::from_message(message);
  if (!parsed) return false;
  if (!*parsed) return true;
  // A JMI message replayed from offline storage, MAM or carbons is stale.
  if (jingle::find_delay(message)) return true;
  const std::string from = message.findAttribute("from");
  if (from.find('/') == std::string::npos) return true;
  const auto kind = parsed->value->kind;
  if (kind == jingle::JingleMessageKind::kProceed || kind == jingle::JingleMessageKind::kReject) {
    on_jmi_answer(*parsed->value, from);
    return true;
  }
  if (kind != jingle::JingleMessageKind::kPropose) return true;  // retract, finish, ringing: nothing to do
  // XEP-0353 §3.2: replies go to the caller's full JID (a bare one is
  // dropped by Conversations and Dino); parrot auto-answers: proceed, or
  // reject when it is busy (the reason follows as chat).
  const std::string busy = busy_reason(from);
  const auto replies = busy.empty()
                           ? std::vector{jingle::JingleMessageKind::kRinging, jingle::JingleMessageKind::kProceed}
                           : std::vector{jingle::JingleMessageKind::kReject};
  if (!busy.empty()) send_chat(from, busy);
  for (const auto reply_kind : replies) {
    jingle::JingleMessage payload;
    payload.kind = reply_kind;
    payload.id = parsed->value->id;
    send_jmi(from, std::move(payload));
  }
  return true;
}

void CallManager::send_jmi(const std::string& to, jingle::JingleMessage payload) {
  auto message = std::make_unique<gloox::Tag>("message");
  message->addAttribute("to", to);
  message->addAttribute("type", "chat");
  message->addAttribute("id", "parrot-jmi-" + std::to_string(++next_iq_));
  message->addChild(payload.to_tag().release());
  auto store = new gloox::Tag(message.get(), "store");
  store->setXmlns("urn:xmpp:hints");
  send_(std::move(message));
}

std::string CallManager::call_me(const std::string& full_jid, bool video) {
  control_thread_.check("CallManager::call_me");
  const std::string callee = parrot::xmpp::bare_jid(full_jid);
  for (const auto& [sid, proposal] : proposals_) {
    if (proposal.callee == callee) return "parrot is already calling you: answer on any of your devices.";
  }
  if (const std::string busy = busy_reason(full_jid); !busy.empty()) return busy;
  propose(callee, full_jid, video);
  return video ? "Calling you now with audio and video: answer on any of your devices."
               : "Calling you now: answer on any of your devices.";
}

std::string CallManager::propose_call(const std::string& callee, bool video, std::string& why) {
  control_thread_.check("CallManager::propose_call");
  why = busy_reason(callee);
  if (!why.empty()) return {};
  return propose(parrot::xmpp::bare_jid(callee), self_, video);
}

std::string CallManager::propose(const std::string& callee, const std::string& asked_from, bool video) {
  const std::string sid = random_sid();
  jingle::JingleMessage propose;
  propose.kind = jingle::JingleMessageKind::kPropose;
  propose.id = sid;
  propose.descriptions.push_back(jingle::ProposedDescription{jingle::ns::kRtp, "audio"});
  if (video) propose.descriptions.push_back(jingle::ProposedDescription{jingle::ns::kRtp, "video"});
  // XEP-0353 §3.1: to the bare JID, so that every device of the contact rings.
  send_jmi(callee, std::move(propose));
  proposals_.emplace(sid, Proposal{callee, asked_from, video, transport::Timer(control_, kRingTime, [this, sid] {
                                     const auto found = proposals_.find(sid);
                                     if (found == proposals_.end()) return;
                                     jingle::JingleMessage retract;
                                     retract.kind = jingle::JingleMessageKind::kRetract;
                                     retract.id = sid;
                                     retract.reason = jingle::Reason{jingle::ReasonCondition::kTimeout, "", {}};
                                     send_jmi(found->second.callee, std::move(retract));
                                     const std::string asker = found->second.asked_from;
                                     proposals_.erase(found);
                                     tell_unanswered(sid, asker, false);
                                   })});
  spdlog::info("call {}: parrot calls {} ({})", sid, callee, video ? "audio+video" : "audio");
  return sid;
}

void CallManager::tell_unanswered(const std::string& sid, const std::string& to, bool declined) {
  if (listener_.on_unanswered) return listener_.on_unanswered(sid, declined);
  send_chat(to, declined ? "You declined parrot's call." : "You did not answer parrot's call.");
}

void CallManager::hang_up(const std::string& sid) {
  control_thread_.check("CallManager::hang_up");
  end_call(sid, jingle::ReasonCondition::kSuccess, "", true);
}

void CallManager::on_jmi_answer(const jingle::JingleMessage& answer, const std::string& from) {
  const auto found = proposals_.find(answer.id);
  if (found == proposals_.end() || found->second.callee != parrot::xmpp::bare_jid(from)) return;
  const bool video = found->second.video;
  const std::string asked_from = found->second.asked_from;
  proposals_.erase(found);
  if (answer.kind == jingle::JingleMessageKind::kReject) return tell_unanswered(answer.id, asked_from, true);
  // XEP-0353 §3.2: the device that proceeded gets the session-initiate.
  place_call(answer.id, from, video);
}

void CallManager::place_call(const std::string& sid, const std::string& peer, bool video) {
  jingle::OfferOptions options;
  options.sid = sid;
  options.initiator = self_;
  options.video = video;
  options.fingerprint_sha256 = certificate_.fingerprint_sha256();
  options.ssrc_seed = random_seed();
  jingle::OfferPlan offer = jingle::plan_offer(options);
  auto call = std::make_unique<Call>(sid, peer, jingle::Session::initiate(offer.initiate, self_, peer));
  call->initiator = self_;
  jingle::TransportPlan transport;
  transport.contents = offer.contents();
  call->plan.transports.push_back(transport);

  auto setup = std::make_shared<CallMediaSetup>();
  CallMediaSetup::Transport unit;
  transport::IceConfig ice = ice_;
  ice.controlling = true;  // RFC 8445 §6.1.1: the offerer controls
  unit.config.ice = std::move(ice);
  unit.config.certificate = &certificate_;
  unit.config.dtls = transport::DtlsParameters{};  // role and fingerprint come with the answer
  unit.echo.random_seed = random_seed();
  const UserSettings settings = settings_for(parrot::xmpp::bare_jid(peer));
  unit.echo.extra_delay = settings.extra_delay;
  for (const auto& stream : offer.streams) {
    unit.echo.streams.push_back(echo_stream_config(stream.config));
    const bool is_video = stream.config.media == parrot::call::StreamMedia::kVideo;
    unit.offered.push_back({PayloadName{stream.config.payload_types.front(), is_video ? "VP8" : "opus",
                                        is_video ? 90000u : 48000u}});
  }
  setup->transports.push_back(std::move(unit));
  setup->test_signal = true;
  setup->test_signal_for = settings.test_signal ? std::chrono::milliseconds{0} : kCallMeSignal;
  call->offer = std::move(offer);
  call->early_candidates.resize(1);
  Call& placed = *call;
  calls_.emplace(sid, std::move(call));
  launch_media(placed, setup, {}, {{}});
}

void CallManager::on_session_accept(Call& call, const jingle::Jingle& accept) {
  const jingle::AcceptedOffer accepted = jingle::read_answer(*call.offer, accept);
  if (accepted.error) return end_call(call.sid, accepted.error->condition, accepted.error->text, true);
  for (const auto& content : accept.contents) {
    if (const auto* ice = content.ice_udp()) call.note_types(ice->candidates);
  }
  // The transport is the bundle's first accepted content's (read_answer
  // checked that every accepted content is in the bundle).
  const auto* first = accept.find_content(accepted.streams.front().content);
  const auto* ice = first->ice_udp();
  transport::IceCredentials remote{ice->ufrag, ice->pwd};
  call.pin.worker()->post([holder = call.media, remote, role = dtls_role(accepted.setup), hash = ice->fingerprint->hash,
                           value = ice->fingerprint->value] {
    if (!holder->media) return;
    try {
      holder->media->set_remote_credentials(0, remote);
      holder->media->set_peer_fingerprint(0, hash, value, role);
    } catch (const std::exception& e) {
      holder->to_control([sid = holder->sid, why = std::string(e.what())](CallManager& m) {
        m.end_call(sid, jingle::ReasonCondition::kFailedTransport, "parrot could not use your answer: " + why, true);
      });
    }
  });
  call.offer.reset();
}

void CallManager::on_jingle_iq(const gloox::Tag& iq) {
  control_thread_.check("CallManager::on_jingle_iq");
  const gloox::Tag* element = iq.findChild("jingle", "xmlns", jingle::ns::kJingle);
  if (element == nullptr) return reply(iq, jingle::bad_request_error("no <jingle/>"));
  const std::string from = iq.findAttribute("from");
  const bool initiate = element->findAttribute("action") == "session-initiate";
  auto parsed = jingle::Jingle::parse(*element);
  if (!parsed) {
    reply(iq, jingle::bad_request_error(parsed.error));
    if (initiate) report_refused(from, element->findAttribute("sid"), "parrot could not read your offer: " + parsed.error, {});
    return;
  }
  const jingle::Jingle& stanza = *parsed.value;

  if (stanza.action == jingle::Action::kSessionInitiate && !calls_.contains(stanza.sid)) {
    auto [decision, session] = jingle::Session::receive_initiate(stanza, from, self_);
    if (!decision.ack() || !session) {
      reply(iq, decision.error->to_tag());
      report_refused(from, stanza.sid, "parrot refused your offer: " + decision.error->text, ignored_in(stanza));
      return;
    }
    reply(iq, nullptr);
    if (const std::string busy = busy_reason(from); !busy.empty()) {
      send_terminate(from, stanza.sid, jingle::ReasonCondition::kBusy, busy);
      send_chat(from, busy);
      return;
    }
    start_call(stanza, from, std::move(*session));
    return;
  }

  const auto found = calls_.find(stanza.sid);
  if (found == calls_.end()) return reply(iq, jingle::unknown_session().error->to_tag());
  Call& call = *found->second;
  const jingle::Decision decision = call.session.handle(stanza, from);
  reply(iq, decision.error ? decision.error->to_tag() : nullptr);
  if (!decision.ack()) return;
  if (decision.accepted && call.offer) {
    // First, so that the DTLS role is set before any fingerprint below.
    on_session_accept(call, stanza);
    if (!calls_.contains(stanza.sid)) return;  // the answer was unusable: ended
  }
  std::vector<std::size_t> restarted;
  for (const auto& update : decision.transports) {
    const auto index = call.transport_of(update.content);
    if (!index) continue;
    call.note_types(update.candidates);
    if (update.credentials_changed && !update.ufrag.empty() && !update.pwd.empty() &&
        *index < call.local_credentials.size() && !call.offer) {
      // New credentials from the peer: an ICE restart (RFC 8445 §9.1.1.1),
      // once per transport even when every bundled content carries them.
      if (std::find(restarted.begin(), restarted.end(), *index) == restarted.end()) {
        restarted.push_back(*index);
        restart_ice(call, *index, transport::IceCredentials{update.ufrag, update.pwd}, update.candidates);
      }
      continue;
    }
    call.pin.worker()->post([holder = call.media, i = *index, update] {
      if (!holder->media) return;
      for (const auto& candidate : update.candidates) holder->media->add_remote_candidate(i, candidate);
      if (update.fingerprint)
        holder->media->set_peer_fingerprint(i, update.fingerprint->hash, update.fingerprint->value);
    });
  }
  if (!decision.contents_added.empty()) add_contents(call, stanza, decision.contents_added);
  for (const auto& name : decision.transport_replace) {
    // XEP-0166 §7.2.19: parrot does ICE-UDP only; the content keeps its
    // transport. (Calls do not fall back as file transfers do.)
    if (const auto* tracked = call.session.find_content(name))
      send_content_action(call, jingle::Action::kTransportReject, tracked->creator, tracked->name);
  }
  if (decision.remote_ended) return end_call(stanza.sid, jingle::ReasonCondition::kSuccess, "", false);
  // XEP-0166 §7.2.5: content-remove of the last content ends the session.
  if (decision.no_contents_left)
    end_call(stanza.sid, jingle::ReasonCondition::kSuccess, "you removed every content of the call", true);
}

void CallManager::add_contents(Call& call, const jingle::Jingle& stanza, const std::vector<jingle::Content>& added) {
  // An audio call upgraded to video. A BUNDLE call takes the new content on
  // its one transport, as Conversations and Movim send it; a call with a
  // transport per content (Dino) gets a new one (add_transports).
  jingle::Jingle offer;
  offer.action = jingle::Action::kContentAdd;
  offer.sid = stanza.sid;
  offer.initiator = call.initiator;
  offer.contents = added;
  jingle::AnswerOptions options;
  options.responder = self_;
  options.fingerprint_sha256 = certificate_.fingerprint_sha256();
  options.ssrc_seed = random_seed();
  jingle::AnswerPlan plan = jingle::plan_answer(offer, options);
  const bool bundled = call.plan.accept.bundle() != nullptr && call.plan.transports.size() == 1;
  if (plan.ok() && !bundled && !call.offer && !call.local_credentials.empty()) return add_transports(call, offer, std::move(plan));
  if (!plan.ok() || !bundled || call.local_credentials.empty()) {
    for (const auto& content : added) {
      send_content_action(call, jingle::Action::kContentReject, content.creator, content.name,
                          jingle::Reason{plan.ok() ? jingle::ReasonCondition::kFailedApplication : *plan.error,
                                         "parrot cannot add this content to the call", {}});
      call.session.reject_content(content.name);
    }
    return;
  }
  plan.set_local_ice(0, jingle::LocalIce{call.local_credentials[0].ufrag, call.local_credentials[0].pwd, {}});
  for (const auto& stream : plan.streams) {
    call.pin.worker()->post([holder = call.media, config = echo_stream_config(stream.config), offered = offered_names(offer, stream.content)] {
      if (!holder->media) return;
      try {
        holder->media->add_stream(0, config, offered);
      } catch (const std::exception& e) {
        spdlog::warn("call {}: cannot add a stream: {}", holder->sid, e.what());
      }
    });
    call.session.accept_content(stream.content);
  }
  send_jingle(call.peer, plan.accept);
  send_followups(call, plan);
}

void CallManager::add_transports(Call& call, const jingle::Jingle& offer, jingle::AnswerPlan plan) {
  // A call without BUNDLE (Dino) adds video on a transport of its own: a
  // new ICE agent and DTLS handshake per added content, on the call's worker.
  const std::size_t first = call.plan.transports.size();
  std::vector<CallMediaSetup::Transport> units;
  const UserSettings settings = settings_for(parrot::xmpp::bare_jid(call.peer));
  std::vector<transport::IceCredentials> remote_credentials;
  std::vector<std::vector<transport::IceCandidate>> remote_candidates;
  for (std::size_t i = 0; i < plan.transports.size(); ++i) {
    CallMediaSetup::Transport unit;
    unit.config = call_transport_config(plan.transports[i], ice_, &certificate_);
    unit.echo.random_seed = random_seed();
    unit.echo.extra_delay = settings.extra_delay;
    for (const auto& stream : plan.streams) {
      if (stream.transport != i) continue;
      unit.echo.streams.push_back(echo_stream_config(stream.config));
      unit.offered.push_back(offered_names(offer, stream.content));
    }
    units.push_back(std::move(unit));
    remote_credentials.push_back(parrot::call::remote_credentials(plan.transports[i]));
    remote_candidates.push_back(plan.transports[i].remote_candidates);
    call.plan.transports.push_back(plan.transports[i]);
    call.early_candidates.emplace_back();
    call.announced.push_back(false);
  }
  auto shared_plan = std::make_shared<jingle::AnswerPlan>(std::move(plan));
  call.pin.worker()->post([holder = call.media, units = std::move(units), remote_credentials, remote_candidates, first,
                           shared_plan]() mutable {
    if (!holder->media) return;
    std::vector<transport::IceCredentials> local;
    try {
      for (std::size_t i = 0; i < units.size(); ++i) {
        const std::size_t index = holder->media->add_transport(std::move(units[i]));
        holder->media->set_remote_credentials(index, remote_credentials[i]);
        for (const auto& candidate : remote_candidates[i]) holder->media->add_remote_candidate(index, candidate);
        local.push_back(holder->media->local_credentials(index));
      }
    } catch (const std::exception& e) {
      spdlog::warn("call {}: cannot add a transport: {}", holder->sid, e.what());
      local.clear();
    }
    holder->to_control([sid = holder->sid, first, local, shared_plan](CallManager& m) {
      m.on_transports_added(sid, first, local, *shared_plan);
    });
  });
}

void CallManager::on_transports_added(const std::string& sid, std::size_t first,
                                      const std::vector<transport::IceCredentials>& local, jingle::AnswerPlan plan) {
  const auto found = calls_.find(sid);
  if (found == calls_.end()) return;
  Call& call = *found->second;
  if (local.size() != plan.transports.size()) {
    for (const auto& stream : plan.streams) {
      send_content_action(call, jingle::Action::kContentReject, plan.accept.find_content(stream.content)->creator,
                          stream.content,
                          jingle::Reason{jingle::ReasonCondition::kFailedTransport, "parrot could not open a transport", {}});
      call.session.reject_content(stream.content);
    }
    return;
  }
  for (std::size_t i = 0; i < local.size(); ++i) {
    call.local_credentials.push_back(local[i]);
    plan.set_local_ice(i, jingle::LocalIce{local[i].ufrag, local[i].pwd, call.early_candidates.at(first + i)});
    call.announced.at(first + i) = true;
  }
  for (const auto& stream : plan.streams) call.session.accept_content(stream.content);
  send_jingle(call.peer, plan.accept);
  send_followups(call, plan);
}

void CallManager::start_call(const jingle::Jingle& offer, const std::string& from, jingle::Session session) {
  auto call = std::make_unique<Call>(offer.sid, from, std::move(session));
  call->initiator = offer.initiator.empty() ? from : offer.initiator;
  jingle::AnswerOptions options;
  options.responder = self_;
  options.fingerprint_sha256 = certificate_.fingerprint_sha256();
  options.ssrc_seed = random_seed();
  call->plan = jingle::plan_answer(offer, options);
  for (const auto& content : offer.contents) {
    if (const auto* ice = content.ice_udp()) call->note_types(ice->candidates);
  }
  call->offer_ignored = ignored_in(offer);
  if (!call->plan.ok()) {
    const std::string why = std::string("parrot cannot answer this offer: ") + refusal_text(*call->plan.error);
    send_terminate(call->peer, call->sid, *call->plan.error, why);
    return report_refused(call->peer, call->sid, why, call->offer_ignored);
  }

  auto setup = std::make_shared<CallMediaSetup>();
  const UserSettings settings = settings_for(parrot::xmpp::bare_jid(from));
  for (std::size_t i = 0; i < call->plan.transports.size(); ++i) {
    CallMediaSetup::Transport unit;
    unit.config = call_transport_config(call->plan.transports[i], ice_, &certificate_);
    unit.echo.random_seed = random_seed();
    unit.echo.extra_delay = settings.extra_delay;
    for (const auto& stream : call->plan.streams) {
      if (stream.transport != i) continue;
      unit.echo.streams.push_back(echo_stream_config(stream.config));
      unit.offered.push_back(offered_names(offer, stream.content));
    }
    setup->transports.push_back(std::move(unit));
  }
  setup->test_signal = settings.test_signal;
  call->early_candidates.resize(call->plan.transports.size());
  std::vector<transport::IceCredentials> remote_credentials;
  std::vector<std::vector<transport::IceCandidate>> remote_candidates;
  for (const auto& transport_plan : call->plan.transports) {
    remote_credentials.push_back(parrot::call::remote_credentials(transport_plan));
    remote_candidates.push_back(transport_plan.remote_candidates);
  }
  spdlog::info("call {} from {}: {} transport(s), {} stream(s)", offer.sid, from, call->plan.transports.size(),
               call->plan.streams.size());
  Call& started = *call;
  calls_.emplace(offer.sid, std::move(call));
  launch_media(started, setup, std::move(remote_credentials), std::move(remote_candidates));
}

void CallManager::launch_media(Call& call, std::shared_ptr<CallMediaSetup> setup,
                               std::vector<transport::IceCredentials> remote_credentials,
                               std::vector<std::vector<transport::IceCandidate>> remote_candidates) {
  setup->connect_timeout = limits_.connect_timeout;
  setup->no_media_timeout = limits_.no_media_timeout;
  call.pin = workers_.pin_least_loaded();
  call.media = std::make_shared<Worker>(transport::ControlPost<CallManager>{control_, *this, liveness_}, call.sid);
  transport::Worker* worker = call.pin.worker();
  worker->post([holder = call.media, worker, setup, remote_credentials, remote_candidates] {
    try {
      holder->media = std::make_unique<CallMedia>(worker->context(), std::move(*setup), *holder);
      for (std::size_t i = 0; i < holder->media->transport_count(); ++i) {
        // A call parrot places learns the callee's side from the answer.
        if (i < remote_credentials.size() && !remote_credentials[i].ufrag.empty())
          holder->media->set_remote_credentials(i, remote_credentials[i]);
        if (i < remote_candidates.size())
          for (const auto& candidate : remote_candidates[i]) holder->media->add_remote_candidate(i, candidate);
      }
      std::vector<transport::IceCredentials> local;
      for (std::size_t i = 0; i < holder->media->transport_count(); ++i) local.push_back(holder->media->local_credentials(i));
      holder->media->gather();
      holder->to_control([sid = holder->sid, local](CallManager& m) { m.on_ready(sid, local); });
    } catch (const std::exception& e) {
      holder->to_control([sid = holder->sid, why = std::string(e.what())](CallManager& m) {
        m.end_call(sid, jingle::ReasonCondition::kFailedApplication, "parrot could not set up the call: " + why, true);
      });
    }
  });
  call.max_length = transport::Timer(control_, limits_.max_length, [this, sid = call.sid] {
    end_call(sid, jingle::ReasonCondition::kTimeout, "the call reached parrot's maximum length", true);
  });
}

void CallManager::on_ready(const std::string& sid, std::vector<transport::IceCredentials> credentials) {
  control_thread_.check("CallManager::on_ready");
  const auto found = calls_.find(sid);
  if (found == calls_.end()) return;
  Call& call = *found->second;
  call.local_credentials = std::move(credentials);
  if (call.offer) {
    // parrot placed the call: its offer goes out now that it has an agent.
    call.offer->set_local_ice(jingle::LocalIce{call.local_credentials[0].ufrag, call.local_credentials[0].pwd,
                                               call.early_candidates[0]});
    send_jingle(call.peer, call.offer->initiate);
    call.announced.assign(1, true);
    return;
  }
  for (std::size_t i = 0; i < call.local_credentials.size(); ++i) {
    call.plan.set_local_ice(i, jingle::LocalIce{call.local_credentials[i].ufrag, call.local_credentials[i].pwd,
                                                call.early_candidates[i]});
  }
  send_jingle(call.peer, call.plan.accept);
  call.session.accept();
  call.announced.assign(call.local_credentials.size(), true);
  send_followups(call, call.plan);
}

void CallManager::send_followups(Call& call, const jingle::AnswerPlan& plan) {
  // Contents parrot cannot take leave the call standing (XEP-0166 §6.8
  // content-reject), and one-way contents are turned both ways so the echo
  // can flow back (Dino's video upgrade, "counterpart wants to start sending").
  for (const auto& rejected : plan.rejected) {
    send_content_action(call, jingle::Action::kContentReject, rejected.creator, rejected.name,
                        jingle::Reason{rejected.reason, "", {}});
  }
  for (const auto& name : plan.modify_to_both) {
    const auto* tracked = call.session.find_content(name);
    if (tracked == nullptr) continue;
    send_content_action(call, jingle::Action::kContentModify, tracked->creator, tracked->name, std::nullopt,
                        jingle::Senders::kBoth);
    call.session.modify_content(name, jingle::Senders::kBoth);
  }
}

void CallManager::on_local_candidate(const std::string& sid, std::size_t transport,
                                     const transport::IceCandidate& candidate) {
  control_thread_.check("CallManager::on_local_candidate");
  const auto found = calls_.find(sid);
  if (found == calls_.end()) return;
  Call& call = *found->second;
  if (transport == 0) Call::keep(call.local_candidates, candidate);
  if (transport >= call.announced.size() || !call.announced[transport]) {
    call.early_candidates.at(transport).push_back(candidate);
    return;
  }
  // XEP-0176 trickle: one content per transport-info (Dino refuses more).
  const auto& names = call.plan.transports.at(transport).contents;
  if (names.empty()) return;
  const auto* tracked = call.session.find_content(names.front());
  if (tracked == nullptr) return;
  jingle::Jingle info;
  info.action = jingle::Action::kTransportInfo;
  info.sid = sid;
  info.initiator = call.initiator;
  jingle::Content content;
  content.creator = tracked->creator;
  content.name = tracked->name;
  content.senders = tracked->senders;
  jingle::IceUdpTransport ice;
  ice.ufrag = call.local_credentials.at(transport).ufrag;
  ice.pwd = call.local_credentials.at(transport).pwd;
  ice.candidates.push_back(candidate);
  content.transport = std::move(ice);
  info.contents.push_back(std::move(content));
  send_jingle(call.peer, info);
}

void CallManager::on_transport_state(const std::string& sid, std::size_t transport, transport::CallTransportState state,
                                     transport::TransportFailure failure, const std::string& reason) {
  control_thread_.check("CallManager::on_transport_state");
  const auto found = calls_.find(sid);
  if (found == calls_.end()) return;
  Call& call = *found->second;
  if (state == transport::CallTransportState::kSecure || state == transport::CallTransportState::kConnected) {
    if (call.secured.size() <= transport) call.secured.resize(transport + 1, false);
    call.secured[transport] = call.secured[transport] || state == transport::CallTransportState::kSecure ||
                              call.plan.transports.at(transport).dtls == std::nullopt;
    call.restart_grace.cancel();  // a restarted path is back
    if (!call.setup_observed && call.secured[transport] && metrics_)
      metrics_->call_setup(std::chrono::steady_clock::now() - call.started);
    call.setup_observed = call.setup_observed || call.secured[transport];
    if (call.initiator == self_ && state == transport::CallTransportState::kSecure && listener_.on_secure)
      listener_.on_secure(sid);
    return;
  }
  if (state != transport::CallTransportState::kFailed) return;
  const bool dtls = transport::is_dtls_failure(failure);
  const bool was_secure = transport < call.secured.size() && call.secured[transport];
  if (dtls || !was_secure) {
    end_call(sid, dtls ? jingle::ReasonCondition::kSecurityError : jingle::ReasonCondition::kFailedTransport, reason, true,
             failure);
    return;
  }
  // The path died after it worked (a network change, consent lost): the
  // client may offer an ICE restart (Conversations does), so wait for one.
  call.restart_grace = transport::Timer(control_, kRestartGrace, [this, sid, failure, reason] {
    end_call(sid, jingle::ReasonCondition::kFailedTransport,
             reason + ", and no ICE restart came within " + std::to_string(kRestartGrace.count()) + " s", true, failure);
  });
}

void CallManager::restart_ice(Call& call, std::size_t transport, const transport::IceCredentials& remote,
                              std::vector<transport::IceCandidate> candidates) {
  // XEP-0176 §7 / RFC 8445 §9: answer with parrot's new credentials and its
  // candidates in transport-info; the DTLS association carries on.
  call.restart_grace.cancel();
  ++call.ice_restarts;
  if (metrics_) metrics_->ice_restart();
  call.pin.worker()->post([holder = call.media, transport, remote, candidates = std::move(candidates)] {
    if (!holder->media) return;
    try {
      auto restarted = holder->media->restart_ice(transport, remote);
      for (const auto& candidate : candidates) holder->media->add_remote_candidate(transport, candidate);
      holder->to_control([sid = holder->sid, transport, restarted = std::move(restarted)](CallManager& m) {
        m.on_ice_restarted(sid, transport, restarted.first, restarted.second);
      });
    } catch (const std::exception& e) {
      holder->to_control([sid = holder->sid, why = std::string(e.what())](CallManager& m) {
        m.end_call(sid, jingle::ReasonCondition::kFailedTransport, "parrot could not restart ICE: " + why, true);
      });
    }
  });
}

void CallManager::on_ice_restarted(const std::string& sid, std::size_t transport, const transport::IceCredentials& local,
                                   const std::vector<transport::IceCandidate>& candidates) {
  const auto found = calls_.find(sid);
  if (found == calls_.end()) return;
  Call& call = *found->second;
  if (transport >= call.local_credentials.size()) return;
  call.local_credentials[transport] = local;
  spdlog::info("call {}: ICE restart on transport {}: {} local candidate(s) announced", sid, transport, candidates.size());
  // Never an empty transport-info with new credentials: Conversations would
  // read that as parrot's own restart offer (docs/client-quirks.md#conversations-calls).
  for (const auto& candidate : candidates) on_local_candidate(sid, transport, candidate);
}

void CallManager::end_call(const std::string& sid, jingle::ReasonCondition reason, const std::string& failure,
                           bool tell_peer, parrot::call::EndCause cause) {
  control_thread_.check("CallManager::end_call");
  const auto found = calls_.find(sid);
  if (found == calls_.end() || found->second->ending) return;
  std::unique_ptr<Call> call = std::move(found->second);
  calls_.erase(found);
  call->ending = true;
  call->max_length.cancel();
  if (tell_peer) send_terminate(call->peer, sid, reason, failure);
  CallFacts base;
  base.id = sid;
  base.peer = call->peer;
  base.started = call->started_wall;
  base.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - call->started).count();
  base.remote_candidate_types = call->remote_types;
  base.remote_candidates = call->remote_candidates;
  base.local_candidates = call->local_candidates;
  base.public_address = ice_.public_address;
  base.ice_restarts = call->ice_restarts;
  base.failure = failure;
  base.end_cause = cause;
  base.offer_ignored = call->offer_ignored;
  const std::string peer = call->peer;
  transport::Worker* worker = call->pin.worker();
  if (worker == nullptr) return deliver_report(peer, base);
  // The media is torn down on its worker; the facts come back with the Pin,
  // released on the control thread once the worker is done with the call.
  auto pin = std::make_shared<transport::Worker::Pin>(std::move(call->pin));
  worker->post([holder = call->media, base, peer, pin]() mutable {
    CallFacts facts = base;
    nlohmann::json timeline;
    if (holder->media) {
      CallFacts measured = holder->media->facts();
      timeline = holder->media->timeline();
      facts.transport = measured.transport;
      facts.transports = std::move(measured.transports);
      facts.streams = std::move(measured.streams);
      facts.drops = measured.drops;
      holder->media->close();
      holder->media.reset();
    }
    holder->to_control([peer, facts = std::move(facts), timeline = std::move(timeline), pin](CallManager& m) mutable {
      pin->release();
      m.deliver_report(peer, std::move(facts), std::move(timeline));
    });
  });
}

void CallManager::report_refused(const std::string& peer, const std::string& sid, const std::string& why,
                                 std::vector<std::string> ignored) {
  // A flood of bad offers is logged, not answered with a flood of reports
  // that would also push the contact's real reports out of the store.
  if (refusal_reports_.check(parrot::xmpp::bare_jid(peer), std::chrono::steady_clock::now()) != SenderRateLimiter::Verdict::kAllow) {
    spdlog::info("call {} from {} refused, not reported (too many refused offers): {}", sid, peer, why);
    if (metrics_) metrics_->call_refused_unreported();
    return;
  }
  CallFacts facts;
  facts.id = sid;
  facts.peer = peer;
  facts.started = std::chrono::system_clock::now();
  facts.refused = true;
  facts.failure = why;
  facts.offer_ignored = std::move(ignored);
  deliver_report(peer, std::move(facts));
}

void CallManager::deliver_report(const std::string& peer, CallFacts facts, nlohmann::json timeline) {
  if (metrics_) metrics_->call_ended(facts);
  if (listener_.on_report) return listener_.on_report(peer, facts);
  // The operator must hear of a NAT in front of parrot itself: every
  // caller's report says it, but only the log reaches the operator. Once
  // per mapped address, and counted for !stats.
  if (!facts.refused) {
    const NatDiagnosis nat = nat_diagnosis(facts);
    if (nat.parrot_behind_nat) {
      ++calls_parrot_behind_nat_;
      if (nat_warned_.insert(nat.parrot_mapped).second)
        spdlog::warn("parrot is behind a NAT: callers see it at {}{}; start it with --public-address {} (a 1:1 NAT) "
                     "or forward its ports",
                     nat.parrot_mapped,
                     facts.public_address.empty() ? "" : ", not at --public-address " + facts.public_address,
                     nat.parrot_mapped);
    }
  }
  std::string text = summary(facts);
  const std::string json = report_json(facts).dump();
  // Every stored call report gets a page token (the page is served only
  // with --http-listen); it is drawn before the chat message so that the
  // message can carry the link when --public-url says where pages are.
  std::string token;
  if (reports_ != nullptr) {
    try {
      token = new_report_token();
      if (!report_base_url_.empty()) text += "\nDetails: " + report_base_url_ + "/reports/" + token;
    } catch (const std::exception& e) {
      spdlog::warn("call {}: no report page: {}", facts.id, e.what());
    }
  }
  spdlog::info("call {} with {} ended: {}", facts.id, peer, text);
  send_(report_message(peer, text, json));
  if (reports_ != nullptr) {
    reports_->add(StoredReport{0, parrot::xmpp::bare_jid(peer), "call",
                               std::chrono::duration_cast<std::chrono::seconds>(facts.started.time_since_epoch()).count(),
                               text, json},
                  ReportPageData{std::move(token), timeline.is_null() ? "" : timeline.dump()});
  }
}

void CallManager::end_all() {
  control_thread_.check("CallManager::end_all");
  for (auto& [sid, proposal] : proposals_) {
    jingle::JingleMessage retract;
    retract.kind = jingle::JingleMessageKind::kRetract;
    retract.id = sid;
    retract.reason = jingle::Reason{jingle::ReasonCondition::kGone, "parrot is shutting down", {}};
    send_jmi(proposal.callee, std::move(retract));
  }
  proposals_.clear();
  std::vector<std::string> sids;
  for (const auto& [sid, call] : calls_) sids.push_back(sid);
  for (const auto& sid : sids) end_call(sid, jingle::ReasonCondition::kGone, "parrot is shutting down", true);
}

void CallManager::set_ice_servers(std::string stun_host, std::uint16_t stun_port,
                                  std::vector<transport::TurnServer> turn_servers) {
  ice_.stun_host = std::move(stun_host);
  ice_.stun_port = stun_port;
  ice_.turn_servers = std::move(turn_servers);
}

}  // namespace parrot::bot::call
