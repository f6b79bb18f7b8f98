#include "media/probes/vp9_probe.hpp"

#include <gtest/gtest.h>

#include "codec_test_support.hpp"

namespace parrot::media::probes {
namespace {

using test::encode_noise;
using test::packetize_vp9;

TEST(Vp9Probe, ThirtyFramesNonFlexible) {
  const auto frames = encode_noise(vpx_codec_vp9_cx(), 320, 240, 30);
  ASSERT_EQ(frames.size(), 30U);
  const auto packets = packetize_vp9(frames, 320, 240, 100, 12345);
  ASSERT_GT(packets[0].size(), 1U);
  Vp9Probe probe;
  EXPECT_FALSE(probe.announced_resolution());
  for (const auto& frame : packets) {
    for (const auto& p : frame) probe.on_packet(p);
  }
  const VideoStats s = probe.stats();
  EXPECT_EQ(s.frames_assembled, 30U);
  EXPECT_EQ(s.frames_decoded, 30U);
  EXPECT_EQ(s.keyframes, 1U);
  EXPECT_EQ(s.width, 320U);
  EXPECT_EQ(s.height, 240U);
  EXPECT_NEAR(s.frame_rate_fps, 30.0, 0.01);
  EXPECT_EQ(s.malformed_packets, 0U);
  EXPECT_EQ(s.decode_errors, 0U);
  ASSERT_TRUE(probe.announced_resolution());
  EXPECT_EQ(probe.announced_resolution()->width, 320U);
  EXPECT_EQ(probe.announced_resolution()->height, 240U);
}

TEST(Vp9Probe, LostPacketSkipsUntilNextKeyframe) {
  const auto frames = encode_noise(vpx_codec_vp9_cx(), 320, 240, 30, {20});
  ASSERT_EQ(frames.size(), 30U);
  ASSERT_TRUE(frames[20].keyframe);
  const auto packets = packetize_vp9(frames, 320, 240, 65500, 0);  // sequence numbers wrap
  ASSERT_GE(packets[10].size(), 3U);
  Vp9Probe probe;
  for (std::size_t f = 0; f < packets.size(); ++f) {
    for (std::size_t i = 0; i < packets[f].size(); ++i) {
      if (f == 10 && i == 2) continue;
      probe.on_packet(packets[f][i]);
    }
  }
  const VideoStats s = probe.stats();
  EXPECT_EQ(s.incomplete_frames, 1U);   // frame 10
  EXPECT_EQ(s.skipped_frames, 9U);      // frames 11..19
  EXPECT_EQ(s.frames_decoded, 20U);     // 0..9 and 20..29
  EXPECT_EQ(s.keyframes, 2U);
  EXPECT_EQ(s.decode_errors, 0U);
  EXPECT_EQ(s.pictures, 30U);           // the stream still carried all 30
  EXPECT_EQ(s.pictures_decoded, 20U);
  EXPECT_NEAR(s.frame_rate_fps, 30.0, 0.01);
}

TEST(Vp9Probe, WholeFrameLossAlsoWaitsForKeyframe) {
  const auto frames = encode_noise(vpx_codec_vp9_cx(), 320, 240, 12, {8});
  const auto packets = packetize_vp9(frames, 320, 240, 0, 0);
  Vp9Probe probe;
  for (std::size_t f = 0; f < packets.size(); ++f) {
    if (f == 4) continue;  // every packet of frame 4 lost
    for (const auto& p : packets[f]) probe.on_packet(p);
  }
  const VideoStats s = probe.stats();
  EXPECT_EQ(s.incomplete_frames, 0U);  // nothing of frame 4 arrived to assemble
  EXPECT_EQ(s.skipped_frames, 3U);     // frames 5..7
  EXPECT_EQ(s.frames_decoded, 8U);     // 0..3 and 8..11
  // A picture of which nothing arrived is not seen: 11 pictures over 11
  // intervals read as 10 / 11 of the rate.
  EXPECT_EQ(s.pictures, 11U);
  EXPECT_NEAR(s.frame_rate_fps, 30.0 * 10 / 11, 0.01);
}

TEST(Vp9Probe, LatePacketOfAnOlderFrameIsCounted) {
  const auto frames = encode_noise(vpx_codec_vp9_cx(), 320, 240, 3);
  const auto packets = packetize_vp9(frames, 320, 240, 0, 0);
  Vp9Probe probe;
  for (const auto& p : packets[0]) probe.on_packet(p);
  for (const auto& p : packets[1]) probe.on_packet(p);
  probe.on_packet(packets[0].front());  // a duplicate from the past
  for (const auto& p : packets[2]) probe.on_packet(p);
  EXPECT_EQ(probe.stats().late_packets, 1U);
  EXPECT_EQ(probe.stats().frames_decoded, 3U);
}

}  // namespace
}  // namespace parrot::media::probes
