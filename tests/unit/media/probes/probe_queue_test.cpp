#include "media/probes/probe_queue.hpp"

#include <array>
#include <set>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace parrot::media::probes {
namespace {

std::vector<std::byte> bytes_of(std::size_t n, std::uint8_t fill) { return std::vector<std::byte>(n, std::byte{fill}); }

TEST(ProbeQueue, RejectsZeroCapacity) { EXPECT_THROW(ProbeQueue(0), std::invalid_argument); }

TEST(ProbeQueue, BoundHonouredAndSkipsCounted) {
  ProbeQueue queue(3);
  const auto payload = bytes_of(10, 0xAB);
  for (std::uint16_t seq = 0; seq < 5; ++seq) {
    EXPECT_EQ(queue.offer(timestamp_ms(seq), 96, 1000U * seq, seq, false, payload), seq < 3) << seq;
  }
  EXPECT_EQ(queue.size(), 3U);
  EXPECT_EQ(queue.skipped(), 2U);
  EXPECT_EQ(queue.accepted(), 3U);
}

TEST(ProbeQueue, FifoOrderWithAllFields) {
  ProbeQueue queue(4);
  const std::array<std::uint8_t, 3> first{1, 2, 3};
  const std::array<std::uint8_t, 1> second{9};
  ASSERT_TRUE(queue.offer(timestamp_ms(5), 96, 960, 100, true, as_bytes(first.data(), first.size())));
  ASSERT_TRUE(queue.offer(timestamp_ms(25), 118, 1920, 101, false, as_bytes(second.data(), second.size())));
  auto a = queue.pop();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->arrival, timestamp_ms(5));
  EXPECT_EQ(a->payload_type, 96);
  EXPECT_EQ(a->rtp_timestamp, 960U);
  EXPECT_EQ(a->sequence_number, 100);
  EXPECT_TRUE(a->marker);
  ASSERT_EQ(a->payload.size(), 3U);
  EXPECT_EQ(a->payload[2], std::byte{3});
  auto b = queue.pop();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->sequence_number, 101);
  EXPECT_EQ(b->payload_type, 118);
  EXPECT_FALSE(b->marker);
  EXPECT_EQ(b->payload, bytes_of(1, 9));
  EXPECT_FALSE(queue.pop());
  EXPECT_EQ(queue.size(), 0U);
}

TEST(ProbeQueue, WrapsAroundTheRingInOrder) {
  ProbeQueue queue(2);
  std::uint16_t expected = 0;
  for (std::uint16_t seq = 0; seq < 10; ++seq) {
    ASSERT_TRUE(queue.offer(timestamp_ms(0), 96, 0, seq, false, bytes_of(4, static_cast<std::uint8_t>(seq))));
    if (queue.size() == 2) {
      auto p = queue.pop();
      ASSERT_TRUE(p);
      EXPECT_EQ(p->sequence_number, expected);
      EXPECT_EQ(p->payload[0], std::byte(expected));
      ++expected;
    }
  }
  EXPECT_EQ(queue.skipped(), 0U);
}

TEST(ProbeQueue, OversizePayloadIsSkipped) {
  ProbeQueue queue(2);
  EXPECT_FALSE(queue.offer(timestamp_ms(0), 96, 0, 1, false, bytes_of(ProbeQueue::kMaxPayloadBytes + 1, 0)));
  EXPECT_TRUE(queue.offer(timestamp_ms(0), 96, 0, 2, false, bytes_of(ProbeQueue::kMaxPayloadBytes, 0)));
  EXPECT_EQ(queue.skipped(), 1U);
  EXPECT_EQ(queue.size(), 1U);
}

TEST(ProbeQueue, SlotsHoldNoPayloadStorageUntilUsed) {
  // 256 slots of 1.5 KiB reserved up front were most of an audio call's memory.
  ProbeQueue queue(256);
  ProbePacket out;
  ASSERT_TRUE(queue.offer(timestamp_ms(0), 111, 0, 1, false, bytes_of(120, 1)));
  ASSERT_TRUE(queue.pop_into(out));
  EXPECT_EQ(out.payload.size(), 120U);
  EXPECT_LT(out.payload.capacity(), ProbeQueue::kMaxPayloadBytes);
}

TEST(ProbeQueue, PopIntoReusesPayloadStorage) {
  constexpr std::size_t kCapacity = 4;
  ProbeQueue queue(kCapacity);
  ProbePacket out;
  std::set<const std::byte*> buffers;
  // Slots hold no storage until used and grow to the largest payload they
  // have held: a stream whose sizes repeat (an Opus or VP8 stream's range)
  // warms the ring in its first cycle of sizes.
  constexpr std::uint16_t kSizes = 100;
  for (std::uint16_t seq = 0; seq < 1000; ++seq) {
    ASSERT_TRUE(queue.offer(timestamp_ms(seq), 96, seq, seq, false, bytes_of(200 + seq % kSizes, 7)));
    ASSERT_TRUE(queue.pop_into(out));
    EXPECT_EQ(out.sequence_number, seq);
    EXPECT_EQ(out.payload.size(), 200U + seq % kSizes);
    if (seq >= 2 * kSizes) buffers.insert(out.payload.data());
  }
  // Warm, the ring's buffers circulate between the slots and `out` and
  // none is reallocated: at most one per slot plus out's.
  EXPECT_LE(buffers.size(), kCapacity + 1);
  EXPECT_FALSE(queue.pop_into(out));
}

}  // namespace
}  // namespace parrot::media::probes
