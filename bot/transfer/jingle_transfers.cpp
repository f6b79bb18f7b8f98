#include "bot/transfer/jingle_transfers.hpp"

#include <gloox/jid.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <set>

#include "bot/report_text.hpp"
#include "bot/transfer/ibb_receiver.hpp"
#include "bot/transfer/jingle_ft/elements.hpp"
#include "bot/transfer/jingle_ft/refusal.hpp"
#include "transport/bytestream/byte_stream_reader.hpp"
#include "transport/bytestream/socks5.hpp"
#include "transport/bytestream/stream_hasher.hpp"
#include "transport/bytestream/tcp_listener.hpp"
#include "transport/worker/timer.hpp"

namespace parrot::bot::transfer {
namespace ft = jingle_ft;
using transport::bytestream::ByteStreamReader;
using transport::bytestream::ReaderOptions;
using transport::bytestream::ReaderResult;
using transport::bytestream::ReadOutcome;

namespace {

constexpr const char* kJingleNs = "urn:xmpp:jingle:1";
constexpr const char* kStanzasNs = "urn:ietf:params:xml:ns:xmpp-stanzas";

std::string bare(const std::string& jid) { return jid.substr(0, jid.find('/')); }

std::unique_ptr<gloox::Tag> stanza_error(const std::string& type, const std::string& condition,
                                         const std::string& text = {}) {
  auto error = std::make_unique<gloox::Tag>("error");
  error->addAttribute("type", type);
  (new gloox::Tag(error.get(), condition))->setXmlns(kStanzasNs);
  if (!text.empty()) {
    auto* child = new gloox::Tag(error.get(), "text", text);
    child->setXmlns(kStanzasNs);
  }
  return error;
}

std::unique_ptr<gloox::Tag> unknown_session() {
  auto error = stanza_error("cancel", "item-not-found");
  (new gloox::Tag(error.get(), "unknown-session"))->setXmlns("urn:xmpp:jingle:errors:1");
  return error;
}

// What parrot hashes: SHA-256 and SHA-1 always (the report's keys, and
// what Conversations sends), plus every algorithm the offer names that
// OpenSSL provides here. A checksum that comes later in another algorithm
// cannot be compared; parrot advertises only sha-256 so senders pick it.
std::vector<std::string> algorithms_for(const ft::FileDescription& file) {
  std::vector<std::string> names{"sha-256", "sha-1"};
  auto add = [&](const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end() &&
        transport::bytestream::StreamHasher::supported(name)) {
      names.push_back(name);
    }
  };
  for (const auto& hash : file.hashes) add(hash.algo);
  for (const auto& algo : file.hash_used) add(algo);
  return names;
}

void add_advertised(FileFacts& facts, const std::vector<ft::Hash>& hashes) {
  for (const auto& hash : hashes) {
    if (const auto hex = hash.hex()) facts.advertised[hash.algo] = *hex;
  }
}

std::string describe(ReadOutcome outcome, const std::string& detail) {
  return std::string(transport::bytestream::to_string(outcome)) + (detail.empty() ? "" : ": " + detail);
}

}  // namespace

// The worker-side half of one IBB transfer: only ever touched on the worker.
struct JingleTransfers::IbbSide {
  explicit IbbSide(IbbOptions options) : receiver(std::move(options)) {}
  IbbReceiver receiver;
  std::vector<transport::bytestream::Digest> digests;
};

struct JingleTransfers::Transfer {
  enum class Phase { kNegotiating, kData, kGrace, kDone };

  std::string creator;
  std::string name;  // the content name
  ft::FileDescription file;
  FileFacts facts;
  Phase phase = Phase::kNegotiating;
  std::vector<std::string> algorithms;
  std::chrono::steady_clock::time_point data_started{};
  bool checksum = false;  // a checksum (or hashes in the offer) is known
  bool counted = false;   // holds a slot in the limits
  transport::Worker::Pin pin;
  // IBB
  std::string ibb_sid;
  std::uint32_t block_size = 4096;
  bool ibb_open = false;
  std::shared_ptr<IbbSide> ibb;
  // SOCKS5
  std::string s5b_sid;
  std::vector<ft::S5bCandidate> candidates;
  std::shared_ptr<S5bSide> s5b;
  std::optional<ft::S5bCandidate> own_proxy;  // offered in session-accept
  std::vector<ft::S5bCandidate> own_direct;   // offered in session-accept, on `listener`
  std::unique_ptr<transport::bytestream::TcpListener> listener;  // until the S5bSide takes it
  bool nominated_own = false;      // the sender chose parrot's proxy
  std::string used_cid;            // the sender's candidate parrot connected to
  bool told_candidate = false;     // parrot sent its candidate-used or candidate-error
  bool s5b_connected = false;      // a SOCKS5 connection (either way) finished its handshake
  bool idle_deferred = false;      // the idle timeout waited once for the reader's own report
  transport::Timer idle;
  std::chrono::steady_clock::time_point last_activity{};  // what the idle timeout counts from
  transport::Timer grace;
};

struct JingleTransfers::Session {
  std::string sid;
  std::string peer;  // the sender's full JID
  std::string initiator;
  std::vector<std::unique_ptr<Transfer>> transfers;
  bool ended_by_peer = false;  // no <received/> into a terminated session
};

// The worker-side half of one SOCKS5 transfer: the sender's candidates tried
// one after the other (outbound), and the connections senders make to
// parrot's own direct candidates (inbound, through the listener). Both run
// at once; XEP-0260 §2.4's nomination decides which one the sender writes
// to, so the bytes are taken from whichever connection carries them and a
// connection that ends without a byte while another may still carry the
// file is dropped without a word.
struct JingleTransfers::S5bSide final : ByteStreamReader::Observer {
  struct Attempt {
    std::string cid;
    std::string host;
    std::uint16_t port = 0;
    std::string dst_addr;
    bool proxy = false;
  };

  // One connection to parrot's listener, from accept to its end.
  struct Inbound final : ByteStreamReader::Observer {
    explicit Inbound(S5bSide& owner) : side(owner) {}
    void on_connected(const std::string& dst_addr) override { side.on_inbound_connected(*this, dst_addr); }
    void on_progress(std::uint64_t bytes) override { side.on_progress(bytes); }
    // May destroy this object: nothing follows the call.
    void on_finished(const ReaderResult& result) override { side.on_inbound_finished(*this, result); }

    S5bSide& side;
    std::unique_ptr<ByteStreamReader> reader;
    bool connected = false;
  };

  S5bSide(GMainContext* control_context, std::weak_ptr<bool> manager_alive, JingleTransfers* owner, std::string sid_,
          std::string content_)
      : control(control_context), alive(std::move(manager_alive)), manager(owner), sid(std::move(sid_)),
        content(std::move(content_)) {}

  void to_control(std::function<void(JingleTransfers&)> task) {
    transport::post_to_context(control, [alive = alive, manager = manager, task = std::move(task)] {
      if (const auto live = alive.lock(); live && *live) task(*manager);
    });
  }

  // On the worker: the listener (when parrot offered direct candidates)
  // and the first of the sender's candidates.
  void start(GMainContext* context) {
    worker_context = context;
    if (listener) listener->start(context, [this](int fd) { on_accepted(fd); });
    start_next();
  }

