// The codec-independent half of the VP8 and VP9 probes: frame assembly,
// the key-frame gate, the size guard, decoding (of every frame, or in
// windows after key frames: VideoSampling) and the statistics. The codec
// probes parse their payload descriptor and feed it FramePackets.
#pragma once

#include <cstdint>
#include <optional>

#include "media/bytes.hpp"
#include "media/probes/frame_assembler.hpp"
#include "media/probes/frame_rate_window.hpp"
#include "media/probes/picture_rate.hpp"
#include "media/probes/video_stats.hpp"
#include "media/probes/vpx_decoder.hpp"

namespace parrot::media::probes {

class VideoProbe {
 public:
  // Frames declaring a larger width or height are not given to libvpx,
  // which would allocate for them before finding the data short.
  static constexpr std::uint32_t kMaxFrameDimension = 4096;

  // Throws std::runtime_error if libvpx cannot create the decoder.
  explicit VideoProbe(VideoCodec codec, VideoSampling sampling = VideoSampling::every_frame());

  void on_malformed_packet() noexcept;
  void on_frame_packet(const FramePacket& packet);
  // A packet of the stream that carries no frame data (FrameAssembler::add_filler).
  void on_filler_packet(std::uint16_t sequence_number);

  const VideoStats& stats() const noexcept { return stats_; }
  // Whether a libvpx decoder (and its frame buffers) is held: always when
  // decoding every frame; when sampling, inside a window and before the first.
  bool holds_decoder() const noexcept { return decoder_.has_value(); }

 private:
  // What the probe reads from a frame's uncompressed header(s), undecoded.
  struct FrameHeader {
    bool keyframe = false;
    bool within_size_limit = true;
    std::optional<FrameSize> size;  // the size it codes, when it codes one
  };
  FrameHeader read_header(ByteView frame) const noexcept;
  void on_complete_frame(bool gap_before);
  enum class Sample { kDecode, kNotSampled, kNoDecoder };
  Sample sample(bool keyframe, std::uint32_t timestamp);
  void decode(ByteView frame);

  VideoCodec codec_;
  VideoSampling sampling_;
  FrameAssembler assembler_;
  std::optional<VpxDecoder> decoder_;  // released between windows
  PictureRate picture_rate_;     // what the stream carried
  FrameRateWindow frame_rate_;   // what the probe decoded
  std::optional<std::uint32_t> last_decoded_timestamp_;
  std::optional<std::uint32_t> last_not_sampled_timestamp_;
  // The timestamp of the key frame that opened the current or last window.
  std::optional<std::uint32_t> window_start_;
  std::uint32_t spacing_ = 0;  // from window_start_ to the next window, jitter included
  bool window_open_ = false;
  DecodeBudget::Lease lease_;  // the open window's place in sampling_.budget
  VideoStats stats_;
  // Inter frames decode meaningfully only on top of an intact reference,
  // so after any loss (and at the start) only a key frame resumes decoding.
  bool waiting_for_keyframe_ = true;
};

}  // namespace parrot::media::probes
