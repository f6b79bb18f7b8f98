#include "media/jitter/delay_estimator.hpp"

#include <algorithm>
#include <cmath>

namespace parrot::media::jitter {

namespace {
// Relative delays that move more than this between packets are not jitter
// but a timing discontinuity (sender restart, a hostile timestamp jump).
constexpr Duration kDiscontinuity = std::chrono::seconds(1);
// The quantile is recomputed over the window four times a second; between
// recomputes a packet later than the target raises it at once (with the
// window sizes here, the 99th percentile is the largest sample or next to it).
constexpr Duration kRecomputeInterval = std::chrono::milliseconds(250);
}  // namespace

DelayEstimator::DelayEstimator(const Config& config) noexcept
    : config_(config),
      target_(std::clamp(config.initial_delay, config.min_delay, config.max_delay)),
      wanted_(target_) {}

void DelayEstimator::reset() noexcept {
  first_arrival_.reset();
  sample_count_ = 0;
  next_sample_ = 0;
  packets_since_recompute_ = 0;
}

Duration DelayEstimator::relative_delay(Timestamp arrival, std::int64_t unwrapped_timestamp) const noexcept {
  return (arrival - *first_arrival_) - rtp_ticks_to_duration(unwrapped_timestamp - first_timestamp_, config_.clock_rate_hz);
}

void DelayEstimator::on_packet(Timestamp arrival, std::int64_t unwrapped_timestamp) noexcept {
  if (!first_arrival_) {
    first_arrival_ = arrival;
    first_timestamp_ = unwrapped_timestamp;
    min_relative_delay_ = Duration{0};
    last_recompute_ = arrival;
    last_fall_ = arrival;
  }
  Duration delay = relative_delay(arrival, unwrapped_timestamp);
  if (sample_count_ > 0) {
    const Duration previous = samples_[(next_sample_ + kWindowPackets - 1) % kWindowPackets].relative_delay;
    if (delay - previous > kDiscontinuity || previous - delay > kDiscontinuity) {
      reset();
      first_arrival_ = arrival;
      first_timestamp_ = unwrapped_timestamp;
      min_relative_delay_ = Duration{0};
      delay = Duration{0};
    }
  }
  samples_[next_sample_] = Sample{arrival, delay};
  next_sample_ = (next_sample_ + 1) % kWindowPackets;
  sample_count_ = std::min(sample_count_ + 1, kWindowPackets);
  // A new fastest packet moves the reference at once; the target follows
  // at the next recompute.
  min_relative_delay_ = std::min(min_relative_delay_, delay);
  // Falling is spread over every packet so playout speeds up smoothly.
  if (target_ > wanted_ && arrival > last_fall_) {
    const Duration fall = config_.decrease_per_second * (arrival - last_fall_).count() / 1'000'000;
    target_ = std::max(wanted_, target_ - fall);
  }
  last_fall_ = arrival;
  target_ = std::max(target_, std::min(delay - min_relative_delay_, config_.max_delay));
  ++packets_since_recompute_;
  // Early on, every packet counts; later, four times a second is plenty.
  if (sample_count_ < 32 || arrival - last_recompute_ >= kRecomputeInterval) recompute(arrival);
}

void DelayEstimator::recompute(Timestamp now) noexcept {
  std::array<Duration, kWindowPackets> spread{};
  std::size_t n = 0;
  Duration window_min = Duration::max();
  for (std::size_t i = 0; i < sample_count_; ++i) {
    const Sample& sample = samples_[i];
    if (now - sample.arrival > kWindow) continue;
    window_min = std::min(window_min, sample.relative_delay);
    spread[n++] = sample.relative_delay;
  }
  if (n == 0) return;
  min_relative_delay_ = window_min;
  for (std::size_t i = 0; i < n; ++i) spread[i] -= window_min;
  const auto rank = static_cast<std::size_t>(std::ceil(config_.quantile * static_cast<double>(n))) - 1;
  std::nth_element(spread.begin(), spread.begin() + static_cast<std::ptrdiff_t>(rank), spread.begin() + static_cast<std::ptrdiff_t>(n));
  wanted_ = std::clamp(spread[rank], config_.min_delay, config_.max_delay);
  target_ = std::max(target_, wanted_);
  last_recompute_ = now;
  packets_since_recompute_ = 0;
}

std::optional<Timestamp> DelayEstimator::earliest_arrival(std::int64_t unwrapped_timestamp) const noexcept {
  if (!first_arrival_) return std::nullopt;
  return *first_arrival_ + rtp_ticks_to_duration(unwrapped_timestamp - first_timestamp_, config_.clock_rate_hz) +
         min_relative_delay_;
}

}  // namespace parrot::media::jitter
