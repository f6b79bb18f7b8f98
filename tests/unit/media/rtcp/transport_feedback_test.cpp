#include "media/rtcp/transport_feedback.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "media/rtcp/compound.hpp"
#include "tests/unit/media/test_bytes.hpp"

namespace parrot::media::rtcp {
namespace {

using testing::bytes;
using Status = TransportFeedback::PacketStatus;

constexpr Status kLost{false, 0};
constexpr Status received(std::int16_t ticks) { return Status{true, ticks}; }

// Five packets from sequence 100: received 1 ms after the reference time,
// lost, received at once, 75 ms later (too large for one byte), 2 ms
// earlier (reordered: negative). A large delta forces 2-bit symbols.
const std::vector<std::byte> kTwoBitVector = bytes(
    0x8F, 0xCD, 0x00, 0x06,  // V=2 FMT=15, PT=205 (RTPFB), length 6: 28 bytes
    0x11, 0x11, 0x11, 0x11,  // SSRC of packet sender
    0x22, 0x22, 0x22, 0x22,  // SSRC of media source
    0x00, 0x64, 0x00, 0x05,  // base sequence 100, packet status count 5
    0x00, 0x01, 0x02, 0x07,  // reference time 258 (x 64 ms), fb pkt. count 7
    0xD1, 0xA0,              // T=1 S=1: 01 00 01 10 10 (00 00 unused): small, lost, small, large, large
    0x04, 0x00,              // small deltas: 4 x 250 us, 0
    0x01, 0x2C,              // large: 300 x 250 us = 75 ms
    0xFF, 0xF8);             // large: -8 x 250 us = -2 ms

TEST(TransportFeedback, ParsesATwoBitStatusVector) {
  const auto result = parse_compound(kTwoBitVector);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 1U);
  const auto& feedback = std::get<TransportFeedback>(result->packets[0]);
  EXPECT_EQ(feedback.sender_ssrc, 0x11111111U);
  EXPECT_EQ(feedback.media_ssrc, 0x22222222U);
  EXPECT_EQ(feedback.base_sequence, 100);
  EXPECT_EQ(feedback.reference_time, 258U);
  EXPECT_EQ(feedback.feedback_count, 7);
  EXPECT_EQ(feedback.packets, (std::vector<Status>{received(4), kLost, received(0), received(300), received(-8)}));
}

TEST(TransportFeedback, SerializesTheSameBytes) {
  TransportFeedback feedback{0x11111111, 0x22222222, 100, 258, 7,
                             {received(4), kLost, received(0), received(300), received(-8)}};
  std::vector<std::byte> out(feedback.serialized_size());
  ASSERT_EQ(out.size(), kTwoBitVector.size());
  ASSERT_EQ(feedback.serialize(out), kTwoBitVector.size());
  EXPECT_EQ(out, kTwoBitVector);
  EXPECT_EQ(feedback.serialize(std::span(out).first(out.size() - 1)), 0U);
}

// Three small deltas: one run-length chunk (all the same symbol); the
// packet ends zero-padded to 32 bits with the P bit clear, as the draft's
// figure shows.
const std::vector<std::byte> kSmallRun = bytes(
    0x8F, 0xCD, 0x00, 0x06,  // 28 bytes
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
    0xFF, 0xFF, 0x00, 0x03,  // base sequence 65535, count 3: wraps to 0 and 1
    0xFF, 0xFF, 0xFF, 0x00,  // reference time 2^24 - 1, fb pkt. count 0
    0x20, 0x03,              // T=0 S=01 (small delta), run length 3
    0x10, 0x20, 0xFF,        // 4 ms, 8 ms, 63.75 ms: the largest small delta
    0x00, 0x00, 0x00);       // zero padding

TEST(TransportFeedback, RunOfSmallDeltasWithZeroPadding) {
  const auto result = parse_compound(kSmallRun);
  ASSERT_TRUE(result);
  const auto& feedback = std::get<TransportFeedback>(result->packets.at(0));
  EXPECT_EQ(feedback.base_sequence, 65535);
  EXPECT_EQ(feedback.reference_time, 0xFFFFFFU);
  EXPECT_EQ(feedback.packets, (std::vector<Status>{received(16), received(32), received(255)}));
  std::vector<std::byte> out(feedback.serialized_size());
  ASSERT_EQ(feedback.serialize(out), out.size());
  EXPECT_EQ(out, kSmallRun);
}

// Ten statuses, small deltas and losses mixed: more than seven, no large
// delta, so one one-bit vector.
const std::vector<std::byte> kOneBitVector = bytes(
    0x8F, 0xCD, 0x00, 0x07,  // 32 bytes
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
    0x01, 0x00, 0x00, 0x0A,  // base sequence 256, count 10
    0x00, 0x00, 0x10, 0x05,  // reference time 16 (1.024 s), fb pkt. count 5
    0xB7, 0xD0,              // T=1 S=0: 1101111101 (then 4 unused zero bits)
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    0x00, 0x00);             // zero padding

TEST(TransportFeedback, OneBitVector) {
  const TransportFeedback feedback{1, 2, 256, 16, 5,
                                   {received(1), received(2), kLost, received(3), received(4), received(5),
                                    received(6), received(7), kLost, received(8)}};
  std::vector<std::byte> out(feedback.serialized_size());
  ASSERT_EQ(feedback.serialize(out), out.size());
  EXPECT_EQ(out, kOneBitVector);
  const auto result = parse_compound(kOneBitVector);
  ASSERT_TRUE(result);
  EXPECT_EQ(std::get<TransportFeedback>(result->packets.at(0)), feedback);
}

// Twenty lost packets are one run-length chunk; the received one after
// them a run of its own.
const std::vector<std::byte> kRunLength = bytes(
    0x8F, 0xCD, 0x00, 0x06,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
    0x00, 0x00, 0x00, 0x15,  // base 0, count 21
    0x00, 0x00, 0x00, 0x01,
    0x00, 0x14,              // T=0 S=00 (not received), run length 20
    0x20, 0x01,              // T=0 S=01, run length 1
    0x0A,                    // 2.5 ms
    0x00, 0x00, 0x00);

TEST(TransportFeedback, RunLengthOfLostPackets) {
  std::vector<Status> packets(20, kLost);
  packets.push_back(received(10));
  const TransportFeedback feedback{1, 2, 0, 0, 1, packets};
  std::vector<std::byte> out(feedback.serialized_size());
  ASSERT_EQ(feedback.serialize(out), out.size());
  EXPECT_EQ(out, kRunLength);
  const auto result = parse_compound(out);
  ASSERT_TRUE(result);
  EXPECT_EQ(std::get<TransportFeedback>(result->packets.at(0)), feedback);
}

TEST(TransportFeedback, LibwebrtcPaddingWithThePBitParses) {
  // libwebrtc pads with zeros and a count byte and sets P (RFC 3550).
  auto packet = kSmallRun;
  packet[0] = std::byte{0xAF};
  packet.back() = std::byte{0x03};
  const auto result = parse_compound(packet);
  ASSERT_TRUE(result);
  EXPECT_EQ(std::get<TransportFeedback>(result->packets.at(0)).packets.size(), 3U);
}

TEST(TransportFeedback, RunLongerThanTheCountIsClipped) {
  // Run of 8191 small deltas, but the status count says 2.
  const auto packet = bytes(0x8F, 0xCD, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x07, 0x00, 0x02, 0, 0, 0, 0,
                            0x3F, 0xFF,  // T=0 S=01, run 8191
                            0x01, 0x02);
  const auto result = parse_compound(packet);
  ASSERT_TRUE(result);
  EXPECT_EQ(std::get<TransportFeedback>(result->packets.at(0)).packets,
            (std::vector<Status>{received(1), received(2)}));
}

TEST(TransportFeedback, LongRunsSplitAtTheThirteenBitLimit) {
  TransportFeedback feedback{1, 2, 0, 0, 0, std::vector<Status>(10000, received(1))};
  // Two run-length chunks (8191 + 1809) and one byte per packet.
  EXPECT_EQ(feedback.serialized_size(), pad_to_word(4 + 16 + 4 + 10000));
  std::vector<std::byte> out(feedback.serialized_size());
  ASSERT_EQ(feedback.serialize(out), out.size());
  EXPECT_EQ(out[20], std::byte{0x3F});
  EXPECT_EQ(out[21], std::byte{0xFF});
  const auto result = parse_compound(out);
  ASSERT_TRUE(result);
  EXPECT_EQ(std::get<TransportFeedback>(result->packets.at(0)), feedback);
}

TEST(TransportFeedback, MixedListsRoundTrip) {
  // Every symbol pattern the encoder chooses between, across chunk borders.
  std::vector<Status> packets;
  std::uint32_t state = 7;
  for (int i = 0; i < 3000; ++i) {
    state = state * 1664525u + 1013904223u;
    const unsigned pick = (state >> 24) % 10;
    if (pick < 2) {
      packets.push_back(kLost);
    } else if (pick < 8) {
      packets.push_back(received(static_cast<std::int16_t>(state % 256)));
    } else {
      packets.push_back(received(static_cast<std::int16_t>(static_cast<std::int32_t>(state % 65536) - 32768)));
    }
    if (i % 500 == 0) packets.insert(packets.end(), 30, kLost);  // long runs too
  }
  const TransportFeedback feedback{9, 8, 65000, 12345, 200, packets};
  std::vector<std::byte> out(feedback.serialized_size());
  ASSERT_EQ(feedback.serialize(out), out.size());
  const auto result = parse_compound(out);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 1U);
  EXPECT_EQ(std::get<TransportFeedback>(result->packets[0]), feedback);
}

