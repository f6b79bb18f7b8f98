#include "media/rtcp/receiver_report.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "media/rtcp/compound.hpp"
#include "tests/unit/media/test_bytes.hpp"

namespace parrot::media::rtcp {
namespace {

using testing::bytes;

TEST(ReceiverReport, ParsesOneBlockAndSerializesBack) {
  const auto packet = bytes(0x81, 0xC9, 0x00, 0x07,  // V=2 RC=1, PT=201 (RR), length 7: 32 bytes
                            0x00, 0x00, 0x00, 0x01,  // sender SSRC 1
                            0x9E, 0x37, 0x79, 0xB9,  // reportee SSRC
                            0x0D,                    // fraction lost 13
                            0x00, 0x01, 0x00,        // cumulative lost 256
                            0x00, 0x02, 0xFF, 0xFE,  // cycles 2, highest 65534
                            0x00, 0x00, 0x01, 0x2C,  // jitter 300
                            0x12, 0x34, 0x56, 0x78,  // LSR
                            0x00, 0x00, 0x80, 0x00);  // DLSR 0.5 s
  const auto result = parse_compound(packet);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 1U);
  const auto& rr = std::get<ReceiverReport>(result->packets[0]);
  EXPECT_EQ(rr.sender_ssrc, 1U);
  ASSERT_EQ(rr.report_blocks.size(), 1U);
  EXPECT_EQ(rr.report_blocks[0], (ReportBlock{0x9E3779B9, 13, 256, 0x2FFFE, 300, 0x12345678, 0x8000}));

  std::vector<std::byte> out(rr.serialized_size());
  ASSERT_EQ(rr.serialize(out), packet.size());
  EXPECT_EQ(out, packet);
}

TEST(ReceiverReport, EmptyReportIsEightBytes) {
  const ReceiverReport rr{0xDEADBEEF, {}};
  std::vector<std::byte> out(rr.serialized_size());
  ASSERT_EQ(rr.serialize(out), 8U);
  EXPECT_EQ(out, bytes(0x80, 0xC9, 0x00, 0x01, 0xDE, 0xAD, 0xBE, 0xEF));
}

TEST(ReceiverReport, SixtyTwoBlocksMakeTwoFullPackets) {
  ReceiverReport rr{7, std::vector<ReportBlock>(62)};
  EXPECT_EQ(rr.serialized_size(), 2 * (8 + 31 * 24U));
  std::vector<std::byte> out(rr.serialized_size());
  ASSERT_EQ(rr.serialize(out), out.size());
  EXPECT_EQ(out[0], std::byte{0x9F});                 // RC=31
  EXPECT_EQ(out[8 + 31 * 24], std::byte{0x9F});       // second packet, RC=31
  const auto result = parse_compound(out);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->packets.size(), 2U);
}

TEST(ReceiverReport, CountLargerThanLengthIsSkippedAsMalformed) {
  const auto packet = bytes(0x82, 0xC9, 0x00, 0x07,  // RC=2 but length 7 holds one block
                            0x00, 0x00, 0x00, 0x01,  // sender SSRC
                            0x00, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const auto result = parse_compound(packet);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->packets.empty());
  EXPECT_EQ(result->malformed_skipped, 1U);
}

}  // namespace
}  // namespace parrot::media::rtcp
