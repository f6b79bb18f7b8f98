#include "bot/transfer/s5b_side.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "transport/unique_fd.hpp"

namespace parrot::bot::transfer {
namespace {

using transport::bytestream::ByteStreamReader;
using transport::bytestream::ReaderResult;
using transport::bytestream::ReadOutcome;

std::string describe(ReadOutcome outcome, const std::string& detail) {
  return std::string(transport::bytestream::to_string(outcome)) + (detail.empty() ? "" : ": " + detail);
}

// A connection that ended without a byte of a non-empty file.
bool unused(const ReaderResult& result) {
  return result.bytes_received == 0 && result.excess_bytes == 0 && result.outcome != ReadOutcome::kComplete;
}

}  // namespace

S5bSide::S5bSide(S5bPlan plan, Sink sink) : plan_(std::move(plan)), sink_(std::move(sink)) {}

void S5bSide::emit(S5bEvent event) const {
  event.origin = this;
  sink_(std::move(event));
}

void S5bSide::start(GMainContext* worker_context) {
  worker_thread_.rebind();
  worker_context_ = worker_context;
  if (plan_.listener) plan_.listener->start(worker_context, [this](int fd) { on_accepted(fd); });
  start_next();
}

void S5bSide::stop() {
  worker_thread_.check("S5bSide::stop");
  reader_.reset();
  plan_.listener.reset();
  inbound_.clear();
}

void S5bSide::start_next() {
  while (next_ < plan_.attempts.size()) {
    const S5bAttempt& attempt = plan_.attempts[next_++];
    try {
      reader_ = ByteStreamReader::connect(worker_context_, attempt.host, attempt.port, attempt.dst_addr, plan_.options,
                                          *this);
      current_ = attempt;
      return;
    } catch (const std::exception& e) {
      spdlog::debug("jingle-ft {}: candidate {} unusable: {}", plan_.log_id, attempt.cid, e.what());
    }
  }
  // The sender may still come to parrot's own candidate: the side stays.
  S5bEvent event;
  event.kind = S5bEvent::Kind::kAttemptsFailed;
  event.inbound_possible = plan_.listener != nullptr || !inbound_.empty();
  emit(std::move(event));
}

void S5bSide::on_connected(const std::string&) {
  worker_thread_.check("S5bSide::on_connected");
  connected_ = true;
  S5bEvent event;
  event.kind = plan_.own_proxy ? S5bEvent::Kind::kOwnProxyConnected : S5bEvent::Kind::kConnected;
  event.cid = current_.cid;
  event.proxy = current_.proxy;
  emit(std::move(event));
}

void S5bSide::on_progress(std::uint64_t bytes) {
  S5bEvent event;
  event.kind = S5bEvent::Kind::kProgress;
  event.bytes = bytes;
  emit(std::move(event));
}

void S5bSide::on_finished(const ReaderResult& result) {
  worker_thread_.check("S5bSide::on_finished");
  if (!connected_) {
    spdlog::debug("jingle-ft {}: candidate {} failed: {}", plan_.log_id, current_.cid,
                  describe(result.outcome, result.detail));
    reader_.reset();
    start_next();
    return;
  }
  if (unused(result) && (plan_.listener || !inbound_.empty())) {
    spdlog::debug("jingle-ft {}: candidate {} carried nothing: {}", plan_.log_id, current_.cid,
                  describe(result.outcome, result.detail));
    reader_.reset();
    connected_ = false;
    return;
  }
  deliver(result, current_.proxy ? "SOCKS5 proxy" : "SOCKS5 direct");
}

void S5bSide::on_accepted(int fd) {
  worker_thread_.check("S5bSide::on_accepted");
  transport::UniqueFd socket(fd);
  // A sender tries each of parrot's addresses at most; more at once is
  // not a sender, and one connected is all a transfer needs.
  constexpr std::size_t kMaxInbound = 8;
  if (inbound_.size() >= kMaxInbound) return;  // closed with `socket`
  auto link = std::make_unique<Inbound>(*this);
  Inbound& added = *link;
  inbound_.push_back(std::move(link));
  try {
    auto accepted = ByteStreamReader::accept(worker_context_, socket.release(), plan_.inbound_dst_addrs,
                                             plan_.options, added);
    // accept() may have finished (and erased) the link already.
    for (auto& entry : inbound_) {
      if (entry.get() == &added) entry->reader = std::move(accepted);
    }
  } catch (const std::exception& e) {
    spdlog::debug("jingle-ft {}: connection to parrot's candidate unusable: {}", plan_.log_id, e.what());
    erase_inbound(added);
  }
}

void S5bSide::on_inbound_connected(Inbound& link, const std::string& dst_addr) {
  link.connected = true;
  // One sender, one connection: stop listening, drop half-open others.
  plan_.listener.reset();
  std::erase_if(inbound_, [&](const auto& entry) { return entry.get() != &link && !entry->connected; });
  spdlog::info("jingle-ft {}: the sender connected to parrot's candidate (DST.ADDR {})", plan_.log_id, dst_addr);
  S5bEvent event;
  event.kind = S5bEvent::Kind::kInboundConnected;
  emit(std::move(event));
}

void S5bSide::on_inbound_finished(Inbound& link, const ReaderResult& result) {
  if (!link.connected) {
    spdlog::debug("jingle-ft {}: a connection to parrot's candidate failed: {}", plan_.log_id,
                  describe(result.outcome, result.detail));
    erase_inbound(link);
    return;
  }
  const bool others =
      reader_ != nullptr || next_ < plan_.attempts.size() || plan_.listener != nullptr || inbound_.size() > 1;
  if (unused(result) && others) {
    erase_inbound(link);
    return;
  }
  deliver(result, "SOCKS5 direct");
}

void S5bSide::erase_inbound(Inbound& link) {
  std::erase_if(inbound_, [&](const auto& entry) { return entry.get() == &link; });
}

void S5bSide::deliver(const ReaderResult& result, const std::string& transport) {
  S5bEvent event;
  event.kind = S5bEvent::Kind::kFinished;
  event.transport = transport;
  event.partial.bytes_received = result.bytes_received + result.excess_bytes;
  for (const auto& digest : result.digests) event.partial.digests[digest.algorithm] = digest.hex();
  event.partial.duration_s = std::chrono::duration<double>(result.data_time).count();
  event.failure = describe(result.outcome, result.detail);
  if (result.outcome == ReadOutcome::kComplete) {
    event.end = TransferEnd::kComplete;
    event.failure.clear();
  } else if (result.outcome == ReadOutcome::kTooManyBytes) {
    event.failure = "more bytes than announced";
  } else if (result.outcome == ReadOutcome::kTruncated) {
    event.end = TransferEnd::kCancelled;
    event.failure = "the sender closed the stream before the last byte";
  }
  emit(std::move(event));
  stop();
}

}  // namespace parrot::bot::transfer
