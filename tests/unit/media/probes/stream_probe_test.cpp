#include "media/probes/stream_probe.hpp"

#include <array>
#include <cmath>
#include <memory>
#include <numbers>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>
#include <opus/opus.h>

#include "codec_test_support.hpp"
#include "media/rtp/red_payload.hpp"

namespace parrot::media::probes {
namespace {

using test::encode_noise;
using test::packetize_vp8;

// Chromium's default ids: VP8 96, red 118, ulpfec 127; opus 111, red/48000 63.
constexpr std::uint8_t kVp8 = 96;
constexpr std::uint8_t kRed = 118;
constexpr std::uint8_t kUlpfec = 127;
constexpr std::uint8_t kOpus = 111;
constexpr std::uint8_t kAudioRed = 63;

StreamProbeConfig vp8_config() {
  StreamProbeConfig config;
  config.codec = ProbedCodec::kVp8;
  config.codec_payload_types = {kVp8};
  config.red_payload_type = kRed;
  config.ulpfec_payload_type = kUlpfec;
  return config;
}

// `inner` as the primary block of a RED packet with the same header fields,
// after `redundant` older blocks.
ProbePacket in_red(const ProbePacket& inner, std::uint8_t inner_pt, std::span<const rtp::RedBlock> redundant = {}) {
  ProbePacket red = inner;
  red.payload_type = kRed;
  red.payload.resize(ProbeQueue::kMaxPayloadBytes);
  const std::size_t size = rtp::serialize_red(redundant, rtp::RedBlock{inner_pt, 0, inner.payload}, red.payload);
  if (size == 0) throw std::logic_error("RED does not fit");
  red.payload.resize(size);
  return red;
}

// A ULPFEC packet in RED as libwebrtc sends it: the media SSRC's next
// sequence number, the protected frame's timestamp, no marker.
ProbePacket fec_in_red(std::uint32_t ts, std::uint16_t seq) {
  ProbePacket fec;
  fec.rtp_timestamp = ts;
  fec.sequence_number = seq;
  fec.payload = {std::byte{0x00}, std::byte{0x00}, std::byte{0x12}, std::byte{0x34}, std::byte{0x56}};
  return in_red(fec, kUlpfec);
}

// Thirty 320x240 VP8 frames at 30 fps, each in RED, with two FEC packets
// after every fifth frame and an empty RED (padding) after every seventh,
// numbered in one sequence space as libwebrtc does.
std::vector<ProbePacket> red_stream_with_fec(int frames, std::uint64_t& fec, std::uint64_t& padding) {
  const auto encoded = encode_noise(vpx_codec_vp8_cx(), 320, 240, frames);
  const auto plain = packetize_vp8(encoded, 0, 1000);
  std::vector<ProbePacket> out;
  std::uint16_t seq = 65500;  // across the wrap
  for (std::size_t f = 0; f < plain.size(); ++f) {
    for (ProbePacket p : plain[f]) {
      p.payload_type = kVp8;
      p.sequence_number = seq++;
      out.push_back(in_red(p, kVp8));
    }
    const std::uint32_t ts = plain[f].front().rtp_timestamp;
    if (f % 5 == 4) {
      for (int i = 0; i < 2; ++i, ++fec) out.push_back(fec_in_red(ts, seq++));
    }
    if (f % 7 == 6) {
      ProbePacket pad;
      pad.payload_type = kRed;
      pad.rtp_timestamp = ts;
      pad.sequence_number = seq++;
      out.push_back(pad);
      ++padding;
    }
  }
  return out;
}

TEST(StreamProbe, Vp8InsideRedWithFecAndPaddingDecodesEveryFrame) {
  std::uint64_t fec = 0;
  std::uint64_t padding = 0;
  const auto packets = red_stream_with_fec(30, fec, padding);
  StreamProbe probe(vp8_config());
  for (const auto& p : packets) probe.on_packet(p);

  const auto video = probe.video();
  ASSERT_TRUE(video);
  EXPECT_EQ(video->frames_assembled, 30U);
  EXPECT_EQ(video->frames_decoded, 30U);
  EXPECT_EQ(video->keyframes, 1U);
  EXPECT_EQ(video->width, 320U);
  EXPECT_EQ(video->height, 240U);
  EXPECT_NEAR(video->frame_rate_fps, 30.0, 0.01);
  EXPECT_EQ(video->skipped_frames, 0U);
  EXPECT_EQ(video->malformed_packets, 0U);
  EXPECT_EQ(video->packets, packets.size() - fec - padding);

  const CarriageStats carried = probe.carriage();
  EXPECT_EQ(fec, 12U);
  EXPECT_EQ(padding, 4U);
  EXPECT_EQ(carried.red_packets, packets.size());
  EXPECT_EQ(carried.fec_packets, fec);
  EXPECT_EQ(carried.empty_packets, padding);
  EXPECT_EQ(carried.malformed_red, 0U);
  EXPECT_EQ(carried.redundant_blocks, 0U);
  ASSERT_EQ(carried.carried_in_red.size(), 2U);
  EXPECT_EQ(carried.carried_in_red[0].first, kVp8);
  EXPECT_EQ(carried.carried_in_red[0].second, packets.size() - fec - padding);
  EXPECT_EQ(carried.carried_in_red[1].first, kUlpfec);
}

TEST(StreamProbe, WithoutUnwrappingTheSameStreamDecodesNothing) {
  // What parrot did before: the VP8 probe handed RED payloads.
  std::uint64_t fec = 0;
  std::uint64_t padding = 0;
  const auto packets = red_stream_with_fec(10, fec, padding);
  Vp8Probe vp8;
  for (const auto& p : packets) vp8.on_packet(p);
  EXPECT_EQ(vp8.stats().frames_decoded, 0U);
  EXPECT_EQ(vp8.stats().width, 0U);
}

TEST(StreamProbe, FecNotCountedAsFillerWouldLookLikeLoss) {
  // The FEC packets' sequence numbers must count as filled: the same stream
  // with them dropped makes the probe wait for a key frame after each.
  std::uint64_t fec = 0;
  std::uint64_t padding = 0;
  auto packets = red_stream_with_fec(30, fec, padding);
  std::erase_if(packets, [](const ProbePacket& p) { return !p.payload.empty() && std::to_integer<int>(p.payload[0]) == kUlpfec; });
  StreamProbe probe(vp8_config());
  for (const auto& p : packets) probe.on_packet(p);
  EXPECT_EQ(probe.carriage().fec_packets, 0U);
  EXPECT_LT(probe.video()->frames_decoded, 30U);
  EXPECT_GT(probe.video()->skipped_frames, 0U);
  // The pictures carried in RED still set the frame rate, decoded or not.
  EXPECT_EQ(probe.video()->pictures, 30U);
  EXPECT_LT(probe.video()->pictures_decoded, 30U);
  EXPECT_NEAR(probe.video()->frame_rate_fps, 30.0, 0.01);
}

TEST(StreamProbe, FecPacedIntoTheNextFrame) {
  // The pacer may send frame 0's FEC between frame 1's packets.
  const auto encoded = encode_noise(vpx_codec_vp8_cx(), 320, 240, 2);
  auto plain = packetize_vp8(encoded, 0, 0);
  ASSERT_GE(plain[1].size(), 2U);
  StreamProbe probe(vp8_config());
  std::uint16_t seq = 10;
  for (ProbePacket p : plain[0]) {
    p.sequence_number = seq++;
    probe.on_packet(in_red(p, kVp8));
  }
  for (std::size_t i = 0; i < plain[1].size(); ++i) {
    if (i == 1) probe.on_packet(fec_in_red(plain[0].front().rtp_timestamp, seq++));
    ProbePacket p = plain[1][i];
    p.sequence_number = seq++;
    probe.on_packet(in_red(p, kVp8));
  }
  EXPECT_EQ(probe.video()->frames_decoded, 2U);
  EXPECT_EQ(probe.video()->incomplete_frames, 0U);
  EXPECT_EQ(probe.carriage().fec_packets, 1U);
}

TEST(StreamProbe, PlainVp8AndPlainUlpfec) {
  const auto encoded = encode_noise(vpx_codec_vp8_cx(), 320, 240, 4);
  const auto plain = packetize_vp8(encoded, 0, 0);
  StreamProbe probe(vp8_config());
  std::uint16_t seq = 0;
  for (const auto& frame : plain) {
    for (ProbePacket p : frame) {
      p.payload_type = kVp8;
      p.sequence_number = seq++;
      probe.on_packet(p);
    }
    ProbePacket fec;
    fec.payload_type = kUlpfec;
    fec.sequence_number = seq++;
    fec.payload = {std::byte{0x80}, std::byte{0x00}};
    probe.on_packet(fec);
  }
  EXPECT_EQ(probe.video()->frames_decoded, 4U);
  EXPECT_EQ(probe.video()->skipped_frames, 0U);
  EXPECT_EQ(probe.carriage().fec_packets, 4U);
  EXPECT_EQ(probe.carriage().red_packets, 0U);
  EXPECT_TRUE(probe.carriage().carried_in_red.empty());
}

TEST(StreamProbe, MalformedRedAndOtherCodecsAreCountedNotProbed) {
  StreamProbe probe(vp8_config());
  ProbePacket bad;
  bad.payload_type = kRed;
  bad.payload = {std::byte{0xE0}, std::byte{0x00}};  // F=1, header cut short
  probe.on_packet(bad);
  ProbePacket vp9;
  vp9.payload_type = 98;
  vp9.payload = {std::byte{0x8C}, std::byte{0x00}};
  probe.on_packet(vp9);
  probe.on_packet(in_red(vp9, 98));
  EXPECT_EQ(probe.carriage().malformed_red, 1U);
  EXPECT_EQ(probe.carriage().red_packets, 2U);
  EXPECT_EQ(probe.carriage().other_codec_packets, 2U);
  EXPECT_EQ(probe.video()->packets, 0U);
}

TEST(StreamProbe, NoCodecProbeStillCounts) {
  StreamProbeConfig config;
  config.red_payload_type = kRed;
  config.ulpfec_payload_type = kUlpfec;
  StreamProbe probe(config);
  probe.on_packet(fec_in_red(0, 1));
  EXPECT_FALSE(probe.video());
  EXPECT_FALSE(probe.audio());
  EXPECT_EQ(probe.carriage().fec_packets, 1U);
}

struct EncoderDestroy {
  void operator()(OpusEncoder* e) const noexcept { opus_encoder_destroy(e); }
};

TEST(StreamProbe, OpusInRedUsesThePrimaryBlock) {
  // Chromium's red/48000 (fmtp 111/111): each packet repeats the two
  // previous frames before the current one.
  int err = OPUS_OK;
  std::unique_ptr<OpusEncoder, EncoderDestroy> enc(opus_encoder_create(48000, 1, OPUS_APPLICATION_AUDIO, &err));
  ASSERT_EQ(err, OPUS_OK);
  std::vector<std::vector<std::byte>> frames;
  std::array<opus_int16, 960> pcm{};
  std::array<unsigned char, 1000> buffer{};
  for (int f = 0; f < 50; ++f) {
    for (int i = 0; i < 960; ++i)
      pcm[static_cast<std::size_t>(i)] =
          static_cast<opus_int16>(3276.0 * std::sin(2.0 * std::numbers::pi * 1000.0 * (f * 960 + i) / 48000.0));
    const int n = opus_encode(enc.get(), pcm.data(), 960, buffer.data(), static_cast<opus_int32>(buffer.size()));
    ASSERT_GT(n, 2);
    const auto* first = reinterpret_cast<const std::byte*>(buffer.data());
    frames.emplace_back(first, first + n);
  }
  StreamProbeConfig config;
  config.codec = ProbedCodec::kOpus;
  config.codec_payload_types = {kOpus};
  config.red_payload_type = kAudioRed;
  StreamProbe probe(config);
  std::uint64_t redundant = 0;
  for (std::size_t f = 0; f < frames.size(); ++f) {
    std::vector<rtp::RedBlock> older;
    for (std::size_t back = std::min<std::size_t>(f, 2); back > 0; --back)
      older.push_back(rtp::RedBlock{kOpus, static_cast<std::uint16_t>(960 * back), frames[f - back]});
    redundant += older.size();
    ProbePacket p;
    p.payload_type = kAudioRed;
    p.sequence_number = static_cast<std::uint16_t>(f);
    p.rtp_timestamp = static_cast<std::uint32_t>(960 * f);
    p.payload.resize(ProbeQueue::kMaxPayloadBytes);
    p.payload.resize(rtp::serialize_red(older, rtp::RedBlock{kOpus, 0, frames[f]}, p.payload));
    ASSERT_FALSE(p.payload.empty());
    // The packet's RFC 6464 level belongs to its primary block.
    if (f == 10) p.audio_level = rtp::AudioLevel{true, 23};
    probe.on_packet(p);
  }
  const auto audio = probe.audio();
  ASSERT_TRUE(audio);
  EXPECT_EQ(audio->packets, 50U);
  EXPECT_EQ(audio->audio_level_packets, 1U);
  EXPECT_EQ(audio->level_source, OpusLevelSource::kDecoded);  // one level of 50 packets is not the source
  EXPECT_EQ(audio->decoded_frames, 50U);
  EXPECT_EQ(audio->decode_errors, 0U);
  EXPECT_EQ(audio->lost_packets, 0U);
  // -20 dBFS peak tone: RMS about -23 dBFS once the encoder settles.
  EXPECT_GT(audio->level_dbfs, -30.0);
  EXPECT_EQ(probe.carriage().red_packets, 50U);
  EXPECT_EQ(probe.carriage().redundant_blocks, redundant);
  ASSERT_EQ(probe.carriage().carried_in_red.size(), 1U);
  EXPECT_EQ(probe.carriage().carried_in_red[0].first, kOpus);
}

}  // namespace
}  // namespace parrot::media::probes
