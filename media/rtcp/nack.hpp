// Generic NACK: transport-layer feedback (RTPFB, PT 205) with FMT 1
// (RFC 4585 §6.2.1). On the wire each FCI item is a PID and a 16-bit
// bitmask of the following lost packets (BLP); here it is a plain list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "media/bytes.hpp"
#include "media/rtcp/common_header.hpp"

namespace parrot::media::rtcp {

struct Nack {
  std::uint32_t sender_ssrc = 0;
  std::uint32_t media_ssrc = 0;
  std::vector<std::uint16_t> sequence_numbers;

  // One FCI item: PID lost, and bit i of BLP set when PID + i + 1 is lost.
  struct Item {
    std::uint16_t pid = 0;
    std::uint16_t blp = 0;
    bool operator==(const Item&) const = default;
  };

  // `body` is the packet after its 4-byte header, padding removed. The
  // sequence numbers come out in wire order, each PID followed by its BLP
  // bits from low to high, duplicates kept as sent. nullopt without any
  // FCI item (RFC 4585 §6.2.1: "MUST contain at least one").
  static std::optional<Nack> parse(const CommonHeader& header, ByteView body);

  // The fewest items covering `sequence_numbers` (any order, duplicates
  // allowed), in ring order: the walk starts after the widest gap between
  // lost packets, so 65535 then 0..15 share one item. Minimal whenever the
  // lost packets leave a gap of 17 or more somewhere on the 16-bit ring.
  // Allocates the result; serialize() packs again without allocating.
  static std::vector<Item> pack(std::span<const std::uint16_t> sequence_numbers);

  // 0 for an empty list: a NACK without items is not valid, so nothing is
  // written (serialize_compound leaves it out).
  std::size_t serialized_size() const noexcept;
  // Bytes written, or 0 when `out` is smaller than serialized_size().
  std::size_t serialize(MutableByteView out) const noexcept;

  bool operator==(const Nack&) const = default;
};

}  // namespace parrot::media::rtcp
