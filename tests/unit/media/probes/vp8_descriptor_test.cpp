#include "media/probes/vp8_descriptor.hpp"

#include <array>
#include <cstdint>

#include <gtest/gtest.h>

namespace parrot::media::probes {
namespace {

template <std::size_t N>
ByteView view(const std::array<std::uint8_t, N>& a, std::size_t n = N) {
  return as_bytes(a.data(), n);
}

TEST(Vp8Descriptor, MinimalStartOfFrame) {
  const std::array<std::uint8_t, 2> packet{
      0x10,  // X=0 R=0 N=0 S=1 R=0 PID=0
      0x00,  // VP8 payload header: P=0, a key frame
  };
  const auto d = parse_vp8_descriptor(view(packet));
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->has_extension);
  EXPECT_TRUE(d->start_of_partition);
  EXPECT_EQ(d->partition_index, 0);
  EXPECT_TRUE(d->begins_frame());
  EXPECT_FALSE(d->picture_id);
  EXPECT_FALSE(d->tl0_pic_idx);
  EXPECT_FALSE(d->temporal_id);
  EXPECT_FALSE(d->key_idx);
  EXPECT_EQ(d->header_size, 1U);
  EXPECT_TRUE(is_vp8_keyframe(view(packet).subspan(d->header_size)));
}

// RFC 7741 §4.2 with every optional field present.
constexpr std::array<std::uint8_t, 7> kAllFields{
    0xA3,        // X=1 R=0 N=1 S=0 R=0 PID=3
    0xF0,        // I=1 L=1 T=1 K=1 RSV=0
    0x92, 0x34,  // M=1, PictureID = 0x1234 (15 bits)
    0x55,        // TL0PICIDX = 85
    0xB1,        // TID=2 Y=1 KEYIDX=17
    0x01,        // VP8 payload: P=1, an inter frame
};

TEST(Vp8Descriptor, AllExtensionFieldsWith15BitPictureId) {
  const auto d = parse_vp8_descriptor(view(kAllFields));
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->has_extension);
  EXPECT_TRUE(d->non_reference);
  EXPECT_FALSE(d->start_of_partition);
  EXPECT_EQ(d->partition_index, 3);
  EXPECT_FALSE(d->begins_frame());
  ASSERT_TRUE(d->picture_id);
  EXPECT_EQ(*d->picture_id, 0x1234);
  EXPECT_TRUE(d->picture_id_15bit);
  EXPECT_EQ(d->tl0_pic_idx, std::optional<std::uint8_t>(85));
  EXPECT_EQ(d->temporal_id, std::optional<std::uint8_t>(2));
  EXPECT_TRUE(d->layer_sync);
  EXPECT_EQ(d->key_idx, std::optional<std::uint8_t>(17));
  EXPECT_EQ(d->header_size, 6U);
  EXPECT_FALSE(is_vp8_keyframe(view(kAllFields).subspan(d->header_size)));
}

TEST(Vp8Descriptor, EveryTruncationIsRejected) {
  for (std::size_t n = 0; n < kAllFields.size(); ++n) EXPECT_FALSE(parse_vp8_descriptor(view(kAllFields, n))) << n;
}

TEST(Vp8Descriptor, SevenBitPictureId) {
  const std::array<std::uint8_t, 3> packet{
      0x90,  // X=1 S=1 PID=0
      0x80,  // I=1
      0x7F,  // M=0, PictureID = 127
  };
  EXPECT_FALSE(parse_vp8_descriptor(view(packet)));  // no VP8 byte follows
  const std::array<std::uint8_t, 4> with_data{0x90, 0x80, 0x7F, 0x9D};
  const auto d = parse_vp8_descriptor(view(with_data));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->picture_id, std::optional<std::uint16_t>(127));
  EXPECT_FALSE(d->picture_id_15bit);
  EXPECT_EQ(d->header_size, 3U);
}

TEST(Vp8Descriptor, KeyIdxWithoutTemporalId) {
  const std::array<std::uint8_t, 4> packet{
      0x80,  // X=1 S=0 PID=0
      0x10,  // K=1 only
      0xC5,  // TID bits 3 and Y=0 are ignored without T; KEYIDX=5
      0x00,
  };
  const auto d = parse_vp8_descriptor(view(packet));
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->temporal_id);
  EXPECT_EQ(d->key_idx, std::optional<std::uint8_t>(5));
  EXPECT_EQ(d->header_size, 3U);
}

TEST(Vp8Descriptor, KeyframeSizeFromUncompressedHeader) {
  const std::array<std::uint8_t, 10> frame{
      0x50, 0x2A, 0x00,  // frame tag: P=0 (key frame), version 0, show_frame=1, partition size
      0x9D, 0x01, 0x2A,  // start code (RFC 6386 §9.1)
      0x40, 0xC1,        // width 320 (0x140) with scale 3 in the top two bits
      0xF0, 0x00,        // height 240
  };
  const auto size = vp8_keyframe_size(view(frame));
  ASSERT_TRUE(size);
  EXPECT_EQ(size->width, 320U);
  EXPECT_EQ(size->height, 240U);
  auto bad_start = frame;
  bad_start[4] = 0x02;
  EXPECT_FALSE(vp8_keyframe_size(view(bad_start)));
  EXPECT_FALSE(vp8_keyframe_size(view(frame, 9)));
}

}  // namespace
}  // namespace parrot::media::probes
