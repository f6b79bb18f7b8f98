// Owners of the libopus and libvpx handles that probes/ and signals/ use: one
// zero-size deleter type per handle, so a std::unique_ptr states the
// ownership and no error path frees by hand. Nothing else frees them.
#pragma once

#include <memory>

#include <opus/opus.h>
#include <vpx/vpx_codec.h>
#include <vpx/vpx_image.h>

namespace parrot::media {

struct OpusEncoderDestroy {
  void operator()(OpusEncoder* encoder) const noexcept { opus_encoder_destroy(encoder); }
};
using OpusEncoderPtr = std::unique_ptr<OpusEncoder, OpusEncoderDestroy>;

struct OpusDecoderDestroy {
  void operator()(OpusDecoder* decoder) const noexcept { opus_decoder_destroy(decoder); }
};
using OpusDecoderPtr = std::unique_ptr<OpusDecoder, OpusDecoderDestroy>;

// A vpx_codec_ctx_t is a caller-allocated struct that vpx_codec_*_init fills
// in; the owner holds one whose init succeeded and releases the codec's
// internals, then the struct.
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

}  // namespace parrot::media
