// What the report page costs: the one-second timeline sample a call takes on
// its worker (the echo engine's snapshot plus the accumulator), a whole
// hour's timeline, and rendering an hour-long audio+video call's page.
//   build/tests/report_page_bench
#include <benchmark/benchmark.h>

#include <cmath>

#include "call/stream_timeline.hpp"
#include "bot/report_page.hpp"
#include "media/echo/echo_engine.hpp"

namespace {

using parrot::call::StreamTimeline;
using parrot::call::TimelineSample;
namespace echo = parrot::media::echo;

TimelineSample sample(int t) {
  TimelineSample s;
  s.t_s = t;
  s.packets = static_cast<std::uint64_t>(t) * 50;
  s.lost = t / 7;
  s.bytes = s.packets * 160;
  s.jitter_buffer_ms = 20 + t % 5;
  s.audio_samples = static_cast<std::uint64_t>(t) * 48000;
  s.audio_level_dbfs = -20 - (t % 10);
  return s;
}

// The per-second work of one call with audio and video: two snapshots' worth
// of engine state (taken once per transport) and two timeline points.
void BM_SampleTick(benchmark::State& state) {
  echo::EchoConfig config;
  echo::StreamConfig audio;
  audio.kind = echo::MediaKind::kAudio;
  audio.clock_rate_hz = 48000;
  audio.payload_types = {111};
  audio.local_ssrc = 1;
  echo::StreamConfig video = audio;
  video.kind = echo::MediaKind::kVideo;
  video.clock_rate_hz = 90000;
  video.payload_types = {96};
  video.local_ssrc = 2;
  config.streams = {audio, video};
  echo::EchoEngine engine(config);
  StreamTimeline timelines[2];
  int t = 0;
  for (auto _ : state) {
    const echo::EchoSnapshot snapshot = engine.snapshot();
    for (std::size_t i = 0; i < 2; ++i) {
      TimelineSample s = sample(++t);
      s.packets += snapshot.streams[i].received.packets;
      timelines[i].add(s);
    }
    benchmark::DoNotOptimize(timelines);
  }
}
BENCHMARK(BM_SampleTick);

// An hour of one stream, one sample a second, merges included.
void BM_TimelineHour(benchmark::State& state) {
  for (auto _ : state) {
    StreamTimeline timeline;
    for (int t = 0; t <= 3600; ++t) timeline.add(sample(t));
    benchmark::DoNotOptimize(timeline.points().data());
  }
}
BENCHMARK(BM_TimelineHour)->Unit(benchmark::kMicrosecond);

// The page of an hour-long audio+video call: 2 x 3,600 points.
void BM_RenderHourPage(benchmark::State& state) {
  StreamTimeline audio, video;
  for (int t = 0; t <= 3600; ++t) {
    audio.add(sample(t));
    TimelineSample v = sample(t);
    v.audio_samples.reset();
    v.pictures = static_cast<std::uint64_t>(t) * 30;
    video.add(v);
  }
  nlohmann::json a = audio.to_json(), v = video.to_json();
  a["media"] = "audio";
  v["media"] = "video";
  const nlohmann::json timeline{{"interval_s", 1}, {"streams", {a, v}}};
  const nlohmann::json report{{"verdict", "MEDIA OK"},
                              {"streams", {{{"media", "audio"}, {"codec", "opus/48000"}},
                                           {{"media", "video"}, {"codec", "VP8/90000"}}}}};
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string page = parrot::bot::render_report_page(report, timeline, "MEDIA OK.");
    bytes = page.size();
    benchmark::DoNotOptimize(page.data());
  }
  state.counters["page_bytes"] = static_cast<double>(bytes);
  state.counters["timeline_json_bytes"] = static_cast<double>(timeline.dump().size());
}
BENCHMARK(BM_RenderHourPage)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
