#include "media/rtp/ulpfec_header.hpp"

namespace parrot::media::rtp {

std::optional<UlpfecHeader> UlpfecHeader::parse(ByteView fec) noexcept {
  if (fec.size() < kFecHeaderSize) return std::nullopt;
  const bool long_mask = (read_u8(fec, 0) & 0x40) != 0;  // L
  const UlpfecHeader header(fec, long_mask);
  if (fec.size() < header.size()) return std::nullopt;
  return header;
}

bool UlpfecHeader::protects(std::size_t index) const noexcept {
  if (index >= mask_bits()) return false;
  // The mask starts after the protection length, 12 bytes in.
  const std::uint8_t byte = read_u8(data_, kFecHeaderSize + 2 + index / 8);
  return (byte & (0x80u >> (index % 8))) != 0;
}

void set_ulpfec_sequence_base(MutableByteView fec, std::uint16_t sequence_base) noexcept {
  write_u16(fec, 2, sequence_base);
}

void set_ulpfec_timestamp_recovery(MutableByteView fec, std::uint32_t timestamp_recovery) noexcept {
  write_u32(fec, 4, timestamp_recovery);
}

}  // namespace parrot::media::rtp
