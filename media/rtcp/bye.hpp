// Goodbye, RTCP packet type 203 (RFC 3550 §6.6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "media/bytes.hpp"
#include "media/rtcp/common_header.hpp"

namespace parrot::media::rtcp {

struct Bye {
  std::vector<std::uint32_t> ssrcs;
  std::string reason;  // empty when none was given

  static constexpr std::size_t kMaxReasonSize = 255;  // the 8-bit length octet

  // `body` is the packet after its 4-byte header, padding removed. nullopt
  // when it holds fewer than SC SSRCs or the reason's length octet points
  // past the end. Bytes after the reason are ignored.
  static std::optional<Bye> parse(const CommonHeader& header, ByteView body);

  // The reason is truncated to 255 bytes and null-padded to 32 bits. More
  // than 31 SSRCs continue in further BYE packets; the reason rides in the
  // last one.
  std::size_t serialized_size() const noexcept;
  // Bytes written, or 0 when `out` is smaller than serialized_size().
  std::size_t serialize(MutableByteView out) const noexcept;

  bool operator==(const Bye&) const = default;
};

}  // namespace parrot::media::rtcp
