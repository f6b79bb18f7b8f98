// Calls on the control thread: Jingle IQs and JMI messages in, stanzas out;
// each call's media (CallMedia) lives on a worker, reached only by posted
// closures carrying values. When a call ends, the caller gets the report as
// a chat message (summary + <report xmlns='urn:parrot:report:1'/>) and it is
// stored for !report.
//
// parrot answers here (responder): JMI propose → proceed to the caller's
// full JID; session-initiate → ack, answer plan, transports on a worker,
// session-accept once the local credentials exist, candidates trickled one
// content per transport-info; session-terminate or a failure → report.
#pragma once

#include <gloox/tag.h>
#include <glib.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bot/call/call_limits.hpp"
#include "bot/call/call_report.hpp"
#include "bot/chat/token_bucket.hpp"
#include "bot/jingle/answer.hpp"
#include "bot/jingle/jingle_message.hpp"
#include "bot/jingle/offer.hpp"
#include "bot/jingle/session.hpp"
#include "bot/store/report_store.hpp"
#include "bot/store/store.hpp"
#include "transport/dtls/certificate.hpp"
#include "transport/worker/control_post.hpp"
#include "transport/worker/thread_confined.hpp"
#include "transport/worker/timer.hpp"
#include "transport/worker/worker_pool.hpp"

namespace parrot::call {
struct CallMediaSetup;
}

namespace parrot::bot {
class BotMetrics;
}

namespace parrot::bot::call {

using parrot::call::CallMediaSetup;

class CallManager {
 public:
  using Send = std::function<void(std::unique_ptr<gloox::Tag>)>;

  CallManager(GMainContext* control, transport::WorkerPool& workers, const transport::Certificate& certificate,
              ReportStore* reports, transport::IceConfig ice, CallLimits limits, Send send);
  ~CallManager();
  CallManager(const CallManager&) = delete;
  CallManager& operator=(const CallManager&) = delete;

  // Counts what happens to calls (App's metrics; null: not counted).
  void set_metrics(BotMetrics* metrics) noexcept { metrics_ = metrics; }
  // A reloaded --max-calls and the others, for calls from now on.
  void set_limits(const CallLimits& limits) noexcept { limits_ = limits; }
  // While draining (SIGTERM) every new call is answered busy.
  void set_draining(bool draining) noexcept { draining_ = draining; }

  // parrot's full JID, once bound (the responder attribute, JMI replies' from).
  void set_self(const std::string& full_jid) { self_ = full_jid; }

  // An <iq type='set'> with a <jingle/> child: answers it (result or error)
  // and acts on it.
  void on_jingle_iq(const gloox::Tag& iq);
  // A <message/> with a JMI child; true if it was one (not to be echoed).
  bool on_jmi_message(const gloox::Tag& message);

  // "!callme [video]": parrot calls the account of `full_jid` (XEP-0353
  // propose to the bare JID, so every device rings) and, once a device
  // proceeds, places the call: its test tone/pattern for the first seconds,
  // then the echo (the whole call in "!mode tone"). Returns what to tell the
  // contact: that the phone should ring, or why it will not.
  std::string call_me(const std::string& full_jid, bool video);

  // `parrot probe` places one call with this same stack and judges it; the
  // listener tells it what the bot would otherwise tell the contact in chat.
  struct Listener {
    std::function<void(const std::string& sid)> on_secure;  // the placed call's media is keyed
    // The proposal was declined (a JMI reject) or rang unanswered, instead
    // of a chat line.
    std::function<void(const std::string& sid, bool declined)> on_unanswered;
    // Every report, instead of sending it to the peer and storing it.
    std::function<void(const std::string& peer, const CallFacts& facts)> on_report;
  };
  void set_listener(Listener listener) { listener_ = std::move(listener); }
  // Calls `callee`'s account as "!callme" does (XEP-0353 propose to the
  // bare JID); the sid, or empty with `why` set when parrot is busy.
  std::string propose_call(const std::string& callee, bool video, std::string& why);
  // Ends a call normally (session-terminate, success); its report follows.
  void hang_up(const std::string& sid);

  std::size_t active_calls() const noexcept { return calls_.size(); }
  // Calls plus parrot's own unanswered proposals: what --max-calls counts.
  std::size_t calls_and_proposals() const noexcept { return calls_.size() + proposals_.size(); }
  // Calls whose evidence showed parrot itself behind a NAT it was not told
  // of (--public-address missing or wrong): an operator's metric.
  std::uint64_t calls_parrot_behind_nat() const noexcept { return calls_parrot_behind_nat_; }
  // "!delay MS": an extra echo delay for this contact's next calls (0 clears).
  void set_extra_delay(const std::string& bare_jid, std::chrono::milliseconds delay);
  // "!mode tone": this contact's next calls get parrot's test signal
  // instead of the echo (false: "!mode echo", the default).
  void set_test_signal(const std::string& bare_jid, bool on);
  bool test_signal(const std::string& bare_jid) { return settings_for(bare_jid).test_signal; }
  std::chrono::milliseconds extra_delay(const std::string& bare_jid) { return settings_for(bare_jid).extra_delay; }
  // Where "!delay" and "!mode" are kept (the store, shared by the instances
  // of a cluster): written on each change, read at each call's setup. Null:
  // this process's memory only.
  void set_settings_store(SettingsStore* settings) { settings_ = settings; }
  // Ends every call (shutdown): terminates, reports, tears media down.
  void end_all();

