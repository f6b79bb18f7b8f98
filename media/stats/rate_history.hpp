// The rate one stream arrived at over a whole call: the rate over the last
// second (parrot's REMB builds on it), the mean, the highest one-second rate
// and how long the stream took to first reach a few marks — the ramp-up a
// sender's congestion control gave it (a browser reached 1 Mbit/s after 1 s
// toward Janus, after 21–27 s toward parrot without feedback).
//
// Bytes go into 100 ms bins; a "one-second rate" is the sum of the last ten
// bins, so the window slides in 100 ms steps and is evaluated on every packet.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "media/time.hpp"

namespace parrot::media::stats {

class RateHistory {
 public:
  static constexpr std::array<std::uint32_t, 5> kMarksKbps{250, 500, 1000, 1500, 2500};

  struct Snapshot {
    double mean_bps = 0;  // first to last packet
    double peak_bps = 0;  // highest one-second rate
    // Per kMarksKbps entry: from the first packet to the first one-second
    // rate at or above the mark; nullopt when never reached.
    std::array<std::optional<Duration>, kMarksKbps.size()> reached{};
  };

  void on_bytes(Timestamp arrival, std::size_t bytes) noexcept;
  // The one-second rate as of `now` (bins older than a second count zero).
  double rate_bps(Timestamp now) const noexcept;
  Snapshot snapshot() const noexcept;

  static constexpr Duration kBin = std::chrono::milliseconds(100);
  static constexpr std::size_t kBins = 10;

 private:
  std::optional<Timestamp> first_;
  Timestamp last_{};
  std::uint64_t total_bytes_ = 0;
  std::array<std::uint64_t, kBins> bins_{};
  std::int64_t current_bin_ = 0;  // index of the newest bin since the epoch
  std::uint64_t window_bytes_ = 0;
  double peak_bps_ = 0;
  std::array<std::optional<Duration>, kMarksKbps.size()> reached_{};
};

}  // namespace parrot::media::stats
