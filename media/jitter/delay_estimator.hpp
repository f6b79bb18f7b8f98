// The target playout delay of one stream, from how much later than its
// fastest packets each packet arrives. Relative delay of a packet is
// arrival - (first arrival + media time since the first packet); the window
// minimum is the fastest path, and the spread above it is the jitter the
// buffer must absorb. The target is a high quantile of that spread,
// clamped to [min, max]; it rises at once and falls slowly, so a burst of
// jitter is absorbed and a calm spell does not make playout stutter.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "media/time.hpp"

namespace parrot::media::jitter {

class DelayEstimator {
 public:
  struct Config {
    std::uint32_t clock_rate_hz = 48000;
    Duration min_delay = std::chrono::milliseconds(20);
    Duration max_delay = std::chrono::milliseconds(500);
    Duration initial_delay = std::chrono::milliseconds(60);
    // Spread quantile the target covers; the rest arrive late.
    double quantile = 0.99;
    // How fast the target may fall.
    Duration decrease_per_second = std::chrono::milliseconds(20);
  };

  explicit DelayEstimator(const Config& config) noexcept;

  void on_packet(Timestamp arrival, std::int64_t unwrapped_timestamp) noexcept;

  // The earliest arrival the estimator expects for media time `timestamp`
  // (the fastest path seen in the window); nullopt before any packet.
  std::optional<Timestamp> earliest_arrival(std::int64_t unwrapped_timestamp) const noexcept;
  Duration target_delay() const noexcept { return target_; }
  // Forgets the timing after a restart or a timestamp jump.
  void reset() noexcept;

  static constexpr std::size_t kWindowPackets = 256;
  static constexpr Duration kWindow = std::chrono::seconds(2);

 private:
  void recompute(Timestamp now) noexcept;
  Duration relative_delay(Timestamp arrival, std::int64_t unwrapped_timestamp) const noexcept;

  Config config_;
  std::optional<Timestamp> first_arrival_;
  std::int64_t first_timestamp_ = 0;
  struct Sample {
    Timestamp arrival;
    Duration relative_delay;
  };
  std::array<Sample, kWindowPackets> samples_{};
  std::size_t sample_count_ = 0;  // valid samples, newest at next_sample_ - 1
  std::size_t next_sample_ = 0;
  Duration min_relative_delay_{};
  Duration target_;
  Duration wanted_;  // the quantile at the last recompute
  Timestamp last_recompute_{};
  Timestamp last_fall_{};
  std::size_t packets_since_recompute_ = 0;
};

}  // namespace parrot::media::jitter