  // The STUN server (empty host: none) and TURN servers for calls started
  // from now on; calls in progress keep theirs. App passes the configured
  // servers plus those discovered by XEP-0215, hosts already IP literals.
  void set_ice_servers(std::string stun_host, std::uint16_t stun_port, std::vector<transport::TurnServer> turn_servers);
  // --public-url: each stored call report gets a page, and its chat report
  // ends with "Details: <base>/reports/<token>". Empty: no link.
  void set_report_base_url(std::string base) { report_base_url_ = std::move(base); }

 private:
  struct Call;
  struct Worker;  // the worker-side holder of a call's CallMedia

  struct Proposal {
    std::string callee;      // bare JID: every device rings
    std::string asked_from;  // the full JID that sent !callme
    bool video = false;
    transport::Timer unanswered;
  };

  void reply(const gloox::Tag& iq, std::unique_ptr<gloox::Tag> error);
  void send_jmi(const std::string& to, jingle::JingleMessage payload);
  void on_jmi_answer(const jingle::JingleMessage& answer, const std::string& from);
  // The XEP-0353 propose behind call_me() and propose_call(); the sid.
  std::string propose(const std::string& callee, const std::string& asked_from, bool video);
  // A proposal that went nowhere: the listener, else a chat line to `to`.
  void tell_unanswered(const std::string& sid, const std::string& to, bool declined);
  // Builds the offer and the media, then sends session-initiate from on_ready.
  void place_call(const std::string& sid, const std::string& peer, bool video);
  void on_session_accept(Call& call, const jingle::Jingle& accept);
  // Posts CallMedia's creation to the call's worker; on_ready follows.
  void launch_media(Call& call, std::shared_ptr<CallMediaSetup> setup,
                    std::vector<transport::IceCredentials> remote_credentials,
                    std::vector<std::vector<transport::IceCandidate>> remote_candidates);
  // Empty when `from` may start another call; else why not, for the chat.
  std::string busy_reason(const std::string& from) const;
  void send_chat(const std::string& to, const std::string& text);
  // content-reject and content-modify that follow an accept.
  void send_followups(Call& call, const jingle::AnswerPlan& plan);
  void start_call(const jingle::Jingle& offer, const std::string& from, jingle::Session session);
  void on_ready(const std::string& sid, std::vector<transport::IceCredentials> credentials);
  void on_local_candidate(const std::string& sid, std::size_t transport, const transport::IceCandidate& candidate);
  void on_transport_state(const std::string& sid, std::size_t transport, transport::CallTransportState state,
                          transport::TransportFailure failure,
                          const std::string& reason);
  void restart_ice(Call& call, std::size_t transport, const transport::IceCredentials& remote,
                   std::vector<transport::IceCandidate> candidates);
  void on_ice_restarted(const std::string& sid, std::size_t transport, const transport::IceCredentials& local,
                        const std::vector<transport::IceCandidate>& candidates);
  void send_jingle(const std::string& peer, const jingle::Jingle& jingle);
  // One content named in an action (content-reject, content-modify,
  // transport-reject), with an optional reason and senders.
  void send_content_action(const Call& call, jingle::Action action, jingle::Creator creator,
                           const std::string& content_name, std::optional<jingle::Reason> reason = std::nullopt,
                           std::optional<jingle::Senders> senders = std::nullopt);
  void send_terminate(const std::string& peer, const std::string& sid, jingle::ReasonCondition reason,
                      const std::string& text);
  void add_contents(Call& call, const jingle::Jingle& stanza, const std::vector<jingle::Content>& added);
  void add_transports(Call& call, const jingle::Jingle& offer, jingle::AnswerPlan plan);
  void on_transports_added(const std::string& sid, std::size_t first, const std::vector<transport::IceCredentials>& local,
                           jingle::AnswerPlan plan);
  // `failure` is for people; `cause` names it as a value when it is a
  // transport failure or a media timeout (the report's failure_code).
  void end_call(const std::string& sid, jingle::ReasonCondition reason, const std::string& failure, bool tell_peer,
                parrot::call::EndCause cause = {});
  // An offer parrot could not answer: logged, explained in chat and stored
  // as a REFUSED report like any other failed call.
  void report_refused(const std::string& peer, const std::string& sid, const std::string& why,
                      std::vector<std::string> ignored);
  // `timeline`: CallMedia::timeline(), or null for a call without media.
  void deliver_report(const std::string& peer, CallFacts facts, nlohmann::json timeline = nullptr);

  GMainContext* control_;
  transport::WorkerPool& workers_;
  const transport::Certificate& certificate_;
  ReportStore* reports_;
  transport::IceConfig ice_;
  CallLimits limits_;
  Send send_;
  std::string self_;
  std::string report_base_url_;
  std::map<std::string, std::unique_ptr<Call>> calls_;  // by sid
  std::map<std::string, Proposal> proposals_;           // parrot's unanswered JMI proposes, by id
  // The contact's "!delay" and "!mode": the store's, or what this process
  // was told when the store cannot answer.
  UserSettings settings_for(const std::string& bare_jid);

  SettingsStore* settings_ = nullptr;
  // This process's copy of the settings, used when settings_ cannot answer.
  std::map<std::string, std::chrono::milliseconds> extra_delays_;  // by bare JID
  std::set<std::string> test_signal_;                              // bare JIDs in "!mode tone"
  Listener listener_;
  SenderRateLimiter refusal_reports_{0.2, 5};                      // REFUSED reports per contact
  std::uint64_t calls_parrot_behind_nat_ = 0;
  std::set<std::string> nat_warned_;  // mapped addresses the operator was warned of
  transport::ThreadConfined control_thread_;  // every method runs on the control thread
  transport::Liveness liveness_;              // what workers post back is dropped once the manager is gone
  std::uint64_t next_iq_ = 0;
  BotMetrics* metrics_ = nullptr;
  bool draining_ = false;
};

}  // namespace parrot::bot::call
