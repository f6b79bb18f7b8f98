#include "bot/transfer/jingle_transfers.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <variant>

#include "bot/metrics.hpp"
#include "bot/report_text.hpp"
#include "bot/transfer/jingle_ft/elements.hpp"
#include "bot/transfer/jingle_ft/stanzas.hpp"
#include "bot/transfer/jingle_transfer_state.hpp"
#include "bot/xmpp/jid.hpp"

namespace parrot::bot::transfer {
namespace ft = jingle_ft;
using jingle::Action;
using jingle::ReasonCondition;

namespace {

constexpr const char* kJingleNs = "urn:xmpp:jingle:1";

}  // namespace

JingleTransfers::JingleTransfers(GMainContext* control, transport::WorkerPool& workers, ReportStore* reports,
                                 JingleFtOptions options, Send send)
    : control_(control), workers_(workers), reports_(reports), options_(std::move(options)), send_(std::move(send)),
      proxy_discovery_([this](const std::string& to, const std::string& type, std::unique_ptr<gloox::Tag> child,
                              xmpp::ProxyDiscovery::Answer done) { send_iq(to, type, std::move(child), std::move(done)); }) {}

JingleTransfers::~JingleTransfers() {
  end_all();
  liveness_.end();
}

void JingleTransfers::end_all() {
  while (!sessions_.empty()) {
    end_session(sessions_.begin()->first, TransferEnd::kCancelled, "parrot is shutting down", true,
                ReasonCondition::kGone);
  }
}

void JingleTransfers::send_result(const gloox::Tag& iq) { send_(ft::iq_result(iq)); }

void JingleTransfers::send_error(const gloox::Tag& iq, const jingle::ErrorReply& error) {
  send_(ft::iq_error(iq, error.to_tag()));
}

std::unique_ptr<gloox::Tag> JingleTransfers::jingle_iq(const Session& session, Action action) {
  return ft::jingle_iq(ft::Envelope{session.peer(), session.sid(), session.initiator(), self_}, action,
                       "ft" + std::to_string(++next_id_));
}

void JingleTransfers::send_transport_info(const Session& session, const Transfer& transfer,
                                          std::unique_ptr<gloox::Tag> transport) {
  auto iq = jingle_iq(session, Action::kTransportInfo);
  ft::add_content(*iq, transfer.creator, transfer.name)->addChild(transport.release());
  send_(std::move(iq));
}

void JingleTransfers::send_terminate(const Session& session, ReasonCondition condition, const std::string& text,
                                     bool file_too_large) {
  send_(ft::terminate_iq(ft::Envelope{session.peer(), session.sid(), {}, {}}, "ft" + std::to_string(++next_id_),
                         condition, text, file_too_large));
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
  control_thread_.check("JingleTransfers::on_jingle_iq");
  const std::string from = iq.findAttribute("from");
  const gloox::Tag* tag = iq.findChild("jingle", "xmlns", kJingleNs);
  if (tag == nullptr) return send_error(iq, jingle::ErrorReply{});
  auto parsed = ft::FtJingle::parse(*tag);
  if (!parsed) {
    spdlog::info("jingle-ft: bad stanza from {}: {}", from, parsed.error);
    return send_error(iq, jingle::ErrorReply{std::nullopt, parsed.error});
  }
  ft::FtJingle& jingle = *parsed.value;
  const auto found = sessions_.find(jingle.sid);
  if (jingle.action == Action::kSessionInitiate) {
    if (found != sessions_.end()) return send_error(iq, ft::tie_break());
    return on_offer(iq, from, jingle);
  }
  if (found == sessions_.end()) return send_error(iq, ft::unknown_session());
  Session& session = *found->second;
  const ft::FtDecision decision = session.state.handle(jingle, from);
  if (decision.error) return send_error(iq, *decision.error);
  send_result(iq);
  switch (decision.step) {
    case ft::FtDecision::Step::kTerminated:
      // Bytes may still be in flight behind a sender's terminate (the
      // sender's data and its terminate race): transfers whose data already
      // arrived finish normally.
      return end_session(jingle.sid, decision.success ? TransferEnd::kComplete : TransferEnd::kCancelled,
                         "the sender ended the session (" + decision.reason_text + ")", false,
                         ReasonCondition::kSuccess);
    case ft::FtDecision::Step::kSessionInfo: return on_checksums(session, jingle);
    case ft::FtDecision::Step::kTransportReplace: return on_transport_replace(session, jingle);
    case ft::FtDecision::Step::kTransportInfo:
      for (const auto& content : jingle.contents) {
        Transfer* transfer = find_transfer(jingle.sid, content.name);
        const auto* s5b = std::get_if<ft::S5bTransport>(&content.transport);
        if (transfer != nullptr && s5b != nullptr) on_s5b_transport_info(session, *transfer, *s5b);
      }
      return;
    case ft::FtDecision::Step::kAck: return;
  }
}

void JingleTransfers::add_advertised(FileFacts& facts, const std::vector<ft::Hash>& hashes) {
  for (const auto& hash : hashes) {
    if (const auto hex = hash.hex()) facts.advertised[hash.algo] = *hex;
  }
}

void JingleTransfers::on_checksums(Session& session, const ft::FtJingle& jingle) {
  for (const auto& checksum : jingle.checksums) {
    // Old Conversations names every checksum 'a-file-offer' and Gajim
    // names none: with one content, it is that content's
    // (docs/file-senders.md).
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
  control_thread_.check("JingleTransfers::on_iq_answer");
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
  pending_iqs_.clear();  // answers from the previous connection never come
  proxy_discovery_.start(domain);
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
  transfer.idle = transport::Timer(control_, delay, [this, sid = transfer.sid(), content = transfer.name] {
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
    if (stale->ibb && stale->pin) return end_ibb_idle(*stale, sid, std::move(why));
    finish_transfer(*found->second, *stale, TransferEnd::kFailed, why);
    maybe_close_session(sid);
  });
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
    maybe_close_session(sid, ReasonCondition::kMediaError, failure);
    return;
  }
  if (end != TransferEnd::kComplete) {
    const bool excess = facts.size && facts.bytes_received > *facts.size;
    finish_transfer(session, *transfer, TransferEnd::kFailed, failure);
    maybe_close_session(sid, excess ? ReasonCondition::kMediaError : ReasonCondition::kFailedTransport, failure,
                        excess);
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
  if (facts.end == TransferEnd::kComplete && whole && !session.state.ended_by_peer()) {
    // XEP-0234 §8.1: tell the sender the file arrived.
    auto info = jingle_iq(session, Action::kSessionInfo);
    info->findChild("jingle")->addChild(
        ft::received_tag(transfer.file.xmlns, transfer.creator.empty() ? "initiator" : transfer.creator,
                         transfer.name)
            .release());
    send_(std::move(info));
  }
  if (!transfer.ibb_sid.empty()) {
    if (finished_ibb_.size() >= kFinishedIbbStreams) finished_ibb_.pop_front();
    finished_ibb_.emplace_back(session.peer(), transfer.ibb_sid);
  }
  // Whatever runs on the worker goes with its last reference there.
  stop_s5b(transfer);
  IbbStream::release(transfer.pin.worker(), transfer.ibb);
  transfer.pin.release();
  if (transfer.counted) {
    transfer.counted = false;
    --transfers_;
    const std::string contact = parrot::xmpp::bare_jid(session.peer());
    if (--per_contact_[contact] == 0) per_contact_.erase(contact);
  }
  deliver_report(facts);
}

void JingleTransfers::maybe_close_session(const std::string& sid, ReasonCondition condition, const std::string& text,
                                          bool file_too_large) {
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
  send_terminate(session, success ? ReasonCondition::kSuccess : condition, success ? std::string() : text,
                 file_too_large);
  session.state.end();
  sessions_.erase(found);
}

void JingleTransfers::end_session(const std::string& sid, TransferEnd end, const std::string& failure,
                                  bool tell_peer, ReasonCondition condition) {
  const auto found = sessions_.find(sid);
  if (found == sessions_.end()) return;
  Session& session = *found->second;
  for (auto& transfer : session.transfers) {
    // A sender's success terminate before parrot saw every byte is short.
    const TransferEnd mine = end == TransferEnd::kComplete && transfer->phase != Transfer::Phase::kGrace
                                 ? TransferEnd::kCancelled
                                 : end;
    finish_transfer(session, *transfer, mine, failure);
  }
  if (tell_peer) send_terminate(session, condition, failure, false);
  session.state.end();
  sessions_.erase(found);
}

void JingleTransfers::deliver_report(const FileFacts& facts) {
  if (metrics_) metrics_->transfer_ended(facts);
  const std::string text = summary(facts);
  const std::string json = report_json(facts).dump();
  spdlog::info("jingle-ft {}: {}", facts.id, text);
  send_(report_message(facts.peer, text, json));
  if (reports_ != nullptr) {
    reports_->add(StoredReport{0, parrot::xmpp::bare_jid(facts.peer), "file", static_cast<std::int64_t>(std::time(nullptr)),
                               text, json});
  }
}

TransferCount JingleTransfers::own_load(const std::string& bare_jid) const {
  return TransferCount{transfers_, contact_load(bare_jid)};
}

}  // namespace parrot::bot::transfer
