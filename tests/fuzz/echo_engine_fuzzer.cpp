// The whole echo engine under hostile input: raw datagrams, RTP from known
// and unknown sources with fuzzed header fields, and RTCP feedback built
// from fuzzed values (NACK storms, PLI/FIR for any SSRC, reports with any
// LSR/DLSR), transport-wide sequence numbers and send times in any order
// (transport-cc feedback, REMB), with time moving arbitrarily. Plain RTP, so the fuzzer reaches
// past SRTP (whose unprotect has its own target). Whatever comes in, the
// engine must not crash, must only send valid RTP/RTCP, and must never send
// more RTP than it received plus what NACKs may ask for. An op with bit 0x20
// takes the path down (or back up): what the engine sends meanwhile comes
// back through on_send_failed, and the sent counts must hold what left.
// The audio stream's probe reads RFC 6464 levels from the packets it is
// offered and decodes in windows, as in a call.
#include <cstdlib>
#include <vector>

#include "fuzz_input.hpp"
#include "media/echo/echo_engine.hpp"
#include "media/probes/probe_queue.hpp"
#include "media/probes/stream_probe.hpp"
#include "media/rtcp/compound.hpp"
#include "media/rtp/header_extensions.hpp"
#include "media/rtp/rtp_packet.hpp"

using namespace parrot::media;

namespace {


constexpr std::uint32_t kSsrcs[] = {0x11111111, 0x22222222, 0xA0A0A0A0, 0xB0B0B0B0, 0x12345678};
constexpr std::uint8_t kPayloadTypes[] = {111, 96, 0, 127, 118};  // 0: no stream claims it

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  parrot::fuzz::FuzzInput in(data, size);
  const std::uint8_t flags = in.u8();
  echo::EchoConfig config;
  echo::StreamConfig audio;
  audio.payload_types = {111};
  audio.local_ssrc = 0xA0A0A0A0;
  audio.nack = (flags & 1) != 0;
  audio.audio_level_extension_id = 1;
  echo::StreamConfig video;
  video.kind = echo::MediaKind::kVideo;
  video.clock_rate_hz = 90000;
  video.payload_types = {96, 118, 127};
  // RED and ULPFEC: echoed FEC headers are rewritten (FecRewriter).
  video.red_payload_type = 118;
  video.ulpfec_payload_type = 127;
  video.local_ssrc = 0xB0B0B0B0;
  video.nack = video.pli = (flags & 2) != 0;
  video.fir = (flags & 4) != 0;
  if (flags & 8) video.remote_ssrc = 0x22222222;
  for (echo::StreamConfig* stream : {&audio, &video}) {
    stream->transport_sequence_extension_id = 3;
    stream->abs_send_time_extension_id = 2;
    stream->transport_cc = (flags & 32) != 0;
    stream->remb = (flags & 64) != 0;
  }
  config.streams = {audio, video};
  config.random_seed = flags;
  if (flags & 16) config.remb_cap_bps = 100'000;
  echo::EchoEngine engine(config);
  probes::ProbeQueue probe_queue(16);
  engine.attach_probe(0, &probe_queue);
  probes::StreamProbeConfig probe_config;
  probe_config.codec = probes::ProbedCodec::kOpus;
  probe_config.codec_payload_types = {111};
  probe_config.opus_sampling = probes::OpusSampling{3, 1, 1};
  probes::StreamProbe probe(probe_config);
  probes::ProbePacket probed;

  Timestamp now = timestamp_ms(0);
  std::uint64_t rtp_in = 0;
  std::uint64_t rtp_out = 0;
  std::uint64_t nacked = 0;
  std::uint64_t not_sent = 0;
  bool path_down = false;  // the transport refuses what the engine sends (on_send_failed)
  std::vector<std::byte> datagram(2048);  // raw inputs reach 255 x 7 bytes, past the 1,500 the engine takes
  const auto check_outbox = [&] {
    for (const auto& d : engine.outbox()) {
      if (path_down) {
        engine.on_send_failed(d);
        ++not_sent;
        continue;
      }
      if (d.rtcp) {
        if (!rtcp::parse_compound(d.bytes)) std::abort();
      } else {
        const auto packet = rtp::RtpPacket::parse(d.bytes);
        if (!packet || (packet->ssrc() != audio.local_ssrc && packet->ssrc() != video.local_ssrc)) std::abort();
        ++rtp_out;
      }
    }
  };

