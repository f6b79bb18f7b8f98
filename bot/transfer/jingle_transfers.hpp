// Jingle File Transfer (XEP-0234) on the receiving side, on the control
// thread: session-initiate with a file description in, one transfer per
// content (Psi sends several files in one session), session-accept, the
// bytes over XEP-0261 IBB or XEP-0260 SOCKS5, then <received/> and
// session-terminate success sent by parrot (Dino's sender never ends the
// session), and one report per content: a chat message to the sender and
// ReportStore. Bytes are decoded and hashed on a pinned worker, never here.
//
// Transports:
// - IBB: the sender's block-size (a larger one than XEP-0047's 65535 is a
//   bad-request, the offer unreadable); the XEP-0047
//   open/data/close IQs arrive through on_ibb_iq. The end is the announced
//   size (Conversations never sends <close/>).
// - SOCKS5: the sender's candidates in priority order, DST.ADDR =
//   SHA-1(transport sid + initiator + parrot), then Gajim 1.x's session sid
//   (docs/file-senders.md); candidate-used or candidate-error.
//   parrot's own candidates: a listener per transfer on each address of
//   DirectCandidates (XEP-0260 type direct), where senders' CONNECTs are
//   accepted with either JID order and either sid; and its server's
//   XEP-0065 proxy (when discover_proxy found one): when the sender
//   nominates that, parrot connects with SHA-1(sid + parrot + initiator),
//   activates it and sends <activated/>. The bytes are taken from the
//   connection the sender writes to.
// - transport-replace to IBB is accepted at any time (XEP-0260 §2.6).
// Checksums (session-info) are accepted at any time; after the last byte
// parrot waits checksum_grace for one unless it has it already.
//
// Files (bot/transfer/README.md): this coordinator (jingle_transfers.cpp)
// runs the sessions through jingle_ft::FtSession and ends and reports
// each transfer; jingle_ft_socks5.cpp and jingle_ft_ibb.cpp are its two
// transports' control sides, S5bSide and IbbStream their worker sides.
//
// Threads: every member runs on the control thread.
#pragma once

#include <gloox/tag.h>
#include <glib.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bot/jingle/jingle.hpp"
#include "bot/jingle/session.hpp"
#include "bot/store/report_store.hpp"
#include "bot/transfer/file_report.hpp"
#include "bot/transfer/jingle_ft/elements.hpp"
#include "bot/transfer/s5b_side.hpp"
#include "bot/transfer/transfer_load.hpp"
#include "bot/xmpp/proxy_discovery.hpp"
#include "transport/worker/control_post.hpp"
#include "transport/worker/thread_confined.hpp"
#include "transport/worker/worker_pool.hpp"

namespace parrot::bot {
class BotMetrics;
}

namespace parrot::bot::transfer {

struct JingleFtOptions {
  TransferLimits limits;
  std::chrono::milliseconds checksum_grace{3000};  // after the last byte, for a late checksum
  std::chrono::milliseconds socks5_connect{5000};  // per candidate: TCP + SOCKS5 handshake
};

// parrot's own direct candidates: each SOCKS5 transfer listens on one port
// of [port_min, port_max] ((0, 0): any) and offers it on every address.
// No address: no direct candidate (the server's proxy is still offered).
struct DirectCandidates {
  std::vector<std::string> addresses;  // IP literals senders can reach parrot on
  std::uint16_t port_min = 0;
  std::uint16_t port_max = 0;
};

class JingleTransfers {
 public:
  using Send = std::function<void(std::unique_ptr<gloox::Tag>)>;

  JingleTransfers(GMainContext* control, transport::WorkerPool& workers, ReportStore* reports, JingleFtOptions options,
                  Send send);
  ~JingleTransfers();  // ends every transfer (terminate + report)
  JingleTransfers(const JingleTransfers&) = delete;
  JingleTransfers& operator=(const JingleTransfers&) = delete;

  // parrot's full JID once bound (the responder, and half of DST.ADDR).
  void set_self(const std::string& full_jid) { self_ = full_jid; }

