#include "media/signals/opus_tone_source.hpp"

#include <gtest/gtest.h>
#include <opus/opus.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "media/bytes.hpp"
#include "media/codec_handles.hpp"

namespace parrot::media::signals {
namespace {

constexpr int kFramesPerSecond = 50;

// Decodes `seconds` of the source with libopus; returns interleaved PCM.
std::vector<std::int16_t> encode_and_decode(OpusToneSource& source, int channels, int seconds) {
  int error = OPUS_OK;
  const OpusDecoderPtr decoder{opus_decoder_create(48'000, channels, &error)};
  EXPECT_EQ(error, OPUS_OK);
  std::vector<std::int16_t> decoded;
  std::vector<std::int16_t> frame_pcm(960 * static_cast<std::size_t>(channels));
  for (int i = 0; i < seconds * kFramesPerSecond; ++i) {
    const AudioFrame frame = source.next();
    const int samples = opus_decode(decoder.get(), as_uchar(frame.payload), static_cast<opus_int32>(frame.payload.size()),
                                    frame_pcm.data(), 960, 0);
    EXPECT_EQ(samples, 960) << "frame " << i;
    decoded.insert(decoded.end(), frame_pcm.begin(), frame_pcm.end());
  }
  return decoded;
}

double db(double ratio) { return 20.0 * std::log10(ratio); }

double rms_of(const std::vector<std::int16_t>& pcm, std::size_t begin, std::size_t end) {
  double sum = 0;
  for (std::size_t i = begin; i < end; ++i) sum += static_cast<double>(pcm[i]) * pcm[i];
  return std::sqrt(sum / static_cast<double>(end - begin));
}

TEST(OpusToneSource, TimestampsAdvance960PerFrameAcrossWrap) {
  OpusToneConfig config;
  config.initial_rtp_timestamp = 0xFFFF'FC40;  // wraps to 0 after 1 frame (0x10000'0000 - 960)
  OpusToneSource source{config};
  std::uint32_t expected = 0xFFFF'FC40;
  for (int i = 0; i < 200; ++i) {
    const AudioFrame frame = source.next();
    EXPECT_EQ(frame.rtp_timestamp, expected) << i;
    EXPECT_EQ(frame.duration, std::chrono::milliseconds{20});
    // Default clicks every 1000 ms begin in frames 0, 50, 100, 150.
    EXPECT_EQ(frame.click, i % 50 == 0) << i;
    expected += 960;
  }
  EXPECT_EQ(source.frames_produced(), 200U);
  EXPECT_EQ(source.encode_failures(), 0U);
}

TEST(OpusToneSource, PayloadsAreSingle20msOpusPacketsNearTheBitrate) {
  OpusToneSource source{OpusToneConfig{}};
  std::size_t total_bytes = 0;
  constexpr int kFrames = 5 * kFramesPerSecond;
  for (int i = 0; i < kFrames; ++i) {
    const AudioFrame frame = source.next();
    ASSERT_GE(frame.payload.size(), 2U) << i;
    ASSERT_LE(frame.payload.size(), 1275U) << i;  // RFC 6716 §3.2.1 bound for one frame
    // The TOC byte (RFC 6716 §3.1) as libopus reads it: one 20 ms frame.
    EXPECT_EQ(opus_packet_get_nb_frames(as_uchar(frame.payload), static_cast<opus_int32>(frame.payload.size())), 1);
    EXPECT_EQ(opus_packet_get_samples_per_frame(as_uchar(frame.payload), 48'000), 960);
    total_bytes += frame.payload.size();
  }
  // 32 kbit/s for 5 s is 20000 bytes; VBR on a steady tone may undershoot.
  EXPECT_GT(total_bytes, 20'000U / 3);
  EXPECT_LT(total_bytes, 20'000U * 3 / 2);
}

TEST(OpusToneSource, DecodedToneKeepsItsLevelAndClicksStandOut) {
  for (const int channels : {1, 2}) {
    OpusToneConfig config;
    config.tone.channels = channels;
    OpusToneSource source{config};
    const auto decoded = encode_and_decode(source, channels, 4);
    const auto stride = static_cast<std::size_t>(channels);
    constexpr std::size_t kSecond = 48'000;
    // Tone level away from clicks: from 100 ms after a click began (its
    // 10 ms plus codec delay and smearing) to 50 ms before the next.
    const double tone_rms = 3276.7 / std::sqrt(2.0);
    for (std::size_t second = 0; second < 4; ++second) {
      const double measured =
          rms_of(decoded, (second * kSecond + 4'800) * stride, ((second + 1) * kSecond - 2'400) * stride);
      EXPECT_NEAR(db(measured / tone_rms), 0.0, 2.0) << channels << " channel(s), second " << second;
    }
    // A decoder-side detector sees each click as a 10 ms window at least
    // 10 dB above the tone within 30 ms of where it was sent.
    for (std::size_t second = 1; second < 4; ++second) {
      double loudest = 0;
      for (std::size_t start = second * kSecond; start < second * kSecond + 1'440; start += 48) {
        loudest = std::max(loudest, rms_of(decoded, start * stride, (start + 480) * stride));
      }
      EXPECT_GT(db(loudest / tone_rms), 10.0) << channels << " channel(s), click " << second;
    }
  }
}

TEST(OpusToneSource, VoipApplicationAndOtherBitratesWork) {
  OpusToneConfig config;
  config.application = OpusApplication::kVoip;
  config.bitrate_bps = 16'000;
  OpusToneSource source{config};
  const auto decoded = encode_and_decode(source, 1, 2);
  const double measured = rms_of(decoded, 48'000 + 4'800, 2 * 48'000 - 2'400);
  EXPECT_NEAR(db(measured / (3276.7 / std::sqrt(2.0))), 0.0, 2.0);
}

TEST(OpusToneSource, RejectsBadConfig) {
  OpusToneConfig config;
  config.bitrate_bps = 1'000;
  EXPECT_THROW(OpusToneSource{config}, std::invalid_argument);
  config = OpusToneConfig{};
  config.complexity = 11;
  EXPECT_THROW(OpusToneSource{config}, std::invalid_argument);
  config = OpusToneConfig{};
  config.tone.channels = 6;
  EXPECT_THROW(OpusToneSource{config}, std::invalid_argument);
}

}  // namespace
}  // namespace parrot::media::signals
