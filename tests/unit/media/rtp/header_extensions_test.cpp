#include "media/rtp/header_extensions.hpp"

#include <vector>

#include <gtest/gtest.h>
#include "tests/unit/media/test_bytes.hpp"

namespace parrot::media::rtp {
namespace {

using testing::bytes;

TEST(HeaderExtensions, OneByteFormWithPadding) {
  // RFC 8285 §4.2 example shape: id 1 len 1, padding, id 2 len 4, id 3 len 1.
  const auto data = bytes({0x10, 0x90,                    // id 1: audio level V=1 level 16
                           0x00,                          // padding byte
                           0x23, 0xAA, 0xBB, 0xCC, 0xDD,  // id 2, 4 bytes
                           0x30, 0x01,                    // id 3, 1 byte
                           0x00, 0x00});
  const auto extensions = HeaderExtensions::parse(kOneByteExtensionProfile, data);
  ASSERT_TRUE(extensions);
  ASSERT_EQ(extensions->elements().size(), 3u);
  EXPECT_EQ(extensions->find(2)->size(), 4u);
  EXPECT_EQ((*extensions->find(2))[3], std::byte{0xDD});
  const auto level = parse_audio_level(*extensions->find(1));
  ASSERT_TRUE(level);
  EXPECT_TRUE(level->voice_activity);
  EXPECT_EQ(level->level_minus_dbov, 16);
  EXPECT_FALSE(extensions->find(4));
}

TEST(HeaderExtensions, OneByteIdFifteenStopsProcessing) {
  const auto data = bytes({0x10, 0x01, 0xF0, 0x20, 0x02, 0x00, 0x00, 0x00});
  const auto extensions = HeaderExtensions::parse(kOneByteExtensionProfile, data);
  ASSERT_TRUE(extensions);
  EXPECT_EQ(extensions->elements().size(), 1u);
}

TEST(HeaderExtensions, TwoByteForm) {
  const auto data = bytes({0x01, 0x00,              // id 1, empty value (allowed in two-byte form)
                           0x00,                    // padding
                           0x20, 0x03, 'a', 'b', 'c',  // id 32 ("mid" above 14), 3 bytes
                           0x00, 0x00});
  const auto extensions = HeaderExtensions::parse(0x1000, data);
  ASSERT_TRUE(extensions);
  ASSERT_EQ(extensions->elements().size(), 2u);
  EXPECT_TRUE(extensions->find(1)->empty());
  EXPECT_EQ(extensions->find(32)->size(), 3u);
}

TEST(HeaderExtensions, ElementPastTheEndIsMalformed) {
  EXPECT_FALSE(HeaderExtensions::parse(kOneByteExtensionProfile, bytes({0x13, 0x01, 0x02, 0x03})));
  EXPECT_FALSE(HeaderExtensions::parse(0x1000, bytes({0x05, 0x09, 0x00, 0x00})));
  EXPECT_FALSE(HeaderExtensions::parse(0x1000, bytes({0x00, 0x00, 0x00, 0x05})));
}

TEST(HeaderExtensions, OtherProfilesAreOpaque) {
  const auto extensions = HeaderExtensions::parse(0x1234, bytes({0xFF, 0xFF, 0xFF, 0xFF}));
  ASSERT_TRUE(extensions);
  EXPECT_TRUE(extensions->elements().empty());
}

TEST(HeaderExtensions, ExtraElementsAreCountedNotStored) {
  std::vector<std::byte> data;
  for (int i = 0; i < 20; ++i) {
    data.push_back(std::byte{0x10});
    data.push_back(std::byte(i));
  }
  const auto extensions = HeaderExtensions::parse(kOneByteExtensionProfile, data);
  ASSERT_TRUE(extensions);
  EXPECT_EQ(extensions->elements().size(), HeaderExtensions::kMaxElements);
  EXPECT_EQ(extensions->ignored(), 4u);
}

TEST(HeaderExtensionWriter, OneByteFormRoundTrips) {
  HeaderExtensionWriter writer;
  const auto level = bytes({0x85});
  const auto abs_send_time = bytes({0x01, 0x02, 0x03});
  ASSERT_TRUE(writer.add(1, level));
  ASSERT_TRUE(writer.add(3, abs_send_time));
  EXPECT_EQ(writer.profile(), kOneByteExtensionProfile);
  const auto data = writer.data();
  // 0x10 0x85 | 0x32 01 02 03 | pad 2 → 8 bytes.
  ASSERT_EQ(data.size(), 8u);
  EXPECT_EQ(data[0], std::byte{0x10});
  EXPECT_EQ(data[2], std::byte{0x32});
  const auto parsed = HeaderExtensions::parse(writer.profile(), data);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->find(3)->size(), 3u);
}

TEST(HeaderExtensionWriter, LargeIdSwitchesToTwoByteForm) {
  HeaderExtensionWriter writer;
  const auto value = bytes({'v', 'i', 'd', 'e', 'o'});
  ASSERT_TRUE(writer.add(1, bytes({0x01})));
  ASSERT_TRUE(writer.add(20, value));
  EXPECT_EQ(writer.profile(), kTwoByteExtensionProfile);
  const auto parsed = HeaderExtensions::parse(writer.profile(), writer.data());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->find(20)->size(), 5u);
  EXPECT_EQ(parsed->find(1)->size(), 1u);
  EXPECT_FALSE(writer.add(0, value));
}

}  // namespace
}  // namespace parrot::media::rtp
