// ToneWithClicks: the audio test signal parrot sends in calls it places and
// in load tests. A steady sine, interrupted every `click_interval` by a short
// 1 kHz pip that a listener hears as a tick and a decoder-side detector finds
// by level (the pip is 17 dB louder than the default tone) or by frequency.
//
// Signal, for absolute sample index n at 48 kHz (identical on every channel):
//   in a click:  round(32767 * 10^(click_level_dbfs/20) * sin(2π·1000·m/48000)),
//                m = samples since the click began (the pip starts at phase 0);
//   otherwise:   round(32767 * 10^(level_dbfs/20) * sin(2π·frequency_hz·n/48000)).
// Clicks begin at n = k·click_interval for k = 0, 1, 2, ... The tone keeps its
// phase underneath a click, so the output depends only on n: deterministic
// and phase-continuous however the caller slices it into frames.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

namespace parrot::media::signals {

struct ToneConfig {
  double frequency_hz = 440.0;
  double level_dbfs = -20.0;  // peak level of the sine; 0 dBFS peak is 32767
  int channels = 1;           // 1 (mono) or 2 (interleaved stereo)
  // Zero disables clicks; otherwise at least click_duration.
  std::chrono::milliseconds click_interval{1000};
  std::chrono::milliseconds click_duration{10};
  double click_level_dbfs = -3.0;
};

class ToneWithClicks {
 public:
  static constexpr std::uint32_t kSampleRateHz = 48'000;
  static constexpr double kClickFrequencyHz = 1'000.0;

  // Throws std::invalid_argument if frequency_hz is not in (0, 24000), a
  // level is above 0 dBFS or not finite, channels is not 1 or 2, or the click
  // timing is negative or a click would not fit in its interval.
  explicit ToneWithClicks(const ToneConfig& config);

  // Writes the next interleaved samples; pcm.size() should be a multiple of
  // channels() (a trailing partial sample frame is left untouched). Returns
  // true if a click begins inside the written samples.
  bool fill(std::span<std::int16_t> pcm) noexcept;

  // Sample value at absolute index n (per channel), per the formula above.
  std::int16_t sample_at(std::uint64_t n) const noexcept;
  bool in_click(std::uint64_t n) const noexcept;
  bool click_starts_at(std::uint64_t n) const noexcept;

  // Per-channel samples written so far: the index of the next sample.
  std::uint64_t position() const noexcept { return position_; }
  int channels() const noexcept { return channels_; }

 private:
  double frequency_hz_;
  double tone_amplitude_;
  double click_amplitude_;
  int channels_;
  std::uint64_t click_interval_samples_;  // 0: no clicks
  std::uint64_t click_duration_samples_;
  std::uint64_t position_ = 0;
  // One period of the tone when frequency_hz is a whole number (the signal
  // then repeats every 48000/gcd(f, 48000) samples), else empty; and the
  // click's samples. Both hold exactly what the formula gives.
  std::vector<std::int16_t> tone_period_;
  std::vector<std::int16_t> click_;
};

}  // namespace parrot::media::signals
