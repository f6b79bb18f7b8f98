#include "media/probes/picture_rate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace parrot::media::probes {
namespace {

constexpr std::uint32_t k15Fps = 6000;  // ticks between pictures at 90 kHz

TEST(PictureRate, NothingBeforeTwoPictures) {
  PictureRate rate;
  EXPECT_EQ(rate.average_fps(), 0.0);
  EXPECT_TRUE(rate.add(1234));
  EXPECT_FALSE(rate.add(1234));  // a second packet of the same picture
  EXPECT_EQ(rate.pictures(), 1U);
  EXPECT_EQ(rate.recent_fps(), 0.0);
  EXPECT_EQ(rate.average_fps(), 0.0);
}

TEST(PictureRate, FifteenFpsAcrossTheTimestampWrapWithSeveralPacketsAPicture) {
  PictureRate rate;
  std::uint32_t ts = 0xFFFFFFFFU - 10 * k15Fps;
  for (int i = 0; i < 100; ++i, ts += k15Fps) {
    for (int packet = 0; packet < 3; ++packet) rate.add(ts);
  }
  EXPECT_EQ(rate.pictures(), 100U);
  EXPECT_NEAR(rate.average_fps(), 15.0, 1e-9);
  EXPECT_NEAR(rate.recent_fps(), 15.0, 1e-9);
}

// The case under loss: loss stops the decoder until a key frame, but every
// picture with at least one packet through still counts, in any order,
// and a resent packet of a picture already counted does not count again.
TEST(PictureRate, LossReorderingAndResendsDoNotChangeTheRate) {
  std::vector<std::uint32_t> packets;
  std::uint32_t ts = 5000;
  for (int i = 0; i < 300; ++i, ts += k15Fps) {
    for (int packet = 0; packet < 4; ++packet) packets.push_back(ts);
  }
  std::mt19937 random(3);
  std::bernoulli_distribution lost(0.2);
  std::vector<std::uint32_t> arrived;
  std::vector<std::uint32_t> resent;
  for (const std::uint32_t p : packets) (lost(random) ? resent : arrived).push_back(p);
  // Neighbours swapped, and the resends arriving a few pictures late.
  for (std::size_t i = 0; i + 1 < arrived.size(); i += 7) std::swap(arrived[i], arrived[i + 1]);
  PictureRate rate;
  std::size_t next_resend = 0;
  for (const std::uint32_t p : arrived) {
    rate.add(p);
    while (next_resend < resent.size() && resent[next_resend] + 5 * k15Fps <= p) rate.add(resent[next_resend++]);
  }
  EXPECT_EQ(rate.pictures(), 300U);
  EXPECT_NEAR(rate.average_fps(), 15.0, 1e-9);
  EXPECT_NEAR(rate.recent_fps(), 15.0, 0.3);
}

TEST(PictureRate, ALatePictureCountsOnce) {
  PictureRate rate;
  for (std::uint32_t i = 0; i < 10; ++i) {
    if (i != 4) rate.add(i * k15Fps);
  }
  EXPECT_EQ(rate.pictures(), 9U);
  EXPECT_TRUE(rate.add(4 * k15Fps));   // its resent packet, late
  EXPECT_FALSE(rate.add(4 * k15Fps));  // and a duplicate of it
  EXPECT_EQ(rate.pictures(), 10U);
  EXPECT_NEAR(rate.average_fps(), 15.0, 1e-9);
}

TEST(PictureRate, RecentWindowFollowsARateChange) {
  PictureRate rate;
  std::uint32_t ts = 0;
  for (int i = 0; i < 150; ++i, ts += 3000) rate.add(ts);  // 5 s at 30 fps
  for (int i = 0; i < 60; ++i, ts += k15Fps) rate.add(ts);  // 4 s at 15 fps
  EXPECT_NEAR(rate.recent_fps(), 15.0, 0.3);
  EXPECT_GT(rate.average_fps(), 20.0);
  EXPECT_LT(rate.average_fps(), 25.0);
}

TEST(PictureRate, ANewSourceStartsANewRunInsteadOfAHugeSpan) {
  PictureRate rate;
  std::uint32_t ts = 1000;
  for (int i = 0; i < 50; ++i, ts += k15Fps) rate.add(ts);
  ts = 0x80000000U;  // a restarted encoder's random timestamp
  for (int i = 0; i < 50; ++i, ts += k15Fps) rate.add(ts);
  EXPECT_EQ(rate.pictures(), 100U);
  EXPECT_NEAR(rate.average_fps(), 15.0, 1e-9);
  EXPECT_NEAR(rate.recent_fps(), 15.0, 1e-9);
}

TEST(PictureRate, MemoryIsBoundedAndFarTooLatePicturesAreNotGuessed) {
  PictureRate rate;
  std::uint32_t ts = 0;
  // 60 fps: 8.5 s of pictures, within kRestartTicks of the first.
  for (std::size_t i = 0; i < 2 * PictureRate::kRemembered; ++i, ts += 1500) rate.add(ts);
  EXPECT_EQ(rate.pictures(), 2 * PictureRate::kRemembered);
  EXPECT_FALSE(rate.add(1500));  // older than anything remembered: a repeat or not, unknown
  EXPECT_EQ(rate.pictures(), 2 * PictureRate::kRemembered);
  EXPECT_NEAR(rate.average_fps(), 60.0, 1e-9);
  EXPECT_NEAR(rate.recent_fps(), 60.0, 1e-9);
}

}  // namespace
}  // namespace parrot::media::probes
