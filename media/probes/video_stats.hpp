// What a video probe reports about the caller's stream.
#pragma once

#include <cstdint>

#include "media/probes/decode_budget.hpp"

namespace parrot::media::probes {

struct FrameSize {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};

// Which complete frames the probe decodes. Decoding is most of what a
// video probe costs (about 5% of a core per 1080p call), and an inter frame
// decodes only on top of every frame back to a key frame, so a sample must
// start at one: a key frame opens a window and every frame after it is
// decoded for `window_ticks` of RTP time (90 kHz); then the decoder and its
// frame buffers are released until a key frame opens the next window. A key
// frame less than `min_spacing_ticks` after the last window opened opens
// none, which bounds the share decoded for senders that send key frames
// often. Counting (assembly, loss, key frames, picture rate, and the frame
// size from the headers) sees every frame either way.
// window_ticks 0 decodes every frame.
struct VideoSampling {
  std::uint32_t window_ticks = 0;
  std::uint32_t min_spacing_ticks = 0;
  // Added to the spacing after each window: up to this much, drawn from the
  // window's first RTP timestamp (random per stream, RFC 3550 §5.1). Calls
  // that start together, or whose senders send key frames in step, would
  // otherwise open their windows together, and a worker carrying many of
  // them would need several cores' worth for two seconds in every ten.
  std::uint32_t spacing_jitter_ticks = 0;
  // Shared with other probes (a worker's calls): a window opens only with a
  // place in it. Null: no limit.
  DecodeBudget* budget = nullptr;

  static constexpr VideoSampling every_frame() noexcept { return {}; }
  // What parrot's calls use: 2 s after a key frame, at most one window
  // every 10 to 15 s (probes_bench; media/probes/README.md says why no others).
  static constexpr VideoSampling windows() noexcept { return {2 * 90'000, 10 * 90'000, 5 * 90'000}; }
  bool decodes_everything() const noexcept { return window_ticks == 0; }
};

struct VideoStats {
  std::uint64_t packets = 0;            // payloads fed to the probe
  std::uint64_t malformed_packets = 0;  // payload descriptor did not parse
  std::uint64_t late_packets = 0;       // belonged to a frame already closed
  std::uint64_t frames_assembled = 0;   // complete frames (first to last packet, no gap)
  std::uint64_t frames_decoded = 0;     // accepted by libvpx
  // Complete frames on an intact chain of references (they would have been
  // decoded) that fell outside the decoding windows (VideoSampling).
  std::uint64_t frames_not_sampled = 0;
  std::uint64_t decode_windows = 0;     // windows opened; 0 when every frame is decoded
  std::uint64_t windows_refused = 0;    // key frames that would have opened one, refused by the DecodeBudget
  std::uint64_t keyframes = 0;          // complete key frames
  std::uint64_t decode_errors = 0;      // refused by libvpx or by the size guard
  std::uint64_t incomplete_frames = 0;  // a sequence gap, a missing start/end, or over the size bound
  std::uint64_t skipped_frames = 0;     // complete, but not decoded while waiting for a key frame
  // Of the last frame that gave a size: its decoded picture, or its header
  // (a VP8 key frame's, RFC 6386 §9.1; a VP9 frame coding its size
  // explicitly, §6.2) when it was not decoded. 0 before the first.
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  // The stream's pictures (distinct RTP timestamps), whether or not the
  // probe could assemble and decode them (PictureRate), and how many of
  // them it decoded, and how many it could have decoded but did not sample:
  // the rest were lost, incomplete, waited for a key frame, or failed to decode.
  std::uint64_t pictures = 0;
  std::uint64_t pictures_decoded = 0;
  std::uint64_t pictures_not_sampled = 0;
  double frame_rate_fps = 0.0;          // the stream's, over the last 2 s of its timestamps
  double average_frame_rate_fps = 0.0;  // the stream's, over the call
  double decoded_frame_rate_fps = 0.0;  // of the last 32 decoded pictures of the latest window
  VideoSampling sampling;               // how the probe chose what to decode
};

}  // namespace parrot::media::probes