  // On the worker, last: no callback of this side after it.
  void stop() {
    reader.reset();
    listener.reset();
    inbound.clear();
  }

  // On the worker: the next candidate, or candidate-error when none is left.
  void start_next() {
    while (next < attempts.size()) {
      const Attempt& attempt = attempts[next++];
      try {
        reader = ByteStreamReader::connect(worker_context, attempt.host, attempt.port, attempt.dst_addr, options,
                                           *this);
        current = attempt;
        return;
      } catch (const std::exception& e) {
        spdlog::debug("jingle-ft {}: candidate {} unusable: {}", sid, attempt.cid, e.what());
      }
    }
    // The sender may still come to parrot's own candidate: the side stays.
    const bool inbound_possible = listener != nullptr || !inbound.empty();
    to_control([sid = sid, content = content, origin = this, inbound_possible](JingleTransfers& m) {
      if (const Transfer* transfer = m.find_transfer(sid, content); transfer && transfer->s5b.get() == origin) {
        m.on_s5b_attempts_failed(sid, content, inbound_possible);
      }
    });
  }

  void on_connected(const std::string&) override {
    connected = true;
    if (own_proxy) {
      to_control([sid = sid, content = content, origin = this](JingleTransfers& m) {
        if (const Transfer* transfer = m.find_transfer(sid, content); transfer && transfer->s5b.get() == origin) {
          m.on_own_proxy_connected(sid, content);
        }
      });
      return;
    }
    to_control([sid = sid, content = content, cid = current.cid, proxy = current.proxy,
                origin = this](JingleTransfers& m) {
      Transfer* transfer = m.find_transfer(sid, content);
      if (transfer == nullptr || transfer->s5b.get() != origin) return;  // replaced meanwhile
      transfer->facts.transport = proxy ? "SOCKS5 proxy" : "SOCKS5 direct";
      transfer->s5b_connected = true;
      transfer->used_cid = cid;
      ft::S5bTransport used;
      used.sid = transfer->s5b_sid;
      used.candidate_used = cid;
      transfer->told_candidate = true;
      m.send_transport_info(*m.sessions_.at(sid), *transfer, used.to_tag());
      m.touch(*transfer);
    });
  }

  void on_progress(std::uint64_t bytes) override {
    to_control([sid = sid, content = content, bytes, origin = this](JingleTransfers& m) {
      Transfer* transfer = m.find_transfer(sid, content);
      if (transfer == nullptr || transfer->s5b.get() != origin) return;
      transfer->facts.bytes_received = bytes;  // what a cancellation's report counts
      m.touch(*transfer);
    });
  }

  void on_finished(const ReaderResult& result) override {
    if (!connected) {
      spdlog::debug("jingle-ft {}: candidate {} failed: {}", sid, current.cid, describe(result.outcome, result.detail));
      reader.reset();
      start_next();
      return;
    }
    if (unused(result) && (listener || !inbound.empty())) {
      spdlog::debug("jingle-ft {}: candidate {} carried nothing: {}", sid, current.cid,
                    describe(result.outcome, result.detail));
      reader.reset();
      connected = false;
      return;
    }
    deliver(result, current.proxy ? "SOCKS5 proxy" : "SOCKS5 direct");
  }

  void on_accepted(int fd) {
    // A sender tries each of parrot's addresses at most; more at once is
    // not a sender, and one connected is all a transfer needs.
    constexpr std::size_t kMaxInbound = 8;
    if (inbound.size() >= kMaxInbound) {
      ::close(fd);
      return;
    }
    auto link = std::make_unique<Inbound>(*this);
    Inbound& added = *link;
    inbound.push_back(std::move(link));
    try {
      auto accepted = ByteStreamReader::accept(worker_context, fd, inbound_dst_addrs, options, added);
      // accept() may have finished (and erased) the link already.
      for (auto& entry : inbound) {
        if (entry.get() == &added) entry->reader = std::move(accepted);
      }
    } catch (const std::exception& e) {
      spdlog::debug("jingle-ft {}: connection to parrot's candidate unusable: {}", sid, e.what());
      erase_inbound(added);
    }
  }

  void on_inbound_connected(Inbound& link, const std::string& dst_addr) {
    link.connected = true;
    // One sender, one connection: stop listening, drop half-open others.
    listener.reset();
    std::erase_if(inbound, [&](const auto& entry) { return entry.get() != &link && !entry->connected; });
    spdlog::info("jingle-ft {}: the sender connected to parrot's candidate (DST.ADDR {})", sid, dst_addr);
    to_control([sid = sid, content = content, origin = this](JingleTransfers& m) {
      if (Transfer* transfer = m.find_transfer(sid, content); transfer && transfer->s5b.get() == origin) {
        transfer->s5b_connected = true;
        m.touch(*transfer);
      }
    });
  }

  void on_inbound_finished(Inbound& link, const ReaderResult& result) {
    if (!link.connected) {
      spdlog::debug("jingle-ft {}: a connection to parrot's candidate failed: {}", sid,
                    describe(result.outcome, result.detail));
      erase_inbound(link);
      return;
    }
    const bool others = reader != nullptr || next < attempts.size() || listener != nullptr || inbound.size() > 1;
    if (unused(result) && others) {
      erase_inbound(link);
      return;
    }
    deliver(result, "SOCKS5 direct");
  }

  // A connection that ended without a byte of a non-empty file.
  static bool unused(const ReaderResult& result) {
    return result.bytes_received == 0 && result.excess_bytes == 0 && result.outcome != ReadOutcome::kComplete;
  }

  void erase_inbound(Inbound& link) {
    std::erase_if(inbound, [&](const auto& entry) { return entry.get() == &link; });
  }

  // The transfer's bytes are over on one connection: report them, close
  // every other path. Called from a reader's on_finished.
  void deliver(const ReaderResult& result, const std::string& transport) {
    FileFacts partial;
    partial.bytes_received = result.bytes_received + result.excess_bytes;
    for (const auto& digest : result.digests) partial.digests[digest.algorithm] = digest.hex();
    partial.duration_s = std::chrono::duration<double>(result.data_time).count();
    TransferEnd end = TransferEnd::kFailed;
    std::string failure = describe(result.outcome, result.detail);
    if (result.outcome == ReadOutcome::kComplete) {
      end = TransferEnd::kComplete;
      failure.clear();
    } else if (result.outcome == ReadOutcome::kTooManyBytes) {
      failure = "more bytes than announced";
    } else if (result.outcome == ReadOutcome::kTruncated) {
      end = TransferEnd::kCancelled;
      failure = "the sender closed the stream before the last byte";
    }
    to_control([sid = sid, content = content, partial = std::move(partial), end, failure, transport,
                origin = this](JingleTransfers& m) {
      if (Transfer* transfer = m.find_transfer(sid, content); transfer && transfer->s5b.get() == origin) {
        transfer->facts.transport = transport;
        m.on_bytes_done(sid, content, partial, end, failure);
      }
    });
    stop();
  }

