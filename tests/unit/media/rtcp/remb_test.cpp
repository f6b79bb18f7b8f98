#include "media/rtcp/remb.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "media/rtcp/compound.hpp"
#include "tests/unit/media/test_bytes.hpp"

namespace parrot::media::rtcp {
namespace {

using testing::bytes;

// draft-alvestrand-rmcat-remb-03 §2.2: 2.5 Mbit/s for two streams.
const std::vector<std::byte> kRemb = bytes(0x8F, 0xCE, 0x00, 0x06,  // V=2 FMT=15, PT=206, length 6: 28 bytes
                                           0x00, 0x00, 0x00, 0x01,  // sender SSRC 1
                                           0x00, 0x00, 0x00, 0x00,  // media SSRC: always 0
                                           'R', 'E', 'M', 'B',      // unique identifier
                                           0x02,                    // Num SSRC 2
                                           0x12, 0x62, 0x5A,        // exp 4, mantissa 156250: 2,500,000
                                           0x11, 0x11, 0x11, 0x11,  // SSRC feedback
                                           0x22, 0x22, 0x22, 0x22);

TEST(Remb, ParsesAndSerializesBack) {
  const auto result = parse_compound(kRemb);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 1U);
  const auto& remb = std::get<Remb>(result->packets[0]);
  EXPECT_EQ(remb.sender_ssrc, 1U);
  EXPECT_EQ(remb.bitrate_bps, 2'500'000U);
  EXPECT_EQ(remb.ssrcs, (std::vector<std::uint32_t>{0x11111111, 0x22222222}));
  std::vector<std::byte> out(remb.serialized_size());
  ASSERT_EQ(remb.serialize(out), kRemb.size());
  EXPECT_EQ(out, kRemb);
}

struct BitrateCase {
  std::uint64_t bitrate_bps;
  Remb::Encoded encoded;
  std::uint64_t decoded_bps;
};

class RembBitrate : public ::testing::TestWithParam<BitrateCase> {};

TEST_P(RembBitrate, RoundsDownToExponentAndMantissa) {
  const auto encoded = Remb::encode_bitrate(GetParam().bitrate_bps);
  EXPECT_EQ(encoded, GetParam().encoded);
  EXPECT_EQ(Remb::decode_bitrate(encoded), GetParam().decoded_bps);
  EXPECT_LE(Remb::decode_bitrate(encoded), GetParam().bitrate_bps);
}

INSTANTIATE_TEST_SUITE_P(
    Table, RembBitrate,
    ::testing::Values(BitrateCase{0, {0, 0}, 0},
                      BitrateCase{262'143, {0, 262'143}, 262'143},    // 2^18 - 1: largest without exponent
                      BitrateCase{262'144, {1, 131'072}, 262'144},    // 2^18
                      BitrateCase{1'000'000, {2, 250'000}, 1'000'000},
                      BitrateCase{1'000'001, {2, 250'000}, 1'000'000},
                      BitrateCase{1'000'003, {2, 250'000}, 1'000'000},
                      BitrateCase{10'000'000'000, {16, 152'587}, 9'999'941'632},
                      BitrateCase{std::numeric_limits<std::uint64_t>::max(), {46, 262'143}, Remb::kMaxBitrateBps}));

TEST(Remb, WireExponentBeyondSixtyFourBitsSaturates) {
  EXPECT_EQ(Remb::decode_bitrate({63, 262'143}), Remb::kMaxBitrateBps);
  EXPECT_EQ(Remb::decode_bitrate({63, 1}), std::uint64_t{1} << 63);
  EXPECT_EQ(Remb::decode_bitrate({46, 262'143}), 18'446'673'704'965'373'952U);
}

TEST(Remb, WireBytesForOneMegabit) {
  const Remb remb{5, 1'000'000, {}};
  std::vector<std::byte> out(remb.serialized_size());
  ASSERT_EQ(remb.serialize(out), 20U);
  // Num SSRC 0, then exp 2 << 18 | 250000 = 0x0BD090.
  EXPECT_EQ(std::vector<std::byte>(out.begin() + 16, out.end()), bytes(0x00, 0x0B, 0xD0, 0x90));
}

TEST(Remb, SsrcListPastTheEndIsMalformed) {
  auto packet = kRemb;
  packet[16] = std::byte{3};  // Num SSRC 3, room for 2
  const auto result = parse_compound(packet);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->packets.empty());
  EXPECT_EQ(result->malformed_skipped, 1U);
}

TEST(Remb, OtherApplicationLayerFeedbackIsUnknown) {
  auto packet = kRemb;
  packet[12] = std::byte{'X'};  // not "REMB"
  const auto result = parse_compound(packet);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->packets.empty());
  EXPECT_EQ(result->unknown_skipped, 1U);
}

}  // namespace
}  // namespace parrot::media::rtcp
