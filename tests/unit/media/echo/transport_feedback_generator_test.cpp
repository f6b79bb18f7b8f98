#include "media/echo/transport_feedback_generator.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "media/rtcp/compound.hpp"

namespace parrot::media::echo {
namespace {

using rtcp::TransportFeedback;
using Status = TransportFeedback::PacketStatus;
using std::chrono::milliseconds;

constexpr std::uint32_t kParrotSsrc = 0x0A0A0A0A;
constexpr std::uint32_t kCallerSsrc = 0xCA11E400;

Status received(std::int16_t ticks) { return Status{true, ticks}; }
const Status kLost{};

std::vector<TransportFeedback> build_due(TransportFeedbackGenerator& generator) {
  std::vector<TransportFeedback> out;
  const Timestamp due = generator.next_feedback();
  EXPECT_NE(due, kNever);
  generator.build(due, out);
  return out;
}

// What a sender reads back: the arrival of each reported packet in 250 µs
// ticks (libwebrtc adds the deltas to the reference time the same way).
std::map<std::uint16_t, std::int64_t> arrivals_read_back(const std::vector<TransportFeedback>& feedback) {
  std::map<std::uint16_t, std::int64_t> out;
  for (const auto& f : feedback) {
    std::int64_t ticks = std::int64_t{f.reference_time} * 256;
    for (std::size_t i = 0; i < f.packets.size(); ++i) {
      if (!f.packets[i].received) continue;
      ticks += f.packets[i].delta_ticks;
      out[static_cast<std::uint16_t>(f.base_sequence + i)] = ticks;
    }
  }
  return out;
}

TEST(TransportFeedbackGenerator, ReportsArrivalsAndGapsAfterOneInterval) {
  TransportFeedbackGenerator generator(kParrotSsrc);
  EXPECT_EQ(generator.next_feedback(), kNever);
  generator.on_packet(timestamp_ms(1000), 10, kCallerSsrc, 1000);
  generator.on_packet(timestamp_ms(1005), 11, kCallerSsrc, 1000);
  generator.on_packet(timestamp_ms(1015), 13, kCallerSsrc, 1000);  // 12 lost
  generator.on_packet(timestamp_ms(1020), 14, kCallerSsrc, 1000);
  EXPECT_EQ(generator.next_feedback(), timestamp_ms(1100));  // 100 ms after the first arrival
  const auto feedback = build_due(generator);
  ASSERT_EQ(feedback.size(), 1U);
  const auto& f = feedback[0];
  EXPECT_EQ(f.sender_ssrc, kParrotSsrc);
  EXPECT_EQ(f.media_ssrc, kCallerSsrc);
  EXPECT_EQ(f.base_sequence, 10);
  EXPECT_EQ(f.feedback_count, 0);
  EXPECT_EQ(f.reference_time, 15U);  // 960 ms in 64 ms units
  // 40 ms after the reference, then 5, (lost), 10 and 5 ms apart.
  EXPECT_EQ(f.packets, (std::vector<Status>{received(160), received(20), kLost, received(40), received(20)}));
  EXPECT_EQ(generator.next_feedback(), kNever);  // nothing new
  EXPECT_EQ(generator.feedback_sent(), 1U);
  EXPECT_EQ(generator.packets_recorded(), 4U);
}

TEST(TransportFeedbackGenerator, SequenceNumbersWrap) {
  TransportFeedbackGenerator generator(kParrotSsrc);
  const std::uint16_t sequences[] = {65534, 65535, 0, 1};
  int ms = 0;
  for (const auto s : sequences) generator.on_packet(timestamp_ms(ms += 2), s, kCallerSsrc, 100);
  auto feedback = build_due(generator);
  ASSERT_EQ(feedback.size(), 1U);
  EXPECT_EQ(feedback[0].base_sequence, 65534);
  EXPECT_EQ(feedback[0].packets.size(), 4U);
  generator.on_packet(timestamp_ms(200), 2, kCallerSsrc, 100);
  feedback = build_due(generator);
  ASSERT_EQ(feedback.size(), 1U);
  EXPECT_EQ(feedback[0].base_sequence, 2);
  EXPECT_EQ(feedback[0].feedback_count, 1);
}

TEST(TransportFeedbackGenerator, ReorderedArrivalsGiveNegativeDeltas) {
  TransportFeedbackGenerator generator(kParrotSsrc);
  generator.on_packet(timestamp_ms(640), 1, kCallerSsrc, 100);
  generator.on_packet(timestamp_ms(641), 3, kCallerSsrc, 100);
  generator.on_packet(timestamp_ms(642), 2, kCallerSsrc, 100);
  generator.on_packet(timestamp_ms(643), 2, kCallerSsrc, 100);  // duplicate: the first arrival counts
  const auto feedback = build_due(generator);
  ASSERT_EQ(feedback.size(), 1U);
  EXPECT_EQ(feedback[0].reference_time, 10U);  // exactly 640 ms
  EXPECT_EQ(feedback[0].packets, (std::vector<Status>{received(0), received(8), received(-4)}));
}

TEST(TransportFeedbackGenerator, PacketReorderedBehindSentFeedbackIsReportedAgain) {
  TransportFeedbackGenerator generator(kParrotSsrc);
  generator.on_packet(timestamp_ms(0), 1, kCallerSsrc, 100);
  generator.on_packet(timestamp_ms(1), 2, kCallerSsrc, 100);
  generator.on_packet(timestamp_ms(2), 4, kCallerSsrc, 100);
  auto feedback = build_due(generator);
  ASSERT_EQ(feedback.size(), 1U);
  EXPECT_FALSE(feedback[0].packets[2].received);  // 3 not (yet) received
  generator.on_packet(timestamp_ms(110), 3, kCallerSsrc, 100);
  generator.on_packet(timestamp_ms(111), 5, kCallerSsrc, 100);
  feedback = build_due(generator);
  ASSERT_EQ(feedback.size(), 1U);
  EXPECT_EQ(feedback[0].base_sequence, 3);
  const auto read_back = arrivals_read_back(feedback);
  EXPECT_EQ(read_back.at(3), 110 * 4);
  EXPECT_EQ(read_back.at(4), 2 * 4);  // re-reported with its first arrival
  EXPECT_EQ(read_back.at(5), 111 * 4);
}

TEST(TransportFeedbackGenerator, LongSilenceStartsANewFeedbackPacket) {
  TransportFeedbackGenerator generator(kParrotSsrc);
  // 9 s between two arrivals does not fit a 16-bit delta of 250 µs (8.19 s).
  generator.on_packet(timestamp_ms(0), 100, kCallerSsrc, 100);
  generator.on_packet(timestamp_ms(9000), 101, kCallerSsrc, 100);
  std::vector<TransportFeedback> feedback;
  generator.build(timestamp_ms(9000), feedback);
  ASSERT_EQ(feedback.size(), 2U);
  EXPECT_EQ(feedback[0].base_sequence, 100);
  EXPECT_EQ(feedback[1].base_sequence, 101);
  EXPECT_EQ(feedback[1].feedback_count, feedback[0].feedback_count + 1);
  const auto read_back = arrivals_read_back(feedback);
  EXPECT_EQ(read_back.at(101) - read_back.at(100), 9000 * 4);
}

TEST(TransportFeedbackGenerator, LargeDeltasWithinOnePacket) {
  TransportFeedbackGenerator generator(kParrotSsrc);
  generator.on_packet(timestamp_ms(0), 1, kCallerSsrc, 100);
  generator.on_packet(timestamp_ms(80), 2, kCallerSsrc, 100);  // 80 ms: over a byte's 63.75 ms
  const auto feedback = build_due(generator);
  ASSERT_EQ(feedback.size(), 1U);
  EXPECT_EQ(feedback[0].packets, (std::vector<Status>{received(0), received(320)}));
}

TEST(TransportFeedbackGenerator, SplitsAtTheSizeLimitAndLosesNothing) {
  TransportFeedbackGenerator generator(kParrotSsrc, 200);
  std::map<std::uint16_t, std::int64_t> sent;
  for (int i = 0; i < 2000; ++i) {
    if (i % 10 == 3) continue;  // every tenth lost
    const auto at = timestamp_us(1'000'000 + i * 1'370);  // not on the 250 µs grid
    generator.on_packet(at, static_cast<std::uint16_t>(60000 + i), kCallerSsrc, 1200);
    sent[static_cast<std::uint16_t>(60000 + i)] = at.time_since_epoch().count() / 250;
  }
  std::vector<TransportFeedback> feedback;
  generator.build(timestamp_ms(4000), feedback);
  ASSERT_GT(feedback.size(), 10U);
  std::size_t statuses = 0;
  for (std::size_t i = 0; i < feedback.size(); ++i) {
    EXPECT_LE(feedback[i].serialized_size(), 200U);
    EXPECT_EQ(feedback[i].feedback_count, i);
    statuses += feedback[i].packets.size();
    // Serialized and parsed back unchanged.
    std::vector<std::byte> bytes(feedback[i].serialized_size());
    ASSERT_EQ(feedback[i].serialize(bytes), bytes.size());
    const auto parsed = rtcp::parse_compound(bytes);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(std::get<TransportFeedback>(parsed->packets.at(0)), feedback[i]);
  }
  EXPECT_EQ(statuses, 2000U);
  EXPECT_EQ(arrivals_read_back(feedback), sent);
}

TEST(TransportFeedbackGenerator, IntervalShortensWithTheRate) {
  TransportFeedbackGenerator audio(kParrotSsrc);
  TransportFeedbackGenerator video(kParrotSsrc);
  for (int ms = 0; ms < 100; ms += 20) audio.on_packet(timestamp_ms(ms), static_cast<std::uint16_t>(ms / 20), kCallerSsrc, 120);
  for (int ms = 0; ms < 100; ++ms) video.on_packet(timestamp_ms(ms), static_cast<std::uint16_t>(ms), kCallerSsrc, 1200);
  std::vector<TransportFeedback> out;
  audio.build(timestamp_ms(100), out);
  video.build(timestamp_ms(100), out);
  audio.on_packet(timestamp_ms(101), 5, kCallerSsrc, 120);
  video.on_packet(timestamp_ms(101), 100, kCallerSsrc, 1200);
  EXPECT_EQ(audio.next_feedback(), timestamp_ms(200));  // ~48 kbit/s: every 100 ms
  EXPECT_EQ(video.next_feedback(), timestamp_ms(150));  // ~9.6 Mbit/s: every 50 ms
}

TEST(TransportFeedbackGenerator, AJumpFarAheadIsARestartNotLoss) {
  TransportFeedbackGenerator generator(kParrotSsrc);
  generator.on_packet(timestamp_ms(0), 1, kCallerSsrc, 100);
  generator.on_packet(timestamp_ms(1), 2, kCallerSsrc, 100);
  generator.on_packet(timestamp_ms(2), 30000, kCallerSsrc, 100);
  generator.on_packet(timestamp_ms(3), 30001, kCallerSsrc, 100);
  generator.on_packet(timestamp_ms(4), 3, kCallerSsrc, 100);  // the old numbering: ignored
  const auto feedback = build_due(generator);
  ASSERT_EQ(feedback.size(), 1U);
  EXPECT_EQ(feedback[0].base_sequence, 30000);
  EXPECT_EQ(feedback[0].packets.size(), 2U);
}

}  // namespace
}  // namespace parrot::media::echo