  GMainContext* control;
  GMainContext* worker_context = nullptr;
  std::weak_ptr<bool> alive;
  JingleTransfers* manager;
  std::string sid;
  std::string content;
  std::vector<Attempt> attempts;
  std::size_t next = 0;
  Attempt current;
  ReaderOptions options;
  std::unique_ptr<ByteStreamReader> reader;
  bool connected = false;
  bool own_proxy = false;  // parrot's proxy candidate: activate instead of candidate-used
  std::unique_ptr<transport::bytestream::TcpListener> listener;  // parrot's direct candidates
  std::vector<std::string> inbound_dst_addrs;                     // what senders may CONNECT to on it
  std::vector<std::unique_ptr<Inbound>> inbound;
};

JingleTransfers::JingleTransfers(GMainContext* control, transport::WorkerPool& workers, ReportStore* reports,
                                 JingleFtOptions options, Send send)
    : control_(control), workers_(workers), reports_(reports), options_(std::move(options)), send_(std::move(send)) {}

JingleTransfers::~JingleTransfers() {
  end_all();
  *alive_ = false;
}

void JingleTransfers::end_all() {
  while (!sessions_.empty()) {
    end_session(sessions_.begin()->first, TransferEnd::kCancelled, "parrot is shutting down", true, "gone");
  }
}

void JingleTransfers::send_result(const gloox::Tag& iq) {
  auto reply = std::make_unique<gloox::Tag>("iq");
  reply->addAttribute("type", "result");
  reply->addAttribute("to", iq.findAttribute("from"));
  reply->addAttribute("id", iq.findAttribute("id"));
  send_(std::move(reply));
}

void JingleTransfers::send_error(const gloox::Tag& iq, std::unique_ptr<gloox::Tag> error) {
  auto reply = std::make_unique<gloox::Tag>("iq");
  reply->addAttribute("type", "error");
  reply->addAttribute("to", iq.findAttribute("from"));
  reply->addAttribute("id", iq.findAttribute("id"));
  reply->addChild(error.release());
  send_(std::move(reply));
}

std::unique_ptr<gloox::Tag> JingleTransfers::jingle_iq(const std::string& to, const std::string& action,
                                                       const std::string& sid, const std::string& initiator) {
  auto iq = std::make_unique<gloox::Tag>("iq");
  iq->addAttribute("type", "set");
  iq->addAttribute("to", to);
  iq->addAttribute("id", "ft" + std::to_string(++next_id_));
  auto* jingle = new gloox::Tag(iq.get(), "jingle");
  jingle->setXmlns(kJingleNs);
  jingle->addAttribute("action", action);
  jingle->addAttribute("sid", sid);
  if (action == "session-accept") {
    jingle->addAttribute("initiator", initiator);
    jingle->addAttribute("responder", self_);
  }
  return iq;
}

gloox::Tag* JingleTransfers::add_content(gloox::Tag& iq, const Transfer& transfer) {
  gloox::Tag* jingle = iq.findChild("jingle");
  auto* content = new gloox::Tag(jingle, "content");
  content->addAttribute("creator", transfer.creator.empty() ? "initiator" : transfer.creator);
  content->addAttribute("name", transfer.name);
  return content;
}

void JingleTransfers::send_transport_info(const Session& session, const Transfer& transfer,
                                          std::unique_ptr<gloox::Tag> transport) {
  auto iq = jingle_iq(session.peer, "transport-info", session.sid, session.initiator);
  add_content(*iq, transfer)->addChild(transport.release());
  send_(std::move(iq));
}

void JingleTransfers::send_terminate(const std::string& to, const std::string& sid, const std::string& condition,
                                     const std::string& text, bool file_too_large) {
  auto iq = jingle_iq(to, "session-terminate", sid, {});
  gloox::Tag* reason = new gloox::Tag(iq->findChild("jingle"), "reason");
  new gloox::Tag(reason, condition);
  if (!text.empty()) new gloox::Tag(reason, "text", text);
  // XEP-0234 §9.2: the file-transfer error that says why.
  if (file_too_large) (new gloox::Tag(reason, "file-too-large"))->setXmlns(ft::kFtErrors);
  send_(std::move(iq));
}

std::size_t JingleTransfers::contact_load(const std::string& bare_jid) const {
  const auto found = per_contact_.find(bare_jid);
  return found == per_contact_.end() ? 0 : found->second;
}

JingleTransfers::Transfer* JingleTransfers::find_transfer(const std::string& sid, const std::string& content) {
  const auto found = sessions_.find(sid);
  if (found == sessions_.end()) return nullptr;
  for (auto& transfer : found->second->transfers) {
    if (transfer->name == content) return transfer.get();
  }
  return nullptr;
}

