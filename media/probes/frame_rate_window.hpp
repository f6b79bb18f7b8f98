// Frame rate from the RTP timestamps (90 kHz, RFC 7741 §4.1 and RFC 9628
// §4.1) of the most recent pictures: (pictures - 1) over the time they span.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace parrot::media::probes {

class FrameRateWindow {
 public:
  static constexpr std::size_t kWindowPictures = 32;  // about a second of 30 fps video
  static constexpr std::uint32_t kClockRateHz = 90'000;

  // Adds a picture; a timestamp equal to the last one (another spatial layer
  // of the same picture) or older is ignored.
  void add(std::uint32_t rtp_timestamp) noexcept;

  // 0 until two pictures with distinct timestamps have been added.
  double fps() const noexcept;

 private:
  std::array<std::int64_t, kWindowPictures> ticks_{};  // unwrapped timestamps, ring
  std::size_t next_ = 0;
  std::size_t count_ = 0;
  std::uint32_t last_raw_ = 0;
};

}  // namespace parrot::media::probes
