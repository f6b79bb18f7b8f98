#include "media/probes/vp8_descriptor.hpp"

namespace parrot::media::probes {

std::optional<Vp8Descriptor> parse_vp8_descriptor(ByteView payload) noexcept {
  // RFC 7741 §4.2:  |X|R|N|S|R| PID |
  if (payload.empty()) return std::nullopt;
  Vp8Descriptor d;
  const std::uint8_t first = read_u8(payload, 0);
  d.has_extension = (first & 0x80) != 0;
  d.non_reference = (first & 0x20) != 0;
  d.start_of_partition = (first & 0x10) != 0;
  d.partition_index = first & 0x07;
  std::size_t at = 1;
  if (d.has_extension) {
    // |I|L|T|K| RSV |
    if (at >= payload.size()) return std::nullopt;
    const std::uint8_t x = read_u8(payload, at++);
    const bool has_i = (x & 0x80) != 0;
    const bool has_l = (x & 0x40) != 0;
    const bool has_t = (x & 0x20) != 0;
    const bool has_k = (x & 0x10) != 0;
    if (has_i) {
      // |M| PictureID | with M=1 announcing a second PictureID byte.
      if (at >= payload.size()) return std::nullopt;
      const std::uint8_t p = read_u8(payload, at++);
      if ((p & 0x80) != 0) {
        if (at >= payload.size()) return std::nullopt;
        d.picture_id_15bit = true;
        d.picture_id = static_cast<std::uint16_t>(((p & 0x7F) << 8) | read_u8(payload, at++));
      } else {
        d.picture_id = p;
      }
    }
    if (has_l) {
      if (at >= payload.size()) return std::nullopt;
      d.tl0_pic_idx = read_u8(payload, at++);
    }
    // T and K share one byte |TID|Y| KEYIDX |, present when either is set.
    if (has_t || has_k) {
      if (at >= payload.size()) return std::nullopt;
      const std::uint8_t tk = read_u8(payload, at++);
      if (has_t) {
        d.temporal_id = static_cast<std::uint8_t>(tk >> 6);
        d.layer_sync = (tk & 0x20) != 0;
      }
      if (has_k) d.key_idx = static_cast<std::uint8_t>(tk & 0x1F);
    }
  }
  // A descriptor with no VP8 data after it carries nothing to assemble.
  if (at >= payload.size()) return std::nullopt;
  d.header_size = at;
  return d;
}

bool is_vp8_keyframe(ByteView vp8_payload) noexcept {
  return !vp8_payload.empty() && (read_u8(vp8_payload, 0) & 0x01) == 0;
}

std::optional<FrameSize> vp8_keyframe_size(ByteView frame) noexcept {
  constexpr std::size_t kKeyframeHeaderBytes = 10;
  if (frame.size() < kKeyframeHeaderBytes || !is_vp8_keyframe(frame)) return std::nullopt;
  if (read_u8(frame, 3) != 0x9d || read_u8(frame, 4) != 0x01 || read_u8(frame, 5) != 0x2a) return std::nullopt;
  // Little-endian 16-bit fields; the top two bits are a scaling hint.
  const auto width = static_cast<std::uint32_t>((read_u8(frame, 6) | (read_u8(frame, 7) << 8)) & 0x3FFF);
  const auto height = static_cast<std::uint32_t>((read_u8(frame, 8) | (read_u8(frame, 9) << 8)) & 0x3FFF);
  return FrameSize{width, height};
}

}  // namespace parrot::media::probes