void JingleTransfers::on_jingle_iq(const gloox::Tag& iq) {
  const std::string from = iq.findAttribute("from");
  const gloox::Tag* tag = iq.findChild("jingle", "xmlns", kJingleNs);
  if (tag == nullptr) return send_error(iq, stanza_error("modify", "bad-request"));
  auto parsed = ft::FtJingle::parse(*tag);
  if (!parsed) {
    spdlog::info("jingle-ft: bad stanza from {}: {}", from, parsed.error);
    return send_error(iq, stanza_error("modify", "bad-request", parsed.error));
  }
  ft::FtJingle& jingle = *parsed.value;
  if (jingle.action == "session-initiate") return on_offer(iq, from, jingle);
  const auto found = sessions_.find(jingle.sid);
  if (found == sessions_.end() || found->second->peer != from) return send_error(iq, unknown_session());
  Session& session = *found->second;

  if (jingle.action == "session-terminate") {
    send_result(iq);
    const std::string why = jingle.reason ? std::string(jingle::to_string(jingle.reason->condition)) : "no reason";
    // Bytes may still be in flight behind a sender's terminate (research
    // §4.4): transfers whose data already arrived finish normally.
    end_session(jingle.sid, jingle.reason && jingle.reason->condition == jingle::ReasonCondition::kSuccess
                                ? TransferEnd::kComplete
                                : TransferEnd::kCancelled,
                "the sender ended the session (" + why + ")", false, {});
    return;
  }
  if (jingle.action == "session-info") {
    if (jingle.other_info && jingle.checksums.empty() && !jingle.received) {
      auto error = stanza_error("modify", "feature-not-implemented");
      (new gloox::Tag(error.get(), "unsupported-info"))->setXmlns("urn:xmpp:jingle:errors:1");
      return send_error(iq, std::move(error));
    }
    send_result(iq);
    for (const auto& checksum : jingle.checksums) {
      // Old Conversations names every checksum 'a-file-offer' and Gajim
      // names none: with one content, it is that content's (research §4.4).
      Transfer* target = nullptr;
      for (auto& transfer : session.transfers) {
        if (transfer->name == checksum.name) target = transfer.get();
      }
      if (target == nullptr && session.transfers.size() == 1) target = session.transfers.front().get();
      if (target == nullptr) continue;
      add_advertised(target->facts, checksum.hashes);
      target->checksum = true;
      if (target->phase == Transfer::Phase::kGrace) {
        target->grace.cancel();
        finish_transfer(session, *target, TransferEnd::kComplete, {});
        maybe_close_session(jingle.sid);
        return;
      }
    }
    return;
  }
  if (jingle.action == "transport-replace") {
    send_result(iq);
    for (const auto& content : jingle.contents) {
      Transfer* transfer = find_transfer(jingle.sid, content.name);
      if (transfer == nullptr) continue;
      const auto* ibb = std::get_if<ft::IbbTransport>(&content.transport);
      // Accepted until IBB data started or every byte is in: a SOCKS5
      // connection that carried nothing yet is simply dropped.
      const bool replaceable = transfer->phase == Transfer::Phase::kNegotiating ||
                               (transfer->phase == Transfer::Phase::kData && transfer->s5b != nullptr);
      if (ibb == nullptr || !replaceable || ibb->sid.empty()) {
        auto reject = jingle_iq(session.peer, "transport-reject", session.sid, session.initiator);
        gloox::Tag* element = add_content(*reject, *transfer);
        if (!content.transport_xmlns.empty()) (new gloox::Tag(element, "transport"))->setXmlns(content.transport_xmlns);
        send_(std::move(reject));
        continue;
      }
      // XEP-0260 §2.6: SOCKS5 failed, the sender falls back to IBB.
      if (transfer->s5b) {
        auto side = std::move(transfer->s5b);
        if (transfer->pin) transfer->pin.worker()->post([side] { side->stop(); });
      }
      transfer->phase = Transfer::Phase::kNegotiating;
      transfer->ibb_sid = ibb->sid;
      transfer->block_size = ibb->block_size.value_or(4096);
      transfer->facts.transport = "IBB";
      ft::IbbTransport accepted{ibb->sid, transfer->block_size};
      auto accept = jingle_iq(session.peer, "transport-accept", session.sid, session.initiator);
      add_content(*accept, *transfer)->addChild(accepted.to_tag().release());
      send_(std::move(accept));
      touch(*transfer);
    }
    return;
  }
  if (jingle.action == "transport-info") {
    send_result(iq);
    for (const auto& content : jingle.contents) {
      Transfer* transfer = find_transfer(jingle.sid, content.name);
      const auto* s5b = std::get_if<ft::S5bTransport>(&content.transport);
      if (transfer == nullptr || s5b == nullptr) continue;
      // The sender's candidate-used naming a direct candidate (its own or
      // parrot's), candidate-error and activated need nothing from parrot:
      // the worker takes the bytes from whichever connection carries them.
      touch(*transfer);
      if (s5b->candidate_used && transfer->own_proxy && *s5b->candidate_used == transfer->own_proxy->cid &&
          !transfer->nominated_own) {
        // XEP-0260 §2.4: with both sides' candidates used, the higher
        // priority wins, and on equal priority the initiator's choice: the
        // sender's candidate-used, naming parrot's proxy. So parrot's proxy
        // loses to a direct candidate of the sender that parrot reached, but
        // wins against the same server proxy offered by both sides, where
        // parrot, its owner, must connect and activate (waiting instead
        // moved nothing).
        const bool parrot_connected = transfer->s5b && transfer->facts.transport != "SOCKS5";
        const auto used = std::find_if(transfer->candidates.begin(), transfer->candidates.end(),
                                       [&](const ft::S5bCandidate& c) { return c.cid == transfer->used_cid; });
        // The sender is the initiator of every session this manager runs.
        const bool own_wins = !parrot_connected || used == transfer->candidates.end() ||
                              transfer->own_proxy->priority >= used->priority;
        if (own_wins && transfer->phase != Transfer::Phase::kGrace && transfer->phase != Transfer::Phase::kDone) {
          use_own_proxy(session, *transfer);
        }
      }
      if (s5b->proxy_error && transfer->s5b) {
        // XEP-0260 §2.5: the proxy could not be activated; no byte will
        // come through it. The sender falls back with transport-replace
        // (or the idle timeout ends it).
        spdlog::info("jingle-ft {}: the sender could not activate its proxy", session.sid);
        auto side = std::move(transfer->s5b);
        transfer->pin.worker()->post([side] { side->stop(); });
        transfer->phase = Transfer::Phase::kNegotiating;
      }
    }
    return;
  }
  // session-accept, content-*, description-info, security-info,
  // transport-accept/-reject: nothing a receiver expects; acknowledged.
  send_result(iq);
}

void JingleTransfers::on_offer(const gloox::Tag& iq, const std::string& from, ft::FtJingle& jingle) {
  if (sessions_.contains(jingle.sid)) {
    auto error = stanza_error("cancel", "conflict");
    (new gloox::Tag(error.get(), "tie-break"))->setXmlns("urn:xmpp:jingle:errors:1");
    return send_error(iq, std::move(error));
  }
  send_result(iq);
  auto session = std::make_unique<Session>();
  session->sid = jingle.sid;
  session->peer = from;
  session->initiator = jingle.initiator.empty() ? from : jingle.initiator;
  const auto now = std::chrono::system_clock::now();

  std::vector<FileFacts> refused;
  std::optional<ft::Refusal> session_refusal;  // why, when nothing can be accepted
  bool too_large = false;                      // any content was over the size limit
  const std::string contact = bare(from);
  std::size_t accepted_here = 0;
  for (auto& content : jingle.contents) {
    if (!content.file) continue;
    auto transfer = std::make_unique<Transfer>();
    transfer->creator = content.creator;
    transfer->name = content.name;
    transfer->file = *content.file;
    FileFacts& facts = transfer->facts;
    facts.id = jingle.sid + (jingle.contents.size() > 1 ? "/" + content.name : "");
    facts.peer = from;
    facts.started = now;
    facts.mechanism = std::string("jingle-ft:") + content.file->xmlns.substr(content.file->xmlns.size() - 1);
    facts.name = content.file->name;
    facts.size = content.file->size;
    facts.media_type = content.file->media_type;
    facts.ciphertext = content.file->encrypted || content.security;
    add_advertised(facts, content.file->hashes);
    transfer->checksum = !content.file->hashes.empty();
    transfer->algorithms = algorithms_for(*content.file);

    const TransferCount load = load_ ? load_->of(contact) : own_load(contact);
    if (auto refusal = ft::refusal_for(content, options_.limits,
                                       TransferCount{load.total + accepted_here, load.for_contact + accepted_here})) {
      facts.end = TransferEnd::kRefused;
      facts.failure = refusal->text;
      refused.push_back(facts);
      too_large |= refusal->file_too_large;
      if (!session_refusal || refusal->decisive()) session_refusal = std::move(refusal);
      continue;
    }
    if (const auto* ibb = std::get_if<ft::IbbTransport>(&content.transport)) {
      transfer->ibb_sid = ibb->sid;
      transfer->block_size = ibb->block_size.value_or(4096);
      facts.transport = "IBB";
    } else {
      const auto& s5b = std::get<ft::S5bTransport>(content.transport);
      transfer->s5b_sid = s5b.sid;
      transfer->candidates = s5b.candidates;
      facts.transport = "SOCKS5";
    }
    ++accepted_here;
    session->transfers.push_back(std::move(transfer));
  }

  if (session->transfers.empty()) {
    // XEP-0166 §6.7 / XEP-0234 §6.1: no content parrot can take ends the
    // whole session with the reason of the (last decisive) refusal.
    const ft::Refusal refusal = session_refusal.value_or(
        ft::Refusal{jingle::ReasonCondition::kUnsupportedApplications, "no file offer in this session", false});
    send_terminate(from, jingle.sid, std::string(jingle::to_string(refusal.condition)), refusal.text, too_large);
    spdlog::info("jingle-ft {}: refused from {}: {}", jingle.sid, from, refusal.text);
    for (const auto& facts : refused) deliver_report(facts);
    return;
  }

  // Contents parrot refuses among others it takes are left out of the
  // accept and removed (XEP-0166 §7.2.7 content-reject).
  for (const auto& facts : refused) deliver_report(facts);
  auto accept = jingle_iq(from, "session-accept", jingle.sid, session->initiator);
  for (auto& transfer : session->transfers) {
    gloox::Tag* content = add_content(*accept, *transfer);
    content->addAttribute("senders", "initiator");
    ft::FileDescription echoed = transfer->file;
    echoed.range.reset();  // no <range/>: the whole file (research §4.4)
    content->addChild(echoed.to_tag().release());
    if (!transfer->ibb_sid.empty()) {
      content->addChild(ft::IbbTransport{transfer->ibb_sid, transfer->block_size}.to_tag().release());
    } else {
      ft::S5bTransport offer;
      offer.sid = transfer->s5b_sid;
      open_direct(*transfer);
      offer.candidates = transfer->own_direct;
      if (proxy_) {
        // XEP-0260 §2.2: a proxy candidate's type preference is 10; its
        // DST.ADDR is owner first (parrot + initiator), also sent as dstaddr.
        transfer->own_proxy = ft::S5bCandidate{"parrot-proxy-" + std::to_string(++next_id_), proxy_->host,
                                               proxy_->jid, proxy_->port, 10u << 16, ft::CandidateType::kProxy};
        offer.candidates.push_back(*transfer->own_proxy);
        offer.dstaddr = transport::bytestream::socks5_dst_addr(transfer->s5b_sid, self_, session->initiator);
      }
      content->addChild(offer.to_tag().release());
    }
    transfer->counted = true;
    ++transfers_;
    ++per_contact_[contact];
    transfer->pin = workers_.pin_least_loaded();
  }
  std::unique_ptr<gloox::Tag> rejects;
  if (!refused.empty()) {
    auto reject = jingle_iq(from, "content-reject", jingle.sid, session->initiator);
    gloox::Tag* jingle_tag = reject->findChild("jingle");
    for (const auto& content : jingle.contents) {
      const bool kept = std::any_of(session->transfers.begin(), session->transfers.end(),
                                    [&](const auto& t) { return t->name == content.name; });
      if (kept) continue;
      auto* element = new gloox::Tag(jingle_tag, "content");
      element->addAttribute("creator", content.creator.empty() ? "initiator" : content.creator);
      element->addAttribute("name", content.name);
    }
    rejects = std::move(reject);
  }
  Session& stored = *session;
  sessions_[jingle.sid] = std::move(session);
  send_(std::move(accept));
  if (rejects) send_(std::move(rejects));
  spdlog::info("jingle-ft {}: accepted {} file(s) from {}", jingle.sid, stored.transfers.size(), from);
  for (auto& transfer : stored.transfers) {
    touch(*transfer);
    if (!transfer->s5b_sid.empty()) start_s5b(stored, *transfer);
  }
}

