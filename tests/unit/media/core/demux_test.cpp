#include "media/demux.hpp"

#include <array>

#include <gtest/gtest.h>

namespace parrot::media {
namespace {

MuxedPacketKind classify(std::uint8_t first, std::uint8_t second) {
  const std::array<std::byte, 4> datagram{std::byte{first}, std::byte{second}, std::byte{0}, std::byte{0}};
  return classify_muxed_packet(datagram);
}

TEST(Demux, SecondByteSeparatesRtpFromRtcp) {
  EXPECT_EQ(classify(0x80, 200), MuxedPacketKind::kRtcp);  // SR
  EXPECT_EQ(classify(0x81, 201), MuxedPacketKind::kRtcp);  // RR
  EXPECT_EQ(classify(0x81, 206), MuxedPacketKind::kRtcp);  // PSFB
  EXPECT_EQ(classify(0x80, 192), MuxedPacketKind::kRtcp);  // lowest reserved
  EXPECT_EQ(classify(0x80, 223), MuxedPacketKind::kRtcp);
  EXPECT_EQ(classify(0x80, 96), MuxedPacketKind::kRtp);
  EXPECT_EQ(classify(0x80, 96 | 0x80), MuxedPacketKind::kRtp);  // PT 96 with marker = 224
  EXPECT_EQ(classify(0x80, 111), MuxedPacketKind::kRtp);
  EXPECT_EQ(classify(0x40, 200), MuxedPacketKind::kInvalid);  // version 1
  EXPECT_EQ(classify_muxed_packet(ByteView{}), MuxedPacketKind::kInvalid);
}

}  // namespace
}  // namespace parrot::media
