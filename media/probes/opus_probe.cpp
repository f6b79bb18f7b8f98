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

// RFC 6464 §3: 0..127 is the level in -dBov, 127 the floor.
constexpr std::uint8_t kAudioLevelMaxMinusDbov = 127;

double to_dbfs(double linear) noexcept {
  if (!(linear > 0.0)) return OpusProbe::kFloorDbfs;
  return std::max(20.0 * std::log10(linear), OpusProbe::kFloorDbfs);
}

// RFC 6464 §3 measures the level as the RMS of the frame relative to the
// overload point (full scale); libwebrtc computes it exactly so, which makes
// -dBov and the probe's RMS dBFS one scale.
double energy_of_audio_level(std::uint8_t level_minus_dbov) noexcept {
  return std::pow(10.0, -static_cast<double>(level_minus_dbov) / 10.0);
}

}  // namespace

const char* to_string(OpusLevelSource source) noexcept {
  switch (source) {
    case OpusLevelSource::kNone: return "none";
    case OpusLevelSource::kDecoded: return "decoded";
    case OpusLevelSource::kAudioLevel: return "audio level";
  }
  return "none";
}

OpusProbe::OpusProbe(std::uint32_t channels, OpusSampling sampling) : channels_(channels), sampling_(sampling) {
  if (channels != 1 && channels != 2) {
    throw std::invalid_argument("OpusProbe: channels must be 1 or 2, got " + std::to_string(channels));
  }
  if (!sampling.decodes_everything() &&
      (sampling.window_packets == 0 ||
       std::uint64_t{sampling.priming_packets} + sampling.window_packets > sampling.period_packets)) {
    throw std::invalid_argument("OpusProbe: a sampling window must be non-empty and fit in its period");
  }
  int err = OPUS_OK;
  decoder_.reset(opus_decoder_create(kSampleRateHz, static_cast<int>(channels), &err));
  if (err != OPUS_OK || !decoder_) {
    throw std::runtime_error(std::string("libopus decoder create failed: ") + opus_strerror(err));
  }
  pcm_.resize(std::size_t{kSampleRateHz / 50} * channels);  // one 20 ms frame, what callers send
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
  ++counts_.measured_frames;
  if (n == 0 || to_dbfs(std::sqrt(frame_squares / static_cast<double>(n))) < kSilenceThresholdDbfs) ++silent_frames_;
}

void OpusProbe::account_audio_level(std::uint8_t level_minus_dbov, ByteView payload) {
  // The frame's duration weighs its level, as decoded samples weigh theirs;
  // reading it from the TOC (RFC 6716 §3.1) costs no decoding.
  const int samples = opus_packet_get_nb_samples(as_uchar(payload), static_cast<opus_int32>(payload.size()),
                                                 static_cast<opus_int32>(kSampleRateHz));
  if (samples <= 0) return;
  const std::uint8_t level = std::min(level_minus_dbov, kAudioLevelMaxMinusDbov);
  const std::uint64_t n = static_cast<std::uint64_t>(samples) * channels_;
  level_energy_ += energy_of_audio_level(level) * static_cast<double>(n);
  level_samples_ += n;
  ++counts_.audio_level_packets;
  if (-static_cast<double>(level) < kSilenceThresholdDbfs) ++level_silent_frames_;
}

OpusProbe::Slot OpusProbe::next_slot(bool has_audio_level) {
  const std::uint64_t position = position_++;
  if (sampling_.decodes_everything()) return Slot::kMeasure;
  // The first window opens at the stream's start, so even a short call's
  // report has its peak; later ones at the stream's own phase.
  const std::uint64_t window = std::uint64_t{sampling_.priming_packets} + sampling_.window_packets;
  const bool in_window = position < window || (position + phase_) % sampling_.period_packets < window;
  if (has_audio_level && !in_window) {
    decoder_current_ = false;
    return Slot::kSkip;
  }
  if (!decoder_current_) {
    // A window opens (or reopens after a gap that ended it): the decoder's
    // state is of frames long gone, so start afresh and let it settle.
    opus_decoder_ctl(decoder_.get(), OPUS_RESET_STATE);
    decoder_current_ = true;
    priming_left_ = sampling_.priming_packets;
  }
  if (priming_left_ > 0) {
    --priming_left_;
    return Slot::kPrime;
  }
  return Slot::kMeasure;
}

float* OpusProbe::pcm_for(int samples_per_channel) {
  const std::size_t needed = static_cast<std::size_t>(samples_per_channel) * channels_;
  if (pcm_.size() < needed) pcm_.resize(needed);
  return pcm_.data();
}

