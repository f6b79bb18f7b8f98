#include "call/stream_timeline.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace parrot::call {
namespace {

// One second of a stream: 50 packets of 100 bytes, `lost` of them missing.
TimelineSample second(int t, std::int64_t lost_total, std::uint64_t packets_total) {
  TimelineSample s;
  s.t_s = t;
  s.packets = packets_total;
  s.lost = lost_total;
  s.bytes = packets_total * 100;
  s.jitter_buffer_ms = 20 + t;
  return s;
}

TEST(StreamTimelineTest, TheFirstSampleIsOnlyTheBaseline) {
  StreamTimeline timeline;
  timeline.add(second(1, 0, 50));
  EXPECT_TRUE(timeline.points().empty());
  const auto json = timeline.to_json();
  EXPECT_TRUE(json["t_s"].empty());
  EXPECT_FALSE(json.contains("level_dbfs"));
  EXPECT_FALSE(json.contains("frame_rate_fps"));
}

TEST(StreamTimelineTest, EachIntervalGetsItsOwnLossAndBitrate) {
  StreamTimeline timeline;
  timeline.add(second(0, 0, 0));
  timeline.add(second(1, 0, 50));
  timeline.add(second(2, 5, 95));
  timeline.add(second(3, 4, 146));  // a late packet filled a gap: no negative loss
  ASSERT_EQ(timeline.points().size(), 3U);
  EXPECT_EQ(timeline.points()[0].lost, 0U);
  EXPECT_EQ(timeline.points()[1].lost, 5U);
  EXPECT_EQ(timeline.points()[2].lost, 0U);
  EXPECT_DOUBLE_EQ(timeline.points()[0].bitrate_kbps, 50 * 100 * 8 / 1000.0);
  EXPECT_DOUBLE_EQ(timeline.points()[1].bitrate_kbps, 45 * 100 * 8 / 1000.0);
  EXPECT_DOUBLE_EQ(timeline.points()[2].jitter_buffer_ms, 23);
  EXPECT_FALSE(timeline.points()[0].level_dbfs);
  EXPECT_FALSE(timeline.points()[0].frame_rate_fps);
}

TEST(StreamTimelineTest, AudioLevelIsTheIntervalsNotTheCallsAverage) {
  // The probe's level covers the whole call: a loud first second (-10
  // dBFS) and a quiet second one (-50 dBFS) average to about -13 dBFS, but
  // the second point must say -50.
  const double loud = std::pow(10.0, -10 / 10.0);
  const double quiet = std::pow(10.0, -50 / 10.0);
  StreamTimeline timeline;
  TimelineSample s = second(0, 0, 0);
  s.audio_samples = 0;
  timeline.add(s);
  s = second(1, 0, 50);
  s.audio_samples = 48000;
  s.audio_level_dbfs = -10;
  timeline.add(s);
  s = second(2, 0, 100);
  s.audio_samples = 96000;
  s.audio_level_dbfs = 10 * std::log10((loud + quiet) / 2);
  timeline.add(s);
  s = second(3, 0, 100);  // nothing decoded: no level, not silence
  s.audio_samples = 96000;
  timeline.add(s);
  ASSERT_EQ(timeline.points().size(), 3U);
  EXPECT_NEAR(*timeline.points()[0].level_dbfs, -10, 0.01);
  EXPECT_NEAR(*timeline.points()[1].level_dbfs, -50, 0.01);
  EXPECT_FALSE(timeline.points()[2].level_dbfs);
  const auto json = timeline.to_json();
  ASSERT_TRUE(json.contains("level_dbfs"));
  EXPECT_TRUE(json["level_dbfs"][2].is_null());
}

TEST(StreamTimelineTest, FrameRateCountsTheStreamsPicturesPerSecond) {
  StreamTimeline timeline;
  for (int t = 0; t <= 3; ++t) {
    TimelineSample s = second(t, 0, 50 * static_cast<std::uint64_t>(t));
    s.pictures = static_cast<std::uint64_t>(t) * 15;
    timeline.add(s);
  }
  ASSERT_EQ(timeline.points().size(), 3U);
  for (const auto& p : timeline.points()) EXPECT_DOUBLE_EQ(*p.frame_rate_fps, 15);
  EXPECT_EQ(timeline.to_json()["frame_rate_fps"].size(), 3U);
}

TEST(StreamTimelineTest, WhenFullPointsMergeAndTheWholeCallStaysCovered) {
  StreamTimeline timeline(8);
  std::int64_t lost = 0;
  for (int t = 0; t <= 100; ++t) {
    lost += 1;  // one packet lost every second
    TimelineSample s = second(t, lost, 50 * static_cast<std::uint64_t>(t));
    s.pictures = static_cast<std::uint64_t>(t) * 30;
    timeline.add(s);
  }
  const auto& points = timeline.points();
  ASSERT_LE(points.size(), 8U);
  ASSERT_GE(points.size(), 4U);
  EXPECT_GT(timeline.stride(), 1U);
  EXPECT_GT(points.back().t_s, 100 - static_cast<double>(timeline.stride()));
  // Loss is summed, never dropped: the points account for every second
  // that made a point (the pending tail is not yet one).
  std::uint64_t total = 0;
  double covered = 0;
  for (const auto& p : points) {
    total += p.lost;
    covered += p.span_s;
    EXPECT_DOUBLE_EQ(p.bitrate_kbps, 50 * 100 * 8 / 1000.0);
    EXPECT_DOUBLE_EQ(*p.frame_rate_fps, 30);
  }
  EXPECT_DOUBLE_EQ(static_cast<double>(total), covered);
  EXPECT_DOUBLE_EQ(covered, points.back().t_s);  // from the baseline at 0, no hole
}

TEST(StreamTimelineTest, SamplesGoingBackInTimeAreIgnored) {
  StreamTimeline timeline;
  timeline.add(second(5, 0, 0));
  timeline.add(second(4, 0, 50));
  timeline.add(second(5, 0, 50));
  EXPECT_TRUE(timeline.points().empty());
  timeline.add(second(6, 0, 50));
  ASSERT_EQ(timeline.points().size(), 1U);
}

}  // namespace
}  // namespace parrot::call
