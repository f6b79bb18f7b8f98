#include "media/rtcp/report_block.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <vector>
#include "tests/unit/media/test_bytes.hpp"

namespace parrot::media::rtcp {
namespace {

using testing::bytes;

const std::vector<std::byte> kBlock = bytes(0xAA, 0xBB, 0xCC, 0xDD,  // SSRC
                                            0x40,                    // fraction lost 64/256 = 25 %
                                            0xFF, 0xFF, 0xFE,        // cumulative lost -2
                                            0x00, 0x01, 0x00, 0x05,  // cycles 1, highest 5
                                            0x00, 0x00, 0x00, 0x20,  // jitter 32 ticks
                                            0x5A, 0x00, 0x80, 0x00,  // LSR
                                            0x00, 0x01, 0x00, 0x00);  // DLSR 65536 = 1 s

TEST(ReportBlock, ParsesEveryField) {
  const ReportBlock block = ReportBlock::parse(kBlock);
  EXPECT_EQ(block.ssrc, 0xAABBCCDDU);
  EXPECT_EQ(block.fraction_lost, 64);
  EXPECT_EQ(block.cumulative_lost, -2);
  EXPECT_EQ(block.extended_highest_sequence, 65541U);
  EXPECT_EQ(block.jitter, 32U);
  EXPECT_EQ(block.last_sr, 0x5A008000U);
  EXPECT_EQ(block.delay_since_last_sr, 65536U);
}

TEST(ReportBlock, SerializesToTheSameBytes) {
  std::array<std::byte, ReportBlock::kSize> out{};
  ReportBlock::parse(kBlock).serialize(out);
  EXPECT_EQ(std::vector<std::byte>(out.begin(), out.end()), kBlock);
}

struct LostCase {
  std::int32_t given;
  std::array<std::uint8_t, 3> wire;
  std::int32_t read_back;
};

class CumulativeLost : public ::testing::TestWithParam<LostCase> {};

TEST_P(CumulativeLost, ClampsToTwentyFourBitsSigned) {
  ReportBlock block;
  block.cumulative_lost = GetParam().given;
  std::array<std::byte, ReportBlock::kSize> out{};
  block.serialize(out);
  EXPECT_EQ(out[5], std::byte{GetParam().wire[0]});
  EXPECT_EQ(out[6], std::byte{GetParam().wire[1]});
  EXPECT_EQ(out[7], std::byte{GetParam().wire[2]});
  EXPECT_EQ(ReportBlock::parse(out).cumulative_lost, GetParam().read_back);
}

INSTANTIATE_TEST_SUITE_P(Table, CumulativeLost,
                         ::testing::Values(LostCase{0, {0x00, 0x00, 0x00}, 0},
                                           LostCase{-1, {0xFF, 0xFF, 0xFF}, -1},
                                           LostCase{8'388'607, {0x7F, 0xFF, 0xFF}, 8'388'607},
                                           LostCase{8'388'608, {0x7F, 0xFF, 0xFF}, 8'388'607},
                                           LostCase{10'000'000, {0x7F, 0xFF, 0xFF}, 8'388'607},
                                           LostCase{-8'388'608, {0x80, 0x00, 0x00}, -8'388'608},
                                           LostCase{-10'000'000, {0x80, 0x00, 0x00}, -8'388'608}));

}  // namespace
}  // namespace parrot::media::rtcp
