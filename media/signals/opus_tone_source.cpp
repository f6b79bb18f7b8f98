#include "media/signals/opus_tone_source.hpp"

#include "media/bytes.hpp"

#include <stdexcept>
#include <string>

namespace parrot::media::signals {
namespace {

OpusEncoderPtr make_encoder(const OpusToneConfig& config) {
  if (config.bitrate_bps < 6'000 || config.bitrate_bps > 510'000) {
    throw std::invalid_argument("OpusToneConfig: bitrate_bps must be in 6000..510000");
  }
  if (config.complexity < 0 || config.complexity > 10) {
    throw std::invalid_argument("OpusToneConfig: complexity must be in 0..10");
  }
  const int application =
      config.application == OpusApplication::kVoip ? OPUS_APPLICATION_VOIP : OPUS_APPLICATION_AUDIO;
  int error = OPUS_OK;
  OpusEncoderPtr encoder{opus_encoder_create(static_cast<opus_int32>(OpusToneSource::kRtpClockRateHz),
                                             config.tone.channels, application, &error)};
  if (error != OPUS_OK || !encoder) {
    throw std::runtime_error(std::string{"opus_encoder_create: "} + opus_strerror(error));
  }
  if (opus_encoder_ctl(encoder.get(), OPUS_SET_BITRATE(config.bitrate_bps)) != OPUS_OK ||
      opus_encoder_ctl(encoder.get(), OPUS_SET_COMPLEXITY(config.complexity)) != OPUS_OK) {
    throw std::runtime_error("opus_encoder_ctl: bitrate or complexity refused");
  }
  return encoder;
}

}  // namespace

// The tone is constructed first, so its channel count is validated before
// opus_encoder_create sees it.
OpusToneSource::OpusToneSource(const OpusToneConfig& config)
    : tone_(config.tone),
      encoder_(make_encoder(config)),
      pcm_(static_cast<std::size_t>(kSamplesPerFrame) * static_cast<std::size_t>(config.tone.channels)),
      rtp_timestamp_(config.initial_rtp_timestamp) {}

AudioFrame OpusToneSource::next() noexcept {
  AudioFrame frame;
  frame.click = tone_.fill(pcm_);
  frame.rtp_timestamp = rtp_timestamp_;
  frame.duration = kFrameDuration;
  const opus_int32 size = opus_encode(encoder_.get(), pcm_.data(), static_cast<int>(kSamplesPerFrame),
                                      as_uchar(MutableByteView{payload_}),
                                      static_cast<opus_int32>(payload_.size()));
  if (size > 0) {
    frame.payload = std::span<const std::byte>{payload_.data(), static_cast<std::size_t>(size)};
  } else {
    ++encode_failures_;
  }
  // The RTP clock advances whether or not this frame is sent (RFC 3550 §5.1).
  rtp_timestamp_ += kSamplesPerFrame;
  ++frames_produced_;
  return frame;
}

}  // namespace parrot::media::signals
