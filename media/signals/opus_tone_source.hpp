// OpusToneSource: ToneWithClicks encoded with libopus into RTP-ready 20 ms
// payloads (RFC 7587: 48 kHz RTP clock, one Opus packet per RTP payload).
// The caller asks for each frame when it is due; nothing here reads a clock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "media/codec_handles.hpp"
#include "media/signals/tone_with_clicks.hpp"
#include "media/time.hpp"

namespace parrot::media::signals {

enum class OpusApplication { kAudio, kVoip };

struct OpusToneConfig {
  ToneConfig tone;
  int bitrate_bps = 32'000;
  OpusApplication application = OpusApplication::kAudio;
  int complexity = 5;  // 0..10; parrot favours cost over the last bit of quality
  std::uint32_t initial_rtp_timestamp = 0;
};

struct AudioFrame {
  // Valid until the next call to next(); empty only if libopus refused to
  // encode (counted in encode_failures()), in which case send nothing.
  std::span<const std::byte> payload;
  std::uint32_t rtp_timestamp = 0;  // 48 kHz ticks; +960 per frame (RFC 7587 §4.1)
  Duration duration{};
  bool click = false;  // a click begins inside this frame
};

class OpusToneSource {
 public:
  static constexpr std::uint32_t kRtpClockRateHz = 48'000;
  static constexpr std::uint32_t kSamplesPerFrame = 960;  // 20 ms at 48 kHz
  static constexpr Duration kFrameDuration = std::chrono::milliseconds{20};
  // RFC 6716 §3.2.1: a 20 ms frame is at most 1275 bytes; plus TOC and slack.
  static constexpr std::size_t kMaxPayloadBytes = 1500;

  // Throws std::invalid_argument for a bad tone config, a bitrate outside
  // 6..510 kbit/s or a complexity outside 0..10, and std::runtime_error if
  // libopus cannot create the encoder.
  explicit OpusToneSource(const OpusToneConfig& config);

  // Generates and encodes the next 20 ms. Allocates nothing.
  AudioFrame next() noexcept;

  std::uint64_t frames_produced() const noexcept { return frames_produced_; }
  std::uint64_t encode_failures() const noexcept { return encode_failures_; }

 private:
  ToneWithClicks tone_;
  OpusEncoderPtr encoder_;
  std::vector<std::int16_t> pcm_;
  std::array<std::byte, kMaxPayloadBytes> payload_{};
  std::uint32_t rtp_timestamp_;
  std::uint64_t frames_produced_ = 0;
  std::uint64_t encode_failures_ = 0;
};

}  // namespace parrot::media::signals
