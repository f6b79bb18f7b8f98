#include "media/jitter/jitter_buffer.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace parrot::media::jitter {
namespace {

// A plain RTP packet with the given header fields and a small payload.
std::vector<std::byte> make_packet(std::uint16_t sequence, std::uint32_t timestamp, bool marker = false,
                                   std::size_t payload_size = 40) {
  std::vector<std::byte> payload(payload_size, std::byte{0x5A});
  std::vector<std::byte> out(12 + payload_size);
  rtp::RtpHeader header;
  header.sequence_number = sequence;
  header.timestamp = timestamp;
  header.marker = marker;
  header.payload_type = 111;
  header.ssrc = 0x1234;
  out.resize(rtp::serialize(header, payload, out));
  return out;
}

// A buffer with the receive statistics its stream would own.
struct StreamBuffer : JitterBuffer {
  explicit StreamBuffer(const JitterBufferConfig& config) : JitterBuffer(config), statistics(config.clock_rate_hz) {}
  stats::ReceiveStatistics statistics;
};

JitterBuffer::InsertResult insert(StreamBuffer& buffer, Timestamp now, std::uint16_t sequence,
                                  std::uint32_t timestamp, bool marker = false) {
  const auto bytes = make_packet(sequence, timestamp, marker);
  return buffer.insert(now, *rtp::RtpPacket::parse(bytes), buffer.statistics);
}

struct Arrival {
  std::uint16_t sequence;
  double send_ms;
  double arrival_ms;
};

struct Trace {
  std::vector<Arrival> arrivals;
  int lost = 0;
  int reordered = 0;
};

Trace load_trace(const std::string& name) {
  std::ifstream in(std::string(JITTER_TEST_DATA) + "/" + name);
  Trace trace;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# expected:", 0) == 0) {
      std::sscanf(line.c_str(), "# expected: sent=%*d lost=%d received=%*d reordered=%d", &trace.lost, &trace.reordered);
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Arrival a{};
    int sequence = 0;
    fields >> sequence >> a.send_ms >> a.arrival_ms;
    a.sequence = static_cast<std::uint16_t>(sequence);
    trace.arrivals.push_back(a);
  }
  return trace;
}

Timestamp at_ms(double ms) { return Timestamp{Duration{std::llround(ms * 1000)}}; }

TEST(JitterBuffer, RecordedTraceWithLossReorderAndJitterPlaysEveryPacketInOrder) {
  const Trace trace = load_trace("arrivals_5pct_loss_40ms.txt");
  ASSERT_EQ(trace.arrivals.size(), 570u);
  JitterBufferConfig config;
  config.clock_rate_hz = 48000;
  StreamBuffer buffer(config);

  std::vector<std::int64_t> released;
  std::size_t next = 0;
  Timestamp now{};
  double max_held_over_target_ms = -1e9;
  // Event-driven: advance to the next arrival or the buffer's wake-up.
  while (next < trace.arrivals.size() || buffer.next_wakeup() != kNever) {
    const Timestamp arrival = next < trace.arrivals.size() ? at_ms(trace.arrivals[next].arrival_ms) : kNever;
    now = std::min(arrival, buffer.next_wakeup());
    ASSERT_NE(now, kNever);
    if (now == arrival) {
      const Arrival& a = trace.arrivals[next++];
      const auto timestamp = static_cast<std::uint32_t>(std::llround(a.send_ms * 48));
      EXPECT_EQ(insert(buffer, now, a.sequence, timestamp), JitterBuffer::InsertResult::kBuffered) << a.sequence;
    }
    while (auto packet = buffer.pop(now)) {
      released.push_back(packet->sequence);
      const auto parsed = rtp::RtpPacket::parse(packet->bytes);
      ASSERT_TRUE(parsed);
      EXPECT_EQ(parsed->sequence_number(), static_cast<std::uint16_t>(packet->sequence));
      max_held_over_target_ms = std::max(max_held_over_target_ms, to_ms(packet->held - buffer.target_delay()));
    }
  }
  // Every packet that arrived went out once, in order, none late.
  ASSERT_EQ(released.size(), trace.arrivals.size());
  EXPECT_TRUE(std::is_sorted(released.begin(), released.end()));
  EXPECT_EQ(std::adjacent_find(released.begin(), released.end()), released.end());
  // No packet waited longer than the target delay at its release.
  EXPECT_LE(max_held_over_target_ms, 0.0);
  const auto snapshot = buffer.snapshot();
  EXPECT_EQ(snapshot.late, 0u);
  EXPECT_EQ(snapshot.released, 570u);
  EXPECT_EQ(snapshot.skipped_missing, static_cast<std::uint64_t>(trace.lost));
  // The 40 ms spread is what the target settles on.
  EXPECT_GE(snapshot.target_delay_ms, 30.0);
  EXPECT_LE(snapshot.target_delay_ms, 60.0);
  const auto stats = buffer.statistics.snapshot();
  EXPECT_EQ(stats.lost, trace.lost);
  EXPECT_EQ(stats.reordered, static_cast<std::uint64_t>(trace.reordered));
  EXPECT_EQ(stats.expected, 600);
  EXPECT_NEAR(stats.loss_pct, 5.0, 1e-9);
  EXPECT_EQ(stats.duplicates, 0u);
  // Uniform 0..40 ms delay: E|D| = 40/3 ms, the RFC 3550 jitter's mean.
  EXPECT_GT(stats.jitter_ms, 8.0);
  EXPECT_LT(stats.jitter_ms, 20.0);
}

