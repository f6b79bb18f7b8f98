#include "media/probes/frame_assembler.hpp"
#include "media/probes/frame_rate_window.hpp"

#include <array>
#include <stdexcept>

#include <gtest/gtest.h>

namespace parrot::media::probes {
namespace {

const std::array<std::byte, 3> kA{std::byte{'a'}, std::byte{'a'}, std::byte{'a'}};
const std::array<std::byte, 2> kB{std::byte{'b'}, std::byte{'b'}};
const std::array<std::byte, 1> kC{std::byte{'c'}};

FramePacket packet(std::uint32_t ts, std::uint16_t seq, bool begins, bool ends, ByteView data) {
  return FramePacket{ts, seq, begins, ends, data};
}

TEST(FrameAssembler, InOrderAcrossSequenceWrap) {
  FrameAssembler assembler;
  EXPECT_FALSE(assembler.add(packet(90, 65534, true, false, kA)).completed);
  EXPECT_FALSE(assembler.add(packet(90, 65535, false, false, kB)).completed);
  const auto r = assembler.add(packet(90, 0, false, true, kC));
  ASSERT_TRUE(r.completed);
  EXPECT_FALSE(r.gap_before);
  ASSERT_EQ(assembler.frame().size(), 6U);
  EXPECT_EQ(assembler.frame()[0], std::byte{'a'});
  EXPECT_EQ(assembler.frame()[3], std::byte{'b'});
  EXPECT_EQ(assembler.frame()[5], std::byte{'c'});
  EXPECT_EQ(assembler.frame_timestamp(), 90U);
}

TEST(FrameAssembler, ReorderedInsideFrame) {
  FrameAssembler assembler;
  EXPECT_FALSE(assembler.add(packet(0, 11, false, true, kC)).completed);
  EXPECT_EQ(assembler.frame().size(), 0U);
  const auto r = assembler.add(packet(0, 10, true, false, kA));
  ASSERT_TRUE(r.completed);
  EXPECT_EQ(assembler.frame().size(), 4U);
  EXPECT_EQ(assembler.frame()[0], std::byte{'a'});
  EXPECT_EQ(assembler.frame()[3], std::byte{'c'});
  EXPECT_TRUE(assembler.add(packet(0, 10, true, false, kA)).late);  // a duplicate after completion
}

TEST(FrameAssembler, GapGivesUpWhenANewerFrameStarts) {
  FrameAssembler assembler;
  assembler.add(packet(0, 1, true, false, kA));
  assembler.add(packet(0, 3, false, true, kC));  // 2 is missing
  const auto r = assembler.add(packet(3000, 4, true, true, kB));
  EXPECT_EQ(r.given_up_frames, 1U);
  EXPECT_TRUE(r.completed);
  EXPECT_FALSE(r.gap_before);  // 4 follows the newest packet seen, 3
  EXPECT_TRUE(assembler.add(packet(0, 2, false, false, kB)).late);
  const auto next = assembler.add(packet(6000, 9, true, true, kB));
  EXPECT_TRUE(next.completed);
  EXPECT_TRUE(next.gap_before);  // 5..8 never arrived
}

TEST(FrameAssembler, FillersBetweenFramesAreNoGap) {
  // libwebrtc sends ULPFEC (and padding) in the video's own sequence space,
  // after the frame it protects and under its timestamp.
  FrameAssembler assembler;
  ASSERT_TRUE(assembler.add(packet(0, 10, true, true, kA)).completed);
  EXPECT_FALSE(assembler.add_filler(11).completed);
  EXPECT_FALSE(assembler.add_filler(12).completed);
  const auto r = assembler.add(packet(3000, 13, true, true, kB));
  ASSERT_TRUE(r.completed);
  EXPECT_FALSE(r.gap_before);
  // A real loss next to a filler is still a gap.
  assembler.add_filler(14);
  const auto lost = assembler.add(packet(6000, 16, true, true, kC));
  ASSERT_TRUE(lost.completed);
  EXPECT_TRUE(lost.gap_before);  // 15 never arrived
}

TEST(FrameAssembler, FillerInsideAFrameCompletesIt) {
  // The sender's pacer may put the previous frame's FEC between this
  // frame's packets; arriving last, it is what the frame waited for.
  FrameAssembler assembler;
  ASSERT_TRUE(assembler.add(packet(0, 10, true, true, kA)).completed);
  EXPECT_FALSE(assembler.add(packet(3000, 11, true, false, kA)).completed);
  EXPECT_FALSE(assembler.add(packet(3000, 13, false, true, kC)).completed);
  const auto r = assembler.add_filler(12);
  ASSERT_TRUE(r.completed);
  EXPECT_FALSE(r.gap_before);
  EXPECT_EQ(assembler.frame().size(), 4U);
  EXPECT_EQ(assembler.frame_timestamp(), 3000U);
}

TEST(FrameAssembler, OnlyRecentFillersBridge) {
  FrameAssembler assembler;
  ASSERT_TRUE(assembler.add(packet(0, 0, true, true, kA)).completed);
  // 100 fillers: more than the ring remembers, so the oldest are forgotten
  // and the span is not known to be all fillers.
  for (std::uint16_t s = 1; s <= 100; ++s) assembler.add_filler(s);
  const auto r = assembler.add(packet(3000, 101, true, true, kB));
  ASSERT_TRUE(r.completed);
  EXPECT_TRUE(r.gap_before);
}

TEST(FrameAssembler, SpatialLayersShareATimestamp) {
  FrameAssembler assembler;
  EXPECT_TRUE(assembler.add(packet(0, 1, true, true, kA)).completed);
  const auto upper = assembler.add(packet(0, 2, true, true, kB));
  EXPECT_TRUE(upper.completed);
  EXPECT_FALSE(upper.gap_before);
  EXPECT_EQ(assembler.frame().size(), 2U);
  EXPECT_TRUE(assembler.add(packet(0, 1, true, true, kA)).late);
}

TEST(FrameAssembler, OversizeFrameIsGivenUpOnce) {
  FrameAssembler assembler(4, 1000);
  assembler.add(packet(0, 1, true, false, kA));
  const auto r = assembler.add(packet(0, 2, false, false, kB));  // 5 bytes > 4
  EXPECT_EQ(r.given_up_frames, 1U);
  const auto rest = assembler.add(packet(0, 3, false, true, kC));
  EXPECT_EQ(rest.given_up_frames, 0U);
  EXPECT_FALSE(rest.completed);
  const auto next = assembler.add(packet(3000, 4, true, true, kC));
  EXPECT_EQ(next.given_up_frames, 0U);
  EXPECT_TRUE(next.completed);

  FrameAssembler few_packets(1000, 2);
  few_packets.add(packet(0, 1, true, false, kC));
  few_packets.add(packet(0, 2, false, false, kC));
  EXPECT_EQ(few_packets.add(packet(0, 3, false, true, kC)).given_up_frames, 1U);
  EXPECT_THROW(FrameAssembler(0, 1), std::invalid_argument);
}

TEST(FrameRateWindow, ThirtyFpsAcrossTimestampWrap) {
  FrameRateWindow window;
  EXPECT_EQ(window.fps(), 0.0);
  std::uint32_t ts = 0xFFFFFFFFU - 5 * 3000;
  for (int i = 0; i < 40; ++i, ts += 3000) {
    window.add(ts);
    window.add(ts);  // a second spatial layer of the same picture
  }
  EXPECT_NEAR(window.fps(), 30.0, 1e-9);
}

TEST(FrameRateWindow, RecentWindowFollowsARateChange) {
  FrameRateWindow window;
  std::uint32_t ts = 0;
  for (int i = 0; i < 40; ++i, ts += 3000) window.add(ts);
  for (std::size_t i = 0; i < FrameRateWindow::kWindowPictures; ++i, ts += 6000) window.add(ts);
  EXPECT_NEAR(window.fps(), 15.0, 1e-9);
}

}  // namespace
}  // namespace parrot::media::probes
