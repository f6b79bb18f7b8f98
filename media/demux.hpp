// RFC 5761 §4: on a port that carries both RTP and RTCP, the second byte
// tells them apart. RTCP packet types 192-223 (SR 200, RR 201, SDES 202,
// BYE 203, APP 204, RTPFB 205, PSFB 206, XR 207, FIR/NACK 192/193) never
// collide with RTP payload types 0-95 once the marker bit is masked in.
#pragma once

#include "media/bytes.hpp"

namespace parrot::media {

enum class MuxedPacketKind { kRtp, kRtcp, kInvalid };

constexpr MuxedPacketKind classify_muxed_packet(ByteView datagram) noexcept {
  if (datagram.size() < 2 || (read_u8(datagram, 0) >> 6) != 2) return MuxedPacketKind::kInvalid;
  const std::uint8_t second = read_u8(datagram, 1);
  return second >= 192 && second <= 223 ? MuxedPacketKind::kRtcp : MuxedPacketKind::kRtp;
}

}  // namespace parrot::media
