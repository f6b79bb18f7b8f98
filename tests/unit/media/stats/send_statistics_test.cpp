#include "media/stats/send_statistics.hpp"

#include <gtest/gtest.h>

namespace parrot::media::stats {
namespace {

TEST(SendStatistics, RttFromLsrAndDlsr) {
  SendStatistics stats(48000);
  const Duration epoch{0};
  // We sent an SR at t=1 s (its compact NTP is the LSR); the receiver held
  // it 250 ms (DLSR) and its RR arrived at t=1.4 s: RTT = 150 ms.
  const std::uint32_t lsr = to_ntp(timestamp_ms(1000), epoch).compact();
  stats.on_report_block(timestamp_ms(1400), epoch, 64, 12, 480, lsr, to_compact_ntp(std::chrono::milliseconds(250)));
  const auto snapshot = stats.snapshot();
  ASSERT_TRUE(snapshot.rtt_ms);
  EXPECT_NEAR(*snapshot.rtt_ms, 150.0, 0.05);
  EXPECT_DOUBLE_EQ(*snapshot.remote_loss_pct, 25.0);
  EXPECT_EQ(*snapshot.remote_cumulative_lost, 12);
  EXPECT_DOUBLE_EQ(*snapshot.remote_jitter_ms, 10.0);
}

TEST(SendStatistics, NoRttBeforeTheReceiverHasAnSr) {
  SendStatistics stats(48000);
  stats.on_report_block(timestamp_ms(1400), Duration{0}, 0, 0, 0, 0, 0);
  EXPECT_FALSE(stats.snapshot().rtt_ms);
  EXPECT_TRUE(stats.snapshot().remote_loss_pct);
}

TEST(SendStatistics, ImpossibleRttIsIgnored) {
  SendStatistics stats(48000);
  const std::uint32_t lsr = to_ntp(timestamp_ms(5000), Duration{0}).compact();
  stats.on_report_block(timestamp_ms(1000), Duration{0}, 0, 0, 0, lsr, 0);
  EXPECT_FALSE(stats.snapshot().rtt_ms);
}

TEST(SendStatistics, SrTimestampExtrapolatesFromLastPacket) {
  SendStatistics stats(48000);
  stats.on_sent(timestamp_ms(100), 0xFFFFFF00u, 160);
  stats.on_sent(timestamp_ms(120), 0xFFFFFF00u + 960, 160);
  EXPECT_EQ(stats.rtp_timestamp_at(timestamp_ms(220)), 0xFFFFFF00u + 960 + 4800);
  EXPECT_EQ(stats.packet_count(), 2u);
  EXPECT_EQ(stats.octet_count(), 320u);
}

}  // namespace
}  // namespace parrot::media::stats
