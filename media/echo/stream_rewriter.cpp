#include "media/echo/stream_rewriter.hpp"

#include "media/sequence.hpp"

namespace parrot::media::echo {

StreamRewriter::StreamRewriter(std::uint32_t local_ssrc, std::uint32_t clock_rate_hz, std::uint16_t initial_sequence,
                               std::uint32_t initial_timestamp) noexcept
    : local_ssrc_(local_ssrc),
      clock_rate_hz_(clock_rate_hz),
      initial_sequence_(initial_sequence),
      initial_timestamp_(initial_timestamp) {}

StreamRewriter::Rewritten StreamRewriter::rewrite(Timestamp now, std::uint16_t sequence_number,
                                                  std::uint32_t timestamp) noexcept {
  if (!anchored_) {
    // RFC 3550 §5.1: random initial values; after a source change, continue
    // from the last packet sent, with the media time that has passed.
    const std::uint16_t next_sequence = sent_any_ ? static_cast<std::uint16_t>(last_sequence_ + 1) : initial_sequence_;
    const std::uint32_t next_timestamp =
        sent_any_ ? last_timestamp_ + static_cast<std::uint32_t>(std::max<std::int64_t>(
                                          1, duration_to_rtp_ticks(now - last_sent_, clock_rate_hz_)))
                  : initial_timestamp_;
    sequence_offset_ = static_cast<std::uint16_t>(next_sequence - sequence_number);
    timestamp_offset_ = next_timestamp - timestamp;
    anchored_ = true;
  }
  const Rewritten out{static_cast<std::uint16_t>(sequence_number + sequence_offset_), timestamp + timestamp_offset_};
  if (!sent_any_ || is_newer_sequence(out.sequence_number, last_sequence_)) {
    last_sequence_ = out.sequence_number;
    last_timestamp_ = out.timestamp;
    last_sent_ = now;
  }
  sent_any_ = true;
  return out;
}

}  // namespace parrot::media::echo
