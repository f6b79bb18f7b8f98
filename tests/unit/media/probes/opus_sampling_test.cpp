// The Opus probe's cheaper measures against decoding every packet of the
// same stream: levels from the RFC 6464 header extension, and decoding in
// windows while those levels arrive. The report states level to 1 dB and
// the silent share to 5 points; the tests hold the cheap figures to that.
#include <cmath>
#include <memory>
#include <numbers>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>
#include <opus/opus.h>

#include "media/probes/opus_probe.hpp"
#include "media/signals/opus_tone_source.hpp"
#include "media/signals/tone_with_clicks.hpp"
#include "tests/unit/media/probes/speech_like.hpp"

namespace parrot::media::probes {
namespace {

constexpr int kFrameSamples = 960;  // 20 ms at 48 kHz
constexpr double kLevelAccuracyDb = 1.0;
constexpr double kSilentShareAccuracy = 0.05;

struct EncoderDestroy {
  void operator()(OpusEncoder* e) const noexcept { opus_encoder_destroy(e); }
};

ProbePacket packet_of(int frame, const unsigned char* data, int size, std::span<const std::int16_t> pcm) {
  ProbePacket p;
  // A multiple of the windows' period (250): they open at the first packet.
  p.sequence_number = static_cast<std::uint16_t>(frame + 25'000);
  p.rtp_timestamp = static_cast<std::uint32_t>(frame * kFrameSamples);
  p.payload.assign(reinterpret_cast<const std::byte*>(data), reinterpret_cast<const std::byte*>(data) + size);
  p.audio_level = rtp::AudioLevel{false, test::audio_level_of(pcm)};
  return p;
}

// Mono, as a voice client sends it: VoIP mode at 32 kbit/s, with or
// without DTX (whose 1-byte packets are all sent here). Every packet
// carries its RFC 6464 level.
std::vector<ProbePacket> encode(const std::vector<double>& signal, bool dtx) {
  int err = OPUS_OK;
  std::unique_ptr<OpusEncoder, EncoderDestroy> enc(opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err));
  if (err != OPUS_OK) throw std::runtime_error("opus_encoder_create");
  opus_encoder_ctl(enc.get(), OPUS_SET_BITRATE(32000));
  opus_encoder_ctl(enc.get(), OPUS_SET_DTX(dtx ? 1 : 0));
  std::vector<ProbePacket> out;
  std::vector<std::int16_t> pcm(kFrameSamples);
  std::vector<unsigned char> buffer(4000);
  for (std::size_t f = 0; (f + 1) * kFrameSamples <= signal.size(); ++f) {
    for (std::size_t i = 0; i < pcm.size(); ++i) {
      const double v = std::clamp(signal[f * kFrameSamples + i], -1.0, 32767.0 / 32768.0);
      pcm[i] = static_cast<std::int16_t>(std::lround(v * 32768.0));
    }
    const int n = opus_encode(enc.get(), pcm.data(), kFrameSamples, buffer.data(), static_cast<opus_int32>(buffer.size()));
    if (n < 0) throw std::runtime_error("opus_encode");
    out.push_back(packet_of(static_cast<int>(f), buffer.data(), n, pcm));
  }
  return out;
}

// parrot's own test signal (OpusToneSource: a tone with a click a second),
// with each frame's level from the same samples the encoder was given.
std::vector<ProbePacket> test_tone(int frames) {
  signals::OpusToneConfig config;
  signals::OpusToneSource source(config);
  signals::ToneWithClicks samples(config.tone);
  std::vector<std::int16_t> pcm(kFrameSamples);
  std::vector<ProbePacket> out;
  for (int f = 0; f < frames; ++f) {
    const signals::AudioFrame frame = source.next();
    samples.fill(pcm);
    out.push_back(packet_of(f, reinterpret_cast<const unsigned char*>(frame.payload.data()),
                            static_cast<int>(frame.payload.size()), pcm));
  }
  return out;
}

std::vector<double> on_off_tone(double seconds, double on_s, double off_s) {
  std::vector<double> out(static_cast<std::size_t>(seconds * 48000.0));
  for (std::size_t n = 0; n < out.size(); ++n) {
    const double t = static_cast<double>(n) / 48000.0;
    const bool on = std::fmod(t, on_s + off_s) < on_s;
    out[n] = on ? 0.1 * std::sin(2.0 * std::numbers::pi * 440.0 * t) : 0.0;
  }
  return out;
}

OpusStats probe(const std::vector<ProbePacket>& packets, OpusSampling sampling, bool with_levels) {
  OpusProbe p(1, sampling);
  for (ProbePacket packet : packets) {
    if (!with_levels) packet.audio_level.reset();
    p.on_packet(packet);
  }
  return p.stats();
}

// The sampled probe with levels against full decoding without them.
void expect_within_accuracy(const std::vector<ProbePacket>& packets) {
  const OpusStats full = probe(packets, OpusSampling::every_packet(), false);
  const OpusStats sampled = probe(packets, OpusSampling::windows(), true);
  ASSERT_EQ(full.level_source, OpusLevelSource::kDecoded);
  ASSERT_EQ(sampled.level_source, OpusLevelSource::kAudioLevel);
  EXPECT_NEAR(sampled.level_dbfs, full.level_dbfs, kLevelAccuracyDb);
  EXPECT_NEAR(sampled.silent_frame_share, full.silent_frame_share, kSilentShareAccuracy);
  EXPECT_EQ(sampled.packets, full.packets);
  EXPECT_EQ(sampled.dtx_frames, full.dtx_frames);
  EXPECT_EQ(sampled.audio_packets, full.audio_packets);
  EXPECT_EQ(sampled.audio_level_packets, sampled.audio_packets);
  // About a twentieth decoded: 26 of every 500 packets (one primes the
  // decoder), and the first 26.
  EXPECT_LT(sampled.decoded_frames * 12, sampled.packets);
  EXPECT_GT(sampled.measured_frames, 0U);
}

TEST(OpusSampling, TestToneLevelsMatchDecoding) {
  const auto packets = test_tone(30 * 50);
  expect_within_accuracy(packets);
  // The clicks are in the level either way: above the bare tone's RMS.
  const OpusStats sampled = probe(packets, OpusSampling::windows(), true);
  EXPECT_GT(sampled.level_dbfs, -23.5);
}

TEST(OpusSampling, ToneThatStartsAndStopsMatchesDecoding) {
  for (const bool dtx : {false, true}) {
    SCOPED_TRACE(dtx ? "DTX" : "no DTX");
    const auto packets = encode(on_off_tone(40.0, 1.3, 0.9), dtx);
    expect_within_accuracy(packets);
    const OpusStats full = probe(packets, OpusSampling::every_packet(), false);
    EXPECT_GT(full.silent_frame_share, 0.2);  // the pauses are in the figure
  }
}

TEST(OpusSampling, SpeechLikeInputMatchesDecoding) {
  for (const bool dtx : {false, true}) {
    for (std::uint32_t seed = 1; seed <= 3; ++seed) {
      SCOPED_TRACE(testing::Message() << (dtx ? "DTX" : "no DTX") << " seed " << seed);
      const auto packets = encode(test::speech_like(30.0, seed), dtx);
      expect_within_accuracy(packets);
      const OpusStats full = probe(packets, OpusSampling::every_packet(), false);
      EXPECT_GT(full.silent_frame_share, 0.1);
      EXPECT_LT(full.silent_frame_share, 0.9);
    }
  }
}

TEST(OpusSampling, WithoutLevelsEveryPacketIsDecoded) {
  // Sampling would miss loud spurts of speech; without the sender's levels
  // the probe decodes everything, exactly as without sampling.
  const auto packets = encode(test::speech_like(12.0, 7), false);
  const OpusStats full = probe(packets, OpusSampling::every_packet(), false);
  const OpusStats sampled = probe(packets, OpusSampling::windows(), false);
  EXPECT_EQ(sampled.decoded_frames, packets.size());
  EXPECT_EQ(sampled.measured_frames, packets.size());
  EXPECT_EQ(sampled.level_dbfs, full.level_dbfs);
  EXPECT_EQ(sampled.silent_frame_share, full.silent_frame_share);
  EXPECT_EQ(sampled.peak_dbfs, full.peak_dbfs);
}

TEST(OpusSampling, WindowsDecodeWhatTheyPromise) {
  const auto packets = test_tone(1000);
  const OpusStats s = probe(packets, OpusSampling{250, 25, 1}, true);
  // Windows open at packets 0, 250, 500, 750: 26 decoded each; the first
  // needs no priming (a new decoder has no stale state).
  EXPECT_EQ(s.decoded_frames, 4U * 26U);
  EXPECT_EQ(s.measured_frames, 26U + 3U * 25U);
  EXPECT_EQ(s.audio_level_packets, 1000U);
  EXPECT_EQ(s.samples, 1000U * kFrameSamples);
  EXPECT_NEAR(s.peak_dbfs, -3.0, 1.5);  // a click falls in the first window
}

TEST(OpusSampling, TheFirstSequenceNumberSetsTheWindowsPhase) {
  // Calls that start together open their windows apart: a stream's first
  // sequence number is random, and it places the windows in the period.
  auto packets = test_tone(250);
  const OpusStats in_step = probe(packets, OpusSampling{250, 25, 1}, true);
  EXPECT_EQ(in_step.decoded_frames, 26U);
  // Starting at phase 125: the first window at the start, as always (a
  // short call still gets its peak), the next after the stream's 125th packet.
  for (auto& p : packets) p.sequence_number = static_cast<std::uint16_t>(p.sequence_number + 125);
  const std::vector<ProbePacket> first_part(packets.begin(), packets.begin() + 125);
  EXPECT_EQ(probe(first_part, OpusSampling{250, 25, 1}, true).decoded_frames, 26U);
  EXPECT_EQ(probe(packets, OpusSampling{250, 25, 1}, true).decoded_frames, 2U * 26U);
}

TEST(OpusSampling, DecodingResumesWhenLevelsStop) {
  auto packets = test_tone(1000);
  for (std::size_t i = 500; i < packets.size(); ++i) packets[i].audio_level.reset();
  const OpusStats s = probe(packets, OpusSampling::windows(), true);
  EXPECT_GE(s.decoded_frames, 500U);
  EXPECT_EQ(s.audio_level_packets, 500U);
  EXPECT_EQ(s.level_source, OpusLevelSource::kAudioLevel);  // half carried one
}

TEST(OpusSampling, LossInsideAWindowIsConcealedOutsideOnlyCounted) {
  auto packets = test_tone(300);
  packets.erase(packets.begin() + 100, packets.begin() + 103);  // outside the first window
  packets.erase(packets.begin() + 10, packets.begin() + 12);    // inside it
  const OpusStats s = probe(packets, OpusSampling::windows(), true);
  EXPECT_EQ(s.lost_packets, 5U);
  EXPECT_EQ(s.concealed_frames, 2U);
}

TEST(OpusSampling, DtxGapsAreCountedOutsideWindows) {
  auto packets = test_tone(400);
  // Packets 300.. arrive with their timestamps 4 frames further each: DTX
  // gaps of 3 frames, all outside the windows (250..275 is the second).
  for (std::size_t i = 300; i < packets.size(); ++i)
    packets[i].rtp_timestamp += static_cast<std::uint32_t>((i - 299) * 3 * kFrameSamples);
  const OpusStats s = probe(packets, OpusSampling::windows(), true);
  EXPECT_EQ(s.dtx_frames, 100U * 3U);
}

TEST(OpusSampling, LevelsAreReadAsRfc6464) {
  // 20 dB below full scale on every packet, and then the floor (127): an
  // RMS of -20 dBFS over the loud half, and half the frames silent.
  auto packets = test_tone(100);
  for (std::size_t i = 0; i < packets.size(); ++i) packets[i].audio_level = rtp::AudioLevel{true, i < 50 ? std::uint8_t{20} : std::uint8_t{127}};
  const OpusStats s = probe(packets, OpusSampling::windows(), true);
  EXPECT_NEAR(s.level_dbfs, -20.0 - 10.0 * std::log10(2.0), 0.01);
  EXPECT_DOUBLE_EQ(s.silent_frame_share, 0.5);
  EXPECT_STREQ(to_string(s.level_source), "audio level");
}

TEST(OpusSampling, RejectsWindowsThatDoNotFit) {
  EXPECT_THROW(OpusProbe(1, OpusSampling{10, 0, 1}), std::invalid_argument);
  EXPECT_THROW(OpusProbe(1, OpusSampling{10, 10, 1}), std::invalid_argument);
  EXPECT_NO_THROW(OpusProbe(1, OpusSampling{10, 9, 1}));
}

}  // namespace
}  // namespace parrot::media::probes
