#include "media/rtcp/common_header.hpp"

namespace parrot::media::rtcp {

namespace {
constexpr std::uint8_t kVersion = 2;
// RFC 5761 §4: RTCP packet types occupy 192..223 so that they can share a
// port with RTP; anything else in an RTCP datagram is not RTCP.
constexpr std::uint8_t kFirstRtcpType = 192;
constexpr std::uint8_t kLastRtcpType = 223;
}  // namespace

std::optional<CommonHeader> CommonHeader::parse(ByteView packet) noexcept {
  if (packet.size() < kHeaderSize) return std::nullopt;
  const std::uint8_t first = read_u8(packet, 0);
  if ((first >> 6) != kVersion) return std::nullopt;
  const std::uint8_t packet_type = read_u8(packet, 1);
  if (packet_type < kFirstRtcpType || packet_type > kLastRtcpType) return std::nullopt;
  CommonHeader header;
  header.padding = (first & 0x20) != 0;
  header.count = first & 0x1F;
  header.packet_type = packet_type;
  header.size_bytes = (std::size_t{read_u16(packet, 2)} + 1) * 4;
  return header;
}

void CommonHeader::write(MutableByteView out, std::uint8_t count, std::uint8_t packet_type,
                         std::size_t size_bytes) noexcept {
  write_u8(out, 0, static_cast<std::uint8_t>((kVersion << 6) | (count & 0x1F)));
  write_u8(out, 1, packet_type);
  write_u16(out, 2, static_cast<std::uint16_t>(size_bytes / 4 - 1));
}

}  // namespace parrot::media::rtcp
