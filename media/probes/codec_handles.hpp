// Owners of the C codec handles the probes use, one deleter type per handle
// (zero-size, so each owner is just a pointer). Nothing else frees them.
#pragma once

#include <memory>

#include <opus/opus.h>
#include <vpx/vpx_decoder.h>

namespace parrot::media::probes {

struct OpusDecoderDestroy {
  void operator()(OpusDecoder* decoder) const noexcept { opus_decoder_destroy(decoder); }
};
using OpusDecoderPtr = std::unique_ptr<OpusDecoder, OpusDecoderDestroy>;

// vpx_codec_ctx_t is caller-allocated and initialised by vpx_codec_dec_init;
// the owner releases the codec's internals and then the struct itself.
struct VpxCodecDestroy {
  void operator()(vpx_codec_ctx_t* codec) const noexcept {
    vpx_codec_destroy(codec);
    delete codec;
  }
};
using VpxCodecPtr = std::unique_ptr<vpx_codec_ctx_t, VpxCodecDestroy>;

}  // namespace parrot::media::probes
