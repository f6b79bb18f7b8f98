#include "media/stats/rate_history.hpp"

#include <algorithm>

namespace parrot::media::stats {

namespace {
// Times before the epoch (never given by a caller) count as the first bin.
std::int64_t bin_of(Timestamp t) noexcept {
  return std::max<std::int64_t>(0, t.time_since_epoch().count()) / RateHistory::kBin.count();
}
}  // namespace

void RateHistory::on_bytes(Timestamp arrival, std::size_t bytes) noexcept {
  if (!first_) {
    first_ = arrival;
    current_bin_ = bin_of(arrival);
  }
  last_ = std::max(last_, arrival);
  total_bytes_ += bytes;
  const std::int64_t bin = bin_of(arrival);
  if (bin > current_bin_) {
    // Bins that fell out of the window leave it; at most all ten.
    const std::int64_t steps = std::min<std::int64_t>(bin - current_bin_, kBins);
    for (std::int64_t s = 1; s <= steps; ++s) {
      auto& old = bins_[static_cast<std::size_t>((current_bin_ + s) % static_cast<std::int64_t>(kBins))];
      window_bytes_ -= old;
      old = 0;
    }
    current_bin_ = bin;
  }
  if (current_bin_ - bin >= static_cast<std::int64_t>(kBins)) return;  // older than the window: counted in the mean only
  bins_[static_cast<std::size_t>(bin % static_cast<std::int64_t>(kBins))] += bytes;
  window_bytes_ += bytes;
  const double rate = static_cast<double>(window_bytes_) * 8.0;  // the window is one second
  peak_bps_ = std::max(peak_bps_, rate);
  for (std::size_t i = 0; i < kMarksKbps.size(); ++i) {
    if (!reached_[i] && rate >= kMarksKbps[i] * 1000.0) reached_[i] = arrival - *first_;
  }
}

double RateHistory::rate_bps(Timestamp now) const noexcept {
  if (!first_) return 0;
  const std::int64_t now_bin = std::max(bin_of(now), current_bin_);
  std::uint64_t bytes = 0;
  for (std::int64_t b = now_bin - static_cast<std::int64_t>(kBins) + 1; b <= current_bin_; ++b) {
    if (b >= 0 && current_bin_ - b < static_cast<std::int64_t>(kBins))
      bytes += bins_[static_cast<std::size_t>(b % static_cast<std::int64_t>(kBins))];
  }
  return static_cast<double>(bytes) * 8.0;
}

RateHistory::Snapshot RateHistory::snapshot() const noexcept {
  Snapshot s;
  if (first_ && last_ > *first_) s.mean_bps = static_cast<double>(total_bytes_) * 8.0 / (to_ms(last_ - *first_) / 1000.0);
  s.peak_bps = peak_bps_;
  s.reached = reached_;
  return s;
}

}  // namespace parrot::media::stats