TEST(JitterBuffer, ReleasesAtPlayoutTimeAcrossWrap) {
  JitterBufferConfig config;
  config.initial_delay = config.min_delay = std::chrono::milliseconds(40);
  StreamBuffer buffer(config);
  // Steady 20 ms packets across 65535 -> 0 and a timestamp wrap.
  const std::uint32_t ts0 = 0xFFFFFFFFu - 960 * 2;
  for (int i = 0; i < 6; ++i) {
    insert(buffer, timestamp_ms(20 * i), static_cast<std::uint16_t>(65533 + i), ts0 + 960u * static_cast<std::uint32_t>(i));
  }
  EXPECT_EQ(buffer.next_wakeup(), timestamp_ms(40));
  EXPECT_FALSE(buffer.pop(timestamp_ms(39)));
  std::vector<std::uint16_t> out;
  for (int t = 40; t <= 140; t += 20) {
    const auto packet = buffer.pop(timestamp_ms(t));
    ASSERT_TRUE(packet) << t;
    out.push_back(static_cast<std::uint16_t>(packet->sequence));
    EXPECT_EQ(packet->held, std::chrono::milliseconds(40));
  }
  EXPECT_EQ(out, (std::vector<std::uint16_t>{65533, 65534, 65535, 0, 1, 2}));
}

TEST(JitterBuffer, DuplicateAndLatePacketsAreCounted) {
  JitterBufferConfig config;
  config.initial_delay = config.min_delay = std::chrono::milliseconds(20);
  StreamBuffer buffer(config);
  insert(buffer, timestamp_ms(0), 100, 0);
  EXPECT_EQ(insert(buffer, timestamp_ms(1), 100, 0), JitterBuffer::InsertResult::kDuplicate);
  insert(buffer, timestamp_ms(40), 102, 1920);
  // 101 is missing when 102 is due: 102 plays, 101 is then late.
  ASSERT_TRUE(buffer.pop(timestamp_ms(20)));
  EXPECT_FALSE(buffer.pop(timestamp_ms(59)));
  const auto p = buffer.pop(timestamp_ms(60));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sequence, 102);
  EXPECT_EQ(insert(buffer, timestamp_ms(61), 101, 960), JitterBuffer::InsertResult::kLate);
  EXPECT_EQ(buffer.drops()[DropReason::kLate], 1u);
  EXPECT_EQ(buffer.drops()[DropReason::kDuplicate], 1u);
  EXPECT_EQ(buffer.snapshot().skipped_missing, 1u);
}

TEST(JitterBuffer, ReorderedFirstPacketsStillPlayInOrder) {
  StreamBuffer buffer(JitterBufferConfig{});
  insert(buffer, timestamp_ms(0), 11, 960);
  insert(buffer, timestamp_ms(1), 10, 0);
  const auto first = buffer.pop(timestamp_ms(1000));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->sequence & 0xFFFF, 10);
}

