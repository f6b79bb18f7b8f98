#include "media/signals/vp8_packetizer.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace parrot::media::signals {
namespace {

std::vector<std::byte> counting_bytes(std::size_t size) {
  std::vector<std::byte> bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = std::byte(i % 251);
  return bytes;
}

std::vector<std::byte> descriptor(ByteView payload) { return {payload.begin(), payload.begin() + 4}; }

TEST(Vp8Packetizer, SplitsIntoBalancedSlicesWithDescriptors) {
  Vp8Packetizer packetizer{1100};
  const auto frame = counting_bytes(2500);
  const auto packets = packetizer.packetize(frame, 0x1234);
  // 1100 - 4 descriptor bytes = 1096 per packet: ceil(2500/1096) = 3 packets;
  // 2500 = 834 + 833 + 833.
  ASSERT_EQ(packets.size(), 3U);
  EXPECT_EQ(packets[0].payload.size(), 4U + 834U);
  EXPECT_EQ(packets[1].payload.size(), 4U + 833U);
  EXPECT_EQ(packets[2].payload.size(), 4U + 833U);
  const std::vector<std::byte> first{
      std::byte{0x90},  // X=1 R=0 N=0 S=1 R=0 PID=0
      std::byte{0x80},  // I=1 L=0 T=0 K=0 RSV=0
      std::byte{0x92},  // M=1, picture id high 7 bits 0x12
      std::byte{0x34},  // picture id low 8 bits
  };
  const std::vector<std::byte> continuation{std::byte{0x80}, std::byte{0x80}, std::byte{0x92}, std::byte{0x34}};
  EXPECT_EQ(descriptor(packets[0].payload), first);
  EXPECT_EQ(descriptor(packets[1].payload), continuation);
  EXPECT_EQ(descriptor(packets[2].payload), continuation);
  EXPECT_FALSE(packets[0].marker);
  EXPECT_FALSE(packets[1].marker);
  EXPECT_TRUE(packets[2].marker);
  std::vector<std::byte> reassembled;
  for (const auto& packet : packets) reassembled.insert(reassembled.end(), packet.payload.begin() + 4, packet.payload.end());
  EXPECT_EQ(reassembled, frame);
}

TEST(Vp8Packetizer, ExactFitAndOneByteOver) {
  Vp8Packetizer packetizer{1100};
  auto packets = packetizer.packetize(counting_bytes(1096), 1);
  ASSERT_EQ(packets.size(), 1U);
  EXPECT_EQ(packets[0].payload.size(), 1100U);
  EXPECT_EQ(packets[0].payload[0], std::byte{0x90});
  EXPECT_TRUE(packets[0].marker);
  packets = packetizer.packetize(counting_bytes(1097), 1);
  ASSERT_EQ(packets.size(), 2U);
  EXPECT_EQ(packets[0].payload.size(), 4U + 549U);
  EXPECT_EQ(packets[1].payload.size(), 4U + 548U);
}

TEST(Vp8Packetizer, PictureIdIsFifteenBits) {
  Vp8Packetizer packetizer{100};
  const auto packets = packetizer.packetize(counting_bytes(10), 0x8001);
  ASSERT_EQ(packets.size(), 1U);
  EXPECT_EQ(packets[0].payload[2], std::byte{0x80});  // M=1, high bits 0: the 16th bit is dropped
  EXPECT_EQ(packets[0].payload[3], std::byte{0x01});
}

TEST(Vp8Packetizer, EmptyFrameGivesNoPackets) {
  Vp8Packetizer packetizer{1100};
  EXPECT_TRUE(packetizer.packetize({}, 7).empty());
}

TEST(Vp8Packetizer, NoPacketExceedsTheLimit) {
  for (const std::size_t limit : {20U, 21U, 300U, 1200U}) {
    Vp8Packetizer packetizer{limit};
    for (const std::size_t size : {1U, 16U, 17U, 999U, 40'000U}) {
      std::size_t carried = 0;
      for (const auto& packet : packetizer.packetize(counting_bytes(size), 0)) {
        EXPECT_LE(packet.payload.size(), limit);
        EXPECT_GT(packet.payload.size(), 4U);
        carried += packet.payload.size() - 4;
      }
      EXPECT_EQ(carried, size) << limit << "/" << size;
    }
  }
}

TEST(Vp8Packetizer, RejectsTooSmallLimit) { EXPECT_THROW(Vp8Packetizer{19}, std::invalid_argument); }

}  // namespace
}  // namespace parrot::media::signals
