#include "media/signals/tone_with_clicks.hpp"

#include <cmath>
#include <numeric>
#include <numbers>
#include <stdexcept>
#include <string>

namespace parrot::media::signals {
namespace {

constexpr double kFullScale = 32767.0;

std::uint64_t ms_to_samples(std::chrono::milliseconds d) {
  return static_cast<std::uint64_t>(d.count()) * ToneWithClicks::kSampleRateHz / 1000;
}

double level_to_amplitude(double dbfs, const char* what) {
  if (!std::isfinite(dbfs) || dbfs > 0.0) {
    throw std::invalid_argument(std::string{"ToneConfig: "} + what + " must be a finite level <= 0 dBFS");
  }
  return kFullScale * std::pow(10.0, dbfs / 20.0);
}

// sin(2π·f·n/fs) from the absolute index rather than an accumulated phase,
// so the value depends on n alone and rounding never drifts. The phase is
// reduced to one period before sin(); f·n stays exact to well under a
// microcycle for days of samples.
double sine_at(double frequency_hz, std::uint64_t n) noexcept {
  const double rate = ToneWithClicks::kSampleRateHz;
  const double cycles_times_rate = std::fmod(frequency_hz * static_cast<double>(n), rate);
  return std::sin(2.0 * std::numbers::pi * cycles_times_rate / rate);
}

}  // namespace

ToneWithClicks::ToneWithClicks(const ToneConfig& config)
    : frequency_hz_(config.frequency_hz),
      tone_amplitude_(level_to_amplitude(config.level_dbfs, "level_dbfs")),
      click_amplitude_(level_to_amplitude(config.click_level_dbfs, "click_level_dbfs")),
      channels_(config.channels) {
  if (!(config.frequency_hz > 0.0 && config.frequency_hz < kSampleRateHz / 2.0)) {
    throw std::invalid_argument("ToneConfig: frequency_hz must be in (0, 24000)");
  }
  if (config.channels != 1 && config.channels != 2) {
    throw std::invalid_argument("ToneConfig: channels must be 1 or 2");
  }
  if (config.click_interval.count() < 0 || config.click_duration.count() < 0) {
    throw std::invalid_argument("ToneConfig: click_interval and click_duration must not be negative");
  }
  // An hour bounds the arithmetic well inside 64 bits and is far beyond any use.
  if (config.click_interval > std::chrono::hours{1}) {
    throw std::invalid_argument("ToneConfig: click_interval must be at most one hour");
  }
  if (config.click_interval.count() > 0 && config.click_duration > config.click_interval) {
    throw std::invalid_argument("ToneConfig: click_duration must not exceed click_interval");
  }
  click_interval_samples_ = ms_to_samples(config.click_interval);
  click_duration_samples_ = click_interval_samples_ == 0 ? 0 : ms_to_samples(config.click_duration);

  // Tables make fill() about ten times cheaper than a sin() per sample. For
  // a whole-number f, f·P is a multiple of the rate, so fmod() in sine_at
  // gives the same phase at n and n + P and the table is bit-exact.
  click_.resize(click_duration_samples_);
  for (std::uint64_t m = 0; m < click_duration_samples_; ++m) {
    click_[m] = static_cast<std::int16_t>(std::lround(click_amplitude_ * sine_at(kClickFrequencyHz, m)));
  }
  if (std::floor(frequency_hz_) == frequency_hz_) {
    const auto period = kSampleRateHz / std::gcd(static_cast<std::uint32_t>(frequency_hz_), kSampleRateHz);
    tone_period_.resize(period);
    for (std::uint64_t n = 0; n < period; ++n) {
      tone_period_[n] = static_cast<std::int16_t>(std::lround(tone_amplitude_ * sine_at(frequency_hz_, n)));
    }
  }
}

bool ToneWithClicks::in_click(std::uint64_t n) const noexcept {
  return click_interval_samples_ != 0 && n % click_interval_samples_ < click_duration_samples_;
}

bool ToneWithClicks::click_starts_at(std::uint64_t n) const noexcept {
  return click_interval_samples_ != 0 && click_duration_samples_ != 0 && n % click_interval_samples_ == 0;
}

std::int16_t ToneWithClicks::sample_at(std::uint64_t n) const noexcept {
  if (in_click(n)) return click_[n % click_interval_samples_];
  if (!tone_period_.empty()) return tone_period_[n % tone_period_.size()];
  return static_cast<std::int16_t>(std::lround(tone_amplitude_ * sine_at(frequency_hz_, n)));
}

bool ToneWithClicks::fill(std::span<std::int16_t> pcm) noexcept {
  const auto channels = static_cast<std::size_t>(channels_);
  const std::size_t frames = pcm.size() / channels;
  bool click = false;
  for (std::size_t i = 0; i < frames; ++i, ++position_) {
    click = click || click_starts_at(position_);
    const std::int16_t value = sample_at(position_);
    for (std::size_t c = 0; c < channels; ++c) {
      pcm[i * channels + c] = value;
    }
  }
  return click;
}

}  // namespace parrot::media::signals
