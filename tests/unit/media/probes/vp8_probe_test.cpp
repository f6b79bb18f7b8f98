#include "media/probes/vp8_probe.hpp"

#include <gtest/gtest.h>

#include "codec_test_support.hpp"

namespace parrot::media::probes {
namespace {

using test::encode_noise;
using test::packetize_vp8;

TEST(Vp8Probe, ThirtyFramesInOrder) {
  const auto frames = encode_noise(vpx_codec_vp8_cx(), 320, 240, 30);
  ASSERT_EQ(frames.size(), 30U);
  // Timestamps start near the 32-bit wrap so the frame rate crosses it.
  const auto packets = packetize_vp8(frames, 65530, 0xFFFFFFFFU - 10 * test::kTicksPerFrame);
  ASSERT_GT(packets[0].size(), 1U) << "key frame should span several packets";
  Vp8Probe probe;
  std::uint64_t sent = 0;
  for (const auto& frame : packets) {
    for (const auto& p : frame) {
      probe.on_packet(p);
      ++sent;
    }
  }
  const VideoStats s = probe.stats();
  EXPECT_EQ(s.packets, sent);
  EXPECT_EQ(s.frames_assembled, 30U);
  EXPECT_EQ(s.frames_decoded, 30U);
  EXPECT_EQ(s.keyframes, 1U);
  EXPECT_EQ(s.width, 320U);
  EXPECT_EQ(s.height, 240U);
  EXPECT_NEAR(s.frame_rate_fps, 30.0, 0.01);
  EXPECT_EQ(s.incomplete_frames, 0U);
  EXPECT_EQ(s.decode_errors, 0U);
  EXPECT_EQ(s.skipped_frames, 0U);
}

TEST(Vp8Probe, LostPacketSkipsUntilNextKeyframe) {
  const auto frames = encode_noise(vpx_codec_vp8_cx(), 320, 240, 30, {15});
  ASSERT_EQ(frames.size(), 30U);
  ASSERT_TRUE(frames[15].keyframe);
  const auto packets = packetize_vp8(frames, 1000, 90000);
  ASSERT_GE(packets[5].size(), 2U);
  Vp8Probe probe;
  for (std::size_t f = 0; f < packets.size(); ++f) {
    for (std::size_t i = 0; i < packets[f].size(); ++i) {
      if (f == 5 && i == 1) continue;  // lost in the network
      probe.on_packet(packets[f][i]);
    }
  }
  const VideoStats s = probe.stats();
  EXPECT_EQ(s.incomplete_frames, 1U);       // frame 5
  EXPECT_EQ(s.frames_assembled, 29U);       // all but frame 5
  EXPECT_EQ(s.skipped_frames, 9U);          // frames 6..14 wait for the key frame
  EXPECT_EQ(s.frames_decoded, 20U);         // 0..4 and 15..29
  EXPECT_EQ(s.keyframes, 2U);
  EXPECT_EQ(s.decode_errors, 0U);
  EXPECT_EQ(s.width, 320U);
  // The stream's rate counts every picture it carried, decodable or not;
  // the decoded rate is 20 pictures spanning frames 0..29: 19 * 90000 / 87000.
  EXPECT_EQ(s.pictures, 30U);
  EXPECT_EQ(s.pictures_decoded, 20U);
  EXPECT_NEAR(s.frame_rate_fps, 30.0, 0.01);
  EXPECT_NEAR(s.average_frame_rate_fps, 30.0, 0.01);
  EXPECT_NEAR(s.decoded_frame_rate_fps, 19.0 * 90000.0 / 87000.0, 0.01);
}

TEST(Vp8Probe, ReorderedPacketsInsideAFrameStillAssemble) {
  const auto frames = encode_noise(vpx_codec_vp8_cx(), 320, 240, 3);
  auto packets = packetize_vp8(frames, 7, 0);
  ASSERT_GE(packets[1].size(), 2U);
  std::swap(packets[1][0], packets[1][1]);
  Vp8Probe probe;
  for (const auto& frame : packets) {
    for (const auto& p : frame) probe.on_packet(p);
  }
  EXPECT_EQ(probe.stats().frames_decoded, 3U);
  EXPECT_EQ(probe.stats().incomplete_frames, 0U);
}

TEST(Vp8Probe, GarbageIsCountedNotDecoded) {
  Vp8Probe probe;
  probe.on_packet(test::make_packet(0, 1, true, {}));            // empty
  probe.on_packet(test::make_packet(0, 2, true, {0x80, 0x80}));  // I announced, missing
  // A parseable descriptor and a "key frame" that libvpx refuses.
  probe.on_packet(test::make_packet(3000, 3, true, {0x10, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}));
  const VideoStats s = probe.stats();
  EXPECT_EQ(s.packets, 3U);
  EXPECT_EQ(s.malformed_packets, 2U);
  EXPECT_EQ(s.frames_assembled, 1U);
  EXPECT_EQ(s.decode_errors, 1U);
  EXPECT_EQ(s.frames_decoded, 0U);
}

TEST(Vp8Probe, OversizedKeyframeIsRefusedBeforeDecoding) {
  Vp8Probe probe;
  probe.on_packet(test::make_packet(0, 1, true,
                                    {0x10,                    // S=1 PID=0
                                     0x50, 0x2A, 0x00,        // frame tag, key frame
                                     0x9D, 0x01, 0x2A,        // start code
                                     0xFF, 0x3F, 0xFF, 0x3F,  // 16383 x 16383
                                     0x00, 0x00}));
  EXPECT_EQ(probe.stats().decode_errors, 1U);
  EXPECT_EQ(probe.stats().width, 0U);
}

}  // namespace
}  // namespace parrot::media::probes
