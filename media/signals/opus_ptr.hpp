// Owners for libopus handles: one deleter type per handle, so a
// std::unique_ptr states the ownership and no error path frees by hand.
#pragma once

#include <opus/opus.h>

#include <memory>

namespace parrot::media::signals {

struct OpusEncoderDestroy {
  void operator()(OpusEncoder* encoder) const noexcept { opus_encoder_destroy(encoder); }
};
using OpusEncoderPtr = std::unique_ptr<OpusEncoder, OpusEncoderDestroy>;

struct OpusDecoderDestroy {
  void operator()(OpusDecoder* decoder) const noexcept { opus_decoder_destroy(decoder); }
};
using OpusDecoderPtr = std::unique_ptr<OpusDecoder, OpusDecoderDestroy>;

}  // namespace parrot::media::signals
