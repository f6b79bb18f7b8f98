#include "media/rtcp/nack.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <vector>

#include "media/rtcp/compound.hpp"
#include "tests/unit/media/test_bytes.hpp"

namespace parrot::media::rtcp {
namespace {

using testing::bytes;

using Sequences = std::vector<std::uint16_t>;
using Items = std::vector<Nack::Item>;

const std::vector<std::byte> kNack = bytes(0x81, 0xCD, 0x00, 0x03,  // V=2 FMT=1, PT=205 (RTPFB), length 3: 16 bytes
                                           0x00, 0x00, 0x00, 0x01,  // sender SSRC 1
                                           0x00, 0x00, 0x00, 0x02,  // media SSRC 2
                                           0x03, 0xE8,              // PID 1000
                                           0x80, 0x01);             // BLP bits 15 and 0: 1016 and 1001

TEST(Nack, ExpandsPidAndBlp) {
  const auto result = parse_compound(kNack);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 1U);
  const auto& nack = std::get<Nack>(result->packets[0]);
  EXPECT_EQ(nack.sender_ssrc, 1U);
  EXPECT_EQ(nack.media_ssrc, 2U);
  EXPECT_EQ(nack.sequence_numbers, (Sequences{1000, 1001, 1016}));
}

TEST(Nack, SerializesToTheSameBytes) {
  const Nack nack{1, 2, {1016, 1000, 1001}};
  std::vector<std::byte> out(nack.serialized_size());
  ASSERT_EQ(nack.serialize(out), kNack.size());
  EXPECT_EQ(out, kNack);
}

TEST(Nack, BlpWrapsAroundInParse) {
  const auto packet = bytes(0x81, 0xCD, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2,
                            0xFF, 0xFE,   // PID 65534
                            0x00, 0x03);  // bits 0, 1: 65535, 0
  const auto result = parse_compound(packet);
  ASSERT_TRUE(result);
  EXPECT_EQ(std::get<Nack>(result->packets.at(0)).sequence_numbers, (Sequences{65534, 65535, 0}));
}

struct PackCase {
  Sequences lost;
  Items items;
};

class NackPacking : public ::testing::TestWithParam<PackCase> {};

TEST_P(NackPacking, FewestItemsInRingOrder) { EXPECT_EQ(Nack::pack(GetParam().lost), GetParam().items); }

INSTANTIATE_TEST_SUITE_P(
    Table, NackPacking,
    ::testing::Values(
        PackCase{{}, {}},
        PackCase{{7}, {{7, 0x0000}}},
        // 65535, 0 and 1 are bits 0..2 after PID 65534; 20 is 22 ahead.
        PackCase{{65534, 65535, 0, 1, 20}, {{65534, 0x0007}, {20, 0x0000}}},
        PackCase{{20, 1, 65535, 0, 65534, 1, 20}, {{65534, 0x0007}, {20, 0x0000}}},
        // Numerically 5 comes first, but on the ring 65530 precedes it by 11.
        PackCase{{5, 65530}, {{65530, 0x0400}}},
        PackCase{{65535, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {{65535, 0xFFFF}}},
        PackCase{{1000, 1016}, {{1000, 0x8000}}},
        PackCase{{1000, 1017}, {{1000, 0x0000}, {1017, 0x0000}}},
        // The widest gap is 16 -> 40000, so the walk starts at 40000.
        PackCase{{0, 16, 40000}, {{40000, 0x0000}, {0, 0x8000}}}));

TEST(Nack, EmptyListWritesNothing) {
  const Nack nack{1, 2, {}};
  EXPECT_EQ(nack.serialized_size(), 0U);
  std::vector<std::byte> out(64);
  EXPECT_EQ(nack.serialize(out), 0U);
  const std::vector<Packet> packets{ReceiverReport{1, {}}, nack};
  std::vector<std::byte> compound(serialized_size(packets));
  EXPECT_EQ(serialize_compound(packets, compound), 8U);
}

TEST(Nack, EverySequenceNumberRoundTrips) {
  Nack nack{3, 4, Sequences(65536)};
  std::iota(nack.sequence_numbers.begin(), nack.sequence_numbers.end(), std::uint16_t{0});
  // 65536 / 17 rounded up: every item but the last covers 17 numbers.
  EXPECT_EQ(Nack::pack(nack.sequence_numbers).size(), 3856U);
  std::vector<std::byte> out(nack.serialized_size());
  ASSERT_EQ(nack.serialize(out), 12U + 4 * 3856U);
  const auto result = parse_compound(out);
  ASSERT_TRUE(result);
  auto parsed = std::get<Nack>(result->packets.at(0)).sequence_numbers;
  std::sort(parsed.begin(), parsed.end());
  EXPECT_EQ(parsed, nack.sequence_numbers);
}

TEST(Nack, WithoutItemsIsMalformed) {
  const auto packet = bytes(0x81, 0xCD, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2);  // SSRCs, no FCI
  const auto result = parse_compound(packet);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->packets.empty());
  EXPECT_EQ(result->malformed_skipped, 1U);
}

TEST(Nack, TransportCcIsNotNack) {
  const auto packet = bytes(0x8F, 0xCD, 0x00, 0x05,  // FMT=15 (transport-cc), PT=205
                            0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0xA0, 0x00, 0x04, 0x00);
  const auto result = parse_compound(packet);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 1U);
  EXPECT_TRUE(std::holds_alternative<TransportFeedback>(result->packets[0]));
  EXPECT_EQ(result->unknown_skipped, 0U);
}

TEST(Nack, ShortListsPackLikeTheBitmapPath) {
  // Lists of up to 64 numbers take a sorted-array path; the same set given
  // with duplicates (over 64 entries) takes the bitmap path. Both must agree.
  std::uint32_t state = 12345;
  const auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  for (int round = 0; round < 2000; ++round) {
    Sequences list(1 + next() % 40);
    const std::uint32_t base = next() & 0xFFFF;
    const std::uint32_t spread = round % 3 == 0 ? 65536 : 1 + next() % 200;
    for (auto& s : list) s = static_cast<std::uint16_t>(base + next() % spread);
    Sequences repeated;
    for (int copy = 0; copy < 3; ++copy) repeated.insert(repeated.end(), list.begin(), list.end());
    const auto short_path = Nack::pack(list);
    const auto bitmap_path = Nack::pack(repeated);
    ASSERT_EQ(short_path.size(), bitmap_path.size()) << round;
    for (std::size_t i = 0; i < short_path.size(); ++i) {
      EXPECT_EQ(short_path[i].pid, bitmap_path[i].pid) << round;
      EXPECT_EQ(short_path[i].blp, bitmap_path[i].blp) << round;
    }
  }
}

}  // namespace
}  // namespace parrot::media::rtcp
