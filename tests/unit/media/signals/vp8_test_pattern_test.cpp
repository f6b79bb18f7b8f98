#include "media/signals/vp8_test_pattern.hpp"

#include <gtest/gtest.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>

#include <memory>
#include <stdexcept>
#include <vector>

#include "media/bytes.hpp"
#include "media/signals/frame_counter.hpp"
#include "media/codec_handles.hpp"

namespace parrot::media::signals {
namespace {

// What an RFC 7741 receiver sees in one frame's packets, checked field by
// field; returns the reassembled VP8 frame.
std::vector<std::byte> check_and_reassemble(const VideoFrame& frame, std::uint16_t expected_picture_id,
                                            std::size_t max_payload_size) {
  std::vector<std::byte> vp8;
  for (std::size_t i = 0; i < frame.packets.size(); ++i) {
    const ByteView payload = frame.packets[i].payload;
    EXPECT_LE(payload.size(), max_payload_size);
    EXPECT_GT(payload.size(), 4U);
    const std::uint8_t first = read_u8(payload, 0);
    EXPECT_EQ(first & 0x80, 0x80) << "X";
    EXPECT_EQ(first & 0x40, 0) << "R";
    EXPECT_EQ(first & 0x20, 0) << "N";
    EXPECT_EQ((first & 0x10) != 0, i == 0) << "S on the first packet only";
    EXPECT_EQ(first & 0x08, 0) << "R";
    EXPECT_EQ(first & 0x07, 0) << "PID";
    EXPECT_EQ(read_u8(payload, 1), 0x80) << "I=1, L=T=K=0";
    const std::uint16_t picture_id = read_u16(payload, 2);
    EXPECT_EQ(picture_id & 0x8000, 0x8000) << "M: 15-bit picture id";
    EXPECT_EQ(picture_id & 0x7FFF, expected_picture_id);
    EXPECT_EQ(frame.packets[i].marker, i + 1 == frame.packets.size());
    vp8.insert(vp8.end(), payload.begin() + 4, payload.end());
  }
  return vp8;
}

// The VP8 frame tag (RFC 6386 §9.1, RFC 7741 §4.3): bit 0 of the first
// byte is 0 for a keyframe, which then carries the start code 9d 01 2a and
// 14-bit little-endian width and height.
bool tag_says_keyframe(const std::vector<std::byte>& vp8) { return (std::to_integer<int>(vp8.at(0)) & 1) == 0; }

int le14(const std::vector<std::byte>& vp8, std::size_t at) {
  return (std::to_integer<int>(vp8.at(at)) | (std::to_integer<int>(vp8.at(at + 1)) << 8)) & 0x3FFF;
}

VpxCodecPtr make_decoder() {
  auto context = std::make_unique<vpx_codec_ctx_t>();
  vpx_codec_dec_cfg_t cfg{};
  cfg.threads = 1;
  if (vpx_codec_dec_init(context.get(), vpx_codec_vp8_dx(), &cfg, 0) != VPX_CODEC_OK) return nullptr;
  return VpxCodecPtr{context.release()};
}

TEST(Vp8TestPattern, PacketsFollowRfc7741AndKeyframesFollowTheSchedule) {
  Vp8TestPatternConfig config;
  config.initial_rtp_timestamp = 0xFFFF'0000;  // crosses 2^32 after 22 frames
  config.initial_picture_id = 0x7FF0;           // crosses 2^15 after 16 frames
  Vp8TestPattern pattern{config};
  std::size_t total_bytes = 0;
  for (std::uint64_t n = 0; n < 200; ++n) {
    const VideoFrame frame = pattern.next_frame();
    EXPECT_EQ(frame.frame_number, n);
    EXPECT_EQ(frame.rtp_timestamp, static_cast<std::uint32_t>(0xFFFF'0000 + 3000 * n)) << n;  // 90000/30
    ASSERT_FALSE(frame.packets.empty()) << n;
    const auto vp8 = check_and_reassemble(frame, static_cast<std::uint16_t>((0x7FF0 + n) & 0x7FFF), 1100);
    // 3 s at 30 fps: keyframes at 0, 90, 180 and nowhere else.
    const bool expect_keyframe = n % 90 == 0;
    EXPECT_EQ(frame.keyframe, expect_keyframe) << n;
    EXPECT_EQ(tag_says_keyframe(vp8), expect_keyframe) << n;
    if (expect_keyframe) {
      EXPECT_EQ(vp8.at(3), std::byte{0x9d});
      EXPECT_EQ(vp8.at(4), std::byte{0x01});
      EXPECT_EQ(vp8.at(5), std::byte{0x2a});
      EXPECT_EQ(le14(vp8, 6), 640);
      EXPECT_EQ(le14(vp8, 8), 360);
    }
    total_bytes += vp8.size();
  }
  EXPECT_EQ(pattern.encode_failures(), 0U);
  // 500 kbit/s over 200 frames (6.67 s) is 416 kB; CBR lands near it.
  EXPECT_GT(total_bytes, 416'000U / 3);
  EXPECT_LT(total_bytes, 416'000U * 3 / 2);
}

TEST(Vp8TestPattern, RequestKeyframeRestartsTheSchedule) {
  Vp8TestPatternConfig config;
  config.keyframe_interval = std::chrono::milliseconds{1000};  // 30 frames
  Vp8TestPattern pattern{config};
  std::vector<std::uint64_t> keyframes;
  for (std::uint64_t n = 0; n < 80; ++n) {
    if (n == 11) pattern.request_keyframe();  // e.g. a PLI arrived after frame 10
    if (n == 50) {
      pattern.request_keyframe();  // two requests before one frame: one keyframe
      pattern.request_keyframe();
    }
    if (pattern.next_frame().keyframe) keyframes.push_back(n);
  }
  EXPECT_EQ(keyframes, (std::vector<std::uint64_t>{0, 11, 41, 50}));
}

TEST(Vp8TestPattern, DecodesToTheFrameSizeAndTheCounterReadsBack) {
  for (const auto& [width, height] : {std::pair{640, 360}, std::pair{320, 180}, std::pair{1280, 720}}) {
    Vp8TestPatternConfig config;
    config.width_px = width;
    config.height_px = height;
    config.max_payload_size_bytes = 1200;
    config.bitrate_kbps = width * 3 / 4;  // rough bits per pixel as at the default
    Vp8TestPattern pattern{config};
    const VpxCodecPtr decoder = make_decoder();
    ASSERT_TRUE(decoder);
    for (std::uint64_t n = 0; n < 45; ++n) {
      const VideoFrame frame = pattern.next_frame();
      const auto vp8 = check_and_reassemble(frame, static_cast<std::uint16_t>(n), 1200);
      ASSERT_EQ(vpx_codec_decode(decoder.get(), as_uchar(ByteView{vp8}), static_cast<unsigned>(vp8.size()), nullptr, 0),
                VPX_CODEC_OK)
          << width << "x" << height << " frame " << n;
      vpx_codec_iter_t iterator = nullptr;
      const vpx_image_t* image = vpx_codec_get_frame(decoder.get(), &iterator);
      ASSERT_NE(image, nullptr);
      EXPECT_EQ(image->d_w, static_cast<unsigned>(width));
      EXPECT_EQ(image->d_h, static_cast<unsigned>(height));
      const auto stride = static_cast<std::size_t>(image->stride[VPX_PLANE_Y]);
      const ConstLumaPlane luma{{image->planes[VPX_PLANE_Y], stride * image->d_h}, stride, width, height};
      EXPECT_EQ(read_frame_counter(luma), n) << width << "x" << height;
    }
  }
}

TEST(Vp8TestPattern, BarsScrollFourPixelsPerFrame) {
  Vp8TestPattern pattern{Vp8TestPatternConfig{}};
  const auto luma_at = [&](int x, int y) {
    const vpx_image_t& image = pattern.last_picture();
    return image.planes[VPX_PLANE_Y][y * image.stride[VPX_PLANE_Y] + x];
  };
  pattern.next_frame();
  // 640 / 8 = 80 px per bar: white (Y 235) from x 0, yellow (Y 210) from 80.
  EXPECT_EQ(luma_at(0, 0), 235);
  EXPECT_EQ(luma_at(79, 0), 235);
  EXPECT_EQ(luma_at(80, 0), 210);
  EXPECT_EQ(luma_at(639, 0), 16);  // black, the last bar
  pattern.next_frame();
  // Shifted right by 4: x 0..3 now show the end of the black bar.
  EXPECT_EQ(luma_at(3, 0), 16);
  EXPECT_EQ(luma_at(4, 0), 235);
  EXPECT_EQ(luma_at(84, 0), 210);
}

TEST(Vp8TestPattern, RejectsBadConfig) {
  const auto make = [](auto change) {
    Vp8TestPatternConfig config;
    change(config);
    return Vp8TestPattern{config};
  };
  EXPECT_THROW(make([](Vp8TestPatternConfig& c) { c.width_px = 641; }), std::invalid_argument);
  EXPECT_THROW(make([](Vp8TestPatternConfig& c) { c.height_px = 0; }), std::invalid_argument);
  EXPECT_THROW(make([](Vp8TestPatternConfig& c) { c.frame_rate_fps = 0; }), std::invalid_argument);
  EXPECT_THROW(make([](Vp8TestPatternConfig& c) { c.bitrate_kbps = -5; }), std::invalid_argument);
  EXPECT_THROW(make([](Vp8TestPatternConfig& c) { c.max_payload_size_bytes = 10; }), std::invalid_argument);
  EXPECT_THROW(make([](Vp8TestPatternConfig& c) { c.cpu_used = 99; }), std::invalid_argument);
}

}  // namespace
}  // namespace parrot::media::signals
