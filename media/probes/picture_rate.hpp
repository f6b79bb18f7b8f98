// The frame rate the caller's video stream carried, from its RTP timestamps
// (90 kHz, RFC 7741 §4.1 and RFC 9628 §4.1): every distinct timestamp is a
// picture, whether or not the probe could assemble or decode it. A picture
// of which no packet arrived is not seen; with NACK its resent packets
// usually bring it back, late, and a late picture still counts once.
//
//   average: (pictures - 1) over the span of their timestamps, the call long
//   recent:  the same over the pictures of the last kRecentTicks
//
// A timestamp jump of more than kRestartTicks either way (a new source, a
// restarted encoder) closes one run of the stream and starts another; the
// average adds up the runs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace parrot::media::probes {

class PictureRate {
 public:
  static constexpr std::uint32_t kClockRateHz = 90'000;
  static constexpr std::int64_t kRecentTicks = 2 * kClockRateHz;
  static constexpr std::int64_t kRestartTicks = 10 * kClockRateHz;
  // Recent pictures remembered to tell a new one from a repeat: 4 s at
  // 60 fps, longer than any jitter buffer holds a late packet.
  static constexpr std::size_t kRemembered = 256;

  // One packet of the stream that carries a picture's data. True when its
  // timestamp is a picture not seen before.
  bool add(std::uint32_t rtp_timestamp) noexcept;

  std::uint64_t pictures() const noexcept { return pictures_; }
  // 0 until two pictures with distinct timestamps have been seen.
  double average_fps() const noexcept;
  double recent_fps() const noexcept;

 private:
  void restart(std::int64_t unwrapped) noexcept;

  std::optional<std::uint32_t> newest_raw_;
  std::int64_t newest_ = 0;
  // Distinct unwrapped timestamps of the latest pictures, ascending.
  std::array<std::int64_t, kRemembered> recent_{};
  std::size_t count_ = 0;

  std::uint64_t pictures_ = 0;
  // The current run: its pictures and its oldest timestamp.
  std::uint64_t run_pictures_ = 0;
  std::int64_t run_oldest_ = 0;
  // Runs closed by a restart: intervals between pictures, and their span.
  std::uint64_t closed_intervals_ = 0;
  std::int64_t closed_ticks_ = 0;
};

}  // namespace parrot::media::probes
