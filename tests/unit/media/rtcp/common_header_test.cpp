#include "media/rtcp/common_header.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <vector>
#include "tests/unit/media/test_bytes.hpp"

namespace parrot::media::rtcp {
namespace {

using testing::bytes;

TEST(CommonHeader, ReadsEveryField) {
  const auto packet = bytes(0xA3,        // V=2, P=1, RC=3
                            0xC9,        // PT=201 (RR)
                            0x00, 0x07);  // length 7: 32 bytes
  const auto header = CommonHeader::parse(packet);
  ASSERT_TRUE(header);
  EXPECT_TRUE(header->padding);
  EXPECT_EQ(header->count, 3);
  EXPECT_EQ(header->packet_type, kPacketTypeReceiverReport);
  EXPECT_EQ(header->size_bytes, 32U);
}

TEST(CommonHeader, LargestLengthField) {
  const auto header = CommonHeader::parse(bytes(0x80, 0xCA, 0xFF, 0xFF));
  ASSERT_TRUE(header);
  EXPECT_EQ(header->size_bytes, kMaxPacketSize);
}

TEST(CommonHeader, RejectsShortWrongVersionAndNonRtcpTypes) {
  EXPECT_FALSE(CommonHeader::parse(bytes(0x80, 0xC8, 0x00)));
  EXPECT_FALSE(CommonHeader::parse(bytes(0x40, 0xC8, 0x00, 0x00)));  // V=1
  EXPECT_FALSE(CommonHeader::parse(bytes(0xC0, 0xC8, 0x00, 0x00)));  // V=3
  EXPECT_FALSE(CommonHeader::parse(bytes(0x80, 0xBF, 0x00, 0x00)));  // PT=191
  EXPECT_FALSE(CommonHeader::parse(bytes(0x80, 0xE0, 0x00, 0x00)));  // PT=224
  EXPECT_FALSE(CommonHeader::parse(bytes(0x80, 0x60, 0x00, 0x00)));  // RTP PT 96
  EXPECT_TRUE(CommonHeader::parse(bytes(0x80, 0xC0, 0x00, 0x00)));   // PT=192
  EXPECT_TRUE(CommonHeader::parse(bytes(0x80, 0xDF, 0x00, 0x00)));   // PT=223
}

TEST(CommonHeader, WriteThenParse) {
  std::array<std::byte, 4> out{};
  CommonHeader::write(out, 31, kPacketTypeBye, 128);
  EXPECT_EQ(out[0], std::byte{0x9F});  // V=2, P=0, SC=31
  EXPECT_EQ(out[1], std::byte{0xCB});
  EXPECT_EQ(out[2], std::byte{0x00});
  EXPECT_EQ(out[3], std::byte{0x1F});  // 128 / 4 - 1
}

TEST(CommonHeader, PadToWord) {
  EXPECT_EQ(pad_to_word(0), 0U);
  EXPECT_EQ(pad_to_word(1), 4U);
  EXPECT_EQ(pad_to_word(4), 4U);
  EXPECT_EQ(pad_to_word(13), 16U);
}

}  // namespace
}  // namespace parrot::media::rtcp
