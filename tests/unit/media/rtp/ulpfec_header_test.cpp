#include "media/rtp/ulpfec_header.hpp"

#include <gtest/gtest.h>
#include "tests/unit/media/test_bytes.hpp"

namespace parrot::media::rtp {
namespace {

using testing::bytes;

TEST(UlpfecHeader, ShortMask) {
  auto fec = bytes({
      0x00, 0xE0,              // E=0 L=0 P/X/CC recovery 0 | M recovery 1, PT recovery 96
      0x03, 0xEA,              // SN base 1002
      0x00, 0x00, 0x0B, 0xB8,  // TS recovery 3000
      0x00, 0xC8,              // length recovery 200
      0x00, 0xC9,              // protection length 201
      0xB0, 0x00,              // mask 1011 0000 ...: 1002, 1004, 1005
      0xAA,                    // FEC payload
  });
  const auto header = UlpfecHeader::parse(fec);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->sequence_base(), 1002);
  EXPECT_EQ(header->timestamp_recovery(), 3000u);
  EXPECT_EQ(header->mask_bits(), 16u);
  EXPECT_EQ(header->size(), 14u);
  EXPECT_TRUE(header->protects(0));
  EXPECT_FALSE(header->protects(1));
  EXPECT_TRUE(header->protects(2));
  EXPECT_TRUE(header->protects(3));
  EXPECT_FALSE(header->protects(4));
  EXPECT_FALSE(header->protects(16));  // past the mask

  set_ulpfec_sequence_base(fec, 0xFFFE);
  set_ulpfec_timestamp_recovery(fec, 0x12345678);
  const auto moved = UlpfecHeader::parse(fec);
  EXPECT_EQ(moved->sequence_base(), 0xFFFE);
  EXPECT_EQ(moved->timestamp_recovery(), 0x12345678u);
  EXPECT_TRUE(moved->protects(3));  // the mask is untouched
}

TEST(UlpfecHeader, LongMask) {
  const auto fec = bytes({
      0x40, 0x60,              // L=1 | PT recovery 96
      0x00, 0x10,              // SN base 16
      0x00, 0x00, 0x00, 0x00,  // TS recovery
      0x00, 0x00,              // length recovery
      0x00, 0x00,              // protection length
      0x80, 0x00,              // mask bits 0..15: 16
      0x00, 0x00, 0x00, 0x01,  // mask bits 16..47: 47 → 63
  });
  const auto header = UlpfecHeader::parse(fec);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->mask_bits(), 48u);
  EXPECT_EQ(header->size(), 18u);
  EXPECT_TRUE(header->protects(0));
  EXPECT_TRUE(header->protects(47));
  EXPECT_FALSE(header->protects(46));
}

TEST(UlpfecHeader, RefusesWhatDoesNotFit) {
  EXPECT_FALSE(UlpfecHeader::parse({}));
  // FEC header without the level header.
  EXPECT_FALSE(UlpfecHeader::parse(bytes({0x00, 0x60, 0, 1, 0, 0, 0, 0, 0, 0})));
  // L=1 announces a 6-byte mask; only 2 follow.
  EXPECT_FALSE(UlpfecHeader::parse(bytes({0x40, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0})));
  EXPECT_TRUE(UlpfecHeader::parse(bytes({0x00, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0})));
}

}  // namespace
}  // namespace parrot::media::rtp
