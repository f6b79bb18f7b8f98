// What transport-cc feedback costs parrot per call: recording each arrival
// (every RTP packet on a transport that negotiated it), building the
// feedback every 50 ms, and serializing it into a datagram. Shapes: a
// 2.5 Mbit/s video call (~230 packets/s of 1,200 bytes, plus audio at 50/s)
// with 1% loss, and the same seen from the echo engine with transport-cc on
// and off, to put the share of the echo path in view.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "media/echo/echo_engine.hpp"
#include "media/echo/transport_feedback_generator.hpp"
#include "media/rtcp/compound.hpp"
#include "media/rtp/header_extensions.hpp"
#include "media/rtp/rtp_packet.hpp"

namespace {

using namespace parrot::media;

// 280 packets/s: 50 ms of them is 14 packets, one feedback.
constexpr int kPacketsPerFeedback = 14;
constexpr std::int64_t kPacketGapUs = 1'000'000 / 280;

void BM_RecordAndBuildFeedback(benchmark::State& state) {
  echo::TransportFeedbackGenerator generator(0xA0A0A0A0);
  std::vector<rtcp::TransportFeedback> out;
  std::vector<std::byte> datagram(1500);
  std::uint16_t sequence = 0;
  std::int64_t now_us = 0;
  for (auto _ : state) {
    for (int i = 0; i < kPacketsPerFeedback; ++i) {
      now_us += kPacketGapUs + (i * 37) % 400;  // jittered arrivals
      if (sequence % 100 != 7) generator.on_packet(timestamp_us(now_us), sequence, 0x22222222, 1200);
      ++sequence;
    }
    out.clear();
    generator.build(timestamp_us(now_us), out);
    for (const auto& feedback : out) benchmark::DoNotOptimize(feedback.serialize(datagram));
  }
  state.SetItemsProcessed(state.iterations() * kPacketsPerFeedback);  // packets recorded
}
BENCHMARK(BM_RecordAndBuildFeedback);

std::vector<std::byte> video_packet(std::uint16_t sequence, std::uint16_t transport_sequence, bool with_extensions) {
  rtp::HeaderExtensionWriter writer;
  const std::array<std::byte, 2> transport{std::byte(transport_sequence >> 8), std::byte(transport_sequence)};
  const std::array<std::byte, 3> send_time{std::byte{1}, std::byte{2}, std::byte{3}};
  if (with_extensions) {
    writer.add(2, send_time);
    writer.add(3, transport);
  }
  rtp::RtpHeader header;
  header.payload_type = 96;
  header.sequence_number = sequence;
  header.timestamp = sequence * 3000u;
  header.ssrc = 0x22222222;
  header.marker = true;
  if (with_extensions) {
    header.extension_profile = writer.profile();
    header.extension_data = writer.data();
  }
  std::vector<std::byte> payload(1100, std::byte{0x5A});
  std::vector<std::byte> out(1300);
  out.resize(rtp::serialize(header, payload, out));
  return out;
}

// The echo engine's whole path per packet (receive, buffer, echo, RTCP),
// with transport-cc negotiated (range 1) or not (range 0).
void BM_EchoVideoPacket(benchmark::State& state) {
  const bool transport_cc = state.range(0) != 0;
  echo::EchoConfig config;
  echo::StreamConfig video;
  video.kind = echo::MediaKind::kVideo;
  video.clock_rate_hz = 90000;
  video.payload_types = {96};
  video.local_ssrc = 0xB0B0B0B0;
  video.nack = true;
  if (transport_cc) {
    video.transport_sequence_extension_id = 3;
    video.abs_send_time_extension_id = 2;
    video.transport_cc = true;
  }
  config.streams = {video};
  echo::EchoEngine engine(config);
  // One packet, renumbered in place each time (cheaper than building one).
  std::vector<std::byte> packet = video_packet(0, 0, transport_cc);
  const MutableByteView transport = rtp::find_extension_value(packet, 3, rtp::kTransportSequenceNumberSize);
  std::uint16_t sequence = 0;
  std::int64_t now_us = 0;
  for (auto _ : state) {
    rtp::set_sequence_number(packet, sequence);
    rtp::set_timestamp(packet, sequence * 3000u);
    if (!transport.empty()) write_u16(transport, 0, sequence);
    ++sequence;
    now_us += kPacketGapUs;
    engine.on_datagram(timestamp_us(now_us), packet);
    while (engine.next_wakeup() <= timestamp_us(now_us)) engine.on_timer(engine.next_wakeup());
    benchmark::DoNotOptimize(engine.outbox().size());
  }
}
BENCHMARK(BM_EchoVideoPacket)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