TEST(JitterBuffer, MemoryIsBoundedInPacketsAndTime) {
  JitterBufferConfig config;
  config.initial_packets = 16;
  config.max_packets = 32;
  config.max_buffered = std::chrono::milliseconds(200);
  StreamBuffer buffer(config);
  // 40 packets at once without any playout: the ring grows from 16 to its
  // bound of 32, and the oldest go.
  for (int i = 0; i < 40; ++i) insert(buffer, timestamp_ms(0), static_cast<std::uint16_t>(i), 0);
  EXPECT_EQ(buffer.snapshot().buffered_packets, 32u);
  EXPECT_EQ(buffer.drops()[DropReason::kBufferFull], 8u);
  // A packet 300 ms of media ahead pushes out everything older than 200 ms.
  insert(buffer, timestamp_ms(1), 40, 48 * 300);
  EXPECT_EQ(buffer.snapshot().buffered_packets, 1u);
}

TEST(JitterBuffer, VideoFrameWaitsUntilComplete) {
  JitterBufferConfig config;
  config.clock_rate_hz = 90000;
  config.video = true;
  config.max_packets = 256;
  // A fixed 50 ms target, so the late packet below does not raise it.
  config.initial_delay = config.min_delay = config.max_delay = std::chrono::milliseconds(50);
  config.incomplete_frame_wait = std::chrono::milliseconds(100);
  StreamBuffer buffer(config);
  // Frame 1 (ts 0): packets 1..3, marker on 3. Packet 2 arrives late.
  insert(buffer, timestamp_ms(0), 1, 0);
  insert(buffer, timestamp_ms(1), 3, 0, true);
  // Video timing follows marker packets: playout 1 + 50 ms, and incomplete + 100 ms.
  EXPECT_EQ(buffer.next_wakeup(), timestamp_ms(151));
  EXPECT_FALSE(buffer.pop(timestamp_ms(60)));
  insert(buffer, timestamp_ms(70), 2, 0);
  // Complete now, and past its playout time (50 ms): all three go.
  std::vector<std::int64_t> out;
  while (auto p = buffer.pop(timestamp_ms(70))) out.push_back(p->sequence);
  EXPECT_EQ(out, (std::vector<std::int64_t>{1, 2, 3}));
  // Frame 2 (ts 3000 = 33 ms): packet 5 never comes.
  insert(buffer, timestamp_ms(34), 4, 3000);
  insert(buffer, timestamp_ms(35), 6, 3000, true);
  EXPECT_FALSE(buffer.pop(timestamp_ms(100)));
  out.clear();
  EXPECT_FALSE(buffer.pop(timestamp_ms(184)));  // 1 + 33.3 + 50 + 100 ms
  while (auto p = buffer.pop(timestamp_ms(185))) out.push_back(p->sequence);
  EXPECT_EQ(out, (std::vector<std::int64_t>{4, 6}));
  EXPECT_EQ(buffer.snapshot().incomplete_frames, 1u);
  EXPECT_EQ(buffer.snapshot().skipped_missing, 1u);
}

JitterBufferConfig fixed_video_config() {
  JitterBufferConfig config;
  config.clock_rate_hz = 90000;
  config.video = true;
  config.max_packets = 256;
  config.initial_delay = config.min_delay = config.max_delay = std::chrono::milliseconds(50);
  config.incomplete_frame_wait = std::chrono::milliseconds(100);
  return config;
}

