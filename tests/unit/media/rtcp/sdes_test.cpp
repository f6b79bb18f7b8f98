#include "media/rtcp/sdes.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "media/rtcp/compound.hpp"
#include "tests/unit/media/test_bytes.hpp"

namespace parrot::media::rtcp {
namespace {

using testing::bytes;

Sdes parse_sdes(const std::vector<std::byte>& datagram) {
  const auto result = parse_compound(datagram);
  EXPECT_TRUE(result);
  if (!result || result->packets.size() != 1) return {};
  return std::get<Sdes>(result->packets[0]);
}

TEST(Sdes, CnameAndNameWithPaddingToThirtyTwoBits) {
  const auto packet = bytes(0x81, 0xCA, 0x00, 0x05,                         // V=2 SC=1, PT=202, length 5: 24 bytes
                            0x11, 0x22, 0x33, 0x44,                         // chunk SSRC
                            0x01, 0x06, 'a', 'b', 'c', '1', '2', '3',       // CNAME, 6 bytes
                            0x02, 0x03, 'B', 'o', 'b',                      // NAME, 3 bytes
                            0x00,                                           // END
                            0x00, 0x00);                                    // pad to the 32-bit boundary
  const Sdes sdes = parse_sdes(packet);
  ASSERT_EQ(sdes.chunks.size(), 1U);
  EXPECT_EQ(sdes.chunks[0].ssrc, 0x11223344U);
  EXPECT_EQ(sdes.chunks[0].cname, "abc123");
}

TEST(Sdes, CnameAfterOtherItemsAndTwoChunks) {
  const auto packet = bytes(0x82, 0xCA, 0x00, 0x06,                 // SC=2, length 6: 28 bytes
                            0x00, 0x00, 0x00, 0x0A,                 // chunk 1 SSRC 10
                            0x06, 0x02, 'x', 'y',                   // TOOL "xy"
                            0x01, 0x02, 'c', 'n',                   // CNAME "cn"
                            0x00, 0x00, 0x00, 0x00,                 // END + padding (a full word)
                            0x00, 0x00, 0x00, 0x0B,                 // chunk 2 SSRC 11
                            0x01, 0x01, 'z',                        // CNAME "z"
                            0x00);                                  // END, already aligned
  const Sdes sdes = parse_sdes(packet);
  ASSERT_EQ(sdes.chunks.size(), 2U);
  EXPECT_EQ(sdes.chunks[0], (Sdes::Chunk{10, "cn"}));
  EXPECT_EQ(sdes.chunks[1], (Sdes::Chunk{11, "z"}));
}

TEST(Sdes, SerializesCnameWithTerminatorAndPadding) {
  const Sdes sdes{{{0x11223344, "abc123"}}};
  const auto expected = bytes(0x81, 0xCA, 0x00, 0x04,                    // SC=1, length 4: 20 bytes
                              0x11, 0x22, 0x33, 0x44,                    // SSRC
                              0x01, 0x06, 'a', 'b', 'c', '1', '2', '3',  // CNAME, ends on a boundary
                              0x00, 0x00, 0x00, 0x00);                   // END still needs its own word
  ASSERT_EQ(sdes.serialized_size(), expected.size());
  std::vector<std::byte> out(expected.size(), std::byte{0xEE});
  ASSERT_EQ(sdes.serialize(out), expected.size());
  EXPECT_EQ(out, expected);
  EXPECT_EQ(parse_sdes(out), sdes);
}

TEST(Sdes, EmptyCnameWritesBareTerminator) {
  const Sdes sdes{{{5, ""}}};
  std::vector<std::byte> out(sdes.serialized_size());
  ASSERT_EQ(sdes.serialize(out), 12U);
  EXPECT_EQ(out, bytes(0x81, 0xCA, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00));
  EXPECT_EQ(parse_sdes(out), sdes);
}

TEST(Sdes, CnameIsTruncatedTo255Bytes) {
  const Sdes sdes{{{1, std::string(300, 'c')}}};
  // SSRC + type + length + 255 + END = 262, padded to 264.
  ASSERT_EQ(sdes.serialized_size(), 4U + 264U);
  std::vector<std::byte> out(sdes.serialized_size());
  ASSERT_EQ(sdes.serialize(out), out.size());
  EXPECT_EQ(parse_sdes(out).chunks.at(0).cname, std::string(255, 'c'));
}

TEST(Sdes, MoreThanThirtyOneChunksSplit) {
  Sdes sdes;
  for (std::uint32_t i = 0; i < 33; ++i) sdes.chunks.push_back({i, "ab"});
  std::vector<std::byte> out(sdes.serialized_size());
  ASSERT_EQ(sdes.serialize(out), out.size());
  const auto result = parse_compound(out);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 2U);
  EXPECT_EQ(std::get<Sdes>(result->packets[0]).chunks.size(), 31U);
  EXPECT_EQ(std::get<Sdes>(result->packets[1]).chunks.size(), 2U);
  EXPECT_EQ(std::get<Sdes>(result->packets[1]).chunks[1], (Sdes::Chunk{32, "ab"}));
}

TEST(Sdes, ItemPastTheEndOrMissingTerminatorIsMalformed) {
  const auto item_past_end = bytes(0x81, 0xCA, 0x00, 0x02,  // SC=1, 12 bytes
                                   0x00, 0x00, 0x00, 0x01,  // SSRC
                                   0x01, 0x09, 'a', 'b');   // CNAME claims 9 bytes, has 2
  const auto no_terminator = bytes(0x81, 0xCA, 0x00, 0x02,  // SC=1, 12 bytes
                                   0x00, 0x00, 0x00, 0x01,  // SSRC
                                   0x01, 0x02, 'a', 'b');   // CNAME fills the packet, no END
  const auto missing_chunk = bytes(0x82, 0xCA, 0x00, 0x02,  // SC=2, room for one chunk
                                   0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00);
  for (const auto& packet : {item_past_end, no_terminator, missing_chunk}) {
    const auto result = parse_compound(packet);
    ASSERT_TRUE(result);
    EXPECT_TRUE(result->packets.empty());
    EXPECT_EQ(result->malformed_skipped, 1U);
  }
}

}  // namespace
}  // namespace parrot::media::rtcp
