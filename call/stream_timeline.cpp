#include "call/stream_timeline.hpp"

#include <algorithm>
#include <cmath>

namespace parrot::call {

namespace {

// Mean square (relative to full scale) from a level in dBFS, and back.
double energy_of(double dbfs) { return std::pow(10.0, dbfs / 10.0); }
double dbfs_of(double energy) {
  if (!(energy > 0)) return StreamTimeline::kFloorDbfs;
  return std::max(StreamTimeline::kFloorDbfs, 10.0 * std::log10(energy));
}

double rounded(double value, double step) { return std::round(value / step) * step; }

// A weighted mean of two optional figures; one alone stands for both.
std::optional<double> weighted(std::optional<double> a, double wa, std::optional<double> b, double wb) {
  if (!a) return b;
  if (!b) return a;
  if (wa + wb <= 0) return *b;
  return (*a * wa + *b * wb) / (wa + wb);
}

}  // namespace

StreamTimeline::StreamTimeline(std::size_t max_points) : max_points_(std::max<std::size_t>(max_points, 2)) {}

void StreamTimeline::add(const TimelineSample& sample) {
  if (!start_) {
    start_ = sample;
    return;
  }
  if (!(sample.t_s > start_->t_s)) return;
  pending_max_jitter_buffer_ms_ = std::max(pending_max_jitter_buffer_ms_, sample.jitter_buffer_ms);
  if (++pending_samples_ < stride_) return;

  const TimelineSample& from = *start_;
  TimelinePoint point;
  point.t_s = sample.t_s;
  point.span_s = sample.t_s - from.t_s;
  point.jitter_buffer_ms = pending_max_jitter_buffer_ms_;
  // A late packet filling an earlier gap lowers the cumulative loss; an
  // interval never shows negative loss.
  point.lost = sample.lost > from.lost ? static_cast<std::uint64_t>(sample.lost - from.lost) : 0;
  const std::uint64_t bytes = sample.bytes >= from.bytes ? sample.bytes - from.bytes : 0;
  point.bitrate_kbps = static_cast<double>(bytes) * 8.0 / point.span_s / 1000.0;
  if (sample.audio_samples && from.audio_samples && *sample.audio_samples > *from.audio_samples) {
    // The probe keeps one RMS over the whole call; the energy of the
    // interval is what the total gained in it.
    const double before = energy_of(from.audio_level_dbfs) * static_cast<double>(*from.audio_samples);
    const double after = energy_of(sample.audio_level_dbfs) * static_cast<double>(*sample.audio_samples);
    point.level_dbfs = dbfs_of((after - before) / static_cast<double>(*sample.audio_samples - *from.audio_samples));
  }
  if (sample.pictures) {
    const std::uint64_t before = from.pictures.value_or(0);
    const std::uint64_t frames = *sample.pictures >= before ? *sample.pictures - before : 0;
    point.frame_rate_fps = static_cast<double>(frames) / point.span_s;
  }
  points_.push_back(point);
  start_ = sample;
  pending_samples_ = 0;
  pending_max_jitter_buffer_ms_ = 0;
  if (points_.size() >= max_points_) merge_pairs();
}

void StreamTimeline::merge_pairs() {
  std::vector<TimelinePoint> merged;
  merged.reserve(points_.size() / 2 + 1);
  for (std::size_t i = 0; i + 1 < points_.size(); i += 2) {
    const TimelinePoint& a = points_[i];
    const TimelinePoint& b = points_[i + 1];
    TimelinePoint m;
    m.t_s = b.t_s;
    m.span_s = a.span_s + b.span_s;
    m.jitter_buffer_ms = std::max(a.jitter_buffer_ms, b.jitter_buffer_ms);
    m.lost = a.lost + b.lost;
    m.bitrate_kbps = *weighted(a.bitrate_kbps, a.span_s, b.bitrate_kbps, b.span_s);
    if (a.level_dbfs || b.level_dbfs) {
      const auto energy = [](std::optional<double> level) -> std::optional<double> {
        if (!level) return std::nullopt;
        return energy_of(*level);
      };
      m.level_dbfs = dbfs_of(*weighted(energy(a.level_dbfs), a.span_s, energy(b.level_dbfs), b.span_s));
    }
    m.frame_rate_fps = weighted(a.frame_rate_fps, a.span_s, b.frame_rate_fps, b.span_s);
    merged.push_back(m);
  }
  // An odd point out keeps its own span, so the call's end is not lost.
  if (points_.size() % 2 == 1) merged.push_back(points_.back());
  points_ = std::move(merged);
  stride_ *= 2;
}

nlohmann::json StreamTimeline::to_json() const {
  nlohmann::json t = nlohmann::json::array(), delay = nlohmann::json::array(), lost = nlohmann::json::array(),
                 bitrate = nlohmann::json::array(), level = nlohmann::json::array(), fps = nlohmann::json::array();
  bool audio = false;
  bool video = false;
  for (const auto& p : points_) {
    t.push_back(rounded(p.t_s, 0.1));
    delay.push_back(rounded(p.jitter_buffer_ms, 0.1));
    lost.push_back(p.lost);
    bitrate.push_back(rounded(p.bitrate_kbps, 0.1));
    level.push_back(p.level_dbfs ? nlohmann::json(rounded(*p.level_dbfs, 0.1)) : nlohmann::json(nullptr));
    fps.push_back(p.frame_rate_fps ? nlohmann::json(rounded(*p.frame_rate_fps, 0.1)) : nlohmann::json(nullptr));
    audio = audio || p.level_dbfs.has_value();
    video = video || p.frame_rate_fps.has_value();
  }
  nlohmann::json out = {{"t_s", t}, {"jitter_buffer_ms", delay}, {"lost", lost}, {"bitrate_kbps", bitrate}};
  if (audio) out["level_dbfs"] = level;
  if (video) out["frame_rate_fps"] = fps;
  return out;
}

}  // namespace parrot::call
