// The codec-independent half of the VP8 and VP9 probes: frame assembly,
// the key-frame gate, the size guard, decoding and the statistics. The
// codec probes parse their payload descriptor and feed it FramePackets.
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

  explicit VideoProbe(VideoCodec codec);

  void on_malformed_packet() noexcept;
  void on_frame_packet(const FramePacket& packet);
  // A packet of the stream that carries no frame data (FrameAssembler::add_filler).
  void on_filler_packet(std::uint16_t sequence_number);

  const VideoStats& stats() const noexcept { return stats_; }

 private:
  void on_complete_frame(bool gap_before);
  bool is_keyframe(ByteView frame) const noexcept;
  bool within_size_limit(ByteView frame) const noexcept;

  VideoCodec codec_;
  FrameAssembler assembler_;
  VpxDecoder decoder_;
  PictureRate picture_rate_;     // what the stream carried
  FrameRateWindow frame_rate_;   // what the probe decoded
  std::optional<std::uint32_t> last_decoded_timestamp_;
  VideoStats stats_;
  // Inter frames decode meaningfully only on top of an intact reference,
  // so after any loss (and at the start) only a key frame resumes decoding.
  bool waiting_for_keyframe_ = true;
};

}  // namespace parrot::media::probes
