// One stream's figures over a call, one point a second, for the report page
// (docs/reports.md, "The report page"). Pure: the call's worker samples the
// stream's cumulative counters on its one-second tick and passes the time
// in; this turns two samples into the figures of the interval between them.
//
// Bounded: at most max_points points. When full, neighbouring points are
// merged pairwise (the whole call stays covered, at half the resolution)
// and from then on each point spans twice as many samples; loss is summed,
// rates and levels are averaged over the time (level as energy), the
// jitter-buffer delay keeps the larger of the two.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

namespace parrot::call {

// A stream's counters since it began, as of one tick.
struct TimelineSample {
  double t_s = 0;               // since the call's media began
  std::uint64_t packets = 0;    // distinct RTP packets received
  std::int64_t lost = 0;        // expected minus received (RFC 3550 A.3)
  std::uint64_t bytes = 0;      // RTP payload bytes received
  double jitter_buffer_ms = 0;  // the jitter buffer's target delay now
  // Audio: samples decoded so far and their RMS level over all of them.
  std::optional<std::uint64_t> audio_samples;
  double audio_level_dbfs = -127.0;
  // Video: the stream's pictures so far (distinct RTP timestamps), decoded
  // or not, so that loss shows as loss and not as a frame rate that fell.
  std::optional<std::uint64_t> pictures;
};

struct TimelinePoint {
  double t_s = 0;     // end of the interval
  double span_s = 0;  // its length
  double jitter_buffer_ms = 0;
  std::uint64_t lost = 0;  // packets lost in the interval
  double bitrate_kbps = 0;
  std::optional<double> level_dbfs;      // audio, when any was decoded in the interval
  std::optional<double> frame_rate_fps;  // video
};

class StreamTimeline {
 public:
  static constexpr std::size_t kDefaultMaxPoints = 3600;  // an hour at one a second
  static constexpr double kFloorDbfs = -127.0;

  explicit StreamTimeline(std::size_t max_points = kDefaultMaxPoints);

  // The first sample is the baseline; each later one (t_s increasing) ends
  // an interval. Samples that go backwards in time are ignored.
  void add(const TimelineSample& sample);
  const std::vector<TimelinePoint>& points() const noexcept { return points_; }
  // Samples per point: 1, then 2, 4, ... after each merge.
  std::size_t stride() const noexcept { return stride_; }

  // {"t_s": [...], "jitter_buffer_ms": [...], "lost": [...],
  //  "bitrate_kbps": [...], "level_dbfs": [...] (audio),
  //  "frame_rate_fps": [...] (video)}: one array per figure, same length,
  //  null where a figure had no value.
  nlohmann::json to_json() const;

 private:
  void merge_pairs();

  std::size_t max_points_;
  std::size_t stride_ = 1;
  std::vector<TimelinePoint> points_;
  std::optional<TimelineSample> start_;  // where the pending interval begins
  std::size_t pending_samples_ = 0;
  double pending_max_jitter_buffer_ms_ = 0;
};

}  // namespace parrot::call