void JingleTransfers::start_s5b(Session& session, Transfer& transfer) {
  auto side = std::make_shared<S5bSide>(control_, alive_, this, session.sid, transfer.name);
  auto candidates = transfer.candidates;
  // XEP-0260 §2.4: highest priority first; direct before proxy on a tie.
  std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    return a.type != ft::CandidateType::kProxy && b.type == ft::CandidateType::kProxy;
  });
  // Every sender agrees on SHA-1(transport sid + initiator + responder);
  // Gajim 1.x hashes the Jingle session id instead (research §4.1), so the
  // same candidates are tried again with it.
  std::vector<std::string> sids{transfer.s5b_sid};
  if (session.sid != transfer.s5b_sid) sids.push_back(session.sid);
  if (transfer.listener) {
    // Senders disagree on the JID order for the responder's direct
    // candidates (research §4.1): owner first (Conversations, Dino) or
    // initiator first (Psi, Gajim); either is accepted, with either sid.
    side->listener = std::move(transfer.listener);
    for (const auto& sid : sids) {
      side->inbound_dst_addrs.push_back(transport::bytestream::socks5_dst_addr(sid, self_, session.initiator));
      side->inbound_dst_addrs.push_back(transport::bytestream::socks5_dst_addr(sid, session.initiator, self_));
    }
  }
  for (const auto& sid : sids) {
    const std::string dst = transport::bytestream::socks5_dst_addr(sid, session.initiator, self_);
    for (const auto& candidate : candidates) {
      side->attempts.push_back({candidate.cid, candidate.host, candidate.port, dst,
                                candidate.type == ft::CandidateType::kProxy});
    }
  }
  run_s5b(transfer, std::move(side));
}

void JingleTransfers::use_own_proxy(Session& session, Transfer& transfer) {
  transfer.nominated_own = true;
  if (transfer.s5b && !transfer.told_candidate) {
    // Still trying the sender's candidates: stop, and say none worked, so
    // the sender knows its nomination stands (XEP-0260 §2.5).
    ft::S5bTransport error;
    error.sid = transfer.s5b_sid;
    error.candidate_error = true;
    transfer.told_candidate = true;
    send_transport_info(session, transfer, error.to_tag());
  }
  if (transfer.s5b) {
    auto old = std::move(transfer.s5b);
    transfer.pin.worker()->post([old] { old->stop(); });
  }
  auto side = std::make_shared<S5bSide>(control_, alive_, this, session.sid, transfer.name);
  side->own_proxy = true;
  side->attempts.push_back({transfer.own_proxy->cid, transfer.own_proxy->host, transfer.own_proxy->port,
                            transport::bytestream::socks5_dst_addr(transfer.s5b_sid, self_, session.initiator),
                            true});
  run_s5b(transfer, std::move(side));
}

void JingleTransfers::run_s5b(Transfer& transfer, std::shared_ptr<S5bSide> side) {
  side->options.expected_bytes = transfer.file.size;
  side->options.max_bytes = options_.limits.max_file_bytes;
  side->options.algorithms = transfer.algorithms;
  side->options.connect_timeout = options_.socks5_connect;
  side->options.idle_timeout = options_.limits.idle;
  // Catch bytes sent beyond the size before the sender's close.
  side->options.linger = std::chrono::milliseconds(1000);
  transfer.s5b = side;
  transfer.phase = Transfer::Phase::kData;
  transfer.data_started = std::chrono::steady_clock::now();
  transport::Worker* worker = transfer.pin.worker();
  worker->post([side = std::move(side), worker] { side->start(worker->context()); });
}