TEST(TransportFeedback, EmptyWritesNothing) {
  const TransportFeedback feedback{1, 2, 0, 0, 0, {}};
  EXPECT_EQ(feedback.serialized_size(), 0U);
  std::vector<std::byte> out(64);
  EXPECT_EQ(feedback.serialize(out), 0U);
}

struct MalformedCase {
  const char* name;
  std::vector<std::byte> packet;
};

class TransportFeedbackMalformed : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(TransportFeedbackMalformed, IsSkippedAndCounted) {
  const auto result = parse_compound(GetParam().packet);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->packets.empty());
  EXPECT_EQ(result->malformed_skipped, 1U);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TransportFeedbackMalformed,
    ::testing::Values(
        // Status count 0 (libwebrtc refuses it as well).
        MalformedCase{"count_zero", bytes(0x8F, 0xCD, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0x01, 0, 0)},
        // The fixed part cut short.
        MalformedCase{"short", bytes(0x8F, 0xCD, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x01, 0x00, 0x00)},
        // Count 20 but one chunk of 14 and then the end.
        MalformedCase{"chunks_past_end", bytes(0x8F, 0xCD, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 20, 0, 0, 0, 0, 0x80, 0x00, 0, 0)},
        // Run-length with the reserved symbol 11.
        MalformedCase{"reserved_run", bytes(0x8F, 0xCD, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x01, 0, 0)},
        // Two-bit vector with the reserved symbol 11 first.
        MalformedCase{"reserved_vector", bytes(0x8F, 0xCD, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0xF0, 0x00, 0, 0)},
        // Two large deltas announced, two bytes present.
        MalformedCase{"deltas_past_end", bytes(0x8F, 0xCD, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0x40, 0x02, 0x01, 0x00)}),
    [](const ::testing::TestParamInfo<MalformedCase>& param_info) { return param_info.param.name; });

TEST(StatusChunker, NeverRevisitsAChunkSoItsCountIsExact) {
  // Nine small-or-lost symbols, then a large delta: the first seven go out
  // as a two-bit vector, the other two stay with the large one.
  std::array<std::byte, 8> out{};
  StatusChunker chunker(out);
  const std::uint8_t symbols[] = {1, 0, 1, 1, 1, 1, 1, 1, 0, 2};
  std::size_t counts[std::size(symbols)];
  for (std::size_t i = 0; i < std::size(symbols); ++i) {
    chunker.add(symbols[i]);
    counts[i] = chunker.chunk_count();
  }
  chunker.finish();
  EXPECT_EQ(chunker.chunk_count(), 2U);
  EXPECT_EQ(counts[8], 1U);  // nine fit one one-bit vector
  EXPECT_EQ(counts[9], 2U);  // the large delta does not
  EXPECT_EQ(out, (std::array<std::byte, 8>{std::byte{0xD1}, std::byte{0x55},    // 2-bit: 01 00 01 01 01 01 01
                                           std::byte{0xD2}, std::byte{0x00},    // 2-bit: 01 00 10
                                           std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}}));
}

}  // namespace
}  // namespace parrot::media::rtcp
