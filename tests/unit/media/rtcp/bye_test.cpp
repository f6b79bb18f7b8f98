#include "media/rtcp/bye.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "media/rtcp/compound.hpp"
#include "tests/unit/media/test_bytes.hpp"

namespace parrot::media::rtcp {
namespace {

using testing::bytes;

const std::vector<std::byte> kByeWithReason = bytes(0x82, 0xCB, 0x00, 0x04,  // V=2 SC=2, PT=203, length 4: 20 bytes
                                                    0x00, 0x00, 0x00, 0x01,  // SSRC 1
                                                    0x00, 0x00, 0x00, 0x02,  // SSRC 2
                                                    0x05, 'e', 'n', 'd', 'e',  // reason length 5
                                                    'd', 0x00, 0x00);          // ... and padding

TEST(Bye, ParsesSsrcsAndReason) {
  const auto result = parse_compound(kByeWithReason);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 1U);
  const auto& bye = std::get<Bye>(result->packets[0]);
  EXPECT_EQ(bye.ssrcs, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(bye.reason, "ended");
}

TEST(Bye, SerializesToTheSameBytes) {
  const Bye bye{{1, 2}, "ended"};
  std::vector<std::byte> out(bye.serialized_size(), std::byte{0xEE});
  ASSERT_EQ(bye.serialize(out), kByeWithReason.size());
  EXPECT_EQ(out, kByeWithReason);
}

TEST(Bye, EmptyByeIsAHeader) {
  const Bye bye{};
  std::vector<std::byte> out(bye.serialized_size());
  ASSERT_EQ(bye.serialize(out), 4U);
  EXPECT_EQ(out, bytes(0x80, 0xCB, 0x00, 0x00));
  const auto result = parse_compound(out);
  ASSERT_TRUE(result);
  EXPECT_EQ(std::get<Bye>(result->packets.at(0)), bye);
}

TEST(Bye, ReasonTruncatedAndSsrcsSplit) {
  Bye bye;
  for (std::uint32_t i = 0; i < 40; ++i) bye.ssrcs.push_back(i);
  bye.reason = std::string(300, 'r');
  // Two headers, 40 SSRCs, and 1 + 255 reason bytes (already a multiple of 4).
  ASSERT_EQ(bye.serialized_size(), 2 * 4U + 40 * 4U + 256U);
  std::vector<std::byte> out(bye.serialized_size());
  ASSERT_EQ(bye.serialize(out), out.size());
  const auto result = parse_compound(out);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 2U);
  const auto& first = std::get<Bye>(result->packets[0]);
  const auto& second = std::get<Bye>(result->packets[1]);
  EXPECT_EQ(first.ssrcs.size(), 31U);
  EXPECT_TRUE(first.reason.empty());
  EXPECT_EQ(second.ssrcs.size(), 9U);
  EXPECT_EQ(second.ssrcs.back(), 39U);
  EXPECT_EQ(second.reason, std::string(255, 'r'));
}

TEST(Bye, ReasonPastTheEndIsMalformed) {
  const auto packet = bytes(0x81, 0xCB, 0x00, 0x02,   // SC=1, 12 bytes
                            0x00, 0x00, 0x00, 0x01,   // SSRC
                            0x08, 'a', 'b', 'c');     // reason claims 8 bytes
  const auto result = parse_compound(packet);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->packets.empty());
  EXPECT_EQ(result->malformed_skipped, 1U);
}

}  // namespace
}  // namespace parrot::media::rtcp