void JingleTransfers::on_own_proxy_connected(const std::string& sid, const std::string& content) {
  Transfer* transfer = find_transfer(sid, content);
  if (transfer == nullptr) return;
  const Session& session = *sessions_.at(sid);
  transfer->facts.transport = "SOCKS5 proxy";
  // XEP-0065 §6.3.3 activation by the proxy's user (parrot), naming the
  // target; then XEP-0260 §2.4 <activated/> (or <proxy-error/>).
  auto query = std::make_unique<gloox::Tag>("query");
  query->setXmlns(ft::kBytestreams);
  query->addAttribute("sid", transfer->s5b_sid);
  new gloox::Tag(query.get(), "activate", session.initiator);
  send_iq(transfer->own_proxy->jid, "set", std::move(query), [this, sid, content](const gloox::Tag& answer) {
    Transfer* activated = find_transfer(sid, content);
    if (activated == nullptr) return;
    ft::S5bTransport info;
    info.sid = activated->s5b_sid;
    if (answer.findAttribute("type") == "result") {
      info.activated = activated->own_proxy->cid;
    } else {
      info.proxy_error = true;
      spdlog::info("jingle-ft {}: the proxy refused the activation", sid);
    }
    send_transport_info(*sessions_.at(sid), *activated, info.to_tag());
    touch(*activated);
  });
}

void JingleTransfers::send_iq(const std::string& to, const std::string& type, std::unique_ptr<gloox::Tag> child,
                              IqCallback done) {
  const std::string id = kIqPrefix + std::to_string(++next_id_);
  auto iq = std::make_unique<gloox::Tag>("iq");
  iq->addAttribute("type", type);
  iq->addAttribute("to", to);
  iq->addAttribute("id", id);
  iq->addChild(child.release());
  pending_iqs_[id] = PendingIq{to, std::move(done)};
  send_(std::move(iq));
}

bool JingleTransfers::on_iq_answer(const gloox::Tag& iq) {
  const auto found = pending_iqs_.find(iq.findAttribute("id"));
  // RFC 6120 §8.1.2.1: the answer comes from the entity asked; an id
  // guessed by anyone else is not taken.
  if (found == pending_iqs_.end() || found->second.to != iq.findAttribute("from")) return false;
  const IqCallback done = std::move(found->second.done);
  pending_iqs_.erase(found);
  done(iq);
  return true;
}

void JingleTransfers::discover_proxy(const std::string& domain) {
  proxy_.reset();
  pending_iqs_.clear();  // answers from the previous connection never come
  auto items = std::make_unique<gloox::Tag>("query");
  items->setXmlns("http://jabber.org/protocol/disco#items");
  send_iq(domain, "get", std::move(items), [this](const gloox::Tag& answer) {
    const gloox::Tag* query = answer.findChild("query");
    if (query == nullptr) return;
    for (const gloox::Tag* item : query->findChildren("item")) {
      const std::string jid = item->findAttribute("jid");
      if (jid.empty()) continue;
      auto info = std::make_unique<gloox::Tag>("query");
      info->setXmlns("http://jabber.org/protocol/disco#info");
      send_iq(jid, "get", std::move(info), [this, jid](const gloox::Tag& described) {
        const gloox::Tag* result = described.findChild("query");
        if (proxy_ || result == nullptr) return;
        bool is_proxy = false;
        for (const gloox::Tag* identity : result->findChildren("identity")) {
          is_proxy |= identity->findAttribute("category") == "proxy" && identity->findAttribute("type") == "bytestreams";
        }
        if (!is_proxy) return;
        auto streamhosts = std::make_unique<gloox::Tag>("query");
        streamhosts->setXmlns(ft::kBytestreams);
        send_iq(jid, "get", std::move(streamhosts), [this, jid](const gloox::Tag& hosts) {
          const gloox::Tag* query_hosts = hosts.findChild("query");
          const gloox::Tag* host = query_hosts ? query_hosts->findChild("streamhost") : nullptr;
          if (proxy_ || host == nullptr) return;
          const auto port = ft::parse_u64(host->findAttribute("port"));
          if (!port || *port == 0 || *port > 65535 || host->findAttribute("host").empty()) return;
          proxy_ = Streamhost{host->findAttribute("jid").empty() ? jid : host->findAttribute("jid"),
                              host->findAttribute("host"), static_cast<std::uint16_t>(*port)};
          spdlog::info("jingle-ft: offering the server's SOCKS5 proxy {} at {}:{}", proxy_->jid, proxy_->host,
                       proxy_->port);
        });
      });
    }
  });
}

void JingleTransfers::on_s5b_attempts_failed(const std::string& sid, const std::string& content,
                                             bool inbound_possible) {
  Transfer* transfer = find_transfer(sid, content);
  if (transfer == nullptr || !transfer->s5b) return;
  if (inbound_possible) {
    spdlog::info("jingle-ft {}: no SOCKS5 candidate of the sender answered; waiting for it on parrot's", sid);
  } else {
    transfer->s5b.reset();
    transfer->phase = Transfer::Phase::kNegotiating;
    spdlog::info("jingle-ft {}: no SOCKS5 candidate of the sender answered; waiting for a transport-replace", sid);
  }
  ft::S5bTransport error;
  error.sid = transfer->s5b_sid;
  error.candidate_error = true;
  transfer->told_candidate = true;
  send_transport_info(*sessions_.at(sid), *transfer, error.to_tag());
  touch(*transfer);
}

void JingleTransfers::open_direct(Transfer& transfer) {
  if (direct_.addresses.empty()) return;
  try {
    transfer.listener = transport::bytestream::TcpListener::open(direct_.port_min, direct_.port_max);
  } catch (const std::exception& e) {
    // The transfer goes on with the sender's candidates and the proxy.
    spdlog::warn("jingle-ft: no direct SOCKS5 candidate of parrot's for this transfer: {}", e.what());
    return;
  }
  const auto count = static_cast<std::uint32_t>(direct_.addresses.size());
  for (std::uint32_t i = 0; i < count; ++i) {
    // XEP-0260 §2.2: type preference 126 for direct candidates; the local
    // preference keeps the operator's order.
    transfer.own_direct.push_back(ft::S5bCandidate{"parrot-direct-" + std::to_string(++next_id_),
                                                   direct_.addresses[i], self_, transfer.listener->port(),
                                                   (126u << 16) + (count - i), ft::CandidateType::kDirect});
  }
}

void JingleTransfers::touch(Transfer& transfer) {
  // Any sign of life moves the deadline; the timer is re-armed only when it
  // fires early, so a stream of IBB blocks costs no timer per block.
  transfer.last_activity = std::chrono::steady_clock::now();
  if (!transfer.idle.pending()) arm_idle(transfer, options_.limits.idle);
}

