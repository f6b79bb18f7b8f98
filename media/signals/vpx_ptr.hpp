// Owners for libvpx handles. A vpx_codec_ctx_t is a caller-allocated struct
// that vpx_codec_*_init fills in; VpxCodecPtr owns both the struct and the
// codec state, and is only made from a context whose init succeeded.
#pragma once

#include <vpx/vpx_codec.h>
#include <vpx/vpx_image.h>

#include <memory>

namespace parrot::media::signals {

struct VpxCodecDestroy {
  void operator()(vpx_codec_ctx_t* codec) const noexcept {
    vpx_codec_destroy(codec);
    delete codec;
  }
};
using VpxCodecPtr = std::unique_ptr<vpx_codec_ctx_t, VpxCodecDestroy>;

struct VpxImageFree {
  void operator()(vpx_image_t* image) const noexcept { vpx_img_free(image); }
};
using VpxImagePtr = std::unique_ptr<vpx_image_t, VpxImageFree>;

}  // namespace parrot::media::signals
