#include "media/probes/picture_rate.hpp"

#include <algorithm>

namespace parrot::media::probes {

void PictureRate::restart(std::int64_t unwrapped) noexcept {
  if (run_pictures_ > 1) {
    closed_intervals_ += run_pictures_ - 1;
    closed_ticks_ += newest_ - run_oldest_;
  }
  run_pictures_ = 0;
  run_oldest_ = unwrapped;
  newest_ = unwrapped;
  count_ = 0;
}

bool PictureRate::add(std::uint32_t rtp_timestamp) noexcept {
  std::int64_t unwrapped = rtp_timestamp;
  if (!newest_raw_) {
    restart(unwrapped);
  } else {
    // Signed 32-bit distance from the newest picture: crosses the wrap exactly.
    const auto delta = static_cast<std::int32_t>(rtp_timestamp - *newest_raw_);
    if (delta > kRestartTicks || delta < -kRestartTicks) {
      restart(unwrapped);
    } else {
      unwrapped = newest_ + delta;
    }
  }
  // Already seen: another packet (or spatial layer) of a known picture.
  const auto begin = recent_.begin();
  const auto end = recent_.begin() + static_cast<std::ptrdiff_t>(count_);
  const auto at = std::lower_bound(begin, end, unwrapped);
  if (at != end && *at == unwrapped) return false;
  if (at == begin && count_ == kRemembered) {
    // Older than everything remembered: too late to tell from a repeat,
    // and packets that late do not reach the probe; not counted.
    return false;
  }
  if (count_ == kRemembered) {
    // Forget the oldest to make room; `at` shifts down by one.
    std::copy(begin + 1, at, begin);
    *(at - 1) = unwrapped;
  } else {
    std::copy_backward(at, end, end + 1);
    *at = unwrapped;
    ++count_;
  }
  ++pictures_;
  ++run_pictures_;
  run_oldest_ = std::min(run_oldest_, unwrapped);
  if (unwrapped >= newest_) {
    newest_ = unwrapped;
    newest_raw_ = rtp_timestamp;
  }
  return true;
}

double PictureRate::average_fps() const noexcept {
  std::uint64_t intervals = closed_intervals_;
  std::int64_t ticks = closed_ticks_;
  if (run_pictures_ > 1) {
    intervals += run_pictures_ - 1;
    ticks += newest_ - run_oldest_;
  }
  if (intervals == 0 || ticks <= 0) return 0.0;
  return static_cast<double>(intervals) * kClockRateHz / static_cast<double>(ticks);
}

double PictureRate::recent_fps() const noexcept {
  if (count_ < 2) return 0.0;
  const auto begin = recent_.begin();
  const auto end = recent_.begin() + static_cast<std::ptrdiff_t>(count_);
  const auto first = std::lower_bound(begin, end, newest_ - kRecentTicks);
  const auto pictures = end - first;
  const std::int64_t span = newest_ - *first;
  if (pictures < 2 || span <= 0) return 0.0;
  return static_cast<double>(pictures - 1) * kClockRateHz / static_cast<double>(span);
}

}  // namespace parrot::media::probes
