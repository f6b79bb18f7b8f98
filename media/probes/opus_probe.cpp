#include "media/probes/opus_probe.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "media/bytes.hpp"
#include "media/sequence.hpp"

namespace parrot::media::probes {
namespace {

constexpr int kMaxFrameSamples = 5760;  // 120 ms at 48 kHz, the longest Opus packet (RFC 6716 §3.2.5)

// RFC 7587 §3.4 and RFC 6716 §3.2.1: with DTX the encoder sends packets of
// one or two bytes, a TOC with no (or an empty) frame, for comfort noise.
constexpr std::size_t kMaxDtxPacketBytes = 2;

double to_dbfs(double linear) noexcept {
  if (!(linear > 0.0)) return OpusProbe::kFloorDbfs;
  return std::max(20.0 * std::log10(linear), OpusProbe::kFloorDbfs);
}

}  // namespace

OpusProbe::OpusProbe(std::uint32_t channels) : channels_(channels) {
  if (channels != 1 && channels != 2) {
    throw std::invalid_argument("OpusProbe: channels must be 1 or 2, got " + std::to_string(channels));
  }
  int err = OPUS_OK;
  decoder_.reset(opus_decoder_create(kSampleRateHz, static_cast<int>(channels), &err));
  if (err != OPUS_OK || !decoder_) {
    throw std::runtime_error(std::string("libopus decoder create failed: ") + opus_strerror(err));
  }
  pcm_.resize(static_cast<std::size_t>(kMaxFrameSamples) * channels);
  counts_.channels = channels;
}

void OpusProbe::account(const float* pcm, int samples_per_channel) {
  const std::size_t n = static_cast<std::size_t>(samples_per_channel) * channels_;
  double frame_squares = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const float magnitude = std::fabs(pcm[i]);
    frame_squares += static_cast<double>(pcm[i]) * pcm[i];
    peak_ = std::max(peak_, magnitude);
    if (magnitude >= kClipThreshold) ++counts_.clipped_samples;
  }
  sum_squares_ += frame_squares;
  samples_ += n;
  if (n == 0 || to_dbfs(std::sqrt(frame_squares / static_cast<double>(n))) < kSilenceThresholdDbfs) ++silent_frames_;
}

void OpusProbe::conceal(std::uint64_t lost) {
  counts_.lost_packets += lost;
  if (last_frame_samples_ <= 0) return;
  // Concealment keeps the decoder's state continuous across the loss; its
  // synthetic audio is not the caller's, so it stays out of the level.
  const std::uint64_t runs = std::min(lost, kMaxConcealedPerGap);
  for (std::uint64_t i = 0; i < runs; ++i) {
    if (opus_decode_float(decoder_.get(), nullptr, 0, pcm_.data(), last_frame_samples_, 0) > 0) {
      ++counts_.concealed_frames;
    }
  }
}

void OpusProbe::on_packet(const ProbePacket& packet) {
  ++counts_.packets;
  const std::uint16_t seq = packet.sequence_number;
  const std::uint32_t ts = packet.rtp_timestamp;
  if (last_sequence_) {
    if (!is_newer_sequence(seq, *last_sequence_)) {
      // Decoding out of order would corrupt the decoder's prediction.
      ++counts_.late_packets;
      return;
    }
    const auto lost = static_cast<std::uint16_t>(seq - *last_sequence_ - 1);
    if (lost > 0) {
      conceal(lost);
    } else if (last_frame_samples_ > 0 && is_newer_timestamp(ts, last_timestamp_)) {
      // In-order packets whose timestamps jump by more than one frame: the
      // sender stopped sending during silence (DTX, RFC 7587 §3.4).
      const std::uint64_t slots = (ts - last_timestamp_) / static_cast<std::uint32_t>(last_frame_samples_);
      if (slots > 1) counts_.dtx_frames += std::min<std::uint64_t>(slots - 1, kMaxDtxFramesPerGap);
    }
  }
  last_sequence_ = seq;
  last_timestamp_ = ts;

  const ByteView payload(packet.payload);
  if (payload.size() <= kMaxDtxPacketBytes) {
    ++counts_.dtx_frames;
    return;
  }
  const int samples = opus_decode_float(decoder_.get(), as_uchar(payload), static_cast<opus_int32>(payload.size()),
                                        pcm_.data(), kMaxFrameSamples, 0);
  if (samples <= 0) {
    ++counts_.decode_errors;
    return;
  }
  ++counts_.decoded_frames;
  last_frame_samples_ = samples;
  account(pcm_.data(), samples);
}

OpusStats OpusProbe::stats() const {
  OpusStats out = counts_;
  out.level_dbfs = samples_ > 0 ? to_dbfs(std::sqrt(sum_squares_ / static_cast<double>(samples_))) : kFloorDbfs;
  out.samples = samples_;
  out.peak_dbfs = to_dbfs(peak_);
  const std::uint64_t frames = counts_.decoded_frames + counts_.dtx_frames;
  out.silent_frame_share =
      frames > 0 ? static_cast<double>(silent_frames_ + counts_.dtx_frames) / static_cast<double>(frames) : 0.0;
  return out;
}

}  // namespace parrot::media::probes
