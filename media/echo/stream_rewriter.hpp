// Maps a caller's stream onto parrot's outbound one: parrot's own SSRC, and
// sequence numbers and timestamps shifted by fixed offsets, so gaps stay
// gaps and the caller's jitter buffer sees the loss the network made. When
// the inbound source changes (new SSRC, sequence restart), the offsets are
// re-anchored so the outbound spaces continue without a jump.
#pragma once

#include <cstdint>
#include <optional>

#include "media/time.hpp"

namespace parrot::media::echo {

class StreamRewriter {
 public:
  StreamRewriter(std::uint32_t local_ssrc, std::uint32_t clock_rate_hz, std::uint16_t initial_sequence,
                 std::uint32_t initial_timestamp) noexcept;

  struct Rewritten {
    std::uint16_t sequence_number;
    std::uint32_t timestamp;
  };
  // `now` is the send time; it spaces timestamps across a re-anchor.
  Rewritten rewrite(Timestamp now, std::uint16_t sequence_number, std::uint32_t timestamp) noexcept;
  // The next packet starts a new inbound source.
  void reanchor() noexcept { anchored_ = false; }

  std::uint32_t local_ssrc() const noexcept { return local_ssrc_; }

 private:
  std::uint32_t local_ssrc_;
  std::uint32_t clock_rate_hz_;
  bool anchored_ = false;
  bool sent_any_ = false;
  std::uint16_t sequence_offset_ = 0;
  std::uint32_t timestamp_offset_ = 0;
  std::uint16_t initial_sequence_;
  std::uint32_t initial_timestamp_;
  std::uint16_t last_sequence_ = 0;
  std::uint32_t last_timestamp_ = 0;
  Timestamp last_sent_{};
};

}  // namespace parrot::media::echo
