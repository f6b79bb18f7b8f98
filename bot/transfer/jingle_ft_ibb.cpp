// XEP-0261 IBB on the control thread, part of JingleTransfers (see
// jingle_transfers.hpp): transport-replace to IBB (XEP-0260 §2.6), and the
// XEP-0047 <open/>, <data/> and <close/> IQs of a transfer's stream. The
// blocks are decoded and hashed on the transfer's worker by the IbbStream
// SI uses too; each IQ's answer comes back here and goes out in order.
// The end is the announced size (Conversations never sends <close/>).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "bot/transfer/ibb_stream.hpp"
#include "bot/transfer/jingle_ft/elements.hpp"
#include "bot/transfer/jingle_ft/stanzas.hpp"
#include "bot/transfer/jingle_transfer_state.hpp"
#include "bot/transfer/jingle_transfers.hpp"

namespace parrot::bot::transfer {
namespace ft = jingle_ft;
using jingle::Action;
using jingle::ReasonCondition;

namespace {

// What one <data/> or <close/> did on the worker, as a value.
struct BlockOutcome {
  IbbReply reply;
  FileFacts partial;         // digests (when the stream ended) and byte count
  bool ended = false;        // this block ended the stream
  bool excess = false;       // bytes past the announced size
  IbbState state = IbbState::kOpen;
  std::string failure;
};

}  // namespace

void JingleTransfers::on_transport_replace(Session& session, const ft::FtJingle& jingle) {
  for (const auto& content : jingle.contents) {
    Transfer* transfer = find_transfer(jingle.sid, content.name);
    if (transfer == nullptr) continue;
    const auto* ibb = std::get_if<ft::IbbTransport>(&content.transport);
    // Accepted until IBB data started or every byte is in: a SOCKS5
    // connection that carried nothing yet is simply dropped.
    const bool replaceable = transfer->phase == Transfer::Phase::kNegotiating ||
                             (transfer->phase == Transfer::Phase::kData && transfer->s5b != nullptr);
    if (ibb == nullptr || !replaceable || ibb->sid.empty()) {
      auto reject = jingle_iq(session, Action::kTransportReject);
      gloox::Tag* element = ft::add_content(*reject, transfer->creator, transfer->name);
      if (!content.transport_xmlns.empty()) (new gloox::Tag(element, "transport"))->setXmlns(content.transport_xmlns);
      send_(std::move(reject));
      continue;
    }
    // XEP-0260 §2.6: SOCKS5 failed, the sender falls back to IBB.
    stop_s5b(*transfer);
    transfer->phase = Transfer::Phase::kNegotiating;
    transfer->ibb_sid = ibb->sid;
    transfer->block_size = ibb->block_size.value_or(4096);
    transfer->facts.transport = "IBB";
    ft::IbbTransport accepted{ibb->sid, transfer->block_size};
    auto accept = jingle_iq(session, Action::kTransportAccept);
    ft::add_content(*accept, transfer->creator, transfer->name)->addChild(accepted.to_tag().release());
    send_(std::move(accept));
    touch(*transfer);
  }
}

JingleTransfers::Transfer* JingleTransfers::find_ibb(const std::string& from, const std::string& ibb_sid,
                                                     Session** session) {
  for (auto& [sid, candidate] : sessions_) {
    if (candidate->peer() != from) continue;
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
  control_thread_.check("JingleTransfers::on_ibb_iq");
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
    on_ibb_open(*session, *transfer, iq, *element);
  } else if (!transfer->ibb || !transfer->ibb_open) {
    send_(ft::iq_error(iq, ft::stanza_error("cancel", "item-not-found", "no open bytestream with this sid")));
  } else if (kind == "data" || kind == "close") {
    touch(*transfer);
    on_ibb_block(*session, *transfer, iq, *element, kind == "close");
  } else {
    touch(*transfer);
    send_(ft::iq_error(iq, ft::stanza_error("modify", "bad-request")));
  }
  return true;
}

void JingleTransfers::on_ibb_open(Session& session, Transfer& transfer, const gloox::Tag& iq, const gloox::Tag& open) {
  const auto block = ft::parse_u64(open.findAttribute("block-size"));
  // XEP-0261 §2: the open must use the block size of session-accept.
  if (!block || *block == 0 || *block > transfer.block_size) {
    send_(ft::iq_error(iq, ft::stanza_error("modify", "resource-constraint")));
    return;
  }
  if (transfer.ibb_open || transfer.phase != Transfer::Phase::kNegotiating) {
    send_(ft::iq_error(iq, ft::stanza_error("cancel", "not-acceptable", "this bytestream is already open")));
    return;
  }
  IbbOptions options;
  options.block_size = static_cast<std::uint16_t>(*block);
  options.expected_bytes = transfer.file.size;
  options.max_bytes = options_.limits.max_file_bytes;
  options.algorithms = transfer.algorithms;
  transfer.ibb = std::make_shared<IbbStream>(std::move(options));
  transfer.ibb_open = true;
  transfer.phase = Transfer::Phase::kData;
  transfer.facts.transport = "IBB";
  transfer.data_started = std::chrono::steady_clock::now();
  send_result(iq);
  touch(transfer);
  // An announced empty file is complete as soon as the stream opens.
  if (transfer.file.size == std::uint64_t{0}) {
    IbbStream::run_on<JingleTransfers, FileFacts>(
        *transfer.pin.worker(), transfer.ibb,
        [](IbbStream& stream) {
          FileFacts partial;
          for (const auto& digest : stream.settle(true).digests) partial.digests[digest.algorithm] = digest.hex();
          return partial;
        },
        to_control(),
        [sid = session.sid(), content = transfer.name](JingleTransfers& m, FileFacts& partial) {
          m.on_bytes_done(sid, content, partial, TransferEnd::kComplete, {});
        });
  }
}

void JingleTransfers::on_ibb_block(Session& session, Transfer& transfer, const gloox::Tag& iq,
                                   const gloox::Tag& element, bool close) {
  std::string seq = element.findAttribute("seq");
  std::string data = close ? std::string() : element.cdata();
  IbbStream::run_on<JingleTransfers, BlockOutcome>(
      *transfer.pin.worker(), transfer.ibb,
      [close, seq = std::move(seq), data = std::move(data)](IbbStream& stream) {
        BlockOutcome out;
        if (close) {
          out.reply.state = stream.on_close();
        } else {
          out.reply = stream.on_data(seq, data);
        }
        IbbSnapshot snapshot = stream.settle(false);
        out.ended = snapshot.ended_now;
        for (const auto& digest : snapshot.digests) out.partial.digests[digest.algorithm] = digest.hex();
        out.partial.bytes_received = snapshot.bytes_received;
        out.excess = snapshot.failure == IbbFailure::kTooManyBytes;
        // What was hashed stops at the size; the report says that more came.
        if (out.excess) out.partial.bytes_received += std::max<std::uint64_t>(1, data.size() * 3 / 4);
        out.state = out.reply.state;
        out.failure = std::move(snapshot.failure_message);
        return out;
      },
      to_control(),
      [sid = session.sid(), content = transfer.name, from = iq.findAttribute("from"), id = iq.findAttribute("id"),
       close](JingleTransfers& m, BlockOutcome& out) {
        m.send_(out.reply.ok || close
                    ? ft::iq_result(from, id)
                    : ft::iq_error(from, id, ft::stanza_error("cancel", std::string(out.reply.condition),
                                                              out.reply.message)));
        Transfer* target = m.find_transfer(sid, content);
        if (target == nullptr || target->phase == Transfer::Phase::kDone) return;
        if (target->phase == Transfer::Phase::kData) target->facts.bytes_received = out.partial.bytes_received;
        if (!out.ended && out.excess && target->phase == Transfer::Phase::kGrace) {
          // A whole block past the announced size: the sender lied.
          target->facts.bytes_received = out.partial.bytes_received;
          target->grace.cancel();
          m.finish_transfer(*m.sessions_.at(sid), *target, TransferEnd::kFailed, "more bytes than announced");
          m.maybe_close_session(sid, ReasonCondition::kMediaError, "more bytes than announced", true);
          return;
        }
        if (!out.ended) return;
        TransferEnd end = out.state == IbbState::kComplete ? TransferEnd::kComplete : TransferEnd::kFailed;
        std::string why = out.failure;
        if (out.state == IbbState::kTruncated) {
          end = TransferEnd::kCancelled;
          why = "the sender closed the stream before the last byte";
        }
        if (out.excess) why = "more bytes than announced";
        m.on_bytes_done(sid, content, out.partial, end, why);
      });
}

void JingleTransfers::end_ibb_idle(Transfer& transfer, const std::string& sid, std::string why) {
  transfer.ibb_open = false;  // a late block gets item-not-found
  const double duration = std::chrono::duration<double>(transfer.last_activity - transfer.data_started).count();
  IbbStream::run_on<JingleTransfers, FileFacts>(
      *transfer.pin.worker(), transfer.ibb,
      [duration](IbbStream& stream) {
        stream.settle(true);
        FileFacts partial;
        for (const auto& digest : stream.digests()) partial.digests[digest.algorithm] = digest.hex();
        partial.bytes_received = stream.bytes_received();
        partial.duration_s = duration;
        return partial;
      },
      to_control(),
      [sid, content = transfer.name, why = std::move(why)](JingleTransfers& m, FileFacts& partial) {
        m.on_bytes_done(sid, content, partial, TransferEnd::kFailed, why);
      });
}

}  // namespace parrot::bot::transfer
