#include "media/signals/vp8_packetizer.hpp"

#include <algorithm>
#include <stdexcept>

namespace parrot::media::signals {
namespace {

constexpr std::size_t kMinDataPerPacketBytes = 16;
constexpr std::uint8_t kExtendedBit = 0x80;  // X
constexpr std::uint8_t kStartBit = 0x10;     // S
constexpr std::uint8_t kPictureIdBit = 0x80;  // I
constexpr std::uint16_t kLongPictureIdBit = 0x8000;  // M

// Room for a 640x360 keyframe without growing, in the common case.
constexpr std::size_t kInitialBufferBytes = 64 * 1024;

}  // namespace

Vp8Packetizer::Vp8Packetizer(std::size_t max_payload_size_bytes) : max_payload_size_bytes_(max_payload_size_bytes) {
  if (max_payload_size_bytes < kDescriptorSizeBytes + kMinDataPerPacketBytes) {
    throw std::invalid_argument("Vp8Packetizer: max_payload_size_bytes must be at least 20");
  }
  buffer_.reserve(kInitialBufferBytes);
  packets_.reserve(kInitialBufferBytes / (max_payload_size_bytes - kDescriptorSizeBytes) + 1);
}

std::span<const VideoPacket> Vp8Packetizer::packetize(ByteView vp8_frame, std::uint16_t picture_id) {
  packets_.clear();
  if (vp8_frame.empty()) return {};
  const std::size_t data_per_packet = max_payload_size_bytes_ - kDescriptorSizeBytes;
  const std::size_t count = (vp8_frame.size() + data_per_packet - 1) / data_per_packet;
  const std::size_t base = vp8_frame.size() / count;
  const std::size_t larger = vp8_frame.size() % count;  // the first `larger` slices get one byte more

  // Sized once before any span is taken, so the spans stay valid.
  buffer_.resize(vp8_frame.size() + count * kDescriptorSizeBytes);
  const MutableByteView out{buffer_};
  const auto long_picture_id = static_cast<std::uint16_t>(kLongPictureIdBit | (picture_id & kPictureIdMask));
  std::size_t read_at = 0;
  std::size_t write_at = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t slice = base + (i < larger ? 1 : 0);
    write_u8(out, write_at, static_cast<std::uint8_t>(kExtendedBit | (i == 0 ? kStartBit : 0)));
    write_u8(out, write_at + 1, kPictureIdBit);
    write_u16(out, write_at + 2, long_picture_id);
    std::copy_n(vp8_frame.begin() + static_cast<std::ptrdiff_t>(read_at), slice,
                out.begin() + static_cast<std::ptrdiff_t>(write_at + kDescriptorSizeBytes));
    packets_.push_back(VideoPacket{out.subspan(write_at, kDescriptorSizeBytes + slice), i + 1 == count});
    read_at += slice;
    write_at += kDescriptorSizeBytes + slice;
  }
  return packets_;
}

}  // namespace parrot::media::signals
