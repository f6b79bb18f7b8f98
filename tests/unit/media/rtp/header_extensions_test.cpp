#include "media/rtp/header_extensions.hpp"

#include <algorithm>
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

// An RTP packet as libwebrtc sends audio with the four extensions parrot
// answers: one-byte form, ids as in Chromium's offer.
std::vector<std::byte> chrome_audio_packet() {
  return bytes({0x90, 0x6F, 0x12, 0x34,  // V=2 X=1, PT 111, sequence 0x1234
                0x00, 0x00, 0x10, 0x00,  // timestamp
                0xAA, 0xBB, 0xCC, 0xDD,  // SSRC
                0xBE, 0xDE, 0x00, 0x04,  // RFC 8285 one-byte form, 4 words
                0x10, 0x9E,              // id 1 (ssrc-audio-level), 1 byte: V=1, 30 dBov below
                0x22, 0x04, 0x00, 0x01,  // id 2 (abs-send-time), 3 bytes: 1 s + 1/262144 s
                0x31, 0xFF, 0xFE,        // id 3 (transport-wide cc), 2 bytes: 65534
                0x40, 0x30,              // id 4 (sdes:mid), 1 byte: "0"
                0x00, 0x00, 0x00, 0x00, 0x00,  // padding to the word
                0xDE, 0xAD});            // payload
}

TEST(HeaderExtensions, TransportSequenceNumberAndAbsSendTime) {
  auto packet = chrome_audio_packet();
  const MutableByteView sequence = find_extension_value(packet, 3, kTransportSequenceNumberSize);
  ASSERT_EQ(sequence.size(), 2u);
  EXPECT_EQ(parse_transport_sequence_number(sequence), 65534);
  const MutableByteView send_time = find_extension_value(packet, 2, kAbsSendTimeSize);
  ASSERT_EQ(send_time.size(), 3u);
  EXPECT_EQ(parse_abs_send_time(send_time), 0x040001u);
  // Rewritten in place: the bytes around stay as they were.
  write_u16(sequence, 0, 7);
  const auto original = chrome_audio_packet();
  EXPECT_EQ(packet[22], std::byte{0x31});
  EXPECT_EQ(packet[23], std::byte{0x00});
  EXPECT_EQ(packet[24], std::byte{0x07});
  EXPECT_TRUE(std::equal(packet.begin() + 25, packet.end(), original.begin() + 25));
}

TEST(HeaderExtensions, FindRefusesAWrongSizeOrAMissingElement) {
  auto packet = chrome_audio_packet();
  EXPECT_TRUE(find_extension_value(packet, 3, 3).empty());  // transport seq is 2 bytes, not 3
  EXPECT_TRUE(find_extension_value(packet, 5, 2).empty());  // not present
  EXPECT_TRUE(find_extension_value(packet, 0, 2).empty());  // id 0 is padding
  packet[0] = std::byte{0x80};                               // X bit cleared: no block
  EXPECT_TRUE(find_extension_value(packet, 3, 2).empty());
  EXPECT_FALSE(parse_transport_sequence_number(bytes({0x01})));
  EXPECT_FALSE(parse_abs_send_time(bytes({0x01, 0x02})));
}

TEST(HeaderExtensions, AbsSendTimeIsSixPointEighteenSecondsWrappingAt64) {
  EXPECT_EQ(abs_send_time_of(timestamp_us(0)), 0u);
  EXPECT_EQ(abs_send_time_of(timestamp_us(1'000'000)), 1u << 18);
  EXPECT_EQ(abs_send_time_of(timestamp_us(500'000)), 1u << 17);
  EXPECT_EQ(abs_send_time_of(timestamp_us(64'000'000)), 0u);  // wraps
  EXPECT_EQ(abs_send_time_of(timestamp_us(65'000'000)), 1u << 18);
}

}  // namespace
}  // namespace parrot::media::rtp