void JingleTransfers::arm_idle(Transfer& transfer, std::chrono::milliseconds delay) {
  // When it fires for good, the transfer (and, with no transfer left, the
  // session) ends with a report.
  const std::string sid = transfer.facts.id.substr(0, transfer.facts.id.find('/'));
  const std::string content = transfer.name;
  transfer.idle = transport::Timer(control_, delay, [this, sid, content] {
    const auto found = sessions_.find(sid);
    Transfer* stale = find_transfer(sid, content);
    if (stale == nullptr || stale->phase == Transfer::Phase::kDone) return;
    const auto quiet = std::chrono::steady_clock::now() - stale->last_activity;
    if (quiet < options_.limits.idle) {
      return arm_idle(*stale, std::chrono::duration_cast<std::chrono::milliseconds>(options_.limits.idle - quiet) +
                                  std::chrono::milliseconds(1));
    }
    std::string why = "nothing arrived for " + std::to_string(options_.limits.idle.count()) + " s";
    if (stale->s5b && stale->s5b_connected && !stale->idle_deferred) {
      // The connected reader times out by itself after the same idle time
      // and reports with its digests; this is only the backstop.
      stale->idle_deferred = true;
      return arm_idle(*stale, std::chrono::milliseconds(2000));
    }
    if (stale->ibb && stale->pin) {
      // The report carries the digests of what came; they are the worker's.
      stale->ibb_open = false;  // a late block gets item-not-found
      auto side = stale->ibb;
      const double duration = std::chrono::duration<double>(stale->last_activity - stale->data_started).count();
      stale->pin.worker()->post([this, control = control_, alive = std::weak_ptr<bool>(alive_), side, sid, content,
                                 duration, why = std::move(why)] {
        FileFacts partial;
        if (side->digests.empty()) side->digests = side->receiver.finish();
        for (const auto& digest : side->digests) partial.digests[digest.algorithm] = digest.hex();
        partial.bytes_received = side->receiver.bytes_received();
        partial.duration_s = duration;
        transport::post_to_context(control, [this, alive, sid, content, partial, why] {
          if (const auto live = alive.lock(); live && *live) {
            on_bytes_done(sid, content, partial, TransferEnd::kFailed, why);
          }
        });
      });
      return;
    }
    finish_transfer(*found->second, *stale, TransferEnd::kFailed, why);
    maybe_close_session(sid);
  });
}

JingleTransfers::Transfer* JingleTransfers::find_ibb(const std::string& from, const std::string& ibb_sid,
                                                     Session** session) {
  for (auto& [sid, candidate] : sessions_) {
    if (candidate->peer != from) continue;
    for (auto& transfer : candidate->transfers) {
      if (!transfer->ibb_sid.empty() && transfer->ibb_sid == ibb_sid) {
        *session = candidate.get();
        return transfer.get();
      }
    }
  }
  return nullptr;
}

bool JingleTransfers::on_ibb_iq(const gloox::Tag& iq) {
  const gloox::Tag* element = nullptr;
  for (const gloox::Tag* child : iq.children()) {
    if (child->xmlns() == ft::kIbb) element = child;
  }
  if (element == nullptr) return false;
  const std::string from = iq.findAttribute("from");
  Session* session = nullptr;
  Transfer* transfer = find_ibb(from, element->findAttribute("sid"), &session);
  if (transfer == nullptr) {
    const bool finished = std::find(finished_ibb_.begin(), finished_ibb_.end(),
                                    std::pair(from, element->findAttribute("sid"))) != finished_ibb_.end();
    if (!finished || element->name() != "close") return false;
    send_result(iq);
    return true;
  }
  const std::string& kind = element->name();
  if (kind == "open") {
    const auto block = ft::parse_u64(element->findAttribute("block-size"));
    // XEP-0261 §2: the open must use the block size of session-accept.
    if (!block || *block == 0 || *block > transfer->block_size) {
      send_error(iq, stanza_error("modify", "resource-constraint"));
      return true;
    }
    if (transfer->ibb_open || transfer->phase != Transfer::Phase::kNegotiating) {
      send_error(iq, stanza_error("cancel", "not-acceptable", "this bytestream is already open"));
      return true;
    }
    IbbOptions options;
    options.block_size = static_cast<std::uint16_t>(*block);
    options.expected_bytes = transfer->file.size;
    options.max_bytes = options_.limits.max_file_bytes;
    options.algorithms = transfer->algorithms;
    transfer->ibb = std::make_shared<IbbSide>(std::move(options));
    transfer->ibb_open = true;
    transfer->phase = Transfer::Phase::kData;
    transfer->facts.transport = "IBB";
    transfer->data_started = std::chrono::steady_clock::now();
    send_result(iq);
    touch(*transfer);
    // An announced empty file is complete as soon as the stream opens.
    if (transfer->file.size == std::uint64_t{0}) {
      auto side = transfer->ibb;
      transfer->pin.worker()->post([this, control = control_, alive = std::weak_ptr<bool>(alive_), side,
                                    sid = session->sid, content = transfer->name] {
        FileFacts partial;
        for (const auto& digest : side->receiver.finish()) partial.digests[digest.algorithm] = digest.hex();
        transport::post_to_context(control, [this, alive, sid, content, partial] {
          if (const auto live = alive.lock(); live && *live) on_bytes_done(sid, content, partial, TransferEnd::kComplete, {});
        });
      });
    }
    return true;
  }
  if (!transfer->ibb || !transfer->ibb_open) {
    send_error(iq, stanza_error("cancel", "item-not-found", "no open bytestream with this sid"));
    return true;
  }
  touch(*transfer);
  // The decoding and hashing run on the transfer's worker, in arrival
  // order; the IQ's answer comes back here and goes out from the control
  // thread.
  const bool close = kind == "close";
  if (!close && kind != "data") {
    send_error(iq, stanza_error("modify", "bad-request"));
    return true;
  }
  auto side = transfer->ibb;
  const std::string sid = session->sid;
  const std::string content = transfer->name;
  const std::string id = iq.findAttribute("id");
  std::string seq = element->findAttribute("seq");
  std::string data = close ? std::string() : element->cdata();
  // `this` is only used back on the control thread, once alive_ says the
  // manager still exists; the worker reads nothing of it.
  transfer->pin.worker()->post([this, control = control_, alive = std::weak_ptr<bool>(alive_), side, sid, content,
                                from, id, close, seq = std::move(seq), data = std::move(data)] {
    IbbReply reply;
    if (close) {
      reply.state = side->receiver.on_close();
    } else {
      reply = side->receiver.on_data(seq, data);
    }
    FileFacts partial;
    const bool ended = reply.state != IbbState::kOpen && side->digests.empty();
    if (ended) {
      side->digests = side->receiver.finish();
      for (const auto& digest : side->digests) partial.digests[digest.algorithm] = digest.hex();
    }
    partial.bytes_received = side->receiver.bytes_received();
    if (side->receiver.failure() == IbbFailure::kTooManyBytes) {
      // What was hashed stops at the size; the report says that more came.
      partial.bytes_received += std::max<std::uint64_t>(1, data.size() * 3 / 4);
    }
    const IbbState state = reply.state;
    const bool excess = side->receiver.failure() == IbbFailure::kTooManyBytes;
    const bool late_excess = !ended && excess;
    std::string failure = side->receiver.failure_message();
    transport::post_to_context(control, [this, alive, sid, content, from, id, reply = std::move(reply), partial,
                                          ended, excess, late_excess, state, failure, close] {
      if (const auto live = alive.lock(); !live || !*live) return;
      auto answer = std::make_unique<gloox::Tag>("iq");
      answer->addAttribute("to", from);
      answer->addAttribute("id", id);
      if (reply.ok || close) {
        answer->addAttribute("type", "result");
      } else {
        answer->addAttribute("type", "error");
        answer->addChild(stanza_error("cancel", std::string(reply.condition), reply.message).release());
      }
      send_(std::move(answer));
      Transfer* target = find_transfer(sid, content);
      if (target == nullptr || target->phase == Transfer::Phase::kDone) return;
      if (target->phase == Transfer::Phase::kData) target->facts.bytes_received = partial.bytes_received;
      if (late_excess && target->phase == Transfer::Phase::kGrace) {
        // A whole block past the announced size: the sender lied.
        target->facts.bytes_received = partial.bytes_received;
        target->grace.cancel();
        finish_transfer(*sessions_.at(sid), *target, TransferEnd::kFailed, "more bytes than announced");
        maybe_close_session(sid, "media-error", "more bytes than announced", true);
        return;
      }
      if (!ended) return;
      TransferEnd end = state == IbbState::kComplete ? TransferEnd::kComplete : TransferEnd::kFailed;
      std::string why = failure;
      if (state == IbbState::kTruncated) {
        end = TransferEnd::kCancelled;
        why = "the sender closed the stream before the last byte";
      }
      if (excess) why = "more bytes than announced";
      on_bytes_done(sid, content, partial, end, why);
    });
  });
  return true;
}

