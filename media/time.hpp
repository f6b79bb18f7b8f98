// Time in media/ is an input: every entry point takes `Timestamp now` from
// its caller, and MediaClock deliberately has no now() to call.
#pragma once

#include <chrono>
#include <cstdint>

namespace parrot::media {

struct MediaClock {
  using rep = std::int64_t;
  using period = std::micro;
  using duration = std::chrono::microseconds;
  using time_point = std::chrono::time_point<MediaClock>;
  static constexpr bool is_steady = true;
};

using Duration = std::chrono::microseconds;
using Timestamp = MediaClock::time_point;

constexpr Timestamp timestamp_us(std::int64_t us) noexcept { return Timestamp{Duration{us}}; }
constexpr Timestamp timestamp_ms(std::int64_t ms) noexcept { return Timestamp{std::chrono::milliseconds{ms}}; }
// "Never" for next-wakeup fields: far away, yet safe to add small durations to.
constexpr Timestamp kNever = Timestamp{Duration{INT64_MAX / 4}};

constexpr double to_ms(Duration d) noexcept { return static_cast<double>(d.count()) / 1000.0; }

// RTP media clock: ticks at clock_rate_hz (RFC 3550 §5.1).
constexpr Duration rtp_ticks_to_duration(std::int64_t ticks, std::uint32_t clock_rate_hz) noexcept {
  return Duration{ticks * 1'000'000 / static_cast<std::int64_t>(clock_rate_hz)};
}
constexpr std::int64_t duration_to_rtp_ticks(Duration d, std::uint32_t clock_rate_hz) noexcept {
  return d.count() * static_cast<std::int64_t>(clock_rate_hz) / 1'000'000;
}

// 64-bit NTP timestamp (RFC 3550 §4): seconds since 1900 in the high 32 bits,
// binary fraction in the low 32. media/ has no wall clock, so the caller
// tells it once which wall time its Timestamp epoch corresponds to.
struct NtpTime {
  std::uint64_t value = 0;
  constexpr std::uint32_t seconds() const noexcept { return static_cast<std::uint32_t>(value >> 32); }
  constexpr std::uint32_t fraction() const noexcept { return static_cast<std::uint32_t>(value); }
  // The middle 32 bits, as carried in LSR and compared with DLSR (units of 1/65536 s).
  constexpr std::uint32_t compact() const noexcept { return static_cast<std::uint32_t>(value >> 16); }
};

// Seconds between 1900-01-01 (NTP era 0) and 1970-01-01 (Unix epoch).
inline constexpr std::int64_t kNtpUnixOffsetSeconds = 2'208'988'800;

// `unix_time_at_epoch` is the Unix time at which the caller's Timestamp
// counts zero; transport/ or bot/ reads it once from the system clock.
constexpr NtpTime to_ntp(Timestamp t, Duration unix_time_at_epoch) noexcept {
  const std::int64_t us = (t.time_since_epoch() + unix_time_at_epoch).count() + kNtpUnixOffsetSeconds * 1'000'000;
  const auto seconds = static_cast<std::uint64_t>(us / 1'000'000);
  const auto fraction = (static_cast<std::uint64_t>(us % 1'000'000) << 32) / 1'000'000;
  return NtpTime{(seconds << 32) | fraction};
}

// A duration in the 1/65536 s units of RTCP's compact NTP (DLSR, RTT).
constexpr std::uint32_t to_compact_ntp(Duration d) noexcept {
  return static_cast<std::uint32_t>((d.count() << 16) / 1'000'000);
}
constexpr Duration from_compact_ntp(std::uint32_t units) noexcept {
  return Duration{(static_cast<std::int64_t>(units) * 1'000'000) >> 16};
}

}  // namespace parrot::media
