#include "media/echo/transport_feedback_generator.hpp"

#include <algorithm>
#include <limits>

namespace parrot::media::echo {

namespace {

using rtcp::TransportFeedback;

// libwebrtc's estimate of one feedback packet's size (RemoteEstimatorProxy:
// 20 bytes of header, 40 of IP/UDP/SRTP overhead, 8 of statuses) and the
// share of the rate it lets feedback take.
constexpr double kFeedbackBits = (20 + 40 + 8) * 8.0;
constexpr double kFeedbackShareOfRate = 0.05;

std::int64_t micros(Timestamp t) noexcept { return std::max<std::int64_t>(0, t.time_since_epoch().count()); }

}  // namespace

TransportFeedbackGenerator::TransportFeedbackGenerator(std::uint32_t sender_ssrc, std::size_t max_packet_size)
    : sender_ssrc_(sender_ssrc), max_packet_size_(std::max<std::size_t>(max_packet_size, 64)) {}

void TransportFeedbackGenerator::on_packet(Timestamp arrival, std::uint16_t sequence, std::uint32_t media_ssrc,
                                           std::size_t bytes) {
  const std::int64_t unwrapped = unwrapper_.unwrap(sequence);
  media_ssrc_ = media_ssrc;
  bytes_since_sent_ += bytes;
  if (highest_ && unwrapped > *highest_ + kMaxGap) {
    // A restarted sender, not thousands of losses.
    arrivals_.clear();
    window_start_.reset();
    highest_.reset();
  }
  if (highest_ && unwrapped < *highest_ - kMaxGap) return;
  if (window_start_ && unwrapped < *window_start_) {
    // Reordered behind feedback already sent: reported again only while
    // the arrivals around it are still kept.
    if (arrivals_.empty() || unwrapped < arrivals_.begin()->first) return;
  }
  if (!arrivals_.emplace(unwrapped, arrival).second) return;  // the first arrival counts
  ++packets_recorded_;
  if (!window_start_ || unwrapped < *window_start_) window_start_ = unwrapped;
  if (!highest_ || unwrapped > *highest_) highest_ = unwrapped;
  if (!sent_any_ && arrivals_.size() == 1) last_sent_ = arrival;  // the first feedback waits one interval
  while (arrivals_.size() > kMaxTracked) arrivals_.erase(arrivals_.begin());
}

Timestamp TransportFeedbackGenerator::next_feedback() const noexcept {
  if (!window_start_ || !highest_ || *window_start_ > *highest_) return kNever;
  return last_sent_ + interval_;
}

void TransportFeedbackGenerator::build(Timestamp now, std::vector<TransportFeedback>& out) {
  if (next_feedback() == kNever) return;
  // The next interval from the rate since the last feedback (see the header).
  const double elapsed_s = std::max(to_ms(now - last_sent_), 1.0) / 1000.0;
  const double rate_bps = static_cast<double>(bytes_since_sent_) * 8.0 / elapsed_s;
  const double wanted_us = rate_bps > 0 ? kFeedbackBits / (kFeedbackShareOfRate * rate_bps) * 1e6 : 1e9;
  interval_ = std::clamp(Duration{static_cast<std::int64_t>(std::min(wanted_us, 1e9))}, kMinInterval, kMaxInterval);
  last_sent_ = now;
  sent_any_ = true;
  bytes_since_sent_ = 0;

  while (*window_start_ <= *highest_) {
    auto received = arrivals_.lower_bound(*window_start_);
    if (received == arrivals_.end()) break;
    TransportFeedback feedback;
    feedback.sender_ssrc = sender_ssrc_;
    feedback.media_ssrc = media_ssrc_;
    feedback.base_sequence = static_cast<std::uint16_t>(*window_start_);
    feedback.feedback_count = feedback_count_++;
    // The reference time is the first arrival rounded down to 64 ms, so the
    // first delta fits a byte; deltas are taken between absolute 250 µs
    // ticks, so rounding never accumulates.
    const std::int64_t reference = micros(received->second) / TransportFeedback::kReferenceTimeTickUs;
    feedback.reference_time = static_cast<std::uint32_t>(reference) & TransportFeedback::kReferenceTimeMask;
    std::int64_t previous_ticks = reference * (TransportFeedback::kReferenceTimeTickUs / TransportFeedback::kDeltaTickUs);
    // The exact size so far: the chunker never revisits a chunk, so adding
    // a status can be tried on a copy and undone by not keeping it.
    rtcp::StatusChunker chunker;
    std::size_t delta_bytes = 0;
    std::int64_t sequence = *window_start_;
    for (; sequence <= *highest_ && feedback.packets.size() < TransportFeedback::kMaxPackets; ++sequence) {
      TransportFeedback::PacketStatus status;
      std::int64_t ticks = previous_ticks;
      if (received != arrivals_.end() && received->first == sequence) {
        ticks = micros(received->second) / TransportFeedback::kDeltaTickUs;
        const std::int64_t delta = ticks - previous_ticks;
        if (delta < std::numeric_limits<std::int16_t>::min() || delta > std::numeric_limits<std::int16_t>::max()) break;
        status = TransportFeedback::PacketStatus{true, static_cast<std::int16_t>(delta)};
      }
      const std::uint8_t symbol = TransportFeedback::symbol_of(status);  // also its delta's size in bytes
      rtcp::StatusChunker next = chunker;
      next.add(symbol);
      const std::size_t size = rtcp::pad_to_word(rtcp::kHeaderSize + TransportFeedback::kFixedBodySize +
                                                 2 * next.chunk_count() + delta_bytes + symbol);
      if (size > max_packet_size_ && !feedback.packets.empty()) break;
      chunker = next;
      delta_bytes += symbol;
      feedback.packets.push_back(status);
      if (status.received) {
        previous_ticks = ticks;
        ++received;
      }
    }
    *window_start_ = *window_start_ + static_cast<std::int64_t>(feedback.packets.size());
    out.push_back(std::move(feedback));
    ++feedback_sent_;
  }
  // Arrivals reported and older than the history are of no further use.
  const Timestamp oldest_kept = now - kHistory;
  while (!arrivals_.empty() && arrivals_.begin()->first < *window_start_ && arrivals_.begin()->second < oldest_kept)
    arrivals_.erase(arrivals_.begin());
}

}  // namespace parrot::media::echo
