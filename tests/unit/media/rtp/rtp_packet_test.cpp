#include "media/rtp/rtp_packet.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include <gtest/gtest.h>
#include "tests/unit/media/test_bytes.hpp"

namespace parrot::media::rtp {
namespace {

using testing::bytes;

TEST(RtpPacket, ParsesFixedHeader) {
  const auto datagram = bytes({
      0x80, 0xE0,              // V=2 P=0 X=0 CC=0 | M=1 PT=96
      0xFF, 0xFE,              // sequence 65534
      0x00, 0x01, 0x00, 0x02,  // timestamp 65538
      0xDE, 0xAD, 0xBE, 0xEF,  // SSRC
      0x11, 0x22, 0x33,        // payload
  });
  const auto packet = RtpPacket::parse(datagram);
  ASSERT_TRUE(packet);
  EXPECT_TRUE(packet->marker());
  EXPECT_EQ(packet->payload_type(), 96);
  EXPECT_EQ(packet->sequence_number(), 65534);
  EXPECT_EQ(packet->timestamp(), 65538u);
  EXPECT_EQ(packet->ssrc(), 0xDEADBEEFu);
  EXPECT_EQ(packet->header_size(), 12u);
  ASSERT_EQ(packet->payload().size(), 3u);
  EXPECT_EQ(packet->payload()[2], std::byte{0x33});
  EXPECT_FALSE(packet->has_extension());
}

TEST(RtpPacket, ParsesCsrcsExtensionAndPadding) {
  const auto datagram = bytes({
      0xB2, 0x6F,              // V=2 P=1 X=1 CC=2 | M=0 PT=111
      0x00, 0x07,              // sequence 7
      0x00, 0x00, 0x03, 0xC0,  // timestamp 960
      0x00, 0x00, 0x00, 0x01,  // SSRC 1
      0x00, 0x00, 0x00, 0x0A,  // CSRC 10
      0x00, 0x00, 0x00, 0x0B,  // CSRC 11
      0xBE, 0xDE, 0x00, 0x01,  // one-byte extension profile, 1 word
      0x10, 0xFF, 0x00, 0x00,  // id 1 len 1: 0xFF, then padding
      0xAA, 0xBB,              // payload
      0x00, 0x00, 0x03,        // 3 bytes of padding, count in last byte
  });
  const auto packet = RtpPacket::parse(datagram);
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->csrc_count(), 2u);
  EXPECT_EQ(packet->csrc(1), 11u);
  EXPECT_EQ(packet->extension_profile(), 0xBEDE);
  EXPECT_EQ(packet->extension_data().size(), 4u);
  EXPECT_EQ(packet->header_size(), 12u + 8 + 8);
  EXPECT_EQ(packet->padding_size(), 3);
  ASSERT_EQ(packet->payload().size(), 2u);
  EXPECT_EQ(packet->payload()[0], std::byte{0xAA});
}

TEST(RtpPacket, RejectsMalformedHeaders) {
  // Too short for the fixed header.
  EXPECT_FALSE(RtpPacket::parse(bytes({0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0})));
  // Version 1.
  EXPECT_FALSE(RtpPacket::parse(bytes({0x40, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1})));
  // CC=1 but no CSRC follows.
  EXPECT_FALSE(RtpPacket::parse(bytes({0x81, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1})));
  // Extension length of 2 words with only one present.
  EXPECT_FALSE(RtpPacket::parse(bytes({0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0, 2, 0, 0, 0, 0})));
  // Padding count of zero.
  EXPECT_FALSE(RtpPacket::parse(bytes({0xA0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xAA, 0x00})));
  // Padding count larger than what follows the header.
  EXPECT_FALSE(RtpPacket::parse(bytes({0xA0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xAA, 0x03})));
  // P set with nothing after the header.
  EXPECT_FALSE(RtpPacket::parse(bytes({0xA0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1})));
}

TEST(RtpPacket, PaddingMayFillThePayload) {
  const auto packet = RtpPacket::parse(bytes({0xA0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0x02}));
  ASSERT_TRUE(packet);
  EXPECT_TRUE(packet->payload().empty());
}

TEST(RtpPacket, RewritesInPlace) {
  auto datagram = bytes({0x80, 0x60, 0, 1, 0, 0, 0, 5, 0, 0, 0, 1, 0x42});
  set_marker(datagram, true);
  set_payload_type(datagram, 111);
  set_sequence_number(datagram, 0xABCD);
  set_timestamp(datagram, 0x01020304);
  set_ssrc(datagram, 0xCAFEBABE);
  const auto packet = RtpPacket::parse(datagram);
  ASSERT_TRUE(packet);
  EXPECT_TRUE(packet->marker());
  EXPECT_EQ(packet->payload_type(), 111);
  EXPECT_EQ(packet->sequence_number(), 0xABCD);
  EXPECT_EQ(packet->timestamp(), 0x01020304u);
  EXPECT_EQ(packet->ssrc(), 0xCAFEBABEu);
  EXPECT_EQ(packet->payload()[0], std::byte{0x42});
}

TEST(RtpPacket, SerializeRoundTrips) {
  const std::array<std::uint32_t, 2> csrcs{7, 8};
  const auto extension = bytes({0x10, 0x80, 0x00, 0x00});
  const auto payload = bytes({1, 2, 3, 4, 5});
  RtpHeader header;
  header.marker = true;
  header.payload_type = 100;
  header.sequence_number = 65535;
  header.timestamp = 0xFFFFFFFF;
  header.ssrc = 42;
  header.csrcs = csrcs;
  header.extension_profile = 0xBEDE;
  header.extension_data = extension;
  std::array<std::byte, 64> out{};
  const std::size_t size = serialize(header, payload, out);
  ASSERT_EQ(size, 12u + 8 + 4 + 4 + 5);
  const auto packet = RtpPacket::parse(ByteView{out.data(), size});
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->sequence_number(), 65535);
  EXPECT_EQ(packet->timestamp(), 0xFFFFFFFFu);
  EXPECT_EQ(packet->csrc(0), 7u);
  EXPECT_EQ(packet->extension_data().size(), 4u);
  EXPECT_EQ(packet->payload().size(), 5u);

  std::array<std::byte, 20> small{};
  EXPECT_EQ(serialize(header, payload, small), 0u);
}

TEST(RtpPacket, EmptyExtensionWithProfileZeroRoundTrips) {
  // Found by the fuzzer: X=1 with a zero profile and zero length is legal,
  // and serialize() must keep it.
  const auto datagram = bytes({0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,  // X=1
                               0x00, 0x00, 0x00, 0x00,                    // profile 0, 0 words
                               0x01, 0x10});
  const auto packet = RtpPacket::parse(datagram);
  ASSERT_TRUE(packet);
  EXPECT_TRUE(packet->has_extension());
  EXPECT_TRUE(packet->extension_data().empty());
  RtpHeader header;
  header.sequence_number = 1;
  header.ssrc = 1;
  header.payload_type = 0x60;
  header.has_extension = true;
  std::array<std::byte, 32> out{};
  EXPECT_EQ(serialize(header, packet->payload(), out), datagram.size());
  EXPECT_TRUE(std::equal(datagram.begin(), datagram.end(), out.begin()));
}

}  // namespace
}  // namespace parrot::media::rtp