  // Where senders may connect to parrot (set before the first offer).
  void set_direct_candidates(DirectCandidates direct) { direct_ = std::move(direct); }

  // True when this manager runs the Jingle session `sid`.
  bool owns(const std::string& sid) const { return sessions_.contains(sid); }
  // This mechanism's share of the limits, and the load of all of them (not
  // owned; nullptr: this mechanism alone counts).
  TransferCount own_load(const std::string& bare_jid) const;
  void set_load(const TransferLoad* load) noexcept { load_ = load; }
  // Counts each ended transfer (App's metrics; null: not counted).
  void set_metrics(BotMetrics* metrics) noexcept { metrics_ = metrics; }
  // Reloaded limits (or a drain's), for offers from now on.
  void set_limits(const TransferLimits& limits) noexcept { options_.limits = limits; }
  // An <iq type='set'> with <jingle/>: a file offer (jingle_ft::is_file_offer)
  // or any later action on an owned sid. Answers the IQ and acts on it.
  void on_jingle_iq(const gloox::Tag& iq);
  // An <iq type='set'> with an XEP-0047 <open/>, <data/> or <close/>: false,
  // unanswered, when no transfer of this manager has that IBB sid.
  bool on_ibb_iq(const gloox::Tag& iq);

  // XEP-0065 §4 on a new connection (xmpp::ProxyDiscovery): the server's
  // proxy, which parrot then offers as its own candidate in every SOCKS5
  // session-accept.
  void discover_proxy(const std::string& domain);
  // An <iq type='result'|'error'> answering one of this manager's own IQs
  // (disco, proxy activation); false for anything else.
  bool on_iq_answer(const gloox::Tag& iq);
  // Its IQ ids start with this, so the session can route the answers here.
  static constexpr const char* kIqPrefix = "jft-";

  // Transfers (contents) under way.
  std::size_t active() const noexcept { return transfers_; }
  // Shutdown: terminates and reports every session.
  void end_all();

 private:
  struct Session;
  struct Transfer;

  // --- jingle_transfers.cpp: the sessions, their actions, the end and the report
  void send_result(const gloox::Tag& iq);
  void send_error(const gloox::Tag& iq, const jingle::ErrorReply& error);
  // <iq type='set'><jingle action sid/></iq> for `session`.
  std::unique_ptr<gloox::Tag> jingle_iq(const Session& session, jingle::Action action);
  void send_transport_info(const Session& session, const Transfer& transfer, std::unique_ptr<gloox::Tag> transport);
  void send_terminate(const Session& session, jingle::ReasonCondition condition, const std::string& text,
                      bool file_too_large);
  Transfer* find_transfer(const std::string& sid, const std::string& content);
  std::size_t contact_load(const std::string& bare_jid) const;  // transfers under way
  void on_checksums(Session& session, const jingle_ft::FtJingle& jingle);
  static void add_advertised(FileFacts& facts, const std::vector<jingle_ft::Hash>& hashes);
  // The bytes are over: all of them (kComplete), the sender closed early
  // (kCancelled: a SHORT report) or the transport failed (kFailed);
  // partial carries the digests, count and duration.
  void on_bytes_done(const std::string& sid, const std::string& content, FileFacts partial, TransferEnd end,
                     std::string failure);
  void touch(Transfer& transfer);  // moves the idle deadline
  void arm_idle(Transfer& transfer, std::chrono::milliseconds delay);
  // Sends <received/> when complete, frees the limits' slot, reports.
  void finish_transfer(Session& session, Transfer& transfer, TransferEnd end, const std::string& failure);
  // Once every content is done: session-terminate (success, or `condition`).
  void maybe_close_session(const std::string& sid,
                           jingle::ReasonCondition condition = jingle::ReasonCondition::kFailedTransport,
                           const std::string& text = {}, bool file_too_large = false);
  void end_session(const std::string& sid, TransferEnd end, const std::string& failure, bool tell_peer,
                   jingle::ReasonCondition condition);
  void deliver_report(const FileFacts& facts);
  using IqCallback = std::function<void(const gloox::Tag& answer)>;
  // An IQ get/set whose answer goes to `done` (on_iq_answer).
  void send_iq(const std::string& to, const std::string& type, std::unique_ptr<gloox::Tag> child,
               IqCallback done);

