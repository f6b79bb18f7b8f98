#include "media/stats/receive_statistics.hpp"

#include <gtest/gtest.h>

namespace parrot::media::stats {
namespace {

using Verdict = ReceiveStatistics::Verdict;

TEST(ReceiveStatistics, JitterMatchesHandComputedRfc3550A8) {
  // 8 kHz clock: 20 ms = 160 ticks. RTP timestamps wrap (start 2^32 - 256).
  // arrival ms:  0    20   45   60   95
  // transit:     T    T    T+40 T    T+120   (ticks, T = 256)
  // |D|:              0    40   40   120
  // J:           0    0    2.5  4.84375  12.041015625   (J += (|D| - J) / 16)
  ReceiveStatistics stats(8000);
  const std::uint32_t ts0 = 0xFFFFFF00u;
  const int arrivals_ms[] = {0, 20, 45, 60, 95};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(stats.on_packet(timestamp_ms(arrivals_ms[i]), static_cast<std::uint16_t>(i),
                              ts0 + 160u * static_cast<std::uint32_t>(i), 100),
              Verdict::kNew);
  }
  EXPECT_DOUBLE_EQ(stats.snapshot().jitter_ms, 12.041015625 / 8.0);
  EXPECT_EQ(stats.jitter_ticks(), 12u);
}

TEST(ReceiveStatistics, LossAndReorderAcrossSequenceWrap) {
  // 65533 65534 [65535 lost] 1 0 2 [3 lost] 4 2(dup)
  ReceiveStatistics stats(48000);
  const std::uint16_t order[] = {65533, 65534, 1, 0, 2, 4, 2};
  const Verdict expected[] = {Verdict::kNew, Verdict::kNew, Verdict::kNew, Verdict::kNew,
                              Verdict::kNew, Verdict::kNew, Verdict::kDuplicate};
  for (std::size_t i = 0; i < std::size(order); ++i) {
    EXPECT_EQ(stats.on_packet(timestamp_ms(20 * static_cast<int>(i)), order[i], 960u * order[i], 50), expected[i]) << i;
  }
  const auto snapshot = stats.snapshot();
  EXPECT_EQ(snapshot.packets, 6u);
  EXPECT_EQ(snapshot.expected, 8);  // 65533 .. 4 across the wrap
  EXPECT_EQ(snapshot.lost, 2);
  EXPECT_DOUBLE_EQ(snapshot.loss_pct, 25.0);
  EXPECT_EQ(snapshot.reordered, 1u);
  EXPECT_EQ(snapshot.duplicates, 1u);
  EXPECT_EQ(stats.extended_highest(), 65536 + 4);
  EXPECT_EQ(snapshot.bytes, 300u);
}

TEST(ReceiveStatistics, ReportBlockFractionIsPerInterval) {
  ReceiveStatistics stats(48000);
  // First interval: 0..9 with 2 and 3 lost → 2/10 → 51/256.
  for (std::uint16_t s = 0; s < 10; ++s) {
    if (s == 2 || s == 3) continue;
    stats.on_packet(timestamp_ms(s * 20), s, 960u * s, 80);
  }
  auto block = stats.make_report_block(timestamp_ms(200));
  EXPECT_EQ(block.fraction_lost, (2 << 8) / 10);
  EXPECT_EQ(block.cumulative_lost, 2);
  EXPECT_EQ(block.extended_highest_sequence, 9u);
  EXPECT_EQ(block.last_sr, 0u);
  EXPECT_EQ(block.delay_since_last_sr, 0u);
  // Second interval: 10..19 all received → fraction 0, cumulative stays.
  for (std::uint16_t s = 10; s < 20; ++s) stats.on_packet(timestamp_ms(s * 20), s, 960u * s, 80);
  stats.on_sender_report(timestamp_ms(300), NtpTime{0x0000'1234'5678'0000ULL});
  block = stats.make_report_block(timestamp_ms(800));
  EXPECT_EQ(block.fraction_lost, 0);
  EXPECT_EQ(block.cumulative_lost, 2);
  EXPECT_EQ(block.last_sr, 0x12345678u);
  EXPECT_EQ(block.delay_since_last_sr, 65536u / 2);  // 500 ms
}

TEST(ReceiveStatistics, SequenceJumpNeedsConfirmation) {
  ReceiveStatistics stats(90000);
  for (std::uint16_t s = 100; s < 110; ++s) stats.on_packet(timestamp_ms(s), s, 3000u * s, 1000);
  // One stray packet far away is not believed ...
  EXPECT_EQ(stats.on_packet(timestamp_ms(200), 40000, 0, 1000), Verdict::kUntrusted);
  EXPECT_EQ(stats.on_packet(timestamp_ms(201), 110, 3000u * 110, 1000), Verdict::kNew);
  // ... two in a row are a restart; earlier packets stay in the totals.
  EXPECT_EQ(stats.on_packet(timestamp_ms(300), 50000, 0, 1000), Verdict::kUntrusted);
  EXPECT_EQ(stats.on_packet(timestamp_ms(301), 50001, 3000, 1000), Verdict::kRestart);
  EXPECT_EQ(stats.on_packet(timestamp_ms(302), 50002, 6000, 1000), Verdict::kNew);
  const auto snapshot = stats.snapshot();
  EXPECT_EQ(snapshot.resyncs, 1u);
  EXPECT_EQ(snapshot.packets, 11u + 2u);
  EXPECT_EQ(snapshot.expected, 11 + 2);
  EXPECT_EQ(snapshot.lost, 0);
}

TEST(ReceiveStatistics, NewSourceStartsItsOwnSequenceAndKeepsTheTotals) {
  ReceiveStatistics stats(48000);
  // Source A: 0..9 with 5 lost, a jittery arrival, and an SR.
  for (int i = 0; i < 10; ++i) {
    if (i == 5) continue;
    stats.on_packet(timestamp_ms(20 * i + (i % 2) * 7), static_cast<std::uint16_t>(i), 960u * static_cast<std::uint32_t>(i), 100);
  }
  stats.on_sender_report(timestamp_ms(150), NtpTime{0x1234567812340000});
  ASSERT_GT(stats.jitter_ticks(), 0u);
  stats.on_source_change();
  // Source B numbers from 40000: no jump to confirm, nothing lost between.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(stats.on_packet(timestamp_ms(3000 + 20 * i), static_cast<std::uint16_t>(40000 + i),
                              123u + 960u * static_cast<std::uint32_t>(i), 100),
              Verdict::kNew) << i;
  }
  const auto snapshot = stats.snapshot();
  EXPECT_EQ(snapshot.packets, 19u);
  EXPECT_EQ(snapshot.expected, 20);
  EXPECT_EQ(snapshot.lost, 1);
  EXPECT_EQ(snapshot.bytes, 1900u);
  EXPECT_EQ(snapshot.resyncs, 0u);
  // The report block speaks of source B alone (RFC 3550 §6.4.1).
  const auto block = stats.make_report_block(timestamp_ms(3200));
  EXPECT_EQ(block.extended_highest_sequence, 40009u);
  EXPECT_EQ(block.cumulative_lost, 0);
  EXPECT_EQ(block.fraction_lost, 0);
  EXPECT_EQ(block.jitter_ticks, 0u);  // B's packets arrive evenly
  EXPECT_EQ(block.last_sr, 0u);       // the SR was A's
}

TEST(ReceiveStatistics, PacketOlderThanTheFirstExtendsExpected) {
  ReceiveStatistics stats(48000);
  stats.on_packet(timestamp_ms(0), 10, 0, 10);
  stats.on_packet(timestamp_ms(1), 9, 0, 10);
  stats.on_packet(timestamp_ms(2), 11, 0, 10);
  const auto snapshot = stats.snapshot();
  EXPECT_EQ(snapshot.expected, 3);
  EXPECT_EQ(snapshot.lost, 0);
  EXPECT_EQ(snapshot.reordered, 1u);
}

TEST(ReceiveStatistics, BitrateOverTheLastSecond) {
  ReceiveStatistics stats(48000);
  // 50 packets/s of 100 bytes for 3 s: 40 kbit/s.
  for (int i = 0; i < 150; ++i) stats.on_packet(timestamp_ms(20 * i), static_cast<std::uint16_t>(i), 960u * static_cast<std::uint32_t>(i), 100);
  const auto snapshot = stats.snapshot();
  EXPECT_NEAR(snapshot.bitrate_bps, 40000, 1000);
  EXPECT_NEAR(snapshot.average_bitrate_bps, 40000, 500);
}

}  // namespace
}  // namespace parrot::media::stats
