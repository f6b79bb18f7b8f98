#include "media/rtcp/compound.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>
#include "tests/unit/media/test_bytes.hpp"

namespace parrot::media::rtcp {
namespace {

using testing::bytes;

std::vector<std::byte> concat(std::initializer_list<std::vector<std::byte>> parts) {
  std::vector<std::byte> all;
  for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

const std::vector<std::byte> kSenderReport = bytes(0x80, 0xC8, 0x00, 0x06,  // RC=0, PT=200, length 6: 28 bytes
                                                   0x00, 0x00, 0x30, 0x39,  // sender SSRC 12345
                                                   0xE8, 0x6C, 0x5A, 0x00,  // NTP seconds
                                                   0x00, 0x00, 0x00, 0x00,  // NTP fraction
                                                   0x00, 0x00, 0x03, 0x20,  // RTP timestamp 800
                                                   0x00, 0x00, 0x00, 0x05,  // packet count 5
                                                   0x00, 0x00, 0x02, 0x80);  // octet count 640
const std::vector<std::byte> kSdes = bytes(0x81, 0xCA, 0x00, 0x03,                 // SC=1, PT=202, length 3: 16 bytes
                                           0x00, 0x00, 0x30, 0x39,                 // SSRC 12345
                                           0x01, 0x04, 'b', 'i', 'r', 'd',         // CNAME "bird"
                                           0x00, 0x00);                            // END + pad
const std::vector<std::byte> kBye = bytes(0x81, 0xCB, 0x00, 0x01,  // SC=1, PT=203, length 1: 8 bytes
                                          0x00, 0x00, 0x30, 0x39);  // SSRC 12345

TEST(Compound, SenderReportSdesBye) {
  const auto datagram = concat({kSenderReport, kSdes, kBye});
  const auto result = parse_compound(datagram);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 3U);
  EXPECT_EQ(std::get<SenderReport>(result->packets[0]).packet_count, 5U);
  EXPECT_EQ(std::get<Sdes>(result->packets[1]), (Sdes{{{12345, "bird"}}}));
  EXPECT_EQ(std::get<Bye>(result->packets[2]), (Bye{{12345}, ""}));
  EXPECT_EQ(result->unknown_skipped, 0U);
  EXPECT_EQ(result->malformed_skipped, 0U);

  std::vector<std::byte> out(serialized_size(result->packets));
  ASSERT_EQ(out.size(), datagram.size());
  ASSERT_EQ(serialize_compound(result->packets, out), datagram.size());
  EXPECT_EQ(out, datagram);
}

// What Chrome sends every few seconds on a receive-only stream: an RR with
// one block and an SDES carrying its random 16-character CNAME.
TEST(Compound, BrowserReceiverReportWithCname) {
  const auto datagram = bytes(0x81, 0xC9, 0x00, 0x07,  // RR, RC=1, length 7: 32 bytes
                              0x00, 0x00, 0x00, 0x01,  // sender SSRC 1 (Chrome's receive-only SSRC)
                              0x5E, 0x1F, 0x0C, 0x2A,  // reportee: parrot's SSRC
                              0x00,                    // fraction lost 0
                              0x00, 0x00, 0x00,        // cumulative lost 0
                              0x00, 0x00, 0x2B, 0x67,  // extended highest 11111
                              0x00, 0x00, 0x00, 0x0C,  // jitter 12
                              0x8C, 0x3B, 0x20, 0x00,  // LSR
                              0x00, 0x00, 0x33, 0x33,  // DLSR 0.2 s
                              0x81, 0xCA, 0x00, 0x06,  // SDES, SC=1, length 6: 28 bytes
                              0x00, 0x00, 0x00, 0x01,  // SSRC 1
                              0x01, 0x10,              // CNAME, 16 bytes
                              'v', 'F', '3', 'q', 'x', 'Y', 'k', 'B', 'H', '9', 'p', 'L', 'w', 'e', '2', 'T',
                              0x00, 0x00);             // END + pad
  const auto result = parse_compound(datagram);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 2U);
  const auto& rr = std::get<ReceiverReport>(result->packets[0]);
  ASSERT_EQ(rr.report_blocks.size(), 1U);
  EXPECT_EQ(rr.report_blocks[0], (ReportBlock{0x5E1F0C2A, 0, 0, 11111, 12, 0x8C3B2000, 0x3333}));
  EXPECT_EQ(std::get<Sdes>(result->packets[1]).chunks.at(0).cname, "vF3qxYkBH9pLwe2T");
}

TEST(Compound, BrowserReceiverReportWithRemb) {
  const auto datagram = bytes(0x80, 0xC9, 0x00, 0x01,  // RR, RC=0, length 1: 8 bytes
                              0x00, 0x00, 0x00, 0x01,  // sender SSRC 1
                              0x8F, 0xCE, 0x00, 0x05,  // PSFB FMT=15, length 5: 24 bytes
                              0x00, 0x00, 0x00, 0x01,  // sender SSRC 1
                              0x00, 0x00, 0x00, 0x00,  // media SSRC 0
                              'R', 'E', 'M', 'B',      // identifier
                              0x01,                    // Num SSRC 1
                              0x0B, 0xD0, 0x90,        // exp 2, mantissa 250000: 1,000,000 bps
                              0x5E, 0x1F, 0x0C, 0x2A);  // parrot's SSRC
  const auto result = parse_compound(datagram);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 2U);
  EXPECT_EQ(std::get<ReceiverReport>(result->packets[0]), (ReceiverReport{1, {}}));
  EXPECT_EQ(std::get<Remb>(result->packets[1]), (Remb{1, 1'000'000, {0x5E1F0C2A}}));
}

