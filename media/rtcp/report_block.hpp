// One reception report block (RFC 3550 §6.4.1), shared by SR and RR.
#pragma once

#include <cstddef>
#include <cstdint>

#include "media/bytes.hpp"

namespace parrot::media::rtcp {

struct ReportBlock {
  std::uint32_t ssrc = 0;                       // the source this block reports on
  std::uint8_t fraction_lost = 0;               // fixed point, lost / expected * 256
  std::int32_t cumulative_lost = 0;             // 24-bit signed on the wire
  std::uint32_t extended_highest_sequence = 0;  // cycles << 16 | highest sequence
  std::uint32_t jitter = 0;                     // interarrival jitter in RTP ticks
  std::uint32_t last_sr = 0;                    // compact NTP of the last SR received (LSR)
  std::uint32_t delay_since_last_sr = 0;        // DLSR, units of 1/65536 s

  static constexpr std::size_t kSize = 24;
  static constexpr std::int32_t kMinCumulativeLost = -(1 << 23);
  static constexpr std::int32_t kMaxCumulativeLost = (1 << 23) - 1;

  // `in` holds at least kSize bytes (the caller bounds-checks the count).
  static ReportBlock parse(ByteView in) noexcept;
  // `out` holds at least kSize bytes. cumulative_lost is clamped to the
  // 24-bit signed range rather than wrapped, so a huge loss never reads
  // as a gain.
  void serialize(MutableByteView out) const noexcept;

  bool operator==(const ReportBlock&) const = default;
};

}  // namespace parrot::media::rtcp
