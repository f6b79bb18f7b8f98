// Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03 §2.2):
// an application-layer PSFB (PT 206, FMT 15) whose FCI starts with the
// ASCII identifier "REMB".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "media/bytes.hpp"
#include "media/rtcp/common_header.hpp"

namespace parrot::media::rtcp {

struct Remb {
  std::uint32_t sender_ssrc = 0;
  std::uint64_t bitrate_bps = 0;
  std::vector<std::uint32_t> ssrcs;  // the streams the estimate applies to

  static constexpr std::size_t kMaxSsrcs = 255;  // the 8-bit "Num SSRC" field
  static constexpr std::uint32_t kMantissaBits = 18;
  static constexpr std::uint32_t kMaxExponent = 63;  // 6 bits
  // The largest rate an 18-bit mantissa and 6-bit exponent give in 64 bits.
  static constexpr std::uint64_t kMaxBitrateBps = ((std::uint64_t{1} << kMantissaBits) - 1) << 46;

  // True when a PSFB FMT 15 body carries the "REMB" identifier; other
  // application-layer feedback is not REMB and is skipped as unknown.
  static bool is_remb(ByteView body) noexcept;

  // `body` is the packet after its 4-byte header, padding removed, and
  // is_remb(body) holds. nullopt when the SSRC list runs past the end.
  // A mantissa and exponent beyond 64 bits read as kMaxBitrateBps.
  static std::optional<Remb> parse(const CommonHeader& header, ByteView body);

  // The smallest exponent whose mantissa fits 18 bits, mantissa rounded
  // down: the decoded rate never exceeds `bitrate_bps`.
  struct Encoded {
    std::uint8_t exponent = 0;
    std::uint32_t mantissa = 0;
    bool operator==(const Encoded&) const = default;
  };
  static Encoded encode_bitrate(std::uint64_t bitrate_bps) noexcept;
  static std::uint64_t decode_bitrate(Encoded encoded) noexcept;

  // SSRCs past the 255th are dropped.
  std::size_t serialized_size() const noexcept;
  // Bytes written, or 0 when `out` is smaller than serialized_size().
  std::size_t serialize(MutableByteView out) const noexcept;

  bool operator==(const Remb&) const = default;
};

}  // namespace parrot::media::rtcp
