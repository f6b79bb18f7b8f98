// Picture Loss Indication: payload-specific feedback (PSFB, PT 206) with
// FMT 1 and no FCI (RFC 4585 §6.3.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "media/bytes.hpp"
#include "media/rtcp/common_header.hpp"

namespace parrot::media::rtcp {

struct Pli {
  std::uint32_t sender_ssrc = 0;
  std::uint32_t media_ssrc = 0;  // the stream whose decoder lost a picture

  // `body` is the packet after its 4-byte header, padding removed. nullopt
  // when shorter than the two SSRCs; an FCI that should not be there is
  // ignored.
  static std::optional<Pli> parse(const CommonHeader& header, ByteView body) noexcept;

  static constexpr std::size_t kSize = 12;
  std::size_t serialized_size() const noexcept { return kSize; }
  // Bytes written, or 0 when `out` is smaller than kSize.
  std::size_t serialize(MutableByteView out) const noexcept;

  bool operator==(const Pli&) const = default;
};

}  // namespace parrot::media::rtcp
