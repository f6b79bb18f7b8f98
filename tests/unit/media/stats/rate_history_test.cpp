#include "media/stats/rate_history.hpp"

#include <gtest/gtest.h>

namespace parrot::media::stats {
namespace {

using std::chrono::milliseconds;

TEST(RateHistory, SteadyRateReachesItsMarksWithinTheFirstSecond) {
  RateHistory history;
  // 1 Mbit/s: 125 bytes every millisecond for 3 s, from t = 5 s.
  for (int ms = 0; ms < 3000; ++ms) history.on_bytes(timestamp_ms(5000 + ms), 125);
  const auto s = history.snapshot();
  EXPECT_NEAR(s.mean_bps, 1'000'000, 1'000);
  EXPECT_NEAR(s.peak_bps, 1'000'000, 1'000);
  ASSERT_TRUE(s.reached[0]);  // 250 kbit/s after a quarter of a second
  EXPECT_NEAR(to_ms(*s.reached[0]), 249, 2);
  ASSERT_TRUE(s.reached[2]);  // 1 Mbit/s once the window is full
  EXPECT_NEAR(to_ms(*s.reached[2]), 999, 2);
  EXPECT_FALSE(s.reached[3]);  // 1.5 Mbit/s never
  EXPECT_NEAR(history.rate_bps(timestamp_ms(7999)), 1'000'000, 1'000);
  EXPECT_EQ(history.rate_bps(timestamp_ms(8500)), 400'000);  // only the bins of 7.6-7.9 s are still in the window
  EXPECT_EQ(history.rate_bps(timestamp_ms(9500)), 0);
}

TEST(RateHistory, RampIsTimedFromTheFirstPacket) {
  RateHistory history;
  // 300 kbit/s for 4 s, then 1.6 Mbit/s.
  int t = 0;
  for (; t < 4000; t += 10) history.on_bytes(timestamp_ms(t), 375);
  for (; t < 8000; t += 10) history.on_bytes(timestamp_ms(t), 2000);
  const auto s = history.snapshot();
  ASSERT_TRUE(s.reached[1]);  // 500 kbit/s soon after the switch at 4 s
  EXPECT_GT(to_ms(*s.reached[1]), 4000);
  EXPECT_LT(to_ms(*s.reached[1]), 4300);
  ASSERT_TRUE(s.reached[3]);  // 1.5 Mbit/s nearly a second after it
  EXPECT_GT(to_ms(*s.reached[3]), 4800);
  EXPECT_LT(to_ms(*s.reached[3]), 5000);
  EXPECT_NEAR(s.peak_bps, 1'600'000, 1'000);
  EXPECT_FALSE(s.reached[4]);
}

TEST(RateHistory, SilenceEmptiesTheWindowAndLatePacketsCountOnlyInTheMean) {
  RateHistory history;
  history.on_bytes(timestamp_ms(0), 1000);
  history.on_bytes(timestamp_ms(10'000), 1000);  // ten seconds later
  EXPECT_EQ(history.rate_bps(timestamp_ms(10'000)), 8000);
  history.on_bytes(timestamp_ms(5'000), 1000);  // far out of order
  EXPECT_EQ(history.rate_bps(timestamp_ms(10'000)), 8000);
  EXPECT_NEAR(history.snapshot().mean_bps, 3000 * 8 / 10.0, 1);
  EXPECT_EQ(RateHistory{}.rate_bps(timestamp_ms(1)), 0);
}

}  // namespace
}  // namespace parrot::media::stats
