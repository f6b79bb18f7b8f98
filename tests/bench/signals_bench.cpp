// Cost of the test signals per frame: how many calls' worth of audio and
// video one core can generate for load tests (items/s = frames/s).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "media/signals/opus_tone_source.hpp"
#include "media/signals/tone_with_clicks.hpp"
#include "media/signals/vp8_test_pattern.hpp"

namespace parrot::media::signals {
namespace {

void BM_ToneFill20ms(benchmark::State& state) {
  ToneWithClicks tone{ToneConfig{}};
  std::vector<std::int16_t> pcm(960);
  for (auto _ : state) {
    benchmark::DoNotOptimize(tone.fill(pcm));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ToneFill20ms);

void BM_OpusToneFrame(benchmark::State& state) {
  OpusToneConfig config;
  config.tone.channels = static_cast<int>(state.range(0));
  OpusToneSource source{config};
  for (auto _ : state) {
    benchmark::DoNotOptimize(source.next().payload.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OpusToneFrame)->Arg(1)->Arg(2)->ArgName("channels");

void BM_Vp8TestPatternFrame(benchmark::State& state) {
  Vp8TestPatternConfig config;
  config.width_px = static_cast<int>(state.range(0));
  config.height_px = static_cast<int>(state.range(1));
  Vp8TestPattern pattern{config};
  std::size_t bytes = 0;
  for (auto _ : state) {
    const VideoFrame frame = pattern.next_frame();
    for (const auto& packet : frame.packets) bytes += packet.payload.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["payload_bytes_per_frame"] =
      benchmark::Counter(static_cast<double>(bytes) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_Vp8TestPatternFrame)->Args({640, 360})->Args({1280, 720})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace parrot::media::signals

BENCHMARK_MAIN();
