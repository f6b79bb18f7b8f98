// One single-threaded libvpx decoder (VP8 or VP9) with its sole owner.
#pragma once

#include <cstdint>
#include <optional>

#include <vpx/vpx_decoder.h>

#include "media/bytes.hpp"
#include "media/codec_handles.hpp"
#include "media/probes/video_stats.hpp"

namespace parrot::media::probes {

enum class VideoCodec : std::uint8_t { kVp8, kVp9 };

struct DecodeResult {
  bool ok = false;                 // libvpx accepted the frame
  std::optional<FrameSize> shown;  // size of the last picture it output (hidden frames output none)
};

class VpxDecoder {
 public:
  // Throws std::runtime_error if libvpx cannot create the decoder.
  explicit VpxDecoder(VideoCodec codec);

  // `frame` must not be empty. Never throws.
  DecodeResult decode(ByteView frame) noexcept;

 private:
  VpxCodecPtr codec_;
};

}  // namespace parrot::media::probes
