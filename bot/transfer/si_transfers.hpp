// Legacy file transfers as Pidgin/libpurple, Psi (towards peers without
// Jingle FT:5) and slixmpp send them: an XEP-0095 Stream Initiation offer
// with the XEP-0096 file profile, then the bytes over XEP-0065 SOCKS5 or
// XEP-0047 IBB. parrot only receives: it accepts the offer (SOCKS5
// preferred), hashes the bytes as they arrive, keeps nothing, and when the
// transfer ends in any way sends one report to the sender and stores it.
//
// Threads: signalling runs on the control thread; bytes are hashed on the
// transfer's pinned worker, never on the control thread. SOCKS5: a
// ByteStreamReader reads and hashes there. IBB: the data IQs arrive on the
// control thread, which only parses them and posts each block's base64 text
// to the worker; an IbbReceiver there decodes and hashes it, and the reply
// to the IQ comes back through post_to_context. One worker per transfer
// keeps the replies in the order the blocks came.
//
// Limits (Config): offers larger than max_file_bytes, or beyond the
// concurrent limits, are declined with XEP-0095's forbidden and a REFUSED
// report; a transfer that makes no progress for `idle` is ended.
#pragma once

#include <glib.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "bot/store/report_store.hpp"
#include "bot/transfer/file_report.hpp"
#include "bot/transfer/si/elements.hpp"
#include "bot/transfer/transfer_load.hpp"
#include "transport/bytestream/byte_stream_reader.hpp"
#include "transport/worker/control_post.hpp"
#include "transport/worker/thread_confined.hpp"
#include "transport/worker/worker_pool.hpp"

namespace gloox {
class Tag;
}

namespace parrot::bot {
class BotMetrics;
}

namespace parrot::bot::transfer {

class IbbStream;

struct SiOptions {
  TransferLimits limits;
  // Per streamhost: TCP connect plus SOCKS5 handshake (Pidgin allows 15 s).
  std::chrono::milliseconds streamhost_timeout{10000};
  // After the last announced byte, how long to wait for the sender's close
  // so that bytes beyond the size are seen (XEP-0065 has no end marker).
  std::chrono::milliseconds linger{2000};
};

class SiTransfers {
 public:
  using Send = std::function<void(std::unique_ptr<gloox::Tag>)>;

  // `reports` may be null (tests); `send` queues a stanza on the session.
  SiTransfers(GMainContext* control, transport::WorkerPool& workers, ReportStore* reports, SiOptions options,
              Send send);
  // Transfers still running end without reports; readers and IBB receivers
  // are destroyed on their workers, which must still be running; results
  // still on their way back are dropped.
  ~SiTransfers();
  SiTransfers(const SiTransfers&) = delete;
  SiTransfers& operator=(const SiTransfers&) = delete;

  // True for an IQ set that carries <si xmlns='…/si'/> or <query
  // xmlns='…/bytestreams'/>: parrot's to answer here.
  static bool is_si_iq(const gloox::Tag& iq);
  // Answers such an IQ (always). `self`: parrot's bound full JID.
  void on_iq(const gloox::Tag& iq, const std::string& self);
  // An IBB (XEP-0047) IQ set: answered and true when its sid belongs to an
  // SI transfer from that sender, false otherwise (someone else's).
  bool on_ibb_iq(const gloox::Tag& iq);

  std::size_t active() const noexcept { return transfers_.size(); }
  // This mechanism's share of the limits, and the load of all of them (not
  // owned; nullptr: this mechanism alone counts).
  TransferCount own_load(const std::string& bare_jid) const;
  void set_load(const TransferLoad* load) noexcept { load_ = load; }
  // Counts each ended transfer (App's metrics; null: not counted).
  void set_metrics(BotMetrics* metrics) noexcept { metrics_ = metrics; }
  // Reloaded limits (or a drain's), for offers from now on.
  void set_limits(const TransferLimits& limits) noexcept { options_.limits = limits; }

 private:
  struct Transfer;
  struct Reader;
  struct IbbOutcome;
  using Key = std::string;  // sender's full JID + '\n' + sid

  void on_offer(const gloox::Tag& iq, const gloox::Tag& si, const std::string& self);
  void on_bytestreams(const gloox::Tag& iq, const gloox::Tag& query, const std::string& self);
  void try_next_streamhost(Transfer& transfer);
  void on_connected(const Key& key, unsigned attempt);
  void on_reader_finished(const Key& key, unsigned attempt, const transport::bytestream::ReaderResult& result);
  void on_ibb_open(Transfer& transfer, const si::IqRef& iq, const si::IbbElement& open);
  void on_ibb_data(Transfer& transfer, si::IqRef iq, si::IbbElement&& data);
  void on_ibb_close(Transfer& transfer, si::IqRef iq);
  // Ends an open IBB stream from parrot's side (idle, malformed element):
  // the worker finishes the hashes, then the report follows. `ending` says
  // why, and which IQ to answer after the replies still queued.
  void end_ibb(Transfer& transfer, IbbOutcome ending);
  // Runs `work` on the transfer's worker with its IbbStream; the outcome comes
  // back to on_ibb_outcome on the control thread.
  void post_ibb(Transfer& transfer, std::function<IbbOutcome(IbbStream&)> work);
  void on_ibb_outcome(const Key& key, const std::weak_ptr<IbbStream>& origin, IbbOutcome outcome);
  void release_reader(Transfer& transfer);
  void release_ibb(Transfer& transfer);
  void arm_idle(Transfer& transfer);
  void finish(Transfer& transfer, TransferEnd end, std::string failure);
  void deliver(const FileFacts& facts);
  std::size_t count_for(const std::string& bare_jid) const;

  GMainContext* control_;
  transport::WorkerPool& workers_;
  ReportStore* reports_;
  SiOptions options_;
  const TransferLoad* load_ = nullptr;
  BotMetrics* metrics_ = nullptr;
  Send send_;
  std::map<Key, std::unique_ptr<Transfer>> transfers_;
  // Recently ended IBB streams: their late <close/> still gets a result.
  std::deque<Key> ended_;
  transport::ThreadConfined control_thread_;  // every member runs on the control thread
  transport::Liveness liveness_;             // last member: ends first
};

}  // namespace parrot::bot::transfer
