// VideoSampling: windows of decoding after key frames, counting in between.
#include <cstdint>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "codec_test_support.hpp"
#include "media/probes/stream_probe.hpp"
#include "media/probes/vp8_probe.hpp"
#include "media/probes/vp9_probe.hpp"

namespace parrot::media::probes {
namespace {

using test::encode_noise;
using test::kTicksPerFrame;
using test::packetize_vp8;
using test::packetize_vp9;

constexpr VideoSampling frames_window(std::uint32_t window_frames, std::uint32_t spacing_frames) {
  return {window_frames * kTicksPerFrame, spacing_frames * kTicksPerFrame};
}

template <typename Probe>
void feed(Probe& probe, const std::vector<std::vector<ProbePacket>>& frames) {
  for (const auto& frame : frames) {
    for (const auto& p : frame) probe.on_packet(p);
  }
}

// Pictures the report calls undecodable: neither decoded nor left out by sampling.
std::uint64_t undecodable(const VideoStats& s) { return s.pictures - s.pictures_decoded - s.pictures_not_sampled; }

TEST(VideoSampling, DecodesAWindowAfterTheKeyFrameAndCountsTheRest) {
  const auto frames = encode_noise(vpx_codec_vp8_cx(), 320, 240, 40);
  const auto packets = packetize_vp8(frames, 65000, 0xFFFFFFFFU - 5 * kTicksPerFrame);  // the window crosses the wrap
  Vp8Probe probe(frames_window(10, 300));
  feed(probe, packets);
  const VideoStats s = probe.stats();
  EXPECT_EQ(s.frames_assembled, 40U);
  EXPECT_EQ(s.frames_decoded, 10U);
  EXPECT_EQ(s.frames_not_sampled, 30U);
  EXPECT_EQ(s.pictures_decoded, 10U);
  EXPECT_EQ(s.pictures_not_sampled, 30U);
  EXPECT_EQ(undecodable(s), 0U) << "every frame could have been decoded";
  EXPECT_EQ(s.decode_windows, 1U);
  EXPECT_EQ(s.skipped_frames, 0U);
  EXPECT_EQ(s.decode_errors, 0U);
  // The stream's rate sees every picture; the decoded rate is the window's.
  EXPECT_NEAR(s.average_frame_rate_fps, 30.0, 0.01);
  EXPECT_NEAR(s.decoded_frame_rate_fps, 30.0, 0.01);
  EXPECT_EQ(s.width, 320U);
  EXPECT_FALSE(probe.holds_decoder()) << "the frame buffers are released after the window";
}

TEST(VideoSampling, EveryFrameIsTheDefaultAndKeepsTheDecoder) {
  const auto frames = encode_noise(vpx_codec_vp8_cx(), 160, 120, 12);
  Vp8Probe probe;
  feed(probe, packetize_vp8(frames, 0, 0));
  EXPECT_EQ(probe.stats().frames_decoded, 12U);
  EXPECT_EQ(probe.stats().frames_not_sampled, 0U);
  EXPECT_EQ(probe.stats().decode_windows, 0U);
  EXPECT_TRUE(probe.stats().sampling.decodes_everything());
  EXPECT_TRUE(probe.holds_decoder());
}

TEST(VideoSampling, AKeyFrameReopensAWindowOnceTheSpacingHasPassed) {
  // Key frames at 0, 20 and 40; windows of 5 frames at most every 30.
  const auto frames = encode_noise(vpx_codec_vp8_cx(), 160, 120, 60, {20, 40});
  const auto packets = packetize_vp8(frames, 100, 0);
  Vp8Probe probe(frames_window(5, 30));
  for (std::size_t f = 0; f < packets.size(); ++f) {
    for (const auto& p : packets[f]) probe.on_packet(p);
    const bool in_window = f < 5 || (f >= 40 && f < 45);
    // The decoder is let go at the first frame past a window.
    if (f == 3 || f == 42) {
      EXPECT_TRUE(probe.holds_decoder()) << f;
    }
    if (f == 5 || f == 30 || f == 45) {
      EXPECT_FALSE(probe.holds_decoder()) << f;
    }
    EXPECT_EQ(probe.stats().frames_decoded, f < 5 ? f + 1 : (f < 40 ? 5 : 5 + std::min<std::size_t>(f - 39, 5)))
        << f << (in_window ? " in a window" : "");
  }
  const VideoStats s = probe.stats();
  EXPECT_EQ(s.keyframes, 3U);
  EXPECT_EQ(s.decode_windows, 2U) << "the key frame at 20 came too soon after the first window";
  EXPECT_EQ(s.frames_decoded, 10U);
  EXPECT_EQ(s.frames_not_sampled, 50U);
  EXPECT_EQ(undecodable(s), 0U);
}

TEST(VideoSampling, SizeComesFromTheKeyFrameHeaderWithoutDecoding) {
  // 320x240, then a new key frame at 176x144 that opens no window.
  const auto big = encode_noise(vpx_codec_vp8_cx(), 320, 240, 10);
  const auto small = encode_noise(vpx_codec_vp8_cx(), 176, 144, 10);
  const auto first = packetize_vp8(big, 0, 0);
  const auto second = packetize_vp8(small, first.back().back().sequence_number + 1, 10 * kTicksPerFrame);
  Vp8Probe probe(frames_window(3, 1000));
  feed(probe, first);
  EXPECT_EQ(probe.stats().width, 320U);
  feed(probe, second);
  const VideoStats s = probe.stats();
  EXPECT_EQ(s.frames_decoded, 3U);
  EXPECT_EQ(s.keyframes, 2U);
  EXPECT_EQ(s.width, 176U);
  EXPECT_EQ(s.height, 144U);
  EXPECT_FALSE(probe.holds_decoder());
}

TEST(VideoSampling, LossOutsideAWindowIsStillUndecodable) {
  // A packet of frame 10 is lost, after the window: frame 10 is incomplete
  // and 11..19 wait for the key frame at 20, decoded or not.
  const auto frames = encode_noise(vpx_codec_vp8_cx(), 320, 240, 30, {20});
  const auto packets = packetize_vp8(frames, 0, 0);
  ASSERT_GT(packets[10].size(), 1U);
  Vp8Probe probe(frames_window(5, 1000));
  for (std::size_t f = 0; f < packets.size(); ++f) {
    for (std::size_t i = 0; i < packets[f].size(); ++i) {
      if (f == 10 && i == 1) continue;
      probe.on_packet(packets[f][i]);
    }
  }
  const VideoStats s = probe.stats();
  EXPECT_EQ(s.frames_decoded, 5U);
  EXPECT_EQ(s.incomplete_frames, 1U);
  EXPECT_EQ(s.skipped_frames, 9U);
  EXPECT_EQ(s.frames_not_sampled, 5U + 10U) << "frames 5..9, and the key frame 20 with the nine after it";
  EXPECT_EQ(undecodable(s), 10U);
}

TEST(VideoSampling, Vp9SizeFromTheUncompressedHeaderAndAWindow) {
  const auto big = encode_noise(vpx_codec_vp9_cx(), 320, 240, 8);
  const auto small = encode_noise(vpx_codec_vp9_cx(), 160, 96, 8);
  const auto first = packetize_vp9(big, 320, 240, 0, 0);
  const auto second = packetize_vp9(small, 160, 96, first.back().back().sequence_number + 1, 8 * kTicksPerFrame);
  Vp9Probe probe(frames_window(4, 1000));
  feed(probe, first);
  feed(probe, second);
  const VideoStats s = probe.stats();
  EXPECT_EQ(s.frames_decoded, 4U);
  EXPECT_EQ(s.frames_not_sampled, 12U);
  EXPECT_EQ(s.decode_windows, 1U);
  EXPECT_EQ(s.width, 160U);
  EXPECT_EQ(s.height, 96U);
  EXPECT_FALSE(probe.holds_decoder());
}

TEST(VideoSampling, CallsStreamProbesSampleByDefault) {
  // 3 s with the key frame at the start only (libwebrtc's shape): the
  // stream probe a call makes decodes the first 2 s and counts the rest.
  const auto frames = encode_noise(vpx_codec_vp8_cx(), 160, 120, 90);
  StreamProbeConfig config;
  config.codec = ProbedCodec::kVp8;
  config.codec_payload_types = {96};
  EXPECT_FALSE(config.video_sampling.decodes_everything());
  StreamProbe probe(config);
  for (const auto& frame : packetize_vp8(frames, 0, 0)) {
    for (ProbePacket p : frame) {
      p.payload_type = 96;
      probe.on_packet(p);
    }
  }
  const auto video = probe.video();
  ASSERT_TRUE(video);
  EXPECT_EQ(video->frames_decoded, 60U);
  EXPECT_EQ(video->frames_not_sampled, 30U);
  EXPECT_EQ(video->decode_windows, 1U);
  EXPECT_EQ(video->width, 160U);
}

// The frames at which windows opened, for a stream starting at first_ts.
std::vector<std::size_t> window_openings(const std::vector<std::vector<ProbePacket>>& packets, VideoSampling sampling) {
  Vp8Probe probe(sampling);
  std::vector<std::size_t> openings;
  for (std::size_t f = 0; f < packets.size(); ++f) {
    const std::uint64_t before = probe.stats().decode_windows;
    for (const auto& p : packets[f]) probe.on_packet(p);
    if (probe.stats().decode_windows > before) openings.push_back(f);
  }
  return openings;
}

TEST(VideoSampling, SpacingJitterComesFromTheStreamsTimestamps) {
  // Key frames every 4 frames; windows of 2 frames at least 12 apart, plus
  // up to 12 more drawn from the window's timestamp.
  std::vector<int> keys;
  for (int f = 4; f < 120; f += 4) keys.push_back(f);
  const auto frames = encode_noise(vpx_codec_vp8_cx(), 64, 48, 120, keys);
  const VideoSampling sampling{2 * kTicksPerFrame, 12 * kTicksPerFrame, 12 * kTicksPerFrame};
  std::set<std::vector<std::size_t>> distinct;
  for (const std::uint32_t first_ts : {0U, 123'457U, 987'653U, 4'000'000'017U}) {
    const auto openings = window_openings(packetize_vp8(frames, 0, first_ts), sampling);
    ASSERT_GE(openings.size(), 3U) << first_ts;
    for (std::size_t i = 1; i < openings.size(); ++i) {
      EXPECT_GE(openings[i] - openings[i - 1], 12U) << first_ts;
      EXPECT_LE(openings[i] - openings[i - 1], 12U + 12U + 4U) << first_ts;  // + the wait for a key frame
    }
    distinct.insert(openings);
  }
  EXPECT_GE(distinct.size(), 2U) << "streams with other timestamps open windows at other frames";
}

TEST(DecodeBudget, LeasesGiveTheirPlaceBack) {
  DecodeBudget budget(2);
  auto a = budget.try_acquire();
  auto b = budget.try_acquire();
  EXPECT_TRUE(a);
  EXPECT_TRUE(b);
  EXPECT_FALSE(budget.try_acquire());
  EXPECT_EQ(budget.refused(), 1U);
  DecodeBudget::Lease moved = std::move(a);
  EXPECT_EQ(budget.available(), 0U) << "a move keeps the one place";
  moved.reset();
  EXPECT_EQ(budget.available(), 1U);
  { const auto c = budget.try_acquire(); EXPECT_EQ(budget.available(), 0U); }
  EXPECT_EQ(budget.available(), 1U) << "a destroyed lease gives its place back";
}

TEST(VideoSampling, ASharedBudgetDefersAWindowUntilAPlaceIsFree) {
  // Two streams, key frames every 10 frames; windows of 5 frames; one place.
  const auto frames = encode_noise(vpx_codec_vp8_cx(), 64, 48, 40, {10, 20, 30});
  DecodeBudget budget(1);
  VideoSampling sampling = frames_window(5, 10);
  sampling.budget = &budget;
  Vp8Probe first(sampling);
  Vp8Probe second(sampling);
  const auto first_packets = packetize_vp8(frames, 0, 0);
  const auto second_packets = packetize_vp8(frames, 5000, 90'000);
  for (std::size_t f = 0; f < frames.size(); ++f) {
    for (const auto& p : first_packets[f]) first.on_packet(p);
    for (const auto& p : second_packets[f]) second.on_packet(p);
    if (f == 2) {
      EXPECT_EQ(budget.available(), 0U) << "the first stream's window holds the place";
    }
  }
  // The first opens at frames 0, 10, 20, 30 and frees its place at the
  // frame after each window; the second's key frames come in the same
  // frame, after the first's, so it is refused every time.
  EXPECT_EQ(first.stats().decode_windows, 4U);
  EXPECT_EQ(second.stats().decode_windows, 0U);
  EXPECT_EQ(second.stats().windows_refused, 4U);
  EXPECT_EQ(second.stats().frames_decoded, 0U);
  EXPECT_EQ(undecodable(second.stats()), 0U) << "refused frames are not sampled, not undecodable";
  EXPECT_EQ(budget.available(), 1U) << "the first's last window closed at frame 35";
}

TEST(VideoSampling, ARefusedStreamOpensAtItsNextKeyFrameOnceAPlaceIsFree) {
  const auto frames = encode_noise(vpx_codec_vp8_cx(), 64, 48, 30, {10, 20});
  DecodeBudget budget(1);
  VideoSampling sampling = frames_window(5, 30);  // one window each at most
  sampling.budget = &budget;
  Vp8Probe first(sampling);
  Vp8Probe second(sampling);
  const auto first_packets = packetize_vp8(frames, 0, 0);
  const auto second_packets = packetize_vp8(frames, 5000, 90'000);
  for (std::size_t f = 0; f < frames.size(); ++f) {
    for (const auto& p : first_packets[f]) first.on_packet(p);
    for (const auto& p : second_packets[f]) second.on_packet(p);
  }
  EXPECT_EQ(first.stats().decode_windows, 1U);
  EXPECT_EQ(second.stats().windows_refused, 1U);
  EXPECT_EQ(second.stats().decode_windows, 1U) << "opened at frame 10, the first's window over";
  EXPECT_EQ(second.stats().frames_decoded, 5U);
}

}  // namespace
}  // namespace parrot::media::probes
