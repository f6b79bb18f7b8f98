// What a video probe reports about the caller's stream.
#pragma once

#include <cstdint>

namespace parrot::media::probes {

struct FrameSize {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};

struct VideoStats {
  std::uint64_t packets = 0;            // payloads fed to the probe
  std::uint64_t malformed_packets = 0;  // payload descriptor did not parse
  std::uint64_t late_packets = 0;       // belonged to a frame already closed
  std::uint64_t frames_assembled = 0;   // complete frames (first to last packet, no gap)
  std::uint64_t frames_decoded = 0;     // accepted by libvpx
  std::uint64_t keyframes = 0;          // complete key frames
  std::uint64_t decode_errors = 0;      // refused by libvpx or by the size guard
  std::uint64_t incomplete_frames = 0;  // a sequence gap, a missing start/end, or over the size bound
  std::uint64_t skipped_frames = 0;     // complete, but not decoded while waiting for a key frame
  std::uint32_t width = 0;              // of the last decoded frame; 0 before the first
  std::uint32_t height = 0;
  // The stream's pictures (distinct RTP timestamps), whether or not the
  // probe could assemble and decode them (PictureRate), and how many of
  // them it decoded: the rest were lost, incomplete, or waited for a key frame.
  std::uint64_t pictures = 0;
  std::uint64_t pictures_decoded = 0;
  double frame_rate_fps = 0.0;          // the stream's, over the last 2 s of its timestamps
  double average_frame_rate_fps = 0.0;  // the stream's, over the call
  double decoded_frame_rate_fps = 0.0;  // of the last 32 decoded pictures
};

}  // namespace parrot::media::probes
