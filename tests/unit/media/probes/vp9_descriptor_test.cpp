#include "media/probes/vp9_descriptor.hpp"

#include <array>
#include <cstdint>

#include <gtest/gtest.h>

namespace parrot::media::probes {
namespace {

template <std::size_t N>
ByteView view(const std::array<std::uint8_t, N>& a, std::size_t n = N) {
  return as_bytes(a.data(), n);
}

// RFC 9628 §4.2, non-flexible mode with layer indices.
constexpr std::array<std::uint8_t, 6> kNonFlexible{
    0xE8,        // I=1 P=1 L=1 F=0 B=1 E=0 V=0 Z=0
    0xAA, 0xBC,  // M=1, PICTURE ID = 0x2ABC (15 bits)
    0x53,        // TID=2 U=1 SID=1 D=1
    0x07,        // TL0PICIDX = 7
    0x86,        // first byte of the VP9 frame
};

TEST(Vp9Descriptor, NonFlexibleWithLayerIndices) {
  const auto d = parse_vp9_descriptor(view(kNonFlexible));
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->has_picture_id);
  EXPECT_TRUE(d->inter_picture_predicted);
  EXPECT_TRUE(d->has_layer_indices);
  EXPECT_FALSE(d->flexible_mode);
  EXPECT_TRUE(d->begins_frame);
  EXPECT_FALSE(d->ends_frame);
  EXPECT_FALSE(d->has_ss);
  EXPECT_FALSE(d->not_upper_reference);
  EXPECT_EQ(d->picture_id, std::optional<std::uint16_t>(0x2ABC));
  EXPECT_TRUE(d->picture_id_15bit);
  EXPECT_EQ(d->temporal_id, 2);
  EXPECT_TRUE(d->switching_up);
  EXPECT_EQ(d->spatial_id, 1);
  EXPECT_TRUE(d->inter_layer_dependency);
  EXPECT_EQ(d->tl0_pic_idx, std::optional<std::uint8_t>(7));
  EXPECT_EQ(d->p_diff_count, 0);
  EXPECT_FALSE(d->ss);
  EXPECT_FALSE(d->resolution());
  EXPECT_EQ(d->header_size, 5U);
}

TEST(Vp9Descriptor, EveryTruncationIsRejected) {
  for (std::size_t n = 0; n < kNonFlexible.size(); ++n) EXPECT_FALSE(parse_vp9_descriptor(view(kNonFlexible, n))) << n;
}

TEST(Vp9Descriptor, FlexibleModeWithReferenceIndices) {
  const std::array<std::uint8_t, 6> packet{
      0xFD,  // I=1 P=1 L=1 F=1 B=1 E=1 V=0 Z=1
      0x05,  // M=0, PICTURE ID = 5
      0x20,  // TID=1 U=0 SID=0 D=0 (no TL0PICIDX in flexible mode)
      0x03,  // P_DIFF=1 N=1
      0x06,  // P_DIFF=3 N=0
      0x00,  // VP9 data
  };
  const auto d = parse_vp9_descriptor(view(packet));
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->flexible_mode);
  EXPECT_TRUE(d->ends_frame);
  EXPECT_TRUE(d->not_upper_reference);
  EXPECT_EQ(d->picture_id, std::optional<std::uint16_t>(5));
  EXPECT_FALSE(d->picture_id_15bit);
  EXPECT_EQ(d->temporal_id, 1);
  EXPECT_EQ(d->spatial_id, 0);
  EXPECT_FALSE(d->tl0_pic_idx);
  ASSERT_EQ(d->p_diff_count, 2);
  EXPECT_EQ(d->p_diff[0], 1);
  EXPECT_EQ(d->p_diff[1], 3);
  EXPECT_EQ(d->header_size, 5U);
}

TEST(Vp9Descriptor, MoreThanThreeReferenceIndicesIsRejected) {
  const std::array<std::uint8_t, 7> packet{
      0x58,                    // I=0 P=1 L=0 F=1 B=1
      0x03, 0x05, 0x07, 0x09,  // four P_DIFFs, each with N=1
      0x00, 0x00,
  };
  EXPECT_FALSE(parse_vp9_descriptor(view(packet)));
}

// RFC 9628 §4.2.1: two spatial layers with resolutions and a picture group.
constexpr std::array<std::uint8_t, 16> kWithSs{
    0x0A,        // I=0 P=0 L=0 F=0 B=1 E=0 V=1 Z=0
    0x38,        // N_S=1 (two layers) Y=1 G=1
    0x01, 0x40,  // layer 0 WIDTH = 320
    0x00, 0xB4,  // layer 0 HEIGHT = 180
    0x02, 0x80,  // layer 1 WIDTH = 640
    0x01, 0x68,  // layer 1 HEIGHT = 360
    0x02,        // N_G = 2
    0x04, 0x01,  // T=0 U=0 R=1, P_DIFF=1
    0x34, 0x01,  // T=1 U=1 R=1, P_DIFF=1
    0x82,        // VP9 data
};

TEST(Vp9Descriptor, ScalabilityStructureWithResolutions) {
  const auto d = parse_vp9_descriptor(view(kWithSs));
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->has_ss);
  EXPECT_FALSE(d->inter_picture_predicted);
  ASSERT_TRUE(d->ss);
  EXPECT_EQ(d->ss->spatial_layers, 2);
  EXPECT_TRUE(d->ss->has_resolutions);
  EXPECT_EQ(d->ss->resolutions[0].width, 320U);
  EXPECT_EQ(d->ss->resolutions[0].height, 180U);
  EXPECT_TRUE(d->ss->has_picture_group);
  EXPECT_EQ(d->ss->picture_group_size, 2);
  const auto top = d->resolution();
  ASSERT_TRUE(top);
  EXPECT_EQ(top->width, 640U);
  EXPECT_EQ(top->height, 360U);
  EXPECT_EQ(d->header_size, 15U);
  for (std::size_t n = 0; n < kWithSs.size(); ++n) EXPECT_FALSE(parse_vp9_descriptor(view(kWithSs, n))) << n;
}

}  // namespace
}  // namespace parrot::media::probes
