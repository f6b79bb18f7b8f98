#include "media/probes/vp9_frame_header.hpp"

#include <array>
#include <cstdint>

#include <gtest/gtest.h>

namespace parrot::media::probes {
namespace {

template <std::size_t N>
ByteView view(const std::array<std::uint8_t, N>& a, std::size_t n = N) {
  return as_bytes(a.data(), n);
}

// VP9 bitstream §6.2, profile 0 key frame, bit by bit:
//   10 0 0 0 0 1 0        frame_marker, profile 0, show_existing 0, KEY_FRAME, show_frame 1, error_res 0
//   49 83 42              frame_sync_code
//   000 0                 color_space CS_UNKNOWN, color_range
//   0000000100111111      frame_width_minus_1 = 319
//   0000000011101111      frame_height_minus_1 = 239
constexpr std::array<std::uint8_t, 9> kKeyframe{0x82, 0x49, 0x83, 0x42, 0x00, 0x13, 0xF0, 0x0E, 0xF0};

TEST(Vp9FrameHeader, KeyframeSize) {
  const auto h = parse_vp9_frame_header(view(kKeyframe));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->profile, 0);
  EXPECT_TRUE(h->keyframe);
  EXPECT_FALSE(h->show_existing_frame);
  ASSERT_TRUE(h->size);
  EXPECT_EQ(h->size->width, 320U);
  EXPECT_EQ(h->size->height, 240U);
}

TEST(Vp9FrameHeader, TruncatedOrWrongMarkerIsRejected) {
  for (std::size_t n = 0; n < kKeyframe.size() - 1; ++n) EXPECT_FALSE(parse_vp9_frame_header(view(kKeyframe, n))) << n;
  auto bad = kKeyframe;
  bad[0] = 0x42;  // frame_marker 01
  EXPECT_FALSE(parse_vp9_frame_header(view(bad)));
  bad = kKeyframe;
  bad[2] = 0x84;  // broken sync code
  EXPECT_FALSE(parse_vp9_frame_header(view(bad)));
}

TEST(Vp9FrameHeader, InterFrameTakingReferenceSize) {
  const std::array<std::uint8_t, 4> frame{
      0x86,  // 10 0 0 0 1 1 0: inter frame, shown, error_res 0
      0x00,  // reset_frame_context = 0, refresh_frame_flags bits 7..2
      0x00,  // refresh_frame_flags bits 1..0, ref_frame_idx + sign_bias of refs 0 and half of 1
      0x02,  // the rest of ref 1 and ref 2, then found_ref[0] = 1 (bit 22 after byte 0)
  };
  const auto h = parse_vp9_frame_header(view(frame));
  ASSERT_TRUE(h);
  EXPECT_FALSE(h->keyframe);
  EXPECT_FALSE(h->intra_only);
  EXPECT_FALSE(h->size);
}

TEST(Vp9FrameHeader, SuperframeIndexSplitsFrames) {
  const std::array<std::uint8_t, 9> data{
      0xA1, 0xA2,        // frame 1 (2 bytes)
      0xB1, 0xB2, 0xB3,  // frame 2 (3 bytes)
      0xC1,              // index marker: 110, size bytes 1, two frames
      0x02, 0x03,        // sizes
      0xC1,              // marker repeated
  };
  std::array<ByteView, 8> frames{};
  ASSERT_EQ(split_vp9_superframe(view(data), frames), 2U);
  EXPECT_EQ(frames[0].size(), 2U);
  EXPECT_EQ(frames[1].size(), 3U);
  EXPECT_EQ(frames[1][0], std::byte{0xB1});

  auto too_big = data;
  too_big[7] = 0x09;  // frame 2 claims 9 bytes
  EXPECT_EQ(split_vp9_superframe(view(too_big), frames), 0U);

  const std::array<std::uint8_t, 3> plain{0x82, 0x49, 0x83};
  ASSERT_EQ(split_vp9_superframe(view(plain), frames), 1U);
  EXPECT_EQ(frames[0].size(), 3U);
}

}  // namespace
}  // namespace parrot::media::probes
