// The RFC 5109 ULPFEC header (§7.3) and its first level header (§7.4) as a
// validated view over an FEC payload (plain ULPFEC, or RED's primary block),
// with the two in-place rewrites the echo needs. libwebrtc writes one level.
//
//   |E|L|P|X|  CC   |M| PT recovery |            SN base            |
//   |                          TS recovery                          |
//   |        length recovery        |       protection length       |
//   |   mask (16 bits; 48 with L=1) ...
//
// A set mask bit i (most significant first) means the FEC covers the media
// packet with sequence number SN base + i; TS recovery is the XOR of those
// packets' timestamps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "media/bytes.hpp"

namespace parrot::media::rtp {

class UlpfecHeader {
 public:
  static constexpr std::size_t kFecHeaderSize = 10;
  static constexpr std::size_t kShortMaskBits = 16;
  static constexpr std::size_t kLongMaskBits = 48;

  // nullopt when the FEC header and the level-0 header with its mask do not fit.
  static std::optional<UlpfecHeader> parse(ByteView fec) noexcept;

  std::uint16_t sequence_base() const noexcept { return read_u16(data_, 2); }
  std::uint32_t timestamp_recovery() const noexcept { return read_u32(data_, 4); }
  std::size_t mask_bits() const noexcept { return long_mask_ ? kLongMaskBits : kShortMaskBits; }
  // Bit `index` < mask_bits(): the packet SN base + index is protected.
  bool protects(std::size_t index) const noexcept;
  // Header plus level-0 header and mask, bytes.
  std::size_t size() const noexcept { return kFecHeaderSize + (long_mask_ ? 8 : 4); }

 private:
  explicit UlpfecHeader(ByteView data, bool long_mask) noexcept : data_(data), long_mask_(long_mask) {}

  ByteView data_;
  bool long_mask_;
};

// In-place rewrites of an FEC payload that UlpfecHeader::parse accepted.
void set_ulpfec_sequence_base(MutableByteView fec, std::uint16_t sequence_base) noexcept;
void set_ulpfec_timestamp_recovery(MutableByteView fec, std::uint32_t timestamp_recovery) noexcept;

}  // namespace parrot::media::rtp
