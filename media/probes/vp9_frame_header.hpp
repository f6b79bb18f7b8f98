// The few fields of a VP9 frame the probe needs before handing it to
// libvpx: frame type and declared size (VP9 bitstream spec §6.2,
// "uncompressed header"), and the frames of a superframe (Annex B).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "media/bytes.hpp"
#include "media/probes/video_stats.hpp"

namespace parrot::media::probes {

struct Vp9FrameHeader {
  std::uint8_t profile = 0;
  bool show_existing_frame = false;
  bool keyframe = false;
  bool intra_only = false;
  // Present when the header codes the size explicitly: key frames,
  // intra-only frames and inter frames that take no reference's size.
  std::optional<FrameSize> size;
};

// Empty when the frame marker is wrong or the header is cut short.
std::optional<Vp9FrameHeader> parse_vp9_frame_header(ByteView frame) noexcept;

// Splits a superframe into its frames using the trailing index; data
// without an index is one frame. Returns the number of frames written, or 0
// when the index declares more bytes than the data holds.
std::size_t split_vp9_superframe(ByteView data, std::array<ByteView, 8>& frames) noexcept;

}  // namespace parrot::media::probes
