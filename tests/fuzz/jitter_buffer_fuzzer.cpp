// The jitter buffer driven by fuzzed arrival sequences: sequence jumps and
// wraps, duplicates, timestamp jumps, time standing still or leaping, video
// frames with and without markers, NACK collection and extra delay. Checks
// what must hold whatever arrives: packets leave in sequence order (within
// one sequence space), each at most once, parseable, and the buffer never
// holds more than its bound.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "fuzz_input.hpp"
#include "media/jitter/jitter_buffer.hpp"

using namespace parrot::media;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  parrot::fuzz::FuzzInput in(data, size);
  jitter::JitterBufferConfig config;
  const std::uint8_t flags = in.u8();
  config.video = (flags & 1) != 0;
  config.nack = (flags & 2) != 0;
  config.clock_rate_hz = config.video ? 90000 : 48000;
  config.min_delay = std::chrono::milliseconds(in.u8());
  config.max_delay = config.min_delay + std::chrono::milliseconds(4 * in.u8());
  config.initial_packets = 16;
  config.max_packets = 64;
  config.max_buffered = std::chrono::milliseconds(300);
  jitter::JitterBuffer buffer(config);
  stats::ReceiveStatistics statistics(config.clock_rate_hz);

  Timestamp now = timestamp_ms(1000);
  std::uint16_t sequence = in.u16();
  std::uint32_t timestamp = static_cast<std::uint32_t>(in.u16()) << 16;
  std::vector<std::byte> packet(40);
  std::vector<std::uint16_t> nacks;
  constexpr std::int64_t kNone = INT64_MIN;
  std::int64_t last_released = kNone;
  std::uint64_t resyncs = 0;
  std::uint64_t released = 0;

  while (!in.empty()) {
    const std::uint8_t op = in.u8();
    switch (op % 6) {
      case 0:
      case 1:
      case 2: {  // a packet: sequence and timestamp steps, marker, arrival step
        sequence = static_cast<std::uint16_t>(sequence + static_cast<std::int8_t>(in.u8()));
        const std::uint8_t step = in.u8();
        timestamp += (step & 0x80) ? static_cast<std::uint32_t>(in.u16()) << 8 : step * 30u;
        now += std::chrono::milliseconds(in.u8() & 0x3F);
        rtp::RtpHeader header;
        header.sequence_number = sequence;
        header.timestamp = timestamp;
        header.marker = (op & 0x10) != 0;
        header.payload_type = 96;
        header.ssrc = 1;
        const std::byte payload[4]{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
        const std::size_t length = rtp::serialize(header, payload, packet);
        buffer.insert(now, *rtp::RtpPacket::parse(ByteView(packet).first(length)), statistics);
        break;
      }
      case 3:  // time passes
        now += std::chrono::milliseconds(in.u16() & 0x0FFF);
        break;
      case 4:
        nacks.clear();
        buffer.collect_nacks(now, std::chrono::milliseconds(in.u8()), nacks);
        break;
      case 5:
        buffer.set_extra_delay(std::chrono::milliseconds(8 * in.u8()));
        break;
    }
    if (statistics.resyncs() != resyncs) {
      resyncs = statistics.resyncs();
      last_released = kNone;
    }
    while (auto out = buffer.pop(now)) {
      const auto parsed = rtp::RtpPacket::parse(out->bytes);
      if (!parsed || parsed->sequence_number() != static_cast<std::uint16_t>(out->sequence)) std::abort();
      if (last_released != kNone && out->sequence <= last_released) std::abort();
      if (out->held < Duration{0}) std::abort();
      last_released = out->sequence;
      ++released;
    }
    const auto snapshot = buffer.snapshot();
    if (snapshot.buffered_packets > 64) std::abort();
    if (buffer.next_wakeup() != kNever && snapshot.buffered_packets == 0) std::abort();
  }
  if (released > statistics.snapshot().packets) std::abort();
  return 0;
}