  while (!in.empty()) {
    const std::uint8_t op = in.u8();
    now += std::chrono::milliseconds(in.u8());
    if (op & 0x20) path_down = !path_down;
    std::size_t length = 0;
    switch (op % 4) {
      case 0: {  // raw bytes
        const ByteView raw = in.bytes(in.u8() * 7u);
        std::copy(raw.begin(), raw.end(), datagram.begin());
        length = raw.size();
        break;
      }
      case 1: {  // RTP with fuzzed fields
        rtp::RtpHeader header;
        header.ssrc = kSsrcs[in.u8() % std::size(kSsrcs)];
        header.payload_type = kPayloadTypes[in.u8() % std::size(kPayloadTypes)];
        header.sequence_number = in.u16();
        header.timestamp = in.u32();
        header.marker = (op & 0x80) != 0;
        rtp::HeaderExtensionWriter extensions;
        if (op & 0x40) {
          const std::uint16_t transport = in.u16();
          const std::uint32_t send_time = in.u32();
          const std::byte sequence_bytes[] = {std::byte(transport >> 8), std::byte(transport)};
          const std::byte send_time_bytes[] = {std::byte(send_time >> 16), std::byte(send_time >> 8), std::byte(send_time)};
          // The level reuses a byte already read, so older inputs keep their meaning.
          const std::byte level[] = {std::byte(send_time >> 24)};
          extensions.add(3, sequence_bytes);
          extensions.add(2, send_time_bytes);
          extensions.add(1, level);
          header.extension_profile = extensions.profile();
          header.extension_data = extensions.data();
        }
        const ByteView payload = in.bytes(in.u8());
        length = rtp::serialize(header, payload, datagram);
        ++rtp_in;
        break;
      }
      case 2: {  // feedback for any SSRC
        const std::uint32_t media = kSsrcs[in.u8() % std::size(kSsrcs)];
        std::vector<rtcp::Packet> packets{rtcp::ReceiverReport{0x22222222, {}}};
        const std::uint8_t kind = in.u8();
        if (kind % 3 == 0) {
          std::vector<std::uint16_t> sequences(in.u8() % 40);
          for (auto& s : sequences) s = in.u16();
          nacked += sequences.size();
          packets.emplace_back(rtcp::Nack{0x22222222, media, sequences});
        } else if (kind % 3 == 1) {
          packets.emplace_back(rtcp::Pli{0x22222222, media});
        } else {
          packets.emplace_back(rtcp::Fir{0x22222222, {{media, in.u8()}}});
        }
        length = rtcp::serialize_compound(packets, datagram);
        break;
      }
      case 3: {  // reports with any fields
        rtcp::ReportBlock block{kSsrcs[in.u8() % std::size(kSsrcs)], in.u8(), static_cast<std::int32_t>(in.u16()) - 30000,
                                in.u32(), in.u32(), in.u32(), in.u32()};
        std::vector<rtcp::Packet> packets{
            rtcp::SenderReport{kSsrcs[in.u8() % std::size(kSsrcs)], NtpTime{std::uint64_t{in.u32()} << 16}, in.u32(),
                               in.u32(), in.u32(), {block}},
            rtcp::Sdes{{rtcp::Sdes::Chunk{0x11111111, "caller"}}}};
        if (op & 0x40) packets.emplace_back(rtcp::Bye{{0x11111111}, "bye"});
        length = rtcp::serialize_compound(packets, datagram);
        break;
      }
    }
    engine.on_datagram(now, MutableByteView(datagram).first(length));
    check_outbox();
    while (probe_queue.pop_into(probed)) probe.on_packet(probed);
    // Timers up to now, bounded so a hostile input cannot spin forever.
    for (int i = 0; i < 1000 && engine.next_wakeup() <= now; ++i) {
      engine.on_timer(std::max(engine.next_wakeup(), now - std::chrono::seconds(10)));
      check_outbox();
    }
  }
  if (const auto audio_stats = probe.audio()) {
    if (audio_stats->audio_level_packets > audio_stats->audio_packets) std::abort();
    if (audio_stats->silent_frame_share < 0.0 || audio_stats->silent_frame_share > 1.0) std::abort();
  }
  // Each echo once, plus at most SendHistory::kMaxResends per NACKed number.
  if (rtp_out > rtp_in + nacked * echo::SendHistory::kMaxResends) std::abort();
  // What did not leave is counted not_sent, and only what left is counted sent.
  const auto snapshot = engine.snapshot();
  std::uint64_t counted_out = 0;
  for (const auto& stream : snapshot.streams) counted_out += stream.sent.packets + stream.sent.retransmitted;
  if (counted_out != rtp_out || snapshot.drops[DropReason::kNotSent] != not_sent) std::abort();
  // The return loss, whatever report blocks came: never more lost than
  // sent, and never more counted sent than the stream sent.
  for (const auto& stream : snapshot.streams) {
    const auto& loss = stream.return_loss;
    if (loss.lost > loss.sent || loss.sent > stream.sent.packets || loss.loss_pct < 0 || loss.loss_pct > 100) std::abort();
  }
  return 0;
}