void OpusProbe::conceal(std::uint64_t lost) {
  counts_.lost_packets += lost;
  position_ += lost;
  // Outside a window nothing is decoded, so there is no state to carry.
  if (last_frame_samples_ <= 0 || !decoder_current_) return;
  // Concealment keeps the decoder's state continuous across the loss; its
  // synthetic audio is not the caller's, so it stays out of the level.
  const std::uint64_t runs = std::min(lost, kMaxConcealedPerGap);
  for (std::uint64_t i = 0; i < runs; ++i) {
    if (opus_decode_float(decoder_.get(), nullptr, 0, pcm_for(last_frame_samples_), last_frame_samples_, 0) > 0) {
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
  if (!last_sequence_ && !sampling_.decodes_everything()) {
    // The stream's first sequence number is random (RFC 3550 §5.1): as the
    // phase of the windows after the first it spreads the decoding of calls
    // that started together over the period instead of stacking it.
    phase_ = seq % sampling_.period_packets;
  }
  last_sequence_ = seq;
  last_timestamp_ = ts;

  const Slot slot = next_slot(packet.audio_level.has_value());
  const ByteView payload(packet.payload);
  if (payload.size() <= kMaxDtxPacketBytes) {
    ++counts_.dtx_frames;
    return;
  }
  ++counts_.audio_packets;
  if (packet.audio_level) account_audio_level(packet.audio_level->level_minus_dbov, payload);
  if (slot == Slot::kSkip) {
    // Not decoded, but its duration is known from the TOC: DTX gaps after
    // it are still measured in frames.
    const int samples = opus_packet_get_nb_samples(as_uchar(payload), static_cast<opus_int32>(payload.size()),
                                                   static_cast<opus_int32>(kSampleRateHz));
    if (samples > 0) last_frame_samples_ = samples;
    return;
  }
  // The TOC says how long the packet is (RFC 6716 §3.1); a packet whose
  // TOC does not parse would not decode either.
  const int frame_samples = opus_packet_get_nb_samples(as_uchar(payload), static_cast<opus_int32>(payload.size()),
                                                       static_cast<opus_int32>(kSampleRateHz));
  const int samples = frame_samples > 0 && frame_samples <= kMaxFrameSamples
                          ? opus_decode_float(decoder_.get(), as_uchar(payload),
                                              static_cast<opus_int32>(payload.size()), pcm_for(frame_samples),
                                              frame_samples, 0)
                          : OPUS_INVALID_PACKET;
  if (samples <= 0) {
    ++counts_.decode_errors;
    if (slot == Slot::kMeasure) ++measured_errors_;
    return;
  }
  ++counts_.decoded_frames;
  last_frame_samples_ = samples;
  if (slot == Slot::kMeasure) account(pcm_.data(), samples);
}

OpusStats OpusProbe::stats() const {
  OpusStats out = counts_;
  out.level_dbfs = samples_ > 0 ? to_dbfs(std::sqrt(sum_squares_ / static_cast<double>(samples_))) : kFloorDbfs;
  out.samples = samples_;
  out.peak_dbfs = to_dbfs(peak_);
  const auto dtx = static_cast<double>(counts_.dtx_frames);
  // Most packets carrying a level: the sender's own measure of every frame.
  if (counts_.audio_level_packets > 0 && counts_.audio_level_packets * 2 >= counts_.audio_packets) {
    out.level_source = OpusLevelSource::kAudioLevel;
    out.level_dbfs = to_dbfs(std::sqrt(level_energy_ / static_cast<double>(level_samples_)));
    out.samples = level_samples_;
    out.silent_frame_share = (static_cast<double>(level_silent_frames_) + dtx) /
                             (static_cast<double>(counts_.audio_level_packets) + dtx);
    return out;
  }
  if (counts_.measured_frames > 0) out.level_source = OpusLevelSource::kDecoded;
  // The measured frames stand for every audio packet that would have
  // decoded (as many as decoded among the measured ones): with sampling,
  // their silent share is the estimate for all of them.
  double audio_frames = 0.0;
  double silent = 0.0;
  if (counts_.measured_frames > 0) {
    const auto measured = static_cast<double>(counts_.measured_frames);
    audio_frames = static_cast<double>(counts_.audio_packets) * measured / (measured + static_cast<double>(measured_errors_));
    silent = audio_frames * static_cast<double>(silent_frames_) / measured;
  }
  const double frames = audio_frames + dtx;
  out.silent_frame_share = frames > 0.0 ? (silent + dtx) / frames : 0.0;
  return out;
}

}  // namespace parrot::media::probes
