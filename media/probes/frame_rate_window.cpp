#include "media/probes/frame_rate_window.hpp"

namespace parrot::media::probes {

void FrameRateWindow::add(std::uint32_t rtp_timestamp) noexcept {
  std::int64_t unwrapped = rtp_timestamp;
  if (count_ > 0) {
    // Signed 32-bit distance from the last picture: crosses the wrap exactly.
    const auto delta = static_cast<std::int32_t>(rtp_timestamp - last_raw_);
    if (delta <= 0) return;
    unwrapped = ticks_[(next_ + kWindowPictures - 1) % kWindowPictures] + delta;
  }
  ticks_[next_] = unwrapped;
  next_ = (next_ + 1) % kWindowPictures;
  if (count_ < kWindowPictures) ++count_;
  last_raw_ = rtp_timestamp;
}

double FrameRateWindow::fps() const noexcept {
  if (count_ < 2) return 0.0;
  const std::int64_t newest = ticks_[(next_ + kWindowPictures - 1) % kWindowPictures];
  const std::int64_t oldest = ticks_[(next_ + kWindowPictures - count_) % kWindowPictures];
  const std::int64_t span = newest - oldest;
  if (span <= 0) return 0.0;
  return static_cast<double>(count_ - 1) * kClockRateHz / static_cast<double>(span);
}

}  // namespace parrot::media::probes