void JingleTransfers::on_bytes_done(const std::string& sid, const std::string& content, FileFacts partial,
                                    TransferEnd end, std::string failure) {
  Transfer* transfer = find_transfer(sid, content);
  if (transfer == nullptr || transfer->phase == Transfer::Phase::kDone) return;
  Session& session = *sessions_.at(sid);
  FileFacts& facts = transfer->facts;
  facts.bytes_received = partial.bytes_received;
  facts.digests = partial.digests;
  facts.duration_s = partial.duration_s > 0
                         ? partial.duration_s
                         : std::chrono::duration<double>(std::chrono::steady_clock::now() - transfer->data_started).count();
  if (end == TransferEnd::kCancelled) {
    // The sender closed early: a complete transfer of fewer bytes, which
    // the report calls SHORT.
    facts.failure = failure;
    finish_transfer(session, *transfer, TransferEnd::kComplete, failure);
    maybe_close_session(sid, "media-error", failure);
    return;
  }
  if (end != TransferEnd::kComplete) {
    const bool excess = facts.size && facts.bytes_received > *facts.size;
    finish_transfer(session, *transfer, TransferEnd::kFailed, failure);
    maybe_close_session(sid, excess ? "media-error" : "failed-transport", failure, excess);
    return;
  }
  // Every byte is in: a checksum may still be on its way (Conversations
  // sends it after the last byte), unless one is known already.
  if (transfer->checksum) {
    finish_transfer(session, *transfer, TransferEnd::kComplete, {});
    maybe_close_session(sid);
    return;
  }
  transfer->phase = Transfer::Phase::kGrace;
  transfer->idle.cancel();
  transfer->grace = transport::Timer(control_, options_.checksum_grace, [this, sid, content] {
    Transfer* waiting = find_transfer(sid, content);
    if (waiting == nullptr || waiting->phase != Transfer::Phase::kGrace) return;
    finish_transfer(*sessions_.at(sid), *waiting, TransferEnd::kComplete, {});
    maybe_close_session(sid);
  });
}

void JingleTransfers::finish_transfer(Session& session, Transfer& transfer, TransferEnd end,
                                      const std::string& failure) {
  if (transfer.phase == Transfer::Phase::kDone) return;
  const bool had_all_bytes = transfer.phase == Transfer::Phase::kGrace;
  transfer.phase = Transfer::Phase::kDone;
  transfer.idle.cancel();
  transfer.grace.cancel();
  FileFacts& facts = transfer.facts;
  if (end != TransferEnd::kComplete || had_all_bytes) {
    facts.end = had_all_bytes && end == TransferEnd::kCancelled ? TransferEnd::kComplete : end;
  }
  if (facts.end != TransferEnd::kComplete) facts.failure = failure;
  const bool whole = !facts.size || facts.bytes_received == *facts.size;
  if (facts.end == TransferEnd::kComplete && whole && !session.ended_by_peer) {
    // XEP-0234 §8.1: tell the sender the file arrived.
    auto info = jingle_iq(session.peer, "session-info", session.sid, session.initiator);
    info->findChild("jingle")->addChild(
        ft::received_tag(transfer.file.xmlns, transfer.creator.empty() ? "initiator" : transfer.creator,
                         transfer.name)
            .release());
    send_(std::move(info));
  }
  if (!transfer.ibb_sid.empty()) {
    if (finished_ibb_.size() >= kFinishedIbbStreams) finished_ibb_.pop_front();
    finished_ibb_.emplace_back(session.peer, transfer.ibb_sid);
  }
  // Whatever runs on the worker goes with its last reference there.
  if (transfer.pin) {
    auto s5b = std::move(transfer.s5b);
    auto ibb = std::move(transfer.ibb);
    transfer.pin.worker()->post([s5b, ibb] {
      if (s5b) s5b->stop();
    });
  }
  transfer.pin.release();
  if (transfer.counted) {
    transfer.counted = false;
    --transfers_;
    const std::string contact = bare(session.peer);
    if (--per_contact_[contact] == 0) per_contact_.erase(contact);
  }
  deliver_report(facts);
}

void JingleTransfers::maybe_close_session(const std::string& sid, const std::string& condition,
                                          const std::string& text, bool file_too_large) {
  const auto found = sessions_.find(sid);
  if (found == sessions_.end()) return;
  Session& session = *found->second;
  const bool all_done = std::all_of(session.transfers.begin(), session.transfers.end(),
                                    [](const auto& t) { return t->phase == Transfer::Phase::kDone; });
  if (!all_done) return;
  // XEP-0234 §6.6: the receiver ends the session once it has everything.
  const bool success = std::all_of(session.transfers.begin(), session.transfers.end(), [](const auto& t) {
    return t->facts.end == TransferEnd::kComplete && (!t->facts.size || t->facts.bytes_received == *t->facts.size);
  });
  const std::string reason = success ? "success" : (condition.empty() ? "failed-transport" : condition);
  send_terminate(session.peer, sid, reason, success ? std::string() : text, file_too_large);
  sessions_.erase(found);
}

void JingleTransfers::end_session(const std::string& sid, TransferEnd end, const std::string& failure,
                                  bool tell_peer, const std::string& condition) {
  const auto found = sessions_.find(sid);
  if (found == sessions_.end()) return;
  Session& session = *found->second;
  session.ended_by_peer = !tell_peer;
  for (auto& transfer : session.transfers) {
    // A sender's success terminate before parrot saw every byte is short.
    const TransferEnd mine = end == TransferEnd::kComplete && transfer->phase != Transfer::Phase::kGrace
                                 ? TransferEnd::kCancelled
                                 : end;
    finish_transfer(session, *transfer, mine, failure);
  }
  if (tell_peer) send_terminate(session.peer, sid, condition, failure, false);
  sessions_.erase(found);
}

void JingleTransfers::deliver_report(const FileFacts& facts) {
  const std::string text = summary(facts);
  const std::string json = report_json(facts).dump();
  spdlog::info("jingle-ft {}: {}", facts.id, text);
  send_(report_message(facts.peer, text, json));
  if (reports_ != nullptr) {
    reports_->add(StoredReport{0, bare(facts.peer), "file", static_cast<std::int64_t>(std::time(nullptr)), text, json});
  }
}

TransferCount JingleTransfers::own_load(const std::string& bare_jid) const {
  return TransferCount{transfers_, contact_load(bare_jid)};
}

}  // namespace parrot::bot::transfer
