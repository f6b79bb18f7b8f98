// Vp8Packetizer: splits one encoded VP8 frame into RTP payloads per RFC 7741.
// Every payload starts with a 4-byte payload descriptor (§4.2):
//
//    0 1 2 3 4 5 6 7
//   +-+-+-+-+-+-+-+-+
//   |X|R|N|S|R| PID |  X=1, N=0, S=1 on the first packet of the frame, PID=0
//   +-+-+-+-+-+-+-+-+
//   |I|L|T|K|  RSV  |  I=1: a picture id follows; no TL0PICIDX, TID, KEYIDX
//   +-+-+-+-+-+-+-+-+
//   |M| PictureID   |  M=1: 15-bit picture id, big-endian
//   +-+-+-+-+-+-+-+-+
//   |   PictureID   |
//   +-+-+-+-+-+-+-+-+
//
// followed by a slice of the frame. Slices are balanced (sizes differ by at
// most one byte) so a frame needs the fewest packets and none is a runt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "media/bytes.hpp"

namespace parrot::media::signals {

struct VideoPacket {
  std::span<const std::byte> payload;  // descriptor + VP8 data
  bool marker = false;                 // last packet of the frame (RFC 7741 §4.1)
};

class Vp8Packetizer {
 public:
  static constexpr std::size_t kDescriptorSizeBytes = 4;
  static constexpr std::uint16_t kPictureIdMask = 0x7FFF;

  // Throws std::invalid_argument unless max_payload_size_bytes leaves room
  // for at least 16 bytes of VP8 data after the descriptor.
  explicit Vp8Packetizer(std::size_t max_payload_size_bytes);

  // Packets for one frame, valid until the next call. picture_id is taken
  // modulo 2^15. An empty frame gives no packets. Reuses its buffers; grows
  // them only when a frame is larger than any before.
  std::span<const VideoPacket> packetize(ByteView vp8_frame, std::uint16_t picture_id);

  std::size_t max_payload_size_bytes() const noexcept { return max_payload_size_bytes_; }

 private:
  std::size_t max_payload_size_bytes_;
  std::vector<std::byte> buffer_;
  std::vector<VideoPacket> packets_;
};

}  // namespace parrot::media::signals
