#include "media/rtcp/sender_report.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "media/rtcp/compound.hpp"
#include "tests/unit/media/test_bytes.hpp"

namespace parrot::media::rtcp {
namespace {

using testing::bytes;

// RFC 3550 §6.4.1 layout, two report blocks.
const std::vector<std::byte> kSenderReport = bytes(
    0x82, 0xC8, 0x00, 0x12,  // V=2 P=0 RC=2, PT=200 (SR), length 18: 76 bytes
    0x11, 0x22, 0x33, 0x44,  // sender SSRC
    0xE8, 0x6C, 0x5A, 0x00,  // NTP seconds
    0x80, 0x00, 0x00, 0x00,  // NTP fraction: half a second
    0x00, 0x01, 0xE2, 0x40,  // RTP timestamp 123456
    0x00, 0x00, 0x03, 0xE8,  // sender's packet count 1000
    0x00, 0x01, 0x86, 0xA0,  // sender's octet count 100000
    // report block 1
    0xAA, 0xBB, 0xCC, 0xDD,  // SSRC
    0x40,                    // fraction lost 64
    0x00, 0x00, 0x0A,        // cumulative lost 10
    0x00, 0x01, 0x00, 0x05,  // extended highest sequence 65541
    0x00, 0x00, 0x00, 0x20,  // jitter 32
    0x5A, 0x00, 0x80, 0x00,  // LSR
    0x00, 0x01, 0x00, 0x00,  // DLSR 1 s
    // report block 2
    0x01, 0x02, 0x03, 0x04,  // SSRC
    0x00,                    // fraction lost 0
    0xFF, 0xFF, 0xFE,        // cumulative lost -2 (duplicates)
    0x00, 0x00, 0xFF, 0xFF,  // extended highest sequence 65535
    0x00, 0x00, 0x00, 0x00,  // jitter 0
    0x00, 0x00, 0x00, 0x00,  // LSR: no SR received yet
    0x00, 0x00, 0x00, 0x00);  // DLSR

TEST(SenderReport, ParsesTwoReportBlocks) {
  const auto result = parse_compound(kSenderReport);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 1U);
  const auto& sr = std::get<SenderReport>(result->packets[0]);
  EXPECT_EQ(sr.sender_ssrc, 0x11223344U);
  EXPECT_EQ(sr.ntp.seconds(), 0xE86C5A00U);
  EXPECT_EQ(sr.ntp.fraction(), 0x80000000U);
  EXPECT_EQ(sr.ntp.compact(), 0x5A008000U);
  EXPECT_EQ(sr.rtp_timestamp, 123456U);
  EXPECT_EQ(sr.packet_count, 1000U);
  EXPECT_EQ(sr.octet_count, 100000U);
  ASSERT_EQ(sr.report_blocks.size(), 2U);
  EXPECT_EQ(sr.report_blocks[0], (ReportBlock{0xAABBCCDD, 64, 10, 65541, 32, 0x5A008000, 65536}));
  EXPECT_EQ(sr.report_blocks[1], (ReportBlock{0x01020304, 0, -2, 65535, 0, 0, 0}));
}

TEST(SenderReport, SerializesToTheSameBytes) {
  const auto result = parse_compound(kSenderReport);
  ASSERT_TRUE(result);
  const Packet& packet = result->packets.at(0);
  ASSERT_EQ(serialized_size(packet), kSenderReport.size());
  std::vector<std::byte> out(kSenderReport.size());
  EXPECT_EQ(serialize(packet, out), kSenderReport.size());
  EXPECT_EQ(out, kSenderReport);
}

TEST(SenderReport, TooSmallBufferWritesNothing) {
  const SenderReport sr{1, NtpTime{2}, 3, 4, 5, {}};
  EXPECT_EQ(sr.serialized_size(), 28U);
  std::vector<std::byte> out(27);
  EXPECT_EQ(sr.serialize(out), 0U);
}

TEST(SenderReport, IgnoresProfileExtensionAfterBlocks) {
  auto with_extension = kSenderReport;
  with_extension[3] = std::byte{0x13};  // one more word
  with_extension.insert(with_extension.end(), {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}});
  const auto result = parse_compound(with_extension);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 1U);
  EXPECT_EQ(std::get<SenderReport>(result->packets[0]).report_blocks.size(), 2U);
}

TEST(SenderReport, MoreThanThirtyOneBlocksContinueInReceiverReports) {
  SenderReport sr{0xCAFE, NtpTime{0x0102030405060708}, 9, 10, 11, {}};
  for (std::uint32_t i = 0; i < 40; ++i) sr.report_blocks.push_back(ReportBlock{i, 0, 0, i, 0, 0, 0});
  // SR header + sender info + 31 blocks, then RR header + sender SSRC + 9 blocks.
  const std::size_t expected_size = 4 + 24 + 31 * 24 + 4 + 4 + 9 * 24;
  ASSERT_EQ(sr.serialized_size(), expected_size);
  std::vector<std::byte> out(expected_size);
  ASSERT_EQ(sr.serialize(out), expected_size);

  const auto result = parse_compound(out);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 2U);
  const auto& head = std::get<SenderReport>(result->packets[0]);
  const auto& tail = std::get<ReceiverReport>(result->packets[1]);
  EXPECT_EQ(head.report_blocks.size(), 31U);
  EXPECT_EQ(head.report_blocks.back().ssrc, 30U);
  EXPECT_EQ(tail.sender_ssrc, 0xCAFEU);
  ASSERT_EQ(tail.report_blocks.size(), 9U);
  EXPECT_EQ(tail.report_blocks.front().ssrc, 31U);
  EXPECT_EQ(tail.report_blocks.back().ssrc, 39U);
}

}  // namespace
}  // namespace parrot::media::rtcp