  // --- jingle_ft_offer.cpp: a session-initiate refused or accepted, content by content
  void on_offer(const gloox::Tag& iq, const std::string& from, jingle_ft::FtJingle& jingle);

  // --- jingle_ft_socks5.cpp: XEP-0260 on the control thread
  // parrot's candidates in session-accept for `transfer`: its listener and
  // direct candidates (none when no address is configured or no port is
  // free) and the server's proxy.
  std::unique_ptr<gloox::Tag> s5b_accept(const Session& session, Transfer& transfer);
  void start_s5b(Session& session, Transfer& transfer);
  void on_s5b_transport_info(Session& session, Transfer& transfer, const jingle_ft::S5bTransport& s5b);
  // The sender nominated parrot's proxy candidate: connect, activate (XEP-0260 §2.4).
  void use_own_proxy(Session& session, Transfer& transfer);
  // Starts `plan` on the transfer's worker as its S5bSide.
  void run_s5b(Transfer& transfer, S5bPlan plan);
  void stop_s5b(Transfer& transfer);  // the side stops on its worker
  void on_s5b_event(const std::string& sid, const std::string& content, S5bEvent event);
  // No candidate of the sender answered; with inbound_possible a sender may
  // still connect to parrot's own.
  void on_s5b_attempts_failed(Session& session, Transfer& transfer, bool inbound_possible);
  void on_own_proxy_connected(const std::string& sid, const std::string& content);

  // --- jingle_ft_ibb.cpp: XEP-0261 and its XEP-0047 stream on the control thread
  void on_transport_replace(Session& session, const jingle_ft::FtJingle& jingle);
  void on_ibb_open(Session& session, Transfer& transfer, const gloox::Tag& iq, const gloox::Tag& open);
  void on_ibb_block(Session& session, Transfer& transfer, const gloox::Tag& iq, const gloox::Tag& element, bool close);
  // The idle timeout on an open stream: the report carries the worker's digests.
  void end_ibb_idle(Transfer& transfer, const std::string& sid, std::string why);
  Transfer* find_ibb(const std::string& from, const std::string& ibb_sid, Session** session);
  transport::ControlPost<JingleTransfers> to_control() { return {control_, *this, liveness_}; }

  GMainContext* control_;
  transport::WorkerPool& workers_;
  ReportStore* reports_;
  JingleFtOptions options_;
  const TransferLoad* load_ = nullptr;
  BotMetrics* metrics_ = nullptr;
  Send send_;
  std::string self_;
  std::map<std::string, std::unique_ptr<Session>> sessions_;  // by Jingle sid
  std::map<std::string, std::size_t> per_contact_;            // transfers by bare JID
  // IBB streams of finished transfers, (peer, IBB sid), newest last: a
  // sender's <close/> after parrot finished by size gets its result
  // (XEP-0047 §2.3) instead of item-not-found, which slixmpp reports as a
  // failed transfer. Bounded: the oldest is forgotten first.
  static constexpr std::size_t kFinishedIbbStreams = 256;
  std::deque<std::pair<std::string, std::string>> finished_ibb_;
  std::size_t transfers_ = 0;
  std::uint64_t next_id_ = 0;
  DirectCandidates direct_;
  struct PendingIq {
    std::string to;
    IqCallback done;
  };
  std::map<std::string, PendingIq> pending_iqs_;  // by IQ id
  xmpp::ProxyDiscovery proxy_discovery_;          // the server's XEP-0065 proxy, once found
  transport::ThreadConfined control_thread_;      // every member runs on the control thread
  transport::Liveness liveness_;                  // last member: ends first
};

}  // namespace parrot::bot::transfer
