#include "bot/transfer/si_transfers.hpp"

#include <gloox/jid.h>
#include <gloox/tag.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "bot/metrics.hpp"
#include "bot/report_text.hpp"
#include "bot/transfer/ibb_stream.hpp"
#include "bot/transfer/si_transfer_state.hpp"
#include "bot/xmpp/jid.hpp"
#include "transport/bytestream/socks5.hpp"
#include "transport/worker/timer.hpp"

// Why not gloox's SIProfileFT / SOCKS5BytestreamManager / InBandBytestream:
// gloox's SOCKS5 bytestream reads its socket
// from the connection's recv() on whichever thread polls it, i.e. parrot's
// control thread, and bulk bytes must be read on a worker; its SIProfileFT
// parses the size with atol (files over 2 GiB overflow) and gloox's handlers
// only run for stanzas that reach its dispatch, which parrot bypasses for
// Jingle and transfers alike. The stanzas are small, so parrot parses them
// itself (si/elements.hpp) and reads the bytes with ByteStreamReader.

namespace parrot::bot::transfer {
using si_detail::algorithms_for;
using si_detail::key_of;
using si_detail::put_digests;

namespace {

using transport::bytestream::ReadOutcome;
using transport::bytestream::ReaderResult;

constexpr std::size_t kRememberEnded = 256;

}  // namespace

// The worker-side half of one SOCKS5 attempt: the reader lives and dies on
// the worker; what it learns goes back to the control thread as values.
struct SiTransfers::Reader final : transport::bytestream::ByteStreamReader::Observer {
  Reader(transport::ControlPost<SiTransfers> post, Key transfer_key, unsigned number)
      : to_control(std::move(post)), key(std::move(transfer_key)), attempt(number) {}

  void on_connected(const std::string&) override {
    to_control([key = key, attempt = attempt](SiTransfers& m) { m.on_connected(key, attempt); });
  }
  void on_progress(std::uint64_t) override {}
  void on_finished(const ReaderResult& result) override {
    to_control([key = key, attempt = attempt, result](SiTransfers& m) { m.on_reader_finished(key, attempt, result); });
    reader.reset();  // allowed from its own callback; `result` is not used after this
  }

