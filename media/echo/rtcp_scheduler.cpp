#include "media/echo/rtcp_scheduler.hpp"

#include <algorithm>

namespace parrot::media::echo {

namespace {
constexpr double kRtcpBandwidthShare = 0.05;  // §6.2: 5% of the session bandwidth
constexpr double kMembers = 2;                // parrot and the caller, both senders
constexpr double kCompensation = 2.71828 - 1.5;  // §6.3.1: e - 3/2
constexpr std::size_t kUdpIpOverhead = 28;
constexpr Duration kFloor = std::chrono::seconds(1);
constexpr Duration kClassicMinimum = std::chrono::seconds(5);
}  // namespace

Duration RtcpScheduler::deterministic_interval(double session_bandwidth_bps, double average_rtcp_bytes,
                                               bool initial) noexcept {
  const double kbps = std::max(session_bandwidth_bps, 1000.0) / 1000.0;
  Duration minimum = std::clamp(Duration{static_cast<std::int64_t>(360.0 / kbps * 1e6)}, kFloor, kClassicMinimum);
  if (initial) minimum /= 2;
  // With both members senders (more than a quarter of members), the whole
  // RTCP bandwidth is shared by all: Td = avg size * n / rtcp bandwidth.
  const double rtcp_bytes_per_second = kRtcpBandwidthShare * std::max(session_bandwidth_bps, 1000.0) / 8.0;
  const Duration td{static_cast<std::int64_t>(average_rtcp_bytes * kMembers / rtcp_bytes_per_second * 1e6)};
  return std::max(td, minimum);
}

Duration RtcpScheduler::randomized(Duration deterministic) {
  // §6.3.1: uniformly in [0.5, 1.5] Td, divided by e - 3/2 to compensate
  // for timer reconsideration converging below the intended average.
  std::uniform_real_distribution<double> factor(0.5, 1.5);
  return Duration{static_cast<std::int64_t>(static_cast<double>(deterministic.count()) * factor(random_) / kCompensation)};
}

void RtcpScheduler::start(Timestamp now) {
  started_ = true;
  next_ = now + kEarlyInterval;
}

void RtcpScheduler::on_report_received(std::size_t bytes) noexcept {
  average_rtcp_bytes_ = (static_cast<double>(bytes + kUdpIpOverhead) + 15.0 * average_rtcp_bytes_) / 16.0;
}

void RtcpScheduler::on_report_sent(Timestamp now, std::size_t bytes, double session_bandwidth_bps) {
  on_report_received(bytes);
  if (++reports_sent_ < kEarlyReports) {
    next_ = now + kEarlyInterval;
    return;
  }
  next_ = now + randomized(deterministic_interval(session_bandwidth_bps, average_rtcp_bytes_, false));
}

}  // namespace parrot::media::echo
