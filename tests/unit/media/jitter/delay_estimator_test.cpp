#include "media/jitter/delay_estimator.hpp"

#include <gtest/gtest.h>

namespace parrot::media::jitter {
namespace {

DelayEstimator::Config config() {
  DelayEstimator::Config c;
  c.clock_rate_hz = 48000;
  c.min_delay = std::chrono::milliseconds(20);
  c.max_delay = std::chrono::milliseconds(300);
  c.initial_delay = std::chrono::milliseconds(60);
  return c;
}

TEST(DelayEstimator, SteadyArrivalsGiveTheMinimum) {
  DelayEstimator estimator(config());
  for (int i = 0; i < 200; ++i) estimator.on_packet(timestamp_ms(1000 + 20 * i), 960 * i);
  // No spread at all: the target falls from the initial 60 ms to the floor.
  EXPECT_EQ(estimator.target_delay(), std::chrono::milliseconds(20));
  EXPECT_EQ(*estimator.earliest_arrival(960 * 200), timestamp_ms(1000 + 20 * 200));
}

TEST(DelayEstimator, SpreadRaisesTargetAtOnceAndLowersItSlowly) {
  DelayEstimator estimator(config());
  // Every 10th packet 120 ms late: the 99th percentile spread is 120 ms.
  int i = 0;
  for (; i < 100; ++i) estimator.on_packet(timestamp_ms(20 * i + (i % 10 == 5 ? 120 : 0)), 960 * i);
  EXPECT_EQ(estimator.target_delay(), std::chrono::milliseconds(120));
  // The late packets stop; 20 ms/s means 40 ms lower 2 s later at most.
  for (; i < 200; ++i) estimator.on_packet(timestamp_ms(20 * i), 960 * i);
  EXPECT_GE(estimator.target_delay(), std::chrono::milliseconds(80));
  EXPECT_LT(estimator.target_delay(), std::chrono::milliseconds(120));
  for (; i < 1000; ++i) estimator.on_packet(timestamp_ms(20 * i), 960 * i);
  EXPECT_EQ(estimator.target_delay(), std::chrono::milliseconds(20));
}

TEST(DelayEstimator, TargetIsClampedToMax) {
  DelayEstimator estimator(config());
  for (int i = 0; i < 100; ++i) estimator.on_packet(timestamp_ms(20 * i + (i % 4 == 1 ? 900 : 0)), 960 * i);
  EXPECT_EQ(estimator.target_delay(), std::chrono::milliseconds(300));
}

TEST(DelayEstimator, TimestampJumpRestartsTiming) {
  DelayEstimator estimator(config());
  for (int i = 0; i < 50; ++i) estimator.on_packet(timestamp_ms(20 * i), 960 * i);
  // The sender's clock jumps an hour ahead: new reference, no huge target.
  estimator.on_packet(timestamp_ms(1000), 960LL * 50 + 48000LL * 3600);
  estimator.on_packet(timestamp_ms(1020), 960LL * 51 + 48000LL * 3600);
  EXPECT_LE(estimator.target_delay(), std::chrono::milliseconds(60));
  EXPECT_EQ(*estimator.earliest_arrival(960LL * 52 + 48000LL * 3600), timestamp_ms(1040));
}

}  // namespace
}  // namespace parrot::media::jitter
