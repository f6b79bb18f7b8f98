#include "media/rtp/rtp_packet.hpp"

namespace parrot::media::rtp {

std::optional<RtpPacket> RtpPacket::parse(ByteView datagram) noexcept {
  if (datagram.size() < kFixedHeaderSize) return std::nullopt;
  const std::uint8_t first = read_u8(datagram, 0);
  if ((first >> 6) != 2) return std::nullopt;

  RtpPacket packet(datagram);
  std::size_t offset = kFixedHeaderSize + 4 * std::size_t{first & 0x0Fu};
  if (offset > datagram.size()) return std::nullopt;

  if ((first & 0x10) != 0) {
    // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words.
    if (offset + 4 > datagram.size()) return std::nullopt;
    const std::size_t data_bytes = 4 * std::size_t{read_u16(datagram, offset + 2)};
    if (offset + 4 + data_bytes > datagram.size()) return std::nullopt;
    packet.extension_size_ = 4 + data_bytes;
    offset += packet.extension_size_;
  }
  packet.header_size_ = offset;

  std::size_t padding = 0;
  if ((first & 0x20) != 0) {
    // RFC 3550 §5.1: the last octet counts the padding, itself included.
    if (datagram.size() == offset) return std::nullopt;
    padding = read_u8(datagram, datagram.size() - 1);
    if (padding == 0 || padding > datagram.size() - offset) return std::nullopt;
  }
  packet.padding_size_ = static_cast<std::uint8_t>(padding);
  packet.payload_size_ = datagram.size() - offset - padding;
  return packet;
}

std::uint16_t RtpPacket::extension_profile() const noexcept {
  if (!has_extension()) return 0;
  return read_u16(data_, header_size_ - extension_size_);
}

ByteView RtpPacket::extension_data() const noexcept {
  if (!has_extension()) return {};
  return data_.subspan(header_size_ - extension_size_ + 4, extension_size_ - 4);
}

void set_marker(MutableByteView packet, bool marker) noexcept {
  const auto second = static_cast<std::uint8_t>((read_u8(packet, 1) & 0x7F) | (marker ? 0x80 : 0));
  write_u8(packet, 1, second);
}

void set_payload_type(MutableByteView packet, std::uint8_t payload_type) noexcept {
  write_u8(packet, 1, static_cast<std::uint8_t>((read_u8(packet, 1) & 0x80) | (payload_type & 0x7F)));
}

void set_sequence_number(MutableByteView packet, std::uint16_t sequence_number) noexcept {
  write_u16(packet, 2, sequence_number);
}

void set_timestamp(MutableByteView packet, std::uint32_t timestamp) noexcept { write_u32(packet, 4, timestamp); }

void set_ssrc(MutableByteView packet, std::uint32_t ssrc) noexcept { write_u32(packet, 8, ssrc); }

std::size_t serialize(const RtpHeader& header, ByteView payload, MutableByteView out) noexcept {
  if (header.csrcs.size() > 15 || header.extension_data.size() % 4 != 0 ||
      header.extension_data.size() / 4 > 0xFFFF || header.payload_type > 0x7F)
    return 0;
  const bool has_extension = header.has_extension || !header.extension_data.empty() || header.extension_profile != 0;
  const std::size_t header_size =
      kFixedHeaderSize + 4 * header.csrcs.size() + (has_extension ? 4 + header.extension_data.size() : 0);
  if (out.size() < header_size + payload.size()) return 0;

  write_u8(out, 0, static_cast<std::uint8_t>(0x80 | (has_extension ? 0x10 : 0) | header.csrcs.size()));
  write_u8(out, 1, static_cast<std::uint8_t>((header.marker ? 0x80 : 0) | header.payload_type));
  write_u16(out, 2, header.sequence_number);
  write_u32(out, 4, header.timestamp);
  write_u32(out, 8, header.ssrc);
  std::size_t offset = kFixedHeaderSize;
  for (const std::uint32_t csrc : header.csrcs) {
    write_u32(out, offset, csrc);
    offset += 4;
  }
  if (has_extension) {
    write_u16(out, offset, header.extension_profile);
    write_u16(out, offset + 2, static_cast<std::uint16_t>(header.extension_data.size() / 4));
    offset += 4;
    std::copy(header.extension_data.begin(), header.extension_data.end(), out.begin() + static_cast<std::ptrdiff_t>(offset));
    offset += header.extension_data.size();
  }
  std::copy(payload.begin(), payload.end(), out.begin() + static_cast<std::ptrdiff_t>(offset));
  return offset + payload.size();
}

}  // namespace parrot::media::rtp