TEST(Compound, UnknownTypesAreSkippedAndCounted) {
  const auto app = bytes(0x80, 0xCC, 0x00, 0x02,  // APP, subtype 0, length 2
                         0x00, 0x00, 0x00, 0x01, 't', 'e', 's', 't');
  const auto xr = bytes(0x80, 0xCF, 0x00, 0x03,  // XR (RFC 3611), length 3
                        0x00, 0x00, 0x00, 0x01,  // SSRC
                        0x04, 0x00, 0x00, 0x02,  // receiver reference time block header
                        0x00, 0x00, 0x00, 0x00);
  const auto reserved = bytes(0x80, 0xD0, 0x00, 0x00);  // PT=208, not assigned to anything parrot knows
  const auto result = parse_compound(concat({kSenderReport, app, xr, reserved, kBye}));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->packets.size(), 2U);
  EXPECT_EQ(result->unknown_skipped, 3U);
  EXPECT_EQ(result->malformed_skipped, 0U);
}

TEST(Compound, ReducedSizeFeedbackAlone) {
  // RFC 5506: a PLI on its own, without the leading report.
  const auto result = parse_compound(bytes(0x81, 0xCE, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2));
  ASSERT_TRUE(result);
  EXPECT_EQ(std::get<Pli>(result->packets.at(0)), (Pli{1, 2}));
}

TEST(Compound, PaddingOnTheLastPacketIsRemoved) {
  const auto padded_bye = bytes(0xA1, 0xCB, 0x00, 0x03,  // P=1, SC=1, length 3: 16 bytes
                                0x00, 0x00, 0x30, 0x39,  // SSRC 12345
                                0x00, 0x00, 0x00, 0x00,  // padding ...
                                0x00, 0x00, 0x00, 0x08);  // ... 8 octets, this one included
  const auto result = parse_compound(concat({kSenderReport, padded_bye}));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 2U);
  // Without the padding removed, its zeros would read as a reason.
  EXPECT_EQ(std::get<Bye>(result->packets[1]), (Bye{{12345}, ""}));
}

TEST(Compound, MalformedPacketIsSkippedNeighboursKept) {
  const auto empty_rr = bytes(0x80, 0xC9, 0x00, 0x00);  // RR with length 0: no room for the sender SSRC
  DropCounters drops;
  const auto result = parse_compound(concat({kSenderReport, empty_rr, kBye}), drops);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->packets.size(), 2U);
  EXPECT_EQ(result->malformed_skipped, 1U);
  EXPECT_EQ(drops[DropReason::kMalformedRtcp], 1U);
}

struct GarbageCase {
  const char* name;
  std::vector<std::byte> datagram;
};

class CompoundGarbage : public ::testing::TestWithParam<GarbageCase> {};

TEST_P(CompoundGarbage, IsRejectedAndCounted) {
  EXPECT_FALSE(parse_compound(GetParam().datagram));
  DropCounters drops;
  EXPECT_FALSE(parse_compound(GetParam().datagram, drops));
  EXPECT_EQ(drops[DropReason::kMalformedRtcp], 1U);
}

INSTANTIATE_TEST_SUITE_P(
    Table, CompoundGarbage,
    ::testing::Values(
        GarbageCase{"empty", {}},
        GarbageCase{"three_bytes", bytes(0x80, 0xC9, 0x00)},
        GarbageCase{"length_past_end", bytes(0x80, 0xC9, 0x00, 0x02, 0, 0, 0, 1)},  // claims 12 bytes, has 8
        GarbageCase{"second_length_past_end", concat({kBye, bytes(0x81, 0xCB, 0x00, 0x05, 0, 0, 0, 1)})},
        GarbageCase{"trailing_bytes", concat({kBye, bytes(0x00, 0x00)})},
        GarbageCase{"version_1", bytes(0x41, 0xCB, 0x00, 0x01, 0, 0, 0, 1)},
        GarbageCase{"version_1_second", concat({kBye, bytes(0x41, 0xCB, 0x00, 0x01, 0, 0, 0, 1)})},
        GarbageCase{"packet_type_0", bytes(0x80, 0x00, 0x00, 0x00)},
        GarbageCase{"rtp_payload_type", bytes(0x80, 0x60, 0x00, 0x01, 0, 0, 0, 1)},
        GarbageCase{"padding_on_first", concat({bytes(0xA0, 0xC9, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 4), kBye})},
        GarbageCase{"padding_count_zero", bytes(0xA0, 0xC9, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 0)},
        GarbageCase{"padding_past_packet", bytes(0xA0, 0xC9, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 9)},
        GarbageCase{"padding_on_bare_header", bytes(0xA0, 0xCB, 0x00, 0x00)}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(Compound, SerializeIntoTooSmallBufferWritesNothing) {
  const std::vector<Packet> packets{ReceiverReport{1, {}}, Pli{1, 2}};
  ASSERT_EQ(serialized_size(packets), 20U);
  std::vector<std::byte> out(19);
  EXPECT_EQ(serialize_compound(packets, out), 0U);
  out.resize(20);
  EXPECT_EQ(serialize_compound(packets, out), 20U);
}

}  // namespace
}  // namespace parrot::media::rtcp
