// When to send the next regular RTCP report (RFC 3550 §6.2, §6.3 and A.7),
// for a call of two members that both send. The minimum interval is the
// "reduced minimum" of §6.2, 360 s / session kbit/s, kept between 1 s (as
// WebRTC endpoints do for video) and the classic 5 s.
#pragma once

#include <cstdint>
#include <random>

#include "media/time.hpp"

namespace parrot::media::echo {

class RtcpScheduler {
 public:
  explicit RtcpScheduler(std::uint32_t seed) : random_(seed) {}

  // The first reports go out early: kEarlyReports of them, the first
  // kEarlyInterval after the call starts (parrot has sent by then, so it is
  // an SR) and each next one kEarlyInterval later. A caller echoes an SR's
  // time in its next report (LSR, §6.4.1), and libwebrtc reports on audio
  // only every 2.5-7.5 s: with §6.2's "initial" half interval (up to 3 s)
  // a short call could end before any RTT was known. Regular intervals
  // follow.
  static constexpr int kEarlyReports = 3;
  static constexpr Duration kEarlyInterval = std::chrono::milliseconds(500);
  void start(Timestamp now);
  bool started() const noexcept { return started_; }
  Timestamp next_report() const noexcept { return next_; }
  // After a report of `bytes` (RTCP payload; 28 bytes of UDP/IPv4 are
  // added as §6.3.3 asks) went out at `now`.
  void on_report_sent(Timestamp now, std::size_t bytes, double session_bandwidth_bps);
  // §6.3.3: every RTCP packet received also moves the average size.
  void on_report_received(std::size_t bytes) noexcept;

  // Td of §6.3.1, before randomisation.
  static Duration deterministic_interval(double session_bandwidth_bps, double average_rtcp_bytes, bool initial) noexcept;

 private:
  Duration randomized(Duration deterministic);

  std::mt19937 random_;
  bool started_ = false;
  int reports_sent_ = 0;
  Timestamp next_{};
  double average_rtcp_bytes_ = 100;
};

}  // namespace parrot::media::echo
