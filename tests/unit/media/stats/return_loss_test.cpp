#include "media/stats/return_loss.hpp"

#include <gtest/gtest.h>

#include <random>

#include "media/stats/receive_statistics.hpp"

namespace parrot::media::stats {
namespace {

// The caller's side, as RFC 3550 A.3 counts it: parrot's own receiver code.
struct Caller {
  ReceiveStatistics receiver{48000};
  std::int64_t now_ms = 0;
  void receive(std::uint16_t sequence) {
    now_ms += 20;
    receiver.on_packet(timestamp_ms(now_ms), sequence, static_cast<std::uint32_t>(now_ms * 48), 100);
  }
  ReportBlockFields block() { return receiver.make_report_block(timestamp_ms(now_ms)); }
};

TEST(ReturnLoss, NothingLostWhenTheCallerGotEverything) {
  ReturnLoss loss;
  Caller caller;
  for (std::uint16_t s = 100; s < 600; ++s) {
    loss.on_sent(s);
    caller.receive(s);
  }
  const auto block = caller.block();
  loss.on_report_block(block.extended_highest_sequence, block.cumulative_lost);
  const auto snapshot = loss.snapshot();
  EXPECT_EQ(snapshot.sent, 500U);
  EXPECT_EQ(snapshot.lost, 0U);
  EXPECT_DOUBLE_EQ(snapshot.loss_pct, 0.0);
  EXPECT_EQ(snapshot.reports, 1U);
}

// The browser test's case: 20% lost on the way to parrot, 18% on the way back. The
// caller's block counts both (about 34%); parrot's figure is the 18% alone.
TEST(ReturnLoss, UpstreamGapsAreNotCountedAsReturnLoss) {
  ReturnLoss loss;
  Caller caller;
  std::mt19937 random(7);
  std::bernoulli_distribution upstream_drop(0.20);
  std::bernoulli_distribution return_drop(0.18);
  // parrot's numbers start near the wrap, so the count crosses it.
  const std::uint16_t offset = 65000;
  std::uint64_t sent = 0;
  std::uint64_t returned_lost = 0;
  for (int i = 0; i < 20000; ++i) {
    if (upstream_drop(random)) continue;  // parrot never got it: a gap in its numbers
    const auto sequence = static_cast<std::uint16_t>(i + offset);
    loss.on_sent(sequence);
    ++sent;
    if (return_drop(random)) {
      ++returned_lost;
    } else {
      caller.receive(sequence);
    }
    if (i % 250 == 249) {
      const auto block = caller.block();
      loss.on_report_block(block.extended_highest_sequence, block.cumulative_lost);
    }
  }
  const auto block = caller.block();
  loss.on_report_block(block.extended_highest_sequence, block.cumulative_lost);
  const auto snapshot = loss.snapshot();
  const double true_pct = 100.0 * static_cast<double>(returned_lost) / static_cast<double>(sent);
  const double gross_pct = 100.0 * block.cumulative_lost / static_cast<double>(caller.receiver.snapshot().expected);
  EXPECT_NEAR(true_pct, 18.0, 1.0);
  EXPECT_GT(gross_pct, 33.0);  // what the caller's own block says
  // Only packets lost after the caller's last received one are beyond its
  // highest number; at most a handful.
  EXPECT_LE(sent - snapshot.sent, 5U);
  EXPECT_NEAR(static_cast<double>(snapshot.lost), static_cast<double>(returned_lost), 5.0);
  EXPECT_NEAR(snapshot.loss_pct, true_pct, 0.1);
  ASSERT_TRUE(snapshot.interval_loss_pct);
  EXPECT_NEAR(*snapshot.interval_loss_pct, 18.0, 12.0);  // one short interval of about 200 packets
}

TEST(ReturnLoss, ResendsAndDuplicatesCountOnce) {
  ReturnLoss loss;
  Caller caller;
  for (std::uint16_t s = 0; s < 100; ++s) {
    loss.on_sent(s);
    if (s != 50) caller.receive(s);
  }
  // parrot answers a NACK for 50 (on_sent again) and the resend arrives.
  loss.on_sent(50);
  auto block = caller.block();
  loss.on_report_block(block.extended_highest_sequence, block.cumulative_lost);
  EXPECT_EQ(loss.snapshot().sent, 100U);
  EXPECT_EQ(loss.snapshot().lost, 1U);
  caller.receive(50);
  caller.receive(60);  // a duplicate at the caller: received, not lost, never negative
  block = caller.block();
  loss.on_report_block(block.extended_highest_sequence, block.cumulative_lost);
  EXPECT_EQ(loss.snapshot().sent, 100U);
  EXPECT_EQ(loss.snapshot().lost, 0U);
}

TEST(ReturnLoss, ReorderedSendsAreCounted) {
  ReturnLoss loss;
  // A late packet echoed after newer ones: numbers, not order, count.
  for (const std::uint16_t s : std::initializer_list<std::uint16_t>{10, 11, 13, 12, 14, 16}) loss.on_sent(s);
  // The caller received 10..14 and 16, nothing lost; 15 never existed at parrot.
  loss.on_report_block(16, 1);  // expected 7, lost 1 (the upstream gap 15)
  EXPECT_EQ(loss.snapshot().sent, 6U);
  EXPECT_EQ(loss.snapshot().lost, 0U);
  // Up to 13 only: 10, 11, 12, 13 were sent.
  ReturnLoss partial;
  for (const std::uint16_t s : std::initializer_list<std::uint16_t>{10, 11, 13, 12, 14, 16}) partial.on_sent(s);
  partial.on_report_block(13, 1);  // the caller missed one of the four
  EXPECT_EQ(partial.snapshot().sent, 4U);
  EXPECT_EQ(partial.snapshot().lost, 1U);
}

TEST(ReturnLoss, TheCallersCycleCountDoesNotMatter) {
  ReturnLoss loss;
  for (std::uint16_t s = 65530; s != 10; ++s) loss.on_sent(s);
  // The caller started counting cycles at its own first packet; only the
  // low 16 bits are used, placed nearest parrot's newest number.
  loss.on_report_block((7u << 16) | 9u, 0);
  EXPECT_EQ(loss.snapshot().sent, 16U);
  EXPECT_EQ(loss.snapshot().lost, 0U);
}

TEST(ReturnLoss, BlocksThatDescribeNothingParrotSentAreIgnored) {
  ReturnLoss loss;
  loss.on_report_block(1000, 3);  // before anything was sent
  EXPECT_FALSE(loss.has_report());
  for (std::uint16_t s = 1000; s < 1100; ++s) loss.on_sent(s);
  loss.on_report_block(1200, 0);  // beyond what parrot sent
  loss.on_report_block(900, 0);   // before parrot's first packet
  EXPECT_FALSE(loss.has_report());
  loss.on_report_block(1099, 5);
  EXPECT_TRUE(loss.has_report());
  EXPECT_EQ(loss.snapshot().lost, 5U);
}

TEST(ReturnLoss, PacketsTheTransportRefusedAreNotLost) {
  ReturnLoss loss;
  for (std::uint16_t s = 0; s < 10; ++s) loss.on_sent(s);
  loss.on_not_sent(5);
  loss.on_not_sent(5);   // twice: still one
  loss.on_not_sent(40);  // never sent
  loss.on_report_block(9, 1);  // the caller counts 5 as lost; parrot never sent it
  EXPECT_EQ(loss.snapshot().sent, 9U);
  EXPECT_EQ(loss.snapshot().lost, 0U);
}

TEST(ReturnLoss, MemoryIsBoundedAndOldBlocksAreNotGuessed) {
  ReturnLoss loss;
  // Far more than the window, every third number an upstream gap.
  std::uint64_t sent = 0;
  std::uint64_t sent_up_to_mark = 0;
  const int total = 200000;
  const int mark = total - 1000;
  for (int i = 0; i < total; ++i) {
    if (i % 3 == 2) continue;
    loss.on_sent(static_cast<std::uint16_t>(i));
    ++sent;
    if (i <= mark) ++sent_up_to_mark;
  }
  // A block at `mark`: the caller received everything up to it.
  const std::int64_t expected = mark + 1;
  const auto lost_at_caller = static_cast<std::int32_t>(expected - static_cast<std::int64_t>(sent_up_to_mark));
  loss.on_report_block(static_cast<std::uint16_t>(mark), lost_at_caller);
  EXPECT_EQ(loss.snapshot().sent, sent_up_to_mark);
  EXPECT_EQ(loss.snapshot().lost, 0U);
  // A block older than the window is not used: the figure stays.
  loss.on_report_block(static_cast<std::uint16_t>(total - ReturnLoss::kWindow - 100), 0);
  EXPECT_EQ(loss.snapshot().reports, 1U);
  EXPECT_EQ(sent, static_cast<std::uint64_t>(total - total / 3));
}

TEST(ReturnLoss, IntervalFigureFollowsTheLatestBlocks) {
  ReturnLoss loss;
  Caller caller;
  for (std::uint16_t s = 0; s < 100; ++s) {
    loss.on_sent(s);
    caller.receive(s);
  }
  auto block = caller.block();
  loss.on_report_block(block.extended_highest_sequence, block.cumulative_lost);
  EXPECT_FALSE(loss.snapshot().interval_loss_pct);
  for (std::uint16_t s = 100; s < 200; ++s) {
    loss.on_sent(s);
    if (s % 2 == 0 || s == 199) caller.receive(s);
  }
  block = caller.block();
  loss.on_report_block(block.extended_highest_sequence, block.cumulative_lost);
  ASSERT_TRUE(loss.snapshot().interval_loss_pct);
  EXPECT_NEAR(*loss.snapshot().interval_loss_pct, 49.0, 0.01);  // 49 of 100
  EXPECT_NEAR(loss.snapshot().loss_pct, 24.5, 0.01);            // 49 of 200
}

}  // namespace
}  // namespace parrot::media::stats
