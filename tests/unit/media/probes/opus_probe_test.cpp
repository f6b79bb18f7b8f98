#include "media/probes/opus_probe.hpp"

#include <cmath>
#include <memory>
#include <numbers>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>
#include <opus/opus.h>

namespace parrot::media::probes {
namespace {

constexpr int kFrameSamples = 960;  // 20 ms at 48 kHz
constexpr int kFrames = 50;         // one second

struct EncoderDestroy {
  void operator()(OpusEncoder* e) const noexcept { opus_encoder_destroy(e); }
};

// Encodes `frames` 20 ms frames of `signal(sample_index)` (full scale 1.0)
// into RTP-style packets: sequence from 1, timestamp 960 apart.
template <typename Signal>
std::vector<ProbePacket> encode(int channels, int frames, Signal signal) {
  int err = OPUS_OK;
  std::unique_ptr<OpusEncoder, EncoderDestroy> enc(opus_encoder_create(48000, channels, OPUS_APPLICATION_AUDIO, &err));
  if (err != OPUS_OK) throw std::runtime_error("opus_encoder_create");
  opus_encoder_ctl(enc.get(), OPUS_SET_BITRATE(64000 * channels));
  std::vector<ProbePacket> out;
  std::vector<opus_int16> pcm(static_cast<std::size_t>(kFrameSamples * channels));
  std::vector<unsigned char> buffer(4000);
  for (int f = 0; f < frames; ++f) {
    for (int i = 0; i < kFrameSamples; ++i) {
      const double v = signal(f * kFrameSamples + i);
      const auto s = static_cast<opus_int16>(std::lround(std::clamp(v, -1.0, 32767.0 / 32768.0) * 32768.0));
      for (int c = 0; c < channels; ++c) pcm[static_cast<std::size_t>(i * channels + c)] = s;
    }
    const int n = opus_encode(enc.get(), pcm.data(), kFrameSamples, buffer.data(), static_cast<opus_int32>(buffer.size()));
    if (n < 0) throw std::runtime_error("opus_encode");
    ProbePacket p;
    p.sequence_number = static_cast<std::uint16_t>(f + 1);
    p.rtp_timestamp = static_cast<std::uint32_t>(f * kFrameSamples);
    p.payload.assign(reinterpret_cast<const std::byte*>(buffer.data()),
                     reinterpret_cast<const std::byte*>(buffer.data()) + n);
    out.push_back(std::move(p));
  }
  return out;
}

// 1 kHz at -20 dBFS peak (amplitude 0.1): RMS is peak / sqrt(2), -23.01 dBFS.
double tone(int n) { return 0.1 * std::sin(2.0 * std::numbers::pi * 1000.0 * n / 48000.0); }

OpusStats feed(OpusProbe& probe, const std::vector<ProbePacket>& packets) {
  for (const auto& p : packets) probe.on_packet(p);
  return probe.stats();
}

TEST(OpusProbe, RejectsBadChannelCount) {
  EXPECT_THROW(OpusProbe(0), std::invalid_argument);
  EXPECT_THROW(OpusProbe(3), std::invalid_argument);
}

TEST(OpusProbe, NoAudioReportsTheFloor) {
  const OpusStats s = OpusProbe(1).stats();
  EXPECT_EQ(s.level_dbfs, OpusProbe::kFloorDbfs);
  EXPECT_EQ(s.peak_dbfs, OpusProbe::kFloorDbfs);
  EXPECT_EQ(s.channels, 1U);
}

TEST(OpusProbe, MonoToneLevel) {
  OpusProbe probe(1);
  const OpusStats s = feed(probe, encode(1, kFrames, tone));
  EXPECT_EQ(s.packets, 50U);
  EXPECT_EQ(s.decoded_frames, 50U);
  EXPECT_NEAR(s.level_dbfs, -23.01, 1.5);
  EXPECT_NEAR(s.peak_dbfs, -20.0, 1.5);
  EXPECT_LE(s.silent_frame_share, 0.05);
  EXPECT_EQ(s.clipped_samples, 0U);
  EXPECT_EQ(s.decode_errors, 0U);
  EXPECT_EQ(s.concealed_frames, 0U);
  EXPECT_EQ(s.dtx_frames, 0U);
}

TEST(OpusProbe, StereoToneLevel) {
  OpusProbe probe(2);
  const OpusStats s = feed(probe, encode(2, kFrames, tone));
  EXPECT_EQ(s.channels, 2U);
  EXPECT_EQ(s.decoded_frames, 50U);
  EXPECT_NEAR(s.level_dbfs, -23.01, 1.5);
  EXPECT_LE(s.silent_frame_share, 0.05);
}

TEST(OpusProbe, EncodedSilenceIsSilent) {
  OpusProbe probe(1);
  const OpusStats s = feed(probe, encode(1, kFrames, [](int) { return 0.0; }));
  EXPECT_GE(s.silent_frame_share, 0.95);
  EXPECT_LT(s.level_dbfs, -60.0);
  EXPECT_EQ(s.clipped_samples, 0U);
}

TEST(OpusProbe, FullScaleSquareClips) {
  OpusProbe probe(1);
  // 500 Hz square: 48 samples high, 48 low, at full scale.
  const OpusStats s = feed(probe, encode(1, kFrames, [](int n) { return (n / 48) % 2 == 0 ? 1.0 : -1.0; }));
  EXPECT_GT(s.clipped_samples, 1000U);
  EXPECT_GT(s.peak_dbfs, -0.01);
  EXPECT_NEAR(s.level_dbfs, 0.0, 1.5);
}

TEST(OpusProbe, GarbageCountsDecodeErrors) {
  OpusProbe probe(2);
  ProbePacket bad;
  bad.sequence_number = 1;
  // RFC 6716 §3.2.5: code 3 with a frame count M of 0 is invalid.
  bad.payload = {std::byte{0x03}, std::byte{0x00}, std::byte{0x11}, std::byte{0x22}};
  probe.on_packet(bad);
  // RFC 6716 §3.2.3: code 1 (two equal frames) needs an even number of
  // bytes after the TOC; three is invalid.
  bad.sequence_number = 2;
  bad.payload = {std::byte{0x01}, std::byte{0xAA}, std::byte{0xBB}, std::byte{0xCC}};
  probe.on_packet(bad);
  const OpusStats s = probe.stats();
  EXPECT_EQ(s.decode_errors, 2U);
  EXPECT_EQ(s.decoded_frames, 0U);
  EXPECT_EQ(s.level_dbfs, OpusProbe::kFloorDbfs);
}

TEST(OpusProbe, LostPacketsAreConcealed) {
  auto packets = encode(1, kFrames, tone);
  packets.erase(packets.begin() + 10, packets.begin() + 13);  // sequence 11, 12, 13 lost
  OpusProbe probe(1);
  const OpusStats s = feed(probe, packets);
  EXPECT_EQ(s.lost_packets, 3U);
  EXPECT_EQ(s.concealed_frames, 3U);
  EXPECT_EQ(s.decoded_frames, 47U);
  EXPECT_NEAR(s.level_dbfs, -23.01, 1.5);
}

TEST(OpusProbe, HostileSequenceJumpIsCapped) {
  auto packets = encode(1, 2, tone);
  packets[1].sequence_number = 30001;  // 29999 "lost"
  OpusProbe probe(1);
  const OpusStats s = feed(probe, packets);
  EXPECT_EQ(s.lost_packets, 29999U);
  EXPECT_EQ(s.concealed_frames, OpusProbe::kMaxConcealedPerGap);
}

TEST(OpusProbe, DtxPacketsAndTimestampGaps) {
  auto packets = encode(1, 4, tone);
  OpusProbe probe(1);
  probe.on_packet(packets[0]);
  probe.on_packet(packets[1]);
  // Sequence 3 arrives in order, 5 frames after sequence 2: 4 frame slots
  // were not sent (RFC 7587 §3.4 DTX).
  packets[2].rtp_timestamp = packets[1].rtp_timestamp + 5 * kFrameSamples;
  probe.on_packet(packets[2]);
  ProbePacket toc_only;
  toc_only.sequence_number = 4;
  toc_only.rtp_timestamp = packets[2].rtp_timestamp + kFrameSamples;
  toc_only.payload = {std::byte{0xF8}};  // TOC only: CELT FB 20 ms, code 0, no frame data
  probe.on_packet(toc_only);
  const OpusStats s = probe.stats();
  EXPECT_EQ(s.dtx_frames, 5U);
  EXPECT_EQ(s.decoded_frames, 3U);
  EXPECT_EQ(s.concealed_frames, 0U);
  // 5 DTX frames of 8 count as silent, the tone frames do not.
  EXPECT_NEAR(s.silent_frame_share, 5.0 / 8.0, 1e-9);
}

TEST(OpusProbe, ReorderedPacketIsLateNotDecoded) {
  auto packets = encode(1, 3, tone);
  OpusProbe probe(1);
  probe.on_packet(packets[0]);
  probe.on_packet(packets[2]);
  probe.on_packet(packets[1]);
  const OpusStats s = probe.stats();
  EXPECT_EQ(s.late_packets, 1U);
  EXPECT_EQ(s.lost_packets, 1U);
  EXPECT_EQ(s.decoded_frames, 2U);
}

}  // namespace
}  // namespace parrot::media::probes
