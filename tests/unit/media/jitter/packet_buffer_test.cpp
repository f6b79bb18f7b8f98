#include "media/jitter/packet_buffer.hpp"

#include <array>

#include <gtest/gtest.h>

namespace parrot::media::jitter {
namespace {

TEST(PacketBuffer, CapacityIsAPowerOfTwo) {
  EXPECT_EQ(PacketBuffer(1).capacity(), 16u);
  EXPECT_EQ(PacketBuffer(100).capacity(), 128u);
}

TEST(PacketBuffer, InsertFindTakeErase) {
  PacketBuffer buffer(16);
  const std::array<std::byte, 3> bytes{std::byte{1}, std::byte{2}, std::byte{3}};
  EXPECT_TRUE(buffer.insert(70000, 960, true, timestamp_ms(5), bytes));
  EXPECT_FALSE(buffer.insert(70000, 960, true, timestamp_ms(6), bytes));  // duplicate
  EXPECT_EQ(buffer.size(), 1u);
  ASSERT_NE(buffer.find(70000), nullptr);
  EXPECT_TRUE(buffer.find(70000)->marker);
  EXPECT_EQ(buffer.find(70016), nullptr);  // same slot, other sequence
  std::vector<std::byte> out;
  EXPECT_TRUE(buffer.take(70000, out));
  EXPECT_EQ(out.size(), 3u);
  EXPECT_TRUE(buffer.empty());
  EXPECT_FALSE(buffer.take(70000, out));
}

TEST(PacketBuffer, ResizeKeepsPackets) {
  PacketBuffer buffer(16);
  const std::array<std::byte, 1> bytes{std::byte{9}};
  for (std::int64_t s = 10; s < 26; ++s) buffer.insert(s, s * 960, false, timestamp_ms(0), bytes);
  buffer.resize(64);
  EXPECT_EQ(buffer.capacity(), 64u);
  EXPECT_EQ(buffer.size(), 16u);
  for (std::int64_t s = 10; s < 26; ++s) EXPECT_NE(buffer.find(s), nullptr) << s;
}

}  // namespace
}  // namespace parrot::media::jitter
