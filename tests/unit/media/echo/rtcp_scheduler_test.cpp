#include "media/echo/rtcp_scheduler.hpp"

#include <gtest/gtest.h>

namespace parrot::media::echo {
namespace {

TEST(RtcpScheduler, DeterministicIntervalFollowsRfc3550) {
  // 64 kbit/s of audio both ways: reduced minimum 360/64 s = 5.6 s → 5 s cap.
  EXPECT_EQ(RtcpScheduler::deterministic_interval(64000, 100, false), std::chrono::seconds(5));
  EXPECT_EQ(RtcpScheduler::deterministic_interval(64000, 100, true), std::chrono::milliseconds(2500));
  // 2 Mbit/s of video: 360/2000 s = 0.18 s, floored at 1 s; 5% of 2 Mbit/s
  // is 12,500 B/s, so 2 members x 120 B need only 19.2 ms.
  EXPECT_EQ(RtcpScheduler::deterministic_interval(2e6, 120, false), std::chrono::seconds(1));
  // 20 kbit/s with large reports: 2 x 600 B / 125 B/s = 9.6 s beats the minimum.
  EXPECT_EQ(RtcpScheduler::deterministic_interval(20000, 600, false), std::chrono::milliseconds(9600));
}

// Early SRs, so that even a short call's caller echoes one (RTT).
TEST(RtcpScheduler, FirstReportsComeEarly) {
  RtcpScheduler scheduler(7);
  scheduler.start(timestamp_ms(1000));
  EXPECT_EQ(scheduler.next_report(), timestamp_ms(1500));
  scheduler.on_report_sent(timestamp_ms(1500), 72, 64000);
  EXPECT_EQ(scheduler.next_report(), timestamp_ms(2000));
  scheduler.on_report_sent(timestamp_ms(2000), 72, 64000);
  EXPECT_EQ(scheduler.next_report(), timestamp_ms(2500));
  scheduler.on_report_sent(timestamp_ms(2500), 72, 64000);
  EXPECT_GE(scheduler.next_report() - timestamp_ms(2500), std::chrono::seconds(2));
}

TEST(RtcpScheduler, RandomizedWithinHalfToOneAndAHalfCompensated) {
  RtcpScheduler scheduler(7);
  scheduler.start(timestamp_ms(0));
  Timestamp now = scheduler.next_report();
  for (int i = 0; i < RtcpScheduler::kEarlyReports - 1; ++i) {
    scheduler.on_report_sent(now, 72, 64000);
    now = scheduler.next_report();
  }
  for (int i = 0; i < 200; ++i) {
    scheduler.on_report_sent(now, 72, 64000);  // 100-byte average kept
    const Duration interval = scheduler.next_report() - now;
    EXPECT_GE(interval, Duration{static_cast<std::int64_t>(5e6 * 0.5 / 1.21828) - 1});
    EXPECT_LE(interval, Duration{static_cast<std::int64_t>(5e6 * 1.5 / 1.21828) + 1});
    now = scheduler.next_report();
  }
}

}  // namespace
}  // namespace parrot::media::echo
