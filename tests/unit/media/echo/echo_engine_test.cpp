#include "media/echo/echo_engine.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <map>

#include <gtest/gtest.h>

#include "media/probes/probe_queue.hpp"
#include "media/rtcp/compound.hpp"
#include "media/rtp/red_payload.hpp"
#include "media/rtp/header_extensions.hpp"
#include "media/rtp/rtp_packet.hpp"
#include "media/rtp/ulpfec_header.hpp"
#include "media/srtp/srtp_library.hpp"
#include "media/stats/receive_statistics.hpp"

namespace parrot::media::echo {
namespace {

constexpr std::uint32_t kCallerAudioSsrc = 0x11111111;
constexpr std::uint32_t kCallerVideoSsrc = 0x22222222;
constexpr std::uint32_t kParrotAudioSsrc = 0xA0A0A0A0;
constexpr std::uint32_t kParrotVideoSsrc = 0xB0B0B0B0;

EchoConfig audio_video_config() {
  EchoConfig config;
  StreamConfig audio;
  audio.kind = MediaKind::kAudio;
  audio.clock_rate_hz = 48000;
  audio.payload_types = {111, 126};
  audio.local_ssrc = kParrotAudioSsrc;
  StreamConfig video;
  video.kind = MediaKind::kVideo;
  video.clock_rate_hz = 90000;
  video.payload_types = {96, 98};
  video.local_ssrc = kParrotVideoSsrc;
  video.nack = video.pli = video.fir = true;
  config.streams = {audio, video};
  config.random_seed = 42;
  config.audio_min_delay = config.video_min_delay = std::chrono::milliseconds(40);
  return config;
}

std::vector<std::byte> rtp_packet(std::uint32_t ssrc, std::uint8_t pt, std::uint16_t sequence, std::uint32_t timestamp,
                                  bool marker = false, std::size_t payload_size = 160) {
  std::vector<std::byte> payload(payload_size);
  for (std::size_t i = 0; i < payload_size; ++i) payload[i] = std::byte(sequence + i);
  std::vector<std::byte> out(12 + payload_size + 32);
  rtp::RtpHeader header;
  header.ssrc = ssrc;
  header.payload_type = pt;
  header.sequence_number = sequence;
  header.timestamp = timestamp;
  header.marker = marker;
  out.resize(rtp::serialize(header, payload, out));
  return out;
}

std::vector<std::byte> rtcp_datagram(std::vector<rtcp::Packet> packets) {
  std::vector<std::byte> out(rtcp::serialized_size(std::span<const rtcp::Packet>(packets)) + 32);
  out.resize(rtcp::serialize_compound(packets, out));
  return out;
}

struct Collected {
  std::vector<std::vector<std::byte>> rtp;
  std::vector<std::vector<rtcp::Packet>> rtcp;
  std::vector<Timestamp> rtp_times;
  std::vector<Timestamp> rtcp_times;
};

// With `srtp`, the caller's session: RTCP is decrypted before parsing.
srtp::SrtpSession* caller_srtp = nullptr;

void collect(const EchoEngine& engine, Timestamp now, Collected& out) {
  for (const auto& d : engine.outbox()) {
    if (d.rtcp) {
      std::vector<std::byte> bytes(d.bytes.begin(), d.bytes.end());
      if (caller_srtp != nullptr) {
        const auto length = caller_srtp->unprotect_rtcp(bytes);
        ASSERT_TRUE(length) << "SRTCP from parrot did not verify";
        bytes.resize(*length);
      }
      auto parsed = rtcp::parse_compound(bytes);
      ASSERT_TRUE(parsed) << "parrot sent invalid RTCP";
      out.rtcp.push_back(std::move(parsed->packets));
      out.rtcp_times.push_back(now);
    } else {
      out.rtp.emplace_back(d.bytes.begin(), d.bytes.end());
      out.rtp_times.push_back(now);
    }
  }
}

// Simulated time: fires the engine's timers, each at its next_wakeup(), up
// to `until`, collecting everything the engine sends.
void run_timers_until(EchoEngine& engine, Timestamp until, Collected& out) {
  for (Timestamp t = engine.next_wakeup(); t <= until; t = engine.next_wakeup()) {
    engine.on_timer(t);
    collect(engine, t, out);
  }
}

void feed(EchoEngine& engine, Timestamp now, std::vector<std::byte> datagram, Collected& out) {
  engine.on_datagram(now, datagram);
  collect(engine, now, out);
}

TEST(EchoEngine, EchoesAudioWithOwnSsrcPacedByMediaTimeGapsKept) {
  EchoEngine engine(audio_video_config());
  Collected out;
  // 50 packets of 20 ms, sequence crossing 65535, packet 10 lost, arrival
  // jitter of up to 15 ms that must not show in the echo's pacing.
  for (int i = 0; i < 50; ++i) {
    if (i == 10) continue;
    const Timestamp arrival = timestamp_ms(20 * i + (i * 7) % 16);
    run_timers_until(engine, arrival - Duration{1}, out);
    feed(engine, arrival, rtp_packet(kCallerAudioSsrc, 111, static_cast<std::uint16_t>(65520 + i), 1000u + 960u * static_cast<std::uint32_t>(i)), out);
  }
  run_timers_until(engine, timestamp_ms(5000), out);
  ASSERT_EQ(out.rtp.size(), 49u);
  std::optional<std::uint16_t> first_sequence;
  for (std::size_t k = 0; k < out.rtp.size(); ++k) {
    const auto packet = rtp::RtpPacket::parse(out.rtp[k]);
    ASSERT_TRUE(packet);
    EXPECT_EQ(packet->ssrc(), kParrotAudioSsrc);
    EXPECT_EQ(packet->payload_type(), 111);
    const int i = k < 10 ? static_cast<int>(k) : static_cast<int>(k) + 1;
    if (!first_sequence) first_sequence = packet->sequence_number();
    EXPECT_EQ(packet->sequence_number(), static_cast<std::uint16_t>(*first_sequence + i)) << k;
    EXPECT_EQ(packet->payload()[0], std::byte((65520 + i) & 0xFF));  // payload untouched
    // Paced by media time, not by the ±8 ms arrival jitter: 20 ms apart,
    // less the target delay's slow fall (20 ms/s, applied every 100 ms).
    if (k > 0 && k != 10) {
      EXPECT_NEAR(to_ms(out.rtp_times[k] - out.rtp_times[k - 1]), 20.0, 2.5) << k;
    }
  }
  const auto snapshot = engine.snapshot();
  EXPECT_EQ(snapshot.streams[0].received.packets, 49u);
  EXPECT_EQ(snapshot.streams[0].received.lost, 1);
  EXPECT_EQ(snapshot.streams[0].sent.packets, 49u);
  EXPECT_EQ(snapshot.streams[0].remote_ssrc, kCallerAudioSsrc);
  EXPECT_FALSE(snapshot.encrypted);
}

TEST(EchoEngine, SendsSrAndRrAtRfc3550Intervals) {
  EchoConfig config = audio_video_config();
  config.unix_time_at_epoch = std::chrono::seconds(1'700'000'000);
  EchoEngine engine(config);
  Collected out;
  for (int i = 0; i < 1000; ++i) {  // 20 s of audio
    const Timestamp arrival = timestamp_ms(20 * i);
    run_timers_until(engine, arrival - Duration{1}, out);
    feed(engine, arrival, rtp_packet(kCallerAudioSsrc, 111, static_cast<std::uint16_t>(i), 960u * static_cast<std::uint32_t>(i)), out);
  }
  // One compound per stream at each report time. The first three come
  // early, 500 ms apart from the call's start (RtcpScheduler says why).
  // Then 160-byte payloads every 20 ms are 64 kbit/s each way: reduced
  // minimum 360 / 128 s = 2.8125 s, times [0.5, 1.5] / (e - 3/2).
  std::vector<Timestamp> report_times;
  for (const Timestamp t : out.rtcp_times) {
    if (report_times.empty() || report_times.back() != t) report_times.push_back(t);
  }
  EXPECT_EQ(out.rtcp.size(), 2 * report_times.size());
  ASSERT_GE(report_times.size(), 7u);
  EXPECT_EQ(report_times[0], timestamp_ms(500));
  EXPECT_EQ(report_times[1], timestamp_ms(1000));
  EXPECT_EQ(report_times[2], timestamp_ms(1500));
  for (std::size_t k = 3; k < report_times.size(); ++k) {
    const double gap_ms = to_ms(report_times[k] - report_times[k - 1]);
    EXPECT_GE(gap_ms, 2812.5 * 0.5 / 1.21828 - 1) << k;
    EXPECT_LE(gap_ms, 2812.5 * 1.5 / 1.21828 + 1) << k;
  }
  // Each regular report: an SR from parrot's audio SSRC with a block about
  // the caller's stream, SDES CNAME, and an RR for the silent video stream.
  bool saw_sr = false;
  for (const auto& compound : out.rtcp) {
    ASSERT_GE(compound.size(), 2u);
    if (const auto* sr = std::get_if<rtcp::SenderReport>(&compound[0])) {
      saw_sr = true;
      EXPECT_EQ(sr->sender_ssrc, kParrotAudioSsrc);
      ASSERT_EQ(sr->report_blocks.size(), 1u);
      EXPECT_EQ(sr->report_blocks[0].ssrc, kCallerAudioSsrc);
      EXPECT_EQ(sr->report_blocks[0].cumulative_lost, 0);
      EXPECT_GT(sr->packet_count, 0u);
      EXPECT_EQ(sr->octet_count, sr->packet_count * 160);
      EXPECT_GT(sr->ntp.seconds(), 1'700'000'000u + kNtpUnixOffsetSeconds - 1);
      const auto* sdes = std::get_if<rtcp::Sdes>(&compound[1]);
      ASSERT_NE(sdes, nullptr);
      EXPECT_EQ(sdes->chunks[0].cname, "parrot");
    } else if (const auto* rr = std::get_if<rtcp::ReceiverReport>(&compound[0])) {
      EXPECT_EQ(rr->sender_ssrc, kParrotVideoSsrc);
      EXPECT_TRUE(rr->report_blocks.empty());
    }
  }
  EXPECT_TRUE(saw_sr);
}

TEST(EchoEngine, DatagramsTheTransportCouldNotSendLeaveTheSentCounts) {
  // ICE with no usable pair, or a socket that would block: what did not
  // leave is in neither the report's packets_sent nor the SR's count.
  EchoEngine engine(audio_video_config());
  std::uint64_t rtp_offered = 0, rtp_left = 0, rtcp_offered = 0, rtcp_failed = 0, srs_checked = 0;
  const auto transport = [&] {
    for (const auto& d : engine.outbox()) {
      if (d.rtcp) {
        ++rtcp_offered;
        const auto parsed = rtcp::parse_compound(d.bytes);
        ASSERT_TRUE(parsed);
        if (const auto* sr = std::get_if<rtcp::SenderReport>(&parsed->packets[0])) {
          EXPECT_EQ(sr->packet_count, rtp_left);
          EXPECT_EQ(sr->octet_count, rtp_left * 160);
          ++srs_checked;
        }
        if (rtcp_offered == 1) {  // the first compound never leaves
          ++rtcp_failed;
          engine.on_send_failed(d);
        }
        continue;
      }
      ++rtp_offered;
      if (rtp_offered > 100 && rtp_offered <= 110) {
        engine.on_send_failed(d);  // a gap of ten
      } else {
        ++rtp_left;
      }
    }
  };
  for (int i = 0; i < 500; ++i) {  // 10 s of audio
    const Timestamp arrival = timestamp_ms(20 * i);
    for (Timestamp t = engine.next_wakeup(); t < arrival; t = engine.next_wakeup()) {
      engine.on_timer(t);
      transport();
    }
    const auto datagram = rtp_packet(kCallerAudioSsrc, 111, static_cast<std::uint16_t>(i), 960u * static_cast<std::uint32_t>(i));
    std::vector<std::byte> copy = datagram;
    engine.on_datagram(arrival, copy);
    transport();
  }
  ASSERT_GT(rtp_offered, 110u);
  ASSERT_GE(srs_checked, 2u);
  const auto snapshot = engine.snapshot();
  EXPECT_EQ(snapshot.streams[0].sent.packets, rtp_left);
  EXPECT_EQ(snapshot.streams[0].sent.packets, rtp_offered - 10);
  EXPECT_EQ(snapshot.streams[0].sent.bytes, rtp_left * 160);
  EXPECT_EQ(snapshot.rtcp_sent, rtcp_offered - rtcp_failed);
  EXPECT_EQ(snapshot.drops[DropReason::kNotSent], 10u + rtcp_failed);
}

TEST(EchoEngine, RttFromCallersReceiverReport) {
  EchoConfig config = audio_video_config();
  EchoEngine engine(config);
  Collected out;
  for (int i = 0; i < 400; ++i) {
    const Timestamp arrival = timestamp_ms(20 * i);
    run_timers_until(engine, arrival - Duration{1}, out);
    feed(engine, arrival, rtp_packet(kCallerAudioSsrc, 111, static_cast<std::uint16_t>(i), 960u * static_cast<std::uint32_t>(i)), out);
  }
  // Answer parrot's first SR 80 ms after it left, holding it 30 ms: RTT 50 ms.
  std::optional<std::pair<Timestamp, rtcp::SenderReport>> sr;
  for (std::size_t k = 0; k < out.rtcp.size() && !sr; ++k) {
    if (const auto* s = std::get_if<rtcp::SenderReport>(&out.rtcp[k][0])) sr.emplace(out.rtcp_times[k], *s);
  }
  ASSERT_TRUE(sr);
  const Timestamp reply_at = sr->first + std::chrono::milliseconds(80);
  rtcp::ReportBlock block{kParrotAudioSsrc, 0, 0, 0, 480, sr->second.ntp.compact(),
                          to_compact_ntp(std::chrono::milliseconds(30))};
  feed(engine, reply_at, rtcp_datagram({rtcp::ReceiverReport{kCallerAudioSsrc, {block}}}), out);
  const auto snapshot = engine.snapshot();
  ASSERT_TRUE(snapshot.streams[0].sent.rtt_ms);
  EXPECT_NEAR(*snapshot.streams[0].sent.rtt_ms, 50.0, 0.1);
  EXPECT_DOUBLE_EQ(*snapshot.streams[0].sent.remote_jitter_ms, 10.0);
}

// The caller's report block counts parrot's kept upstream gaps as lost
// (RFC 3550 A.3 over the echo's numbers); the engine's return loss is only
// what the echo lost on its way back.
TEST(EchoEngine, ReturnLossIsNetOfUpstreamGaps) {
  EchoEngine engine(audio_video_config());
  Collected out;
  for (int i = 0; i < 500; ++i) {
    if (i % 5 == 3) continue;  // 20% lost before parrot
    const Timestamp arrival = timestamp_ms(20 * i);
    run_timers_until(engine, arrival - Duration{1}, out);
    feed(engine, arrival, rtp_packet(kCallerAudioSsrc, 111, static_cast<std::uint16_t>(65000 + i), 960u * static_cast<std::uint32_t>(i)), out);
  }
  run_timers_until(engine, timestamp_ms(20 * 500 + 500), out);
  stats::ReceiveStatistics caller(48000);
  std::uint64_t echoed = 0;
  std::uint64_t dropped = 0;
  for (std::size_t k = 0; k < out.rtp.size(); ++k) {
    const auto packet = rtp::RtpPacket::parse(out.rtp[k]);
    ASSERT_TRUE(packet);
    if (packet->ssrc() != kParrotAudioSsrc) continue;
    ++echoed;
    if (echoed % 10 == 4) {  // 10% lost on the way back
      ++dropped;
      continue;
    }
    caller.on_packet(out.rtp_times[k], packet->sequence_number(), packet->timestamp(), packet->payload().size());
  }
  ASSERT_EQ(echoed, 400u);
  const auto fields = caller.make_report_block(timestamp_ms(20 * 500 + 600));
  EXPECT_GT(fields.cumulative_lost, 130);  // the caller's gross count: about 100 + 40
  rtcp::ReportBlock block{kParrotAudioSsrc, fields.fraction_lost, fields.cumulative_lost,
                          fields.extended_highest_sequence, 0, 0, 0};
  feed(engine, timestamp_ms(20 * 500 + 600), rtcp_datagram({rtcp::ReceiverReport{kCallerAudioSsrc, {block}}}), out);
  const auto loss = engine.snapshot().streams[0].return_loss;
  EXPECT_EQ(loss.reports, 1u);
  EXPECT_EQ(loss.lost, dropped);
  EXPECT_EQ(loss.sent, echoed);
  EXPECT_NEAR(loss.loss_pct, 10.0, 0.01);
}

// Video frames of three packets each, 30 fps.
void feed_video(EchoEngine& engine, Collected& out, int frames, std::uint16_t first_sequence, int skip_sequence = -1) {
  for (int f = 0; f < frames; ++f) {
    const Timestamp arrival = timestamp_us(33'333 * f);
    run_timers_until(engine, arrival - Duration{1}, out);
    for (int p = 0; p < 3; ++p) {
      const auto sequence = static_cast<std::uint16_t>(first_sequence + 3 * f + p);
      if (sequence == skip_sequence) continue;
      feed(engine, arrival, rtp_packet(kCallerVideoSsrc, 96, sequence, 3000u * static_cast<std::uint32_t>(f), p == 2, 1000), out);
    }
  }
  run_timers_until(engine, timestamp_us(33'333 * frames + 1'000'000), out);
}

TEST(EchoEngine, AnswersNackFromSendHistory) {
  EchoEngine engine(audio_video_config());
  Collected out;
  feed_video(engine, out, 10, 500);
  ASSERT_EQ(out.rtp.size(), 30u);
  const std::vector<std::byte> fifth_bytes = out.rtp[4];
  const auto fifth = rtp::RtpPacket::parse(fifth_bytes);
  ASSERT_TRUE(fifth);
  EXPECT_EQ(fifth->ssrc(), kParrotVideoSsrc);
  const std::uint16_t asked = fifth->sequence_number();
  out.rtp.clear();
  const Timestamp now = out.rtp_times.back() + std::chrono::milliseconds(100);
  feed(engine, now,
       rtcp_datagram({rtcp::ReceiverReport{kCallerVideoSsrc, {}},
                      rtcp::Nack{kCallerVideoSsrc, kParrotVideoSsrc, {asked, static_cast<std::uint16_t>(asked + 1000)}}}),
       out);
  ASSERT_EQ(out.rtp.size(), 1u);
  EXPECT_EQ(out.rtp[0], fifth_bytes);
  const auto snapshot = engine.snapshot();
  EXPECT_EQ(snapshot.streams[1].sent.retransmitted, 1u);
  EXPECT_EQ(snapshot.streams[1].sent.nacks_unanswered, 1u);
  EXPECT_EQ(snapshot.streams[1].nacks_received, 2u);
  // The transport could not send the retransmission after all.
  ASSERT_EQ(engine.outbox().size(), 1u);
  engine.on_send_failed(engine.outbox()[0]);
  EXPECT_EQ(engine.snapshot().streams[1].sent.retransmitted, 0u);
  EXPECT_EQ(engine.snapshot().streams[1].sent.packets, 30u);
  EXPECT_EQ(engine.snapshot().drops[DropReason::kNotSent], 1u);
}

// RED (118) carrying `inner` (VP8 96 or ULPFEC 127), as libwebrtc sends video.
std::vector<std::byte> red_packet(std::uint16_t sequence, std::uint32_t timestamp, bool marker, std::uint8_t inner_pt,
                                  ByteView inner) {
  std::vector<std::byte> red(inner.size() + 1);
  red.resize(rtp::serialize_red({}, rtp::RedBlock{inner_pt, 0, inner}, red));
  std::vector<std::byte> out(12 + red.size());
  rtp::RtpHeader header;
  header.ssrc = kCallerVideoSsrc;
  header.payload_type = 118;
  header.sequence_number = sequence;
  header.timestamp = timestamp;
  header.marker = marker;
  out.resize(rtp::serialize(header, red, out));
  return out;
}

// An RFC 5109 FEC payload over `packets` (whole RTP packets, one level,
// 16-bit mask from the lowest sequence number): header fields XORed as
// §8.2 says, then the bytes after each fixed header.
std::vector<std::byte> ulpfec_over(const std::vector<std::vector<std::byte>>& packets) {
  std::uint16_t base = 0xFFFF;
  std::size_t longest = 0;
  for (const auto& p : packets) {
    base = std::min(base, rtp::RtpPacket::parse(p)->sequence_number());
    longest = std::max(longest, p.size() - 12);
  }
  std::vector<std::byte> fec(14 + longest);
  std::uint16_t mask = 0;
  std::uint16_t length_recovery = 0;
  for (const auto& p : packets) {
    const auto parsed = rtp::RtpPacket::parse(p);
    fec[0] ^= p[0] & std::byte{0x3F};  // P, X, CC (E = L = 0)
    fec[1] ^= p[1];                    // M, PT
    write_u32(fec, 4, read_u32(fec, 4) ^ parsed->timestamp());
    length_recovery ^= static_cast<std::uint16_t>(p.size() - 12);
    mask |= static_cast<std::uint16_t>(0x8000u >> (parsed->sequence_number() - base));
    for (std::size_t i = 12; i < p.size(); ++i) fec[14 + i - 12] ^= p[i];
  }
  write_u16(fec, 2, base);
  write_u16(fec, 8, length_recovery);
  write_u16(fec, 10, static_cast<std::uint16_t>(longest));
  write_u16(fec, 12, mask);
  return fec;
}

struct Recovered {
  std::uint16_t sequence_number;
  std::uint32_t timestamp;
};
// What a receiver recovers from `fec` (RED-wrapped) and every protected
// packet but one, as RFC 5109 §8.3 does it for the two fields parrot moves.
std::optional<Recovered> recover(ByteView fec_packet, const std::vector<std::vector<std::byte>>& received) {
  const auto red = rtp::RedPayload::parse(rtp::RtpPacket::parse(fec_packet)->payload());
  const auto header = rtp::UlpfecHeader::parse(red->primary().data);
  std::uint32_t timestamp = header->timestamp_recovery();
  std::optional<std::uint16_t> missing;
  for (std::size_t i = 0; i < header->mask_bits(); ++i) {
    if (!header->protects(i)) continue;
    const auto sequence = static_cast<std::uint16_t>(header->sequence_base() + i);
    const auto found = std::find_if(received.begin(), received.end(), [&](const auto& p) {
      return rtp::RtpPacket::parse(p)->sequence_number() == sequence;
    });
    if (found == received.end()) {
      if (missing) return std::nullopt;  // two missing: no recovery
      missing = sequence;
    } else {
      timestamp ^= rtp::RtpPacket::parse(*found)->timestamp();
    }
  }
  if (!missing) return std::nullopt;
  return Recovered{*missing, timestamp};
}

EchoConfig red_video_config() {
  EchoConfig config = audio_video_config();
  config.streams[1].payload_types = {96, 118, 127};
  config.streams[1].red_payload_type = 118;
  config.streams[1].ulpfec_payload_type = 127;
  return config;
}

// Two RED VP8 frames of three packets each (sequence 1000..1005), then one
// ULPFEC in RED over the last packet of frame 0 and all of frame 1; the
// caller's packet `lost_inbound` (if any) never reaches parrot.
std::vector<std::vector<std::byte>> send_frames_with_fec(EchoEngine& engine, Collected& out, int lost_inbound,
                                                         std::vector<std::vector<std::byte>>& protected_packets) {
  std::vector<std::vector<std::byte>> sent;
  const std::vector<std::byte> vp8(200, std::byte{0x10});
  for (int f = 0; f < 2; ++f) {
    for (int p = 0; p < 3; ++p) {
      const auto sequence = static_cast<std::uint16_t>(1000 + 3 * f + p);
      auto packet = red_packet(sequence, 90000u + 3000u * static_cast<std::uint32_t>(f), p == 2, 96, vp8);
      if (sequence >= 1002) protected_packets.push_back(packet);
      if (sequence != lost_inbound) feed(engine, timestamp_us(33'333 * f + p), packet, out);
      sent.push_back(std::move(packet));
    }
  }
  const auto fec = ulpfec_over(protected_packets);
  feed(engine, timestamp_us(33'340), red_packet(1006, 93000, false, 127, fec), out);
  run_timers_until(engine, timestamp_us(2'000'000), out);
  return sent;
}

TEST(EchoEngine, EchoedUlpfecRecoversPacketsInParrotsSpaces) {
  // ULPFEC names what it protects by sequence number and XORs timestamps;
  // parrot shifts both, so its echo of the FEC must be shifted to match.
  EchoEngine engine(red_video_config());
  Collected out;
  std::vector<std::vector<std::byte>> protected_packets;
  send_frames_with_fec(engine, out, -1, protected_packets);
  ASSERT_EQ(out.rtp.size(), 7u);
  const auto echoed_fec = out.rtp.back();
  ASSERT_EQ(std::to_integer<int>(rtp::RtpPacket::parse(echoed_fec)->payload()[0]), 127);
  // The caller loses parrot's echo of 1003 (frame 1's first packet).
  std::vector<std::vector<std::byte>> received(out.rtp.begin() + 2, out.rtp.end() - 1);
  const auto lost = rtp::RtpPacket::parse(out.rtp[3]);
  received.erase(received.begin() + 1);
  const auto recovered = recover(echoed_fec, received);
  ASSERT_TRUE(recovered);
  EXPECT_EQ(recovered->sequence_number, lost->sequence_number());
  EXPECT_EQ(recovered->timestamp, lost->timestamp());
  // Unchanged, the FEC would have named the caller's own numbers.
  EXPECT_NE(rtp::UlpfecHeader::parse(rtp::RedPayload::parse(rtp::RtpPacket::parse(echoed_fec)->payload())->primary().data)
                ->sequence_base(),
            1002);
}

TEST(EchoEngine, EchoedUlpfecCarriesAPacketLostOnTheWayIn) {
  // 1004 never reached parrot; the caller can still recover it from the
  // echoed FEC, at the sequence number and timestamp parrot would have used.
  EchoEngine engine(red_video_config());
  Collected out;
  std::vector<std::vector<std::byte>> protected_packets;
  send_frames_with_fec(engine, out, 1004, protected_packets);
  std::vector<std::vector<std::byte>> media;
  std::vector<std::byte> echoed_fec;
  for (const auto& p : out.rtp) {
    const auto parsed = rtp::RtpPacket::parse(p);
    if (std::to_integer<int>(parsed->payload()[0]) == 127) echoed_fec = p;
    else media.push_back(p);
  }
  ASSERT_EQ(media.size(), 5u);
  ASSERT_FALSE(echoed_fec.empty());
  const auto first = rtp::RtpPacket::parse(media[0]);  // the caller's 1000 at 90000
  const auto recovered = recover(echoed_fec, {media[2], media[3], media[4]});
  ASSERT_TRUE(recovered);
  EXPECT_EQ(recovered->sequence_number, static_cast<std::uint16_t>(first->sequence_number() + 4));
  EXPECT_EQ(recovered->timestamp, first->timestamp() + 3000u);
}

TEST(EchoEngine, RelaysPliAndFirToTheCallersStream) {
  EchoEngine engine(audio_video_config());
  Collected out;
  feed_video(engine, out, 5, 1);
  out.rtcp.clear();
  feed(engine, timestamp_ms(2000), rtcp_datagram({rtcp::ReceiverReport{kCallerVideoSsrc, {}}, rtcp::Pli{kCallerVideoSsrc, kParrotVideoSsrc}}), out);
  ASSERT_EQ(out.rtcp.size(), 1u);
  const auto& relayed = out.rtcp[0];
  const auto pli = std::find_if(relayed.begin(), relayed.end(), [](const auto& p) { return std::holds_alternative<rtcp::Pli>(p); });
  ASSERT_NE(pli, relayed.end());
  EXPECT_EQ(std::get<rtcp::Pli>(*pli).sender_ssrc, kParrotVideoSsrc);
  EXPECT_EQ(std::get<rtcp::Pli>(*pli).media_ssrc, kCallerVideoSsrc);
  EXPECT_TRUE(std::holds_alternative<rtcp::ReceiverReport>(relayed[0]));  // a compound packet

  // A second request within 100 ms is the same keyframe: not relayed again.
  feed(engine, timestamp_ms(2050), rtcp_datagram({rtcp::ReceiverReport{kCallerVideoSsrc, {}}, rtcp::Pli{kCallerVideoSsrc, kParrotVideoSsrc}}), out);
  EXPECT_EQ(out.rtcp.size(), 1u);
  // FIR: relayed as FIR with parrot's own sequence number; a repeat of the
  // same FIR sequence number is not a new request.
  const auto fir = rtcp_datagram({rtcp::ReceiverReport{kCallerVideoSsrc, {}}, rtcp::Fir{kCallerVideoSsrc, {{kParrotVideoSsrc, 7}}}});
  feed(engine, timestamp_ms(2200), fir, out);
  feed(engine, timestamp_ms(2400), fir, out);
  ASSERT_EQ(out.rtcp.size(), 2u);
  const auto relayed_fir = std::find_if(out.rtcp[1].begin(), out.rtcp[1].end(), [](const auto& p) { return std::holds_alternative<rtcp::Fir>(p); });
  ASSERT_NE(relayed_fir, out.rtcp[1].end());
  EXPECT_EQ(std::get<rtcp::Fir>(*relayed_fir).entries[0].ssrc, kCallerVideoSsrc);
  EXPECT_EQ(std::get<rtcp::Fir>(*relayed_fir).entries[0].sequence_number, 1);
  // A PLI for an SSRC that is not parrot's is ignored.
  feed(engine, timestamp_ms(3000), rtcp_datagram({rtcp::ReceiverReport{kCallerVideoSsrc, {}}, rtcp::Pli{kCallerVideoSsrc, 0x999}}), out);
  EXPECT_EQ(out.rtcp.size(), 2u);
  EXPECT_EQ(engine.snapshot().streams[1].plis_relayed, 1u);
  EXPECT_EQ(engine.snapshot().streams[1].firs_relayed, 1u);
}

TEST(EchoEngine, NacksItsOwnInboundGaps) {
  EchoEngine engine(audio_video_config());
  Collected out;
  feed_video(engine, out, 6, 100, 107);  // 107 (frame 2, middle) never comes
  std::vector<std::uint16_t> asked;
  for (const auto& compound : out.rtcp) {
    for (const auto& p : compound) {
      if (const auto* nack = std::get_if<rtcp::Nack>(&p)) {
        EXPECT_EQ(nack->sender_ssrc, kParrotVideoSsrc);
        EXPECT_EQ(nack->media_ssrc, kCallerVideoSsrc);
        asked.insert(asked.end(), nack->sequence_numbers.begin(), nack->sequence_numbers.end());
      }
    }
  }
  ASSERT_FALSE(asked.empty());
  EXPECT_TRUE(std::all_of(asked.begin(), asked.end(), [](std::uint16_t s) { return s == 107; }));
  EXPECT_GE(asked.size(), 2u);  // asked again after an RTT
  // The frame waited for the retransmission that never came, then went out
  // incomplete: 17 packets echoed.
  EXPECT_EQ(out.rtp.size(), 17u);
  EXPECT_EQ(engine.snapshot().streams[1].jitter_buffer.incomplete_frames, 1u);
}

TEST(EchoEngine, ExtraDelayDelaysTheEcho) {
  EchoConfig config = audio_video_config();
  config.extra_delay = std::chrono::milliseconds(2000);
  EchoEngine engine(config);
  Collected out;
  feed(engine, timestamp_ms(0), rtp_packet(kCallerAudioSsrc, 111, 1, 0), out);
  // Initial target 60 ms, plus the extra 2 s.
  run_timers_until(engine, timestamp_ms(2059), out);
  EXPECT_TRUE(out.rtp.empty());
  run_timers_until(engine, timestamp_ms(2060), out);
  EXPECT_EQ(out.rtp.size(), 1u);
}

TEST(EchoEngine, CountsWhatItRefuses) {
  EchoEngine engine(audio_video_config());
  Collected out;
  feed(engine, timestamp_ms(0), rtp_packet(kCallerAudioSsrc, 8, 1, 0), out);       // PT not negotiated
  feed(engine, timestamp_ms(0), {std::byte{0x80}}, out);                           // one byte
  feed(engine, timestamp_ms(0), std::vector<std::byte>(20, std::byte{0x40}), out);  // version 1
  feed(engine, timestamp_ms(0), std::vector<std::byte>(2000, std::byte{0x80}), out);
  feed(engine, timestamp_ms(0), {std::byte{0x80}, std::byte{200}, std::byte{0}, std::byte{9}}, out);  // RTCP length lies
  const auto drops = engine.snapshot().drops;
  EXPECT_EQ(drops[DropReason::kUnknownSsrc], 1u);
  EXPECT_EQ(drops[DropReason::kTooShort], 1u);
  EXPECT_EQ(drops[DropReason::kNotRtp], 1u);
  EXPECT_EQ(drops[DropReason::kTooLarge], 1u);
  EXPECT_EQ(drops[DropReason::kMalformedRtcp], 1u);
  EXPECT_TRUE(out.rtp.empty());
}

TEST(EchoEngine, FollowsANewCallerSsrcAfterSilenceWithoutJumps) {
  EchoEngine engine(audio_video_config());
  Collected out;
  for (int i = 0; i < 10; ++i) {
    run_timers_until(engine, timestamp_ms(20 * i) - Duration{1}, out);
    feed(engine, timestamp_ms(20 * i), rtp_packet(kCallerAudioSsrc, 111, static_cast<std::uint16_t>(i), 960u * static_cast<std::uint32_t>(i)), out);
  }
  // Another SSRC on the same payload type while the first is alive: refused.
  feed(engine, timestamp_ms(210), rtp_packet(0x33333333, 111, 9000, 5), out);
  EXPECT_EQ(engine.snapshot().drops[DropReason::kUnknownSsrc], 1u);
  run_timers_until(engine, timestamp_ms(3000), out);
  for (int i = 0; i < 10; ++i) {
    feed(engine, timestamp_ms(3000 + 20 * i), rtp_packet(0x33333333, 111, static_cast<std::uint16_t>(9000 + i), 5u + 960u * static_cast<std::uint32_t>(i)), out);
    run_timers_until(engine, timestamp_ms(3000 + 20 * i + 19), out);
  }
  run_timers_until(engine, timestamp_ms(5000), out);
  ASSERT_EQ(out.rtp.size(), 20u);
  std::uint16_t previous = rtp::RtpPacket::parse(out.rtp[0])->sequence_number();
  for (std::size_t k = 1; k < out.rtp.size(); ++k) {
    const auto packet = rtp::RtpPacket::parse(out.rtp[k]);
    EXPECT_EQ(packet->sequence_number(), static_cast<std::uint16_t>(previous + 1));
    EXPECT_EQ(packet->ssrc(), kParrotAudioSsrc);
    previous = packet->sequence_number();
  }
  EXPECT_EQ(engine.snapshot().streams[0].source_changes, 1u);
  EXPECT_EQ(engine.snapshot().streams[0].remote_ssrc, 0x33333333u);
  // The call's receive statistics count both sources, and the jump from
  // sequence 9 to 9000 is a new source, not loss or a restart.
  const auto received = engine.snapshot().streams[0].received;
  EXPECT_EQ(received.packets, 20u);
  EXPECT_EQ(received.expected, 20);
  EXPECT_EQ(received.lost, 0);
  EXPECT_EQ(received.resyncs, 0u);
  EXPECT_EQ(received.bytes, 20u * 160u);
}

TEST(EchoEngine, RembCapGoesToTheCallersStreams) {
  EchoConfig config = audio_video_config();
  config.remb_cap_bps = 300'000;
  EchoEngine engine(config);
  Collected out;
  feed_video(engine, out, 90, 1);  // 3 s: at least one regular report
  bool saw_remb = false;
  for (const auto& compound : out.rtcp) {
    for (const auto& p : compound) {
      if (const auto* remb = std::get_if<rtcp::Remb>(&p)) {
        saw_remb = true;
        EXPECT_LE(remb->bitrate_bps, 300'000u);
        EXPECT_GT(remb->bitrate_bps, 290'000u);
        EXPECT_EQ(remb->ssrcs, std::vector<std::uint32_t>{kCallerVideoSsrc});
      }
    }
  }
  EXPECT_TRUE(saw_remb);
}

TEST(EchoEngine, ProbeQueueGetsPayloadsAndSkipsWhenFull) {
  EchoEngine engine(audio_video_config());
  probes::ProbeQueue queue(4);
  engine.attach_probe(0, &queue);
  Collected out;
  for (int i = 0; i < 10; ++i) feed(engine, timestamp_ms(20 * i), rtp_packet(kCallerAudioSsrc, 111, static_cast<std::uint16_t>(i), 960u * static_cast<std::uint32_t>(i)), out);
  // Nobody drained the queue: four taken, six skipped, and all ten echoed.
  EXPECT_EQ(queue.size(), 4u);
  EXPECT_EQ(queue.skipped(), 6u);
  const auto first = queue.pop();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->sequence_number, 0);
  EXPECT_EQ(first->payload.size(), 160u);
  run_timers_until(engine, timestamp_ms(3000), out);
  EXPECT_EQ(out.rtp.size(), 10u);
}

TEST(EchoEngine, StreamAddedDuringTheCallIsEchoed) {
  EchoConfig config = audio_video_config();
  config.streams.pop_back();  // an audio call...
  EchoEngine engine(config);
  Collected out;
  feed(engine, timestamp_ms(0), rtp_packet(kCallerVideoSsrc, 96, 1, 0, true, 1000), out);
  EXPECT_EQ(engine.snapshot().drops[DropReason::kUnknownSsrc], 1u);  // no video stream yet
  StreamConfig video = audio_video_config().streams[1];
  EXPECT_EQ(engine.add_stream(video), 1u);  // ...upgraded to video
  EXPECT_THROW(engine.add_stream(video), std::invalid_argument);  // its payload types are taken
  feed_video(engine, out, 5, 100);
  EXPECT_EQ(out.rtp.size(), 15u);
  EXPECT_EQ(rtp::RtpPacket::parse(out.rtp[0])->ssrc(), kParrotVideoSsrc);
  EXPECT_EQ(engine.snapshot().streams.size(), 2u);
}

TEST(EchoEngine, LocalSourceSendsFramesAsParrotsStreamAndSwallowsTheCallers) {
  EchoEngine engine(audio_video_config());
  Collected out;
  const std::array<std::byte, 3> tone{std::byte{0xF8}, std::byte{0xFF}, std::byte{0xFE}};  // an Opus DTX frame
  // An echo stream takes no local frames.
  EXPECT_FALSE(engine.send_local(timestamp_ms(0), 0, LocalFrame{111, tone, 5000, false}));
  EXPECT_TRUE(engine.outbox().empty());
  engine.set_source(0, StreamSource::kLocal);
  EXPECT_FALSE(engine.send_local(timestamp_ms(0), 7, LocalFrame{111, tone, 5000, false}));  // no such stream
  EXPECT_FALSE(engine.send_local(timestamp_ms(0), 0, LocalFrame{200, tone, 5000, false}));  // not a payload type
  for (int i = 0; i < 5; ++i) {
    const Timestamp now = timestamp_ms(20 * i);
    ASSERT_TRUE(engine.send_local(now, 0, LocalFrame{111, tone, 5000u + 960u * static_cast<std::uint32_t>(i), i == 0}));
    ASSERT_EQ(engine.outbox().size(), 1u);
    collect(engine, now, out);
    // The caller's packets arrive and are measured, but not echoed.
    feed(engine, now, rtp_packet(kCallerAudioSsrc, 111, static_cast<std::uint16_t>(100 + i), 960u * static_cast<std::uint32_t>(i)), out);
  }
  run_timers_until(engine, timestamp_ms(1000), out);
  ASSERT_EQ(out.rtp.size(), 5u);
  const auto first = rtp::RtpPacket::parse(out.rtp[0]);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->marker());
  for (std::size_t k = 0; k < out.rtp.size(); ++k) {
    const auto packet = rtp::RtpPacket::parse(out.rtp[k]);
    ASSERT_TRUE(packet);
    EXPECT_EQ(packet->ssrc(), kParrotAudioSsrc);
    EXPECT_EQ(packet->payload_type(), 111);
    EXPECT_EQ(packet->sequence_number(), static_cast<std::uint16_t>(first->sequence_number() + k));
    EXPECT_EQ(packet->timestamp(), first->timestamp() + 960u * k);  // the frames' spacing, in parrot's space
    ASSERT_EQ(packet->payload().size(), tone.size());
    EXPECT_TRUE(std::equal(tone.begin(), tone.end(), packet->payload().begin()));
  }
  auto snapshot = engine.snapshot();
  EXPECT_EQ(snapshot.streams[0].received.packets, 5u);
  EXPECT_EQ(snapshot.streams[0].sent.packets, 5u);

  // Back to echo: the caller's next packet continues parrot's numbering.
  engine.set_source(0, StreamSource::kEcho);
  feed(engine, timestamp_ms(1100), rtp_packet(kCallerAudioSsrc, 111, 105, 960u * 5), out);
  run_timers_until(engine, timestamp_ms(2000), out);
  ASSERT_EQ(out.rtp.size(), 6u);
  const auto echoed = rtp::RtpPacket::parse(out.rtp[5]);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->sequence_number(), static_cast<std::uint16_t>(first->sequence_number() + 5));
  EXPECT_EQ(echoed->payload().size(), 160u);  // the caller's own payload now
}

TEST(EchoEngine, LocalVideoStreamTakesKeyframeRequestsAndAnswersNacks) {
  EchoEngine engine(audio_video_config());
  Collected out;
  engine.set_source(1, StreamSource::kLocal);
  std::vector<std::byte> frame(900, std::byte{0x42});
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(engine.send_local(timestamp_ms(33 * i), 1, LocalFrame{96, frame, 3000u * static_cast<std::uint32_t>(i), true}));
    collect(engine, timestamp_ms(33 * i), out);
  }
  ASSERT_EQ(out.rtp.size(), 3u);
  const auto second = rtp::RtpPacket::parse(out.rtp[1]);
  ASSERT_TRUE(second);
  EXPECT_FALSE(engine.take_keyframe_request(1));
  out.rtcp.clear();
  // A PLI on parrot's stream is for parrot's encoder: no relay to the caller.
  feed(engine, timestamp_ms(200), rtcp_datagram({rtcp::ReceiverReport{kCallerVideoSsrc, {}}, rtcp::Pli{kCallerVideoSsrc, kParrotVideoSsrc}}), out);
  EXPECT_TRUE(out.rtcp.empty());
  EXPECT_TRUE(engine.take_keyframe_request(1));
  EXPECT_FALSE(engine.take_keyframe_request(1));  // once per request
  // A NACK for a local packet is answered from the history, byte for byte.
  const std::vector<std::byte> second_bytes = out.rtp[1];
  feed(engine, timestamp_ms(250),
       rtcp_datagram({rtcp::ReceiverReport{kCallerVideoSsrc, {}}, rtcp::Nack{kCallerVideoSsrc, kParrotVideoSsrc, {second->sequence_number()}}}),
       out);
  ASSERT_EQ(out.rtp.size(), 4u);
  EXPECT_EQ(out.rtp[3], second_bytes);
  // Oversized frames are refused, not truncated.
  std::vector<std::byte> huge(EchoEngine::kMaxDatagram, std::byte{1});
  EXPECT_FALSE(engine.send_local(timestamp_ms(300), 1, LocalFrame{96, huge, 9000, true}));
}

TEST(EchoEngine, SrtpBothWays) {
  srtp::SrtpLibrary library;
  srtp::KeyingMaterial parrot_keys;
  parrot_keys.profile = srtp::SrtpProfile::kAeadAes128Gcm;
  parrot_keys.local_key_salt.assign(28, std::byte{0x11});
  parrot_keys.remote_key_salt.assign(28, std::byte{0x22});
  srtp::KeyingMaterial caller_keys = parrot_keys;
  std::swap(caller_keys.local_key_salt, caller_keys.remote_key_salt);
  srtp::SrtpSession caller(caller_keys);

  EchoEngine engine(audio_video_config());
  engine.expect_srtp();
  caller_srtp = &caller;
  Collected out;
  auto plain = rtp_packet(kCallerAudioSsrc, 111, 1, 0);
  auto datagram = plain;
  datagram.resize(datagram.size() + srtp::kMaxRtpTrailer);
  datagram.resize(*caller.protect_rtp(datagram, plain.size()));
  feed(engine, timestamp_ms(0), datagram, out);  // before the keys: refused
  EXPECT_EQ(engine.snapshot().drops[DropReason::kNoKeys], 1u);

  engine.set_srtp(parrot_keys);
  for (int i = 0; i < 5; ++i) {
    plain = rtp_packet(kCallerAudioSsrc, 111, static_cast<std::uint16_t>(10 + i), 960u * static_cast<std::uint32_t>(i));
    datagram = plain;
    datagram.resize(datagram.size() + srtp::kMaxRtpTrailer);
    datagram.resize(*caller.protect_rtp(datagram, plain.size()));
    run_timers_until(engine, timestamp_ms(20 * i) - Duration{1}, out);
    feed(engine, timestamp_ms(20 * i), datagram, out);
  }
  // A new packet whose ciphertext was changed on the way.
  plain = rtp_packet(kCallerAudioSsrc, 111, 15, 960u * 5);
  auto tampered = plain;
  tampered.resize(tampered.size() + srtp::kMaxRtpTrailer);
  tampered.resize(*caller.protect_rtp(tampered, plain.size()));
  tampered[20] ^= std::byte{1};
  feed(engine, timestamp_ms(100), tampered, out);
  run_timers_until(engine, timestamp_ms(4000), out);
  ASSERT_EQ(out.rtp.size(), 5u);
  for (auto& echoed : out.rtp) {
    const auto length = caller.unprotect_rtp(echoed);
    ASSERT_TRUE(length);
    const auto packet = rtp::RtpPacket::parse(ByteView(echoed).first(*length));
    ASSERT_TRUE(packet);
    EXPECT_EQ(packet->ssrc(), kParrotAudioSsrc);
    EXPECT_EQ(packet->payload().size(), 160u);
  }
  caller_srtp = nullptr;
  ASSERT_FALSE(out.rtcp.empty());  // SRTCP, decrypted in collect()
  EXPECT_TRUE(std::holds_alternative<rtcp::SenderReport>(out.rtcp[0][0]));
  const auto snapshot = engine.snapshot();
  EXPECT_TRUE(snapshot.encrypted);
  EXPECT_EQ(snapshot.srtp_profile, srtp::SrtpProfile::kAeadAes128Gcm);
  EXPECT_EQ(snapshot.drops[DropReason::kSrtpAuthFail], 1u);
}

// Chromium's ids: 2 abs-send-time, 3 transport-wide sequence, 4 mid.
constexpr std::uint8_t kAbsSendTimeId = 2;
constexpr std::uint8_t kTransportSequenceId = 3;
constexpr std::uint8_t kMidId = 4;

// An RTP packet as libwebrtc sends it with the extensions negotiated.
std::vector<std::byte> rtp_with_extensions(std::uint32_t ssrc, std::uint8_t pt, std::uint16_t sequence, std::uint32_t timestamp,
                                           std::uint16_t transport_sequence, std::uint32_t send_time,
                                           std::size_t payload_size = 160) {
  rtp::HeaderExtensionWriter writer;
  const std::array<std::byte, 3> send_time_bytes{std::byte(send_time >> 16), std::byte(send_time >> 8), std::byte(send_time)};
  const std::array<std::byte, 2> sequence_bytes{std::byte(transport_sequence >> 8), std::byte(transport_sequence)};
  const std::array<std::byte, 1> mid{std::byte{'1'}};
  writer.add(kAbsSendTimeId, send_time_bytes);
  writer.add(kTransportSequenceId, sequence_bytes);
  writer.add(kMidId, mid);
  std::vector<std::byte> payload(payload_size, std::byte{0x5A});
  std::vector<std::byte> out(12 + 32 + payload_size);
  rtp::RtpHeader header;
  header.ssrc = ssrc;
  header.payload_type = pt;
  header.sequence_number = sequence;
  header.timestamp = timestamp;
  header.marker = true;  // one packet per frame
  header.extension_profile = writer.profile();
  header.extension_data = writer.data();
  out.resize(rtp::serialize(header, payload, out));
  return out;
}

EchoConfig congestion_control_config(bool transport_cc, bool remb) {
  EchoConfig config = audio_video_config();
  for (auto& stream : config.streams) {
    stream.transport_sequence_extension_id = kTransportSequenceId;
    stream.abs_send_time_extension_id = kAbsSendTimeId;
    stream.transport_cc = transport_cc;
    stream.remb = remb;
  }
  return config;
}

std::vector<rtcp::TransportFeedback> transport_feedback_in(const Collected& out) {
  std::vector<rtcp::TransportFeedback> found;
  for (const auto& compound : out.rtcp) {
    for (const auto& packet : compound) {
      if (const auto* f = std::get_if<rtcp::TransportFeedback>(&packet)) found.push_back(*f);
    }
  }
  return found;
}

std::vector<rtcp::Remb> rembs_in(const Collected& out) {
  std::vector<rtcp::Remb> found;
  for (const auto& compound : out.rtcp) {
    for (const auto& packet : compound) {
      if (const auto* r = std::get_if<rtcp::Remb>(&packet)) found.push_back(*r);
    }
  }
  return found;
}

TEST(EchoEngine, TransportCcFeedbackCoversEveryPacketOnTheTransport) {
  EchoEngine engine(congestion_control_config(true, true));
  Collected out;
  // Audio every 20 ms and video every 5 ms for a second, transport-wide
  // numbers shared between them, every 25th lost, plus one probe packet
  // on an SSRC parrot does not echo (libwebrtc's padding probes).
  std::uint16_t transport = 65502;  // crosses the wrap; first and last arrive
  std::map<std::uint16_t, std::int64_t> arrivals;  // 250 µs ticks
  for (int ms = 0; ms < 1000; ms += 5) {
    const Timestamp at = timestamp_ms(ms);
    run_timers_until(engine, at - Duration{1}, out);
    const auto number = transport++;
    if (number % 25 == 0) continue;
    arrivals[number] = at.time_since_epoch().count() / 250;
    if (ms % 20 == 0) {
      feed(engine, at, rtp_with_extensions(kCallerAudioSsrc, 111, static_cast<std::uint16_t>(ms / 20), 960u * static_cast<std::uint32_t>(ms / 20), number, 0), out);
    } else if (ms == 500) {
      feed(engine, at, rtp_with_extensions(0x77777777, 97, 1, 0, number, 0), out);
    } else {
      feed(engine, at, rtp_with_extensions(kCallerVideoSsrc, 96, static_cast<std::uint16_t>(ms), 90u * static_cast<std::uint32_t>(ms), number, 0, 1000), out);
    }
  }
  run_timers_until(engine, timestamp_ms(1200), out);
  const auto feedback = transport_feedback_in(out);
  // High rate: every 50 ms after the first 100 ms.
  ASSERT_GE(feedback.size(), 15U);
  EXPECT_LE(feedback.size(), 25U);
  std::map<std::uint16_t, std::int64_t> read_back;
  std::size_t statuses = 0;
  for (std::size_t i = 0; i < feedback.size(); ++i) {
    EXPECT_EQ(feedback[i].feedback_count, i);
    EXPECT_EQ(feedback[i].sender_ssrc, kParrotAudioSsrc);
    statuses += feedback[i].packets.size();
    std::int64_t ticks = std::int64_t{feedback[i].reference_time} * 256;
    for (std::size_t k = 0; k < feedback[i].packets.size(); ++k) {
      if (!feedback[i].packets[k].received) continue;
      ticks += feedback[i].packets[k].delta_ticks;
      read_back[static_cast<std::uint16_t>(feedback[i].base_sequence + k)] = ticks;
    }
  }
  EXPECT_EQ(statuses, 200U);  // every number once, lost ones included
  EXPECT_EQ(read_back, arrivals);
  const auto snapshot = engine.snapshot();
  EXPECT_EQ(snapshot.transport_feedback_sent, feedback.size());
  EXPECT_TRUE(snapshot.streams[1].transport_cc_feedback);
  EXPECT_EQ(snapshot.streams[1].remb_sent, 0U);  // transport-cc: no REMB to hold the caller back
  EXPECT_TRUE(rembs_in(out).empty());
  EXPECT_GT(snapshot.streams[1].upstream.mean_bps, 1'000'000);  // ~1.2 Mbit/s of video payload
}

TEST(EchoEngine, EchoedPacketsCarryParrotsTransportNumbersAndSendTimes) {
  EchoEngine engine(congestion_control_config(true, false));
  Collected out;
  for (int i = 0; i < 20; ++i) {
    const Timestamp at = timestamp_ms(20 * i);
    run_timers_until(engine, at - Duration{1}, out);
    // The caller's numbers start at 40000 and its clock says 10 s.
    feed(engine, at, rtp_with_extensions(kCallerAudioSsrc, 111, static_cast<std::uint16_t>(i), 960u * static_cast<std::uint32_t>(i),
                                         static_cast<std::uint16_t>(40000 + i), 10u << 18), out);
  }
  run_timers_until(engine, timestamp_ms(1000), out);
  ASSERT_EQ(out.rtp.size(), 20U);
  for (std::size_t k = 0; k < out.rtp.size(); ++k) {
    const auto packet = rtp::RtpPacket::parse(out.rtp[k]);
    ASSERT_TRUE(packet);
    const auto extensions = rtp::HeaderExtensions::parse(packet->extension_profile(), packet->extension_data());
    ASSERT_TRUE(extensions);
    EXPECT_EQ(rtp::parse_transport_sequence_number(*extensions->find(kTransportSequenceId)), k + 1);
    EXPECT_EQ(rtp::parse_abs_send_time(*extensions->find(kAbsSendTimeId)), rtp::abs_send_time_of(out.rtp_times[k]));
    EXPECT_EQ(*extensions->find(kMidId)->data(), std::byte{'1'});  // the same content both ways: kept
  }
}

TEST(EchoEngine, ResentPacketsGetANewTransportNumber) {
  EchoEngine engine(congestion_control_config(true, false));
  Collected out;
  for (int i = 0; i < 10; ++i) {
    const Timestamp at = timestamp_ms(33 * i);
    run_timers_until(engine, at - Duration{1}, out);
    feed(engine, at, rtp_with_extensions(kCallerVideoSsrc, 96, static_cast<std::uint16_t>(i), 3000u * static_cast<std::uint32_t>(i),
                                         static_cast<std::uint16_t>(i), 0, 800), out);
  }
  run_timers_until(engine, timestamp_ms(600), out);
  ASSERT_EQ(out.rtp.size(), 10U);
  const auto first = rtp::RtpPacket::parse(out.rtp[0]);
  ASSERT_TRUE(first);
  const std::size_t echoed = out.rtp.size();
  feed(engine, timestamp_ms(610), rtcp_datagram({rtcp::Nack{kCallerVideoSsrc, kParrotVideoSsrc, {first->sequence_number()}}}), out);
  ASSERT_EQ(out.rtp.size(), echoed + 1);
  const auto resent = rtp::RtpPacket::parse(out.rtp.back());
  ASSERT_TRUE(resent);
  EXPECT_EQ(resent->sequence_number(), first->sequence_number());
  const auto extensions = rtp::HeaderExtensions::parse(resent->extension_profile(), resent->extension_data());
  EXPECT_EQ(rtp::parse_transport_sequence_number(*extensions->find(kTransportSequenceId)), 11);
}

TEST(EchoEngine, RembWithoutTransportCcFollowsWhatArrivesAndNeverCapsBelowTheStart) {
  EchoEngine engine(congestion_control_config(false, true));
  Collected out;
  // 100 kbit/s of audio for 3 s, then 2 Mbit/s of video as well for 4 s.
  for (int ms = 0; ms < 7000; ms += 5) {
    const Timestamp at = timestamp_ms(ms);
    run_timers_until(engine, at - Duration{1}, out);
    if (ms % 20 == 0)
      feed(engine, at, rtp_with_extensions(kCallerAudioSsrc, 111, static_cast<std::uint16_t>(ms / 20), 960u * static_cast<std::uint32_t>(ms / 20), 0, 0, 250), out);
    if (ms >= 3000)
      feed(engine, at, rtp_with_extensions(kCallerVideoSsrc, 96, static_cast<std::uint16_t>(ms / 5), 450u * static_cast<std::uint32_t>(ms / 5), 0, 0, 1250), out);
  }
  EXPECT_TRUE(transport_feedback_in(out).empty());
  const auto rembs = rembs_in(out);
  ASSERT_GE(rembs.size(), 4U);
  std::size_t first_with_video = rembs.size();
  for (std::size_t i = 0; i < rembs.size(); ++i) {
    EXPECT_GE(rembs[i].bitrate_bps, EchoEngine::kRembFloorBps);
    if (rembs[i].ssrcs.size() == 2 && first_with_video == rembs.size()) first_with_video = i;
    // One REMB for the transport, listing every REMB stream.
    EXPECT_EQ(rembs[i].ssrcs[0], kCallerAudioSsrc);
  }
  EXPECT_EQ(rembs.front().bitrate_bps, EchoEngine::kRembFloorBps);  // audio alone: the floor
  ASSERT_LT(first_with_video, rembs.size());
  // 2.1 Mbit/s arriving: 1.5 times that (REMB rounds down to its mantissa).
  EXPECT_NEAR(static_cast<double>(rembs.back().bitrate_bps), 3'150'000, 100'000);
  const auto snapshot = engine.snapshot();
  EXPECT_EQ(snapshot.streams[1].remb_last_bps, rembs.back().bitrate_bps);
  EXPECT_FALSE(snapshot.streams[1].transport_cc_feedback);
  ASSERT_TRUE(snapshot.streams[1].upstream.reached[3]);  // 1.5 Mbit/s within the first second of video
  EXPECT_LT(to_ms(*snapshot.streams[1].upstream.reached[3]), 1000);
}

TEST(EchoEngine, ProbeGetsTheCallersAudioLevelWhenNegotiated) {
  // RFC 6464 as libwebrtc sends it, one byte: V=1, 33 dB below overload.
  constexpr std::uint8_t kAudioLevelId = 1;
  const auto with_level = [](std::uint16_t sequence) {
    rtp::HeaderExtensionWriter writer;
    const std::array<std::byte, 1> level{std::byte{0x80 | 33}};
    writer.add(kAudioLevelId, level);
    const std::vector<std::byte> payload(160, std::byte{0x5A});
    std::vector<std::byte> out(12 + 8 + payload.size());
    rtp::RtpHeader header;
    header.ssrc = kCallerAudioSsrc;
    header.payload_type = 111;
    header.sequence_number = sequence;
    header.timestamp = 960u * sequence;
    header.extension_profile = writer.profile();
    header.extension_data = writer.data();
    out.resize(rtp::serialize(header, payload, out));
    return out;
  };
  for (const std::uint8_t negotiated_id : {kAudioLevelId, std::uint8_t{0}}) {
    EchoConfig config = audio_video_config();
    config.streams[0].audio_level_extension_id = negotiated_id;
    EchoEngine engine(config);
    probes::ProbeQueue queue(4);
    engine.attach_probe(0, &queue);
    Collected out;
    feed(engine, timestamp_ms(0), with_level(1), out);
    feed(engine, timestamp_ms(20), rtp_packet(kCallerAudioSsrc, 111, 2, 1920), out);  // no extension
    const auto first = queue.pop();
    const auto second = queue.pop();
    ASSERT_TRUE(first && second);
    EXPECT_FALSE(second->audio_level);
    if (negotiated_id == 0) {
      EXPECT_FALSE(first->audio_level);  // not negotiated: not read
      continue;
    }
    ASSERT_TRUE(first->audio_level);
    EXPECT_TRUE(first->audio_level->voice_activity);
    EXPECT_EQ(first->audio_level->level_minus_dbov, 33);
  }
}

}  // namespace
}  // namespace parrot::media::echo
