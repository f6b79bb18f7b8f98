#include "media/probes/vpx_decoder.hpp"

#include <stdexcept>
#include <string>

#include <vpx/vp8dx.h>

namespace parrot::media::probes {

VpxDecoder::VpxDecoder(VideoCodec codec) : codec_(new vpx_codec_ctx_t{}) {
  vpx_codec_dec_cfg_t cfg{};
  // media/ starts no threads, and libvpx would start its own for threads > 1.
  cfg.threads = 1;
  vpx_codec_iface_t* iface = codec == VideoCodec::kVp8 ? vpx_codec_vp8_dx() : vpx_codec_vp9_dx();
  const vpx_codec_err_t err = vpx_codec_dec_init(codec_.get(), iface, &cfg, 0);
  if (err != VPX_CODEC_OK) {
    // A failed init leaves nothing for vpx_codec_destroy to release, but
    // destroying a zeroed context is safe, so the owner stays as it is.
    throw std::runtime_error(std::string("libvpx decoder init failed: ") + vpx_codec_err_to_string(err));
  }
}

DecodeResult VpxDecoder::decode(ByteView frame) noexcept {
  DecodeResult result;
  if (frame.empty()) return result;
  if (vpx_codec_decode(codec_.get(), as_uchar(frame), static_cast<unsigned int>(frame.size()), nullptr, 0) !=
      VPX_CODEC_OK) {
    return result;
  }
  result.ok = true;
  vpx_codec_iter_t iter = nullptr;
  while (const vpx_image_t* image = vpx_codec_get_frame(codec_.get(), &iter)) {
    result.shown = FrameSize{image->d_w, image->d_h};
  }
  return result;
}

}  // namespace parrot::media::probes
