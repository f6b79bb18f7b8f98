// XEP-0047 in-band bytestreams of SI transfers, part of SiTransfers (see
// si_transfers.hpp): the <open/>, <data/> and <close/> IQs parsed into
// their typed kind, each block decoded and hashed on the transfer's worker
// by the IbbStream Jingle FT uses too, the answers in arrival order, and
// the stream's end turned into the transfer's.
#include <gloox/tag.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <utility>

#include "bot/report_text.hpp"
#include "bot/transfer/ibb_stream.hpp"
#include "bot/transfer/si_transfer_state.hpp"
#include "bot/transfer/si_transfers.hpp"

namespace parrot::bot::transfer {
using si_detail::algorithms_for;
using si_detail::key_of;
using si_detail::put_digests;

void SiTransfers::release_ibb(Transfer& t) {
  // Blocks may still be queued for this stream on the worker; the last
  // reference goes there after them.
  IbbStream::release(t.pin.worker(), t.ibb);
}

bool SiTransfers::on_ibb_iq(const gloox::Tag& iq) {
  control_thread_.check("SiTransfers::on_ibb_iq");
  const gloox::Tag* element = nullptr;
  for (const gloox::Tag* child : iq.children())
    if (si::namespace_of(*child) == si::kIbbNamespace) element = child;
  if (element == nullptr) return false;
  const si::IqRef ref = si::iq_ref(iq);
  si::IbbParse parsed = si::parse_ibb(*element);
  const Key key = key_of(ref.from, element->findAttribute("sid"));
  const auto found = transfers_.find(key);
  if (found == transfers_.end()) {
    // A <close/> just after the last announced byte ended the transfer.
    if (std::find(ended_.begin(), ended_.end(), key) == ended_.end()) return false;
    if (element->name() == "close") send_(si::iq_result(ref));
    else send_(si::iq_error(ref, "cancel", "item-not-found", "this stream has ended"));
    return true;
  }
  Transfer& t = *found->second;
  if (!parsed.element) {
    const std::string type = parsed.condition == "resource-constraint" ? "modify" : "cancel";
    if (!t.ibb) {
      send_(si::iq_error(ref, type, parsed.condition, parsed.message));
      return true;
    }
    IbbOutcome ending;
    ending.iq = ref;
    ending.error_type = type;
    ending.condition = parsed.condition;
    ending.text = parsed.message;
    ending.cause = IbbOutcome::Cause::kMalformed;
    ending.reason = "malformed IBB element: " + parsed.message;
    end_ibb(t, std::move(ending));
    return true;
  }
  switch (parsed.element->kind) {
    case si::IbbElement::Kind::kOpen: on_ibb_open(t, ref, *parsed.element); break;
    case si::IbbElement::Kind::kData: on_ibb_data(t, ref, std::move(*parsed.element)); break;
    case si::IbbElement::Kind::kClose: on_ibb_close(t, ref); break;
  }
  return true;
}

void SiTransfers::on_ibb_open(Transfer& t, const si::IqRef& iq, const si::IbbElement& open) {
  if (t.ibb || t.reader) {
    send_(si::iq_error(iq, "cancel", "not-acceptable", "this stream is already open"));
    return;
  }
  // parrot reads IBB data from IQs only: stanza='message' would need its
  // chat path to divert data messages (XEP-0047 §3 makes IQs the norm).
  if (open.stanza != "iq") {
    send_(si::iq_error(iq, "cancel", "not-acceptable", "parrot accepts IBB data in IQ stanzas only"));
    return finish(t, TransferEnd::kFailed, "IBB over message stanzas is not supported");
  }
  // The blocks are decoded and hashed on a worker like SOCKS5 bytes: a
  // 64 KiB block every round trip from several senders would otherwise
  // hold up every other stanza and timer on the control thread.
  IbbOptions options;
  options.block_size = static_cast<std::uint16_t>(open.block_size);
  options.expected_bytes = t.offer.file.size;
  options.algorithms = algorithms_for(t.offer);
  if (!t.pin) t.pin = workers_.pin_least_loaded();
  t.ibb = std::make_shared<IbbStream>(std::move(options));
  t.facts.transport = "IBB";
  t.ibb_first = std::chrono::steady_clock::now();
  t.last_activity = t.ibb_first;
  send_(si::iq_result(iq));
}

void SiTransfers::on_ibb_data(Transfer& t, si::IqRef iq, si::IbbElement&& data) {
  if (!t.ibb) {
    send_(si::iq_error(iq, "cancel", "item-not-found", "no open in-band stream with this sid"));
    return;
  }
  t.last_activity = std::chrono::steady_clock::now();
  // The base64 text moves into the task: the only copy is gloox's cdata.
  post_ibb(t, [iq = std::move(iq), seq = std::move(data.seq), text = std::move(data.data)](IbbStream& side) {
    IbbOutcome out;
    out.iq = iq;
    if (side.ended()) {
      // The stream ended while this block was on its way (XEP-0047 §2.2).
      out.condition = "item-not-found";
      out.text = "this stream has ended";
      return out;
    }
    const IbbReply reply = side.on_data(seq, text);
    if (!reply.ok) {
      out.condition = reply.condition;
      out.text = reply.message;
    }
    out.take(side.settle(false));
    return out;
  });
}

void SiTransfers::on_ibb_close(Transfer& t, si::IqRef iq) {
  if (!t.ibb) {
    send_(si::iq_result(iq));
    return finish(t, TransferEnd::kCancelled, "the sender closed the in-band stream before sending data");
  }
  // Answered from the worker too, so that the result follows the replies to
  // the blocks before it. XEP-0047 §2.3: a close is always acknowledged.
  post_ibb(t, [iq = std::move(iq)](IbbStream& side) {
    IbbOutcome out;
    out.iq = iq;
    if (!side.ended()) side.on_close();
    out.take(side.settle(false));
    return out;
  });
}

void SiTransfers::end_ibb(Transfer& t, IbbOutcome ending) {
  post_ibb(t, [ending = std::move(ending)](IbbStream& side) mutable {
    ending.take(side.settle(true));
    return std::move(ending);
  });
}

void SiTransfers::post_ibb(Transfer& t, std::function<IbbOutcome(IbbStream&)> work) {
  // The control side holds only a weak reference in the answer, so that the
  // stream's last owner stays on the worker.
  IbbStream::run_on<SiTransfers, IbbOutcome>(
      *t.pin.worker(), t.ibb, std::move(work), transport::ControlPost<SiTransfers>(control_, *this, liveness_),
      [key = t.key, origin = std::weak_ptr<IbbStream>(t.ibb)](SiTransfers& m, IbbOutcome& outcome) {
        m.on_ibb_outcome(key, origin, std::move(outcome));
      });
}

void SiTransfers::on_ibb_outcome(const Key& key, const std::weak_ptr<IbbStream>& origin, IbbOutcome out) {
  // Every IQ is answered, even when its transfer ended meanwhile.
  if (out.iq) {
    send_(out.condition.empty() ? si::iq_result(*out.iq)
                                : si::iq_error(*out.iq, out.error_type, out.condition, out.text));
  }
  const auto found = transfers_.find(key);
  if (found == transfers_.end() || !out.ended) return;
  Transfer& t = *found->second;
  // Compared by owner, not by address: a later stream with the same key
  // may have a new side where a freed one was.
  if (!t.ibb || origin.owner_before(t.ibb) || t.ibb.owner_before(origin)) return;
  put_digests(t.facts, out.digests);
  t.facts.bytes_received = out.bytes_received;
  const auto last = out.cause == IbbOutcome::Cause::kIdle ? t.last_activity : std::chrono::steady_clock::now();
  t.facts.duration_s = std::chrono::duration<double>(last - t.ibb_first).count();
  const std::string announced = grouped(t.offer.file.size);
  switch (out.cause) {
    case IbbOutcome::Cause::kIdle:
      return finish(t, TransferEnd::kFailed, "nothing arrived for " + std::to_string(options_.limits.idle.count()) +
                                                 " s after " + grouped(out.bytes_received) + " bytes");
    case IbbOutcome::Cause::kMalformed: return finish(t, TransferEnd::kFailed, out.reason);
    case IbbOutcome::Cause::kStream: break;
  }
  if (out.state == IbbState::kComplete) return finish(t, TransferEnd::kComplete, {});
  if (out.state == IbbState::kTruncated) {
    return finish(t, TransferEnd::kComplete,
                  "the sender closed the stream after " + grouped(out.bytes_received) + " of " + announced + " bytes");
  }
  // IbbReceiver refuses the block that crosses the size without counting
  // it; the report must still say the sender went past what it announced.
  if (out.failure == IbbFailure::kTooManyBytes) {
    t.facts.bytes_received = t.offer.file.size + 1;  // the report says "more than announced"
    return finish(t, TransferEnd::kFailed, "the sender sent more than the " + announced + " bytes it announced");
  }
  finish(t, TransferEnd::kFailed, out.failure_message);
}

}  // namespace parrot::bot::transfer
