// Vp8TestPattern: the video test signal parrot sends in calls it places and
// in load tests. Each frame shows colour bars scrolling left to right (so
// motion and frame drops are visible) and, in a black box near the bottom,
// the frame number in big digits (frame_counter.hpp) that a person can read
// in the echo and a machine can read back from the decoded picture.
// Frames are encoded with libvpx VP8 in real-time, error-resilient, one-pass
// CBR mode and packetized per RFC 7741 (vp8_packetizer.hpp). The caller asks
// for each frame when it is due; nothing here reads a clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "media/signals/vp8_packetizer.hpp"
#include "media/codec_handles.hpp"
#include "media/time.hpp"

namespace parrot::media::signals {

struct Vp8TestPatternConfig {
  int width_px = 640;   // even, 128..4096
  int height_px = 360;  // even, 72..4096
  int frame_rate_fps = 30;  // 1..120
  int bitrate_kbps = 500;
  // A keyframe every interval (rounded to whole frames, at least one frame),
  // counted from the previous keyframe, forced or scheduled.
  std::chrono::milliseconds keyframe_interval{3000};
  std::size_t max_payload_size_bytes = 1100;
  std::uint32_t initial_rtp_timestamp = 0;
  std::uint16_t initial_picture_id = 0;  // taken modulo 2^15
  int cpu_used = -6;  // libvpx VP8E_SET_CPUUSED, -16..16; faster as |value| grows
};

struct VideoFrame {
  std::uint32_t rtp_timestamp = 0;  // 90 kHz (RFC 7741 §4.1)
  bool keyframe = false;
  std::uint64_t frame_number = 0;  // the number drawn in the picture
  // Valid until the next call to next_frame(). Empty only if libvpx refused
  // the frame (counted in encode_failures()); then send nothing.
  std::span<const VideoPacket> packets;
};

class Vp8TestPattern {
 public:
  static constexpr std::uint32_t kRtpClockRateHz = 90'000;
  static constexpr int kScrollPxPerFrame = 4;

  // Throws std::invalid_argument for a configuration outside the ranges
  // above, std::runtime_error if libvpx cannot create the encoder.
  explicit Vp8TestPattern(const Vp8TestPatternConfig& config);

  // Draws, encodes and packetizes the next frame. Frame n carries RTP
  // timestamp initial + n * 90000 / fps (mod 2^32); each frame sent carries
  // the picture id after the previous one's (mod 2^15), starting at initial.
  VideoFrame next_frame();

  // The next frame will be a keyframe (the far end sent PLI or FIR,
  // RFC 4585 §6.3.1, RFC 5104 §4.3.1); the keyframe schedule restarts there.
  void request_keyframe() noexcept { keyframe_requested_ = true; }

  Duration frame_interval() const noexcept;
  std::uint64_t encode_failures() const noexcept { return encode_failures_; }
  // The raw picture of the most recent frame, before encoding.
  const vpx_image_t& last_picture() const noexcept { return *image_; }

 private:
  void draw(std::uint64_t frame_number);

  int width_px_;
  int height_px_;
  int frame_rate_fps_;
  std::uint64_t keyframe_interval_frames_;
  std::uint32_t initial_rtp_timestamp_;
  std::uint16_t picture_id_;
  VpxCodecPtr encoder_;
  VpxImagePtr image_;
  Vp8Packetizer packetizer_;
  std::vector<std::byte> frame_bytes_;
  std::vector<std::uint8_t> bar_row_y_;
  std::vector<std::uint8_t> bar_row_u_;
  std::vector<std::uint8_t> bar_row_v_;
  std::uint64_t frame_number_ = 0;
  std::uint64_t frames_since_keyframe_ = 0;
  bool keyframe_requested_ = true;  // the first frame
  std::uint64_t encode_failures_ = 0;
};

}  // namespace parrot::media::signals