  transport::ControlPost<SiTransfers> to_control;
  Key key;
  unsigned attempt;
  std::unique_ptr<transport::bytestream::ByteStreamReader> reader;  // worker only
};

SiTransfers::SiTransfers(GMainContext* control, transport::WorkerPool& workers, ReportStore* reports,
                         SiOptions options, Send send)
    : control_(control), workers_(workers), reports_(reports), options_(std::move(options)), send_(std::move(send)) {}

SiTransfers::~SiTransfers() {
  liveness_.end();
  for (auto& [key, transfer] : transfers_) {
    release_reader(*transfer);
    release_ibb(*transfer);
  }
}

void SiTransfers::release_reader(Transfer& t) {
  if (!t.reader) return;
  // The holder is only ever dropped on its worker: the worker may still be
  // inside it (on_finished posts its result, then destroys the reader), and
  // this task runs after that.
  if (transport::Worker* worker = t.pin.worker()) {
    worker->post([holder = std::move(t.reader)] { holder->reader.reset(); });
  }
  t.reader.reset();
}

bool SiTransfers::is_si_iq(const gloox::Tag& iq) {
  if (iq.name() != "iq" || iq.findAttribute("type") != "set") return false;
  for (const gloox::Tag* child : iq.children()) {
    const std::string ns = si::namespace_of(*child);
    if ((child->name() == "si" && ns == si::kSiNamespace) ||
        (child->name() == "query" && ns == si::kBytestreamsNamespace))
      return true;
  }
  return false;
}

void SiTransfers::on_iq(const gloox::Tag& iq, const std::string& self) {
  control_thread_.check("SiTransfers::on_iq");
  for (const gloox::Tag* child : iq.children()) {
    const std::string ns = si::namespace_of(*child);
    if (child->name() == "si" && ns == si::kSiNamespace) return on_offer(iq, *child, self);
    if (child->name() == "query" && ns == si::kBytestreamsNamespace) return on_bytestreams(iq, *child, self);
  }
  send_(si::iq_error(si::iq_ref(iq), "cancel", "service-unavailable"));
}

std::size_t SiTransfers::count_for(const std::string& bare_jid) const {
  return static_cast<std::size_t>(std::count_if(transfers_.begin(), transfers_.end(),
                                                [&](const auto& entry) { return parrot::xmpp::bare_jid(entry.second->peer) == bare_jid; }));
}

void SiTransfers::on_offer(const gloox::Tag& iq, const gloox::Tag& si_tag, const std::string& self) {
  const si::IqRef ref = si::iq_ref(iq);
  const std::string peer = ref.from;
  si::OfferParse parsed = si::parse_si_offer(si_tag);
  if (!parsed.offer) {
    spdlog::info("si: offer from {} refused: {}", peer, parsed.message);
    send_(si::offer_error(ref, parsed.error, parsed.message));
    // A file parrot could have taken but for the stream method gets a
    // report: the sender learns why nothing happened.
    if (parsed.error == si::OfferError::kNoValidStreams) {
      FileFacts facts;
      facts.id = si_tag.findAttribute("id");
      facts.peer = peer;
      facts.started = std::chrono::system_clock::now();
      facts.mechanism = "si";
      if (const gloox::Tag* file = si_tag.findChild("file")) facts.name = file->findAttribute("name");
      facts.end = TransferEnd::kRefused;
      facts.failure = "none of the offered stream methods is one parrot speaks (SOCKS5 bytestreams, IBB)";
      deliver(facts);
    }
    return;
  }
  si::SiOffer& offer = *parsed.offer;
  const Key key = key_of(peer, offer.id);
  if (transfers_.count(key) != 0) {
    send_(si::iq_error(ref, "cancel", "conflict", "a transfer with this stream id is already running"));
    return;
  }

  FileFacts facts;
  facts.id = offer.id;
  facts.peer = peer;
  facts.started = std::chrono::system_clock::now();
  facts.mechanism = "si";
  facts.name = offer.file.name;
  facts.size = offer.file.size;
  facts.media_type = offer.mime_type;
  if (!offer.file.md5.empty()) facts.advertised["md5"] = offer.file.md5;

  std::string refusal;
  if (load_ && load_->draining()) {
    refusal = kDrainingRefusal;
  } else if (offer.file.size > options_.limits.max_file_bytes) {
    refusal = "the file is " + grouped(offer.file.size) + " bytes; parrot accepts at most " +
              grouped(options_.limits.max_file_bytes) + " bytes";
  } else if (const TransferCount load = load_ ? load_->of(parrot::xmpp::bare_jid(peer)) : own_load(parrot::xmpp::bare_jid(peer));
             load.total >= options_.limits.max_transfers) {
    refusal = "parrot is receiving " + counted(load.total, "file") + " already; try again later";
  } else if (load.for_contact >= options_.limits.max_per_contact) {
    refusal = "you are sending " + counted(options_.limits.max_per_contact, "file") +
              " to parrot already; wait for one to finish";
  }
  if (!refusal.empty()) {
    spdlog::info("si: offer {} from {} refused: {}", offer.id, peer, refusal);
    // XEP-0095 §3.2: a declined offer is a forbidden error of type cancel.
    send_(si::iq_error(ref, "cancel", "forbidden", refusal));
    facts.end = TransferEnd::kRefused;
    facts.failure = refusal;
    deliver(facts);
    return;
  }

  auto transfer = std::make_unique<Transfer>();
  transfer->key = key;
  transfer->peer = peer;
  transfer->target = iq.findAttribute("to").empty() ? self : iq.findAttribute("to");
  transfer->offer = std::move(offer);
  transfer->facts = std::move(facts);
  Transfer& t = *transfer;
  transfers_.emplace(key, std::move(transfer));
  spdlog::info("si: accepting {} ({} bytes) from {} over {}{}", t.offer.file.name, t.offer.file.size, peer,
               t.offer.chosen_method == si::kIbbNamespace ? "IBB" : "SOCKS5",
               t.offer.file.md5_malformed ? " (its md5 'hash' is malformed and ignored)" : "");
  send_(si::si_accept(ref, t.offer.chosen_method));
  arm_idle(t);
}

void SiTransfers::on_bytestreams(const gloox::Tag& iq, const gloox::Tag& query, const std::string& self) {
  const si::IqRef ref = si::iq_ref(iq);
  si::BytestreamParse parsed = si::parse_bytestream_query(query);
  if (!parsed.query) {
    spdlog::info("si: bytestream offer from {} refused: {}", ref.from, parsed.message);
    send_(si::iq_error(ref, parsed.condition == "not-acceptable" ? "cancel" : "modify", parsed.condition,
                       parsed.message));
    return;
  }
  const auto found = transfers_.find(key_of(ref.from, parsed.query->sid));
  // XEP-0065 §5.3.1: a target unwilling to accept the bytestream answers
  // not-acceptable; parrot takes only streams an accepted offer announced.
  if (found == transfers_.end() || found->second->query_iq || found->second->ibb) {
    send_(si::iq_error(ref, "cancel", "not-acceptable", "no accepted file offer with this sid"));
    return;
  }
  Transfer& t = *found->second;
  t.query_iq = ref;
  if (!iq.findAttribute("to").empty()) t.target = iq.findAttribute("to");
  else if (t.target.empty()) t.target = self;
  // Tried one at a time in the sender's order (XEP-0065 §5.3.2): parallel
  // attempts could make two proxies pair up for the same stream.
  t.hosts = std::move(parsed.query->hosts);
  t.idle.cancel();  // the reader has its own connect and idle timeouts
  try_next_streamhost(t);
}

void SiTransfers::try_next_streamhost(Transfer& t) {
  if (t.next_host >= t.hosts.size()) {
    // XEP-0065 §5.3.2: none worked -> item-not-found. Senders such as
    // libpurple may fall back to IBB after it, so the transfer waits.
    spdlog::info("si: {} from {}: no streamhost worked: {}", t.offer.id, t.peer, t.host_errors);
    send_(si::iq_error(*t.query_iq, "cancel", "item-not-found", "could not connect to any streamhost"));
    t.query_iq.reset();
    release_reader(t);
    t.pin.release();
    t.last_activity = std::chrono::steady_clock::now();
    arm_idle(t);
    return;
  }
  const si::Streamhost host = t.hosts[t.next_host++];
  if (!t.pin) t.pin = workers_.pin_least_loaded();
  transport::Worker* worker = t.pin.worker();
  release_reader(t);
  auto holder = std::make_shared<Reader>(transport::ControlPost<SiTransfers>(control_, *this, liveness_), t.key, ++t.attempt);
  t.reader = holder;
  // The reader enforces the announced size itself, so bytes past it are
  // counted as excess rather than hashed.
  transport::bytestream::ReaderOptions options;
  options.expected_bytes = t.offer.file.size;
  options.algorithms = algorithms_for(t.offer);
  options.connect_timeout = options_.streamhost_timeout;
  options.idle_timeout = options_.limits.idle;
  options.linger = options_.linger;
  // XEP-0065 §5.3.2: DST.ADDR = SHA1(SID + Requester JID + Target JID).
  std::string dst = transport::bytestream::socks5_dst_addr(t.offer.id, t.peer, t.target);
  spdlog::debug("si: {} trying streamhost {} at {}:{}", t.offer.id, host.jid, host.host, host.port);
  worker->post([holder, worker, host, dst = std::move(dst), options = std::move(options)]() mutable {
    try {
      holder->reader = transport::bytestream::ByteStreamReader::connect(worker->context(), host.host, host.port,
                                                                         std::move(dst), std::move(options), *holder);
    } catch (const std::exception& e) {
      ReaderResult failed;
      failed.outcome = ReadOutcome::kConnectFailed;
      failed.detail = e.what();
      holder->to_control([key = holder->key, attempt = holder->attempt, failed](SiTransfers& m) {
        m.on_reader_finished(key, attempt, failed);
      });
    }
  });
}

void SiTransfers::on_connected(const Key& key, unsigned attempt) {
  const auto found = transfers_.find(key);
  if (found == transfers_.end() || found->second->attempt != attempt || !found->second->query_iq) return;
  Transfer& t = *found->second;
  t.used = t.hosts[t.next_host - 1];
  // The requester's own JID on a streamhost means it listens itself;
  // anything else is a proxy (XEP-0065 §2 "direct" versus "mediated").
  t.facts.transport = t.used->jid == t.peer ? "SOCKS5 direct" : "SOCKS5 proxy";
  send_(si::streamhost_used(*t.query_iq, t.offer.id, t.used->jid));
  t.query_iq.reset();
}

void SiTransfers::on_reader_finished(const Key& key, unsigned attempt, const ReaderResult& result) {
  const auto found = transfers_.find(key);
  if (found == transfers_.end() || found->second->attempt != attempt) return;
  Transfer& t = *found->second;
  // Before the handshake worked, a failure only rules out this streamhost.
  if (!t.used) {
    const si::Streamhost& host = t.hosts[t.next_host - 1];
    t.host_errors += (t.host_errors.empty() ? "" : "; ") + host.jid + " (" + host.host + ":" +
                     std::to_string(host.port) + "): " + result.detail;
    return try_next_streamhost(t);
  }
  release_reader(t);
  put_digests(t.facts, result.digests);
  t.facts.bytes_received = result.bytes_received + result.excess_bytes;
  t.facts.duration_s = std::chrono::duration<double>(result.data_time).count();
  const std::string announced = grouped(t.offer.file.size);
  switch (result.outcome) {
    case ReadOutcome::kComplete: return finish(t, TransferEnd::kComplete, {});
    case ReadOutcome::kTooManyBytes:
      return finish(t, TransferEnd::kFailed, "the sender sent more than the " + announced + " bytes it announced");
    case ReadOutcome::kTruncated:
      // A complete transfer of fewer bytes: the report says SHORT, as Jingle's.
      return finish(t, TransferEnd::kComplete, "the sender closed the stream after " +
                                                   grouped(result.bytes_received) + " of " + announced + " bytes");
    case ReadOutcome::kIdleTimeout:
      return finish(t, TransferEnd::kFailed, "no data for " + std::to_string(options_.limits.idle.count()) +
                                                 " s after " + grouped(result.bytes_received) + " of " + announced +
                                                 " bytes");
    default: return finish(t, TransferEnd::kFailed, "the SOCKS5 stream broke: " + result.detail);
  }
}

// One timer per transfer, re-armed lazily from last_activity rather than
// per IBB block, so a busy stream costs no timer churn.
void SiTransfers::arm_idle(Transfer& t) {
  const auto due = t.last_activity + options_.limits.idle;
  const auto left = std::max(std::chrono::milliseconds(1), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                               due - std::chrono::steady_clock::now()));
  t.idle = transport::Timer(control_, left, [this, key = t.key] {
    const auto found = transfers_.find(key);
    if (found == transfers_.end()) return;
    Transfer& transfer = *found->second;
    if (transfer.reader) return;  // the reader times out by itself
    if (std::chrono::steady_clock::now() - transfer.last_activity < options_.limits.idle) return arm_idle(transfer);
    if (transfer.ibb) {
      // The digests and the byte count are the worker's; the report follows.
      IbbOutcome ending;
      ending.cause = IbbOutcome::Cause::kIdle;
      return end_ibb(transfer, std::move(ending));
    }
    std::string why = "nothing arrived for " + std::to_string(options_.limits.idle.count()) + " s";
    if (!transfer.host_errors.empty()) {
      why = "no streamhost worked (" + transfer.host_errors + ") and no in-band fallback came";
    } else {
      why += " after parrot accepted the offer";
    }
    finish(transfer, TransferEnd::kFailed, why);
  });
}