TEST(JitterBuffer, FecAfterAFrameDoesNotHoldTheNext) {
  // libwebrtc's ULPFEC (in RED) and its padding share the video's SSRC and
  // sequence space: sent after a frame's marker packet, under its
  // timestamp, without a marker. The next frame's start is still known.
  StreamBuffer buffer(fixed_video_config());
  insert(buffer, timestamp_ms(0), 1, 0, true);   // frame 1, one packet
  insert(buffer, timestamp_ms(1), 2, 0);         // its FEC
  insert(buffer, timestamp_ms(2), 3, 0);         // and padding
  insert(buffer, timestamp_ms(34), 4, 3000);     // frame 2
  insert(buffer, timestamp_ms(35), 5, 3000, true);
  std::vector<std::int64_t> out;
  while (auto p = buffer.pop(timestamp_ms(50))) out.push_back(p->sequence);
  EXPECT_EQ(out, (std::vector<std::int64_t>{1, 2, 3}));
  // Frame 2 plays at its own playout time, 33.3 + 50 ms, not 100 ms later.
  EXPECT_LT(buffer.next_wakeup(), timestamp_ms(90));
  while (auto p = buffer.pop(timestamp_ms(90))) out.push_back(p->sequence);
  EXPECT_EQ(out, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(buffer.snapshot().incomplete_frames, 0u);
}

TEST(JitterBuffer, FecPacedIntoTheNextFrameGoesWithIt) {
  // The sender's pacer may send frame 1's FEC between frame 2's packets.
  StreamBuffer buffer(fixed_video_config());
  insert(buffer, timestamp_ms(0), 1, 0, true);
  insert(buffer, timestamp_ms(34), 2, 3000);
  insert(buffer, timestamp_ms(35), 3, 0);        // FEC for frame 1
  insert(buffer, timestamp_ms(36), 4, 3000, true);
  std::vector<std::int64_t> out;
  while (auto p = buffer.pop(timestamp_ms(50))) out.push_back(p->sequence);
  EXPECT_EQ(out, (std::vector<std::int64_t>{1}));
  while (auto p = buffer.pop(timestamp_ms(90))) out.push_back(p->sequence);
  EXPECT_EQ(out, (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(buffer.snapshot().incomplete_frames, 0u);
}

TEST(JitterBuffer, NackListRepeatsAfterRttAndStops) {
  JitterBufferConfig config;
  config.nack = true;
  config.max_nacks_per_packet = 2;
  config.initial_delay = config.min_delay = std::chrono::milliseconds(200);
  StreamBuffer buffer(config);
  insert(buffer, timestamp_ms(0), 65534, 0);
  insert(buffer, timestamp_ms(60), 2, 960 * 4);  // 65535, 0, 1 missing
  std::vector<std::uint16_t> nacks;
  buffer.collect_nacks(timestamp_ms(60), std::chrono::milliseconds(50), nacks);
  EXPECT_EQ(nacks, (std::vector<std::uint16_t>{65535, 0, 1}));
  nacks.clear();
  buffer.collect_nacks(timestamp_ms(80), std::chrono::milliseconds(50), nacks);
  EXPECT_TRUE(nacks.empty());  // within one RTT
  insert(buffer, timestamp_ms(90), 0, 960 * 2);  // a retransmission arrives
  buffer.collect_nacks(timestamp_ms(111), std::chrono::milliseconds(50), nacks);
  EXPECT_EQ(nacks, (std::vector<std::uint16_t>{65535, 1}));
  nacks.clear();
  buffer.collect_nacks(timestamp_ms(200), std::chrono::milliseconds(50), nacks);
  EXPECT_TRUE(nacks.empty());  // asked twice already
}

TEST(JitterBuffer, ExtraDelayShiftsPlayoutAndGrowsTheTimeBound) {
  JitterBufferConfig config;
  config.initial_delay = config.min_delay = std::chrono::milliseconds(20);
  config.initial_packets = 16;
  config.max_buffered = std::chrono::milliseconds(1000);
  StreamBuffer buffer(config);
  buffer.set_extra_delay(std::chrono::milliseconds(2000));
  for (int i = 0; i < 110; ++i) insert(buffer, timestamp_ms(20 * i), static_cast<std::uint16_t>(i), 960u * static_cast<std::uint32_t>(i));
  EXPECT_EQ(buffer.snapshot().buffered_packets, 110u);  // 2.2 s of audio fits 1 s + 2 s
  EXPECT_FALSE(buffer.pop(timestamp_ms(2019)));
  const auto p = buffer.pop(timestamp_ms(2020));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sequence, 0);
}

TEST(JitterBuffer, ConfirmedSequenceRestartStartsOver) {
  JitterBufferConfig config;
  config.initial_delay = config.min_delay = std::chrono::milliseconds(20);
  StreamBuffer buffer(config);
  for (int i = 0; i < 5; ++i) insert(buffer, timestamp_ms(20 * i), static_cast<std::uint16_t>(1000 + i), 960u * static_cast<std::uint32_t>(i));
  EXPECT_EQ(insert(buffer, timestamp_ms(100), 30000, 5000), JitterBuffer::InsertResult::kTooOld);
  EXPECT_EQ(insert(buffer, timestamp_ms(120), 30001, 5960), JitterBuffer::InsertResult::kBuffered);
  const auto p = buffer.pop(timestamp_ms(200));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sequence & 0xFFFF, 30001);
}

}  // namespace
}  // namespace parrot::media::jitter
