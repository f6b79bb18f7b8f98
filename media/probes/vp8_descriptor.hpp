// The VP8 payload descriptor at the start of every VP8 RTP payload
// (RFC 7741 §4.2), and the key-frame bit of the VP8 payload header that
// follows it in the first packet of a frame (RFC 7741 §4.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "media/bytes.hpp"
#include "media/probes/video_stats.hpp"

namespace parrot::media::probes {

struct Vp8Descriptor {
  bool has_extension = false;        // X
  bool non_reference = false;        // N: frame can be discarded without affecting others
  bool start_of_partition = false;   // S
  std::uint8_t partition_index = 0;  // PID, 0..7
  std::optional<std::uint16_t> picture_id;  // 7 or 15 bits, see picture_id_15bit
  bool picture_id_15bit = false;            // M
  std::optional<std::uint8_t> tl0_pic_idx;  // L
  std::optional<std::uint8_t> temporal_id;  // T: TID, 0..3
  bool layer_sync = false;                  // Y (meaningful with T)
  std::optional<std::uint8_t> key_idx;      // K: KEYIDX, 0..31
  std::size_t header_size = 0;              // descriptor bytes; the VP8 payload follows

  // S=1 and PID=0: this packet carries the first byte of a VP8 frame.
  bool begins_frame() const noexcept { return start_of_partition && partition_index == 0; }
};

// Validates and decodes the descriptor. Empty when the payload is too short
// for the fields its bits announce or when no VP8 payload byte follows it.
std::optional<Vp8Descriptor> parse_vp8_descriptor(ByteView payload) noexcept;

// For a packet whose descriptor begins_frame(): the P bit of the VP8 payload
// header's first byte is 0 on a key frame (RFC 7741 §4.3, RFC 6386 §9.1).
// `vp8_payload` is what follows the descriptor; false when it is empty.
bool is_vp8_keyframe(ByteView vp8_payload) noexcept;

// Width and height from a VP8 key frame's uncompressed header (RFC 6386
// §9.1: 3-byte frame tag, start code 9d 01 2a, 14-bit width and height).
// Empty for inter frames or a malformed header.
std::optional<FrameSize> vp8_keyframe_size(ByteView frame) noexcept;

}  // namespace parrot::media::probes