void SiTransfers::finish(Transfer& t, TransferEnd end, std::string failure) {
  t.facts.end = end;
  t.facts.failure = std::move(failure);
  if (t.facts.transport.empty()) t.facts.transport = t.offer.chosen_method == si::kIbbNamespace ? "IBB" : "SOCKS5";
  release_reader(t);
  deliver(t.facts);
  if (t.ibb) {
    ended_.push_back(t.key);
    if (ended_.size() > kRememberEnded) ended_.pop_front();
    release_ibb(t);
  }
  const Key key = t.key;  // erase must not compare against the element it destroys
  transfers_.erase(key);  // t is gone after this
}

void SiTransfers::deliver(const FileFacts& facts) {
  if (metrics_) metrics_->transfer_ended(facts);
  const std::string text = summary(facts);
  const std::string json = report_json(facts).dump();
  spdlog::info("si: {} from {}: {}", facts.id, facts.peer, text);
  send_(report_message(facts.peer, text, json));
  if (reports_ != nullptr) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    reports_->add(StoredReport{0, parrot::xmpp::bare_jid(facts.peer), "file", now.count(), text, json});
  }
}

TransferCount SiTransfers::own_load(const std::string& bare_jid) const {
  return TransferCount{transfers_.size(), count_for(bare_jid)};
}

}  // namespace parrot::bot::transfer
