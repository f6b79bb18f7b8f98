#include "media/signals/tone_with_clicks.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace parrot::media::signals {
namespace {

constexpr std::size_t kOneSecond = 48'000;

std::vector<std::int16_t> generate(ToneWithClicks& tone, std::size_t samples, std::size_t chunk) {
  std::vector<std::int16_t> pcm(samples * static_cast<std::size_t>(tone.channels()));
  const std::size_t step = chunk * static_cast<std::size_t>(tone.channels());
  for (std::size_t at = 0; at < pcm.size(); at += step) {
    tone.fill(std::span<std::int16_t>{pcm}.subspan(at, std::min(step, pcm.size() - at)));
  }
  return pcm;
}

double rms(const std::vector<std::int16_t>& pcm) {
  double sum = 0;
  for (const auto s : pcm) sum += static_cast<double>(s) * s;
  return std::sqrt(sum / static_cast<double>(pcm.size()));
}

int zero_crossings(const std::vector<std::int16_t>& pcm) {
  int crossings = 0;
  for (std::size_t i = 1; i < pcm.size(); ++i) {
    if ((pcm[i - 1] < 0) != (pcm[i] < 0)) ++crossings;
  }
  return crossings;
}

ToneConfig no_clicks(double frequency_hz) {
  ToneConfig config;
  config.frequency_hz = frequency_hz;
  config.click_interval = std::chrono::milliseconds{0};
  return config;
}

TEST(ToneWithClicks, SameConfigGivesSameSamplesHoweverSliced) {
  ToneWithClicks in_frames{ToneConfig{}};
  ToneWithClicks odd_chunks{ToneConfig{}};
  ToneWithClicks at_once{ToneConfig{}};
  const auto a = generate(in_frames, 3 * kOneSecond, 960);
  const auto b = generate(odd_chunks, 3 * kOneSecond, 441);
  const auto c = generate(at_once, 3 * kOneSecond, 3 * kOneSecond);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
  EXPECT_EQ(in_frames.position(), 3 * kOneSecond);
}

TEST(ToneWithClicks, HandComputedSamples) {
  const ToneWithClicks tone{ToneConfig{}};
  // Tone at n = 1000: 440·1000/48000 = 9 + 1/6 cycles, so
  // 32767·10^(-20/20)·sin(π/3) = 3276.7·0.8660254 = 2837.7 → 2838.
  EXPECT_EQ(tone.sample_at(1000), 2838);
  // Pip at n = 12 (inside the first click, 1/4 cycle of 1 kHz):
  // 32767·10^(-3/20)·sin(π/2) = 32767·0.7079458 = 23197.3 → 23197.
  EXPECT_EQ(tone.sample_at(12), 23197);
  // Pip at n = 48012: the second click, same phase as the first.
  EXPECT_EQ(tone.sample_at(48'012), 23197);
  // n = 480 is the first sample after the 10 ms click: tone again,
  // 440·480/48000 = 4.4 cycles, 3276.7·sin(0.8π) = 3276.7·0.5877853 = 1926.0.
  EXPECT_EQ(tone.sample_at(480), 1926);
}

TEST(ToneWithClicks, MatchesTheFormulaFarIntoACall) {
  // Whole-number frequencies come from a one-period table, others from sin()
  // per sample; both must follow the header's formula hours into a call.
  for (const double frequency_hz : {440.0, 440.5, 997.0}) {
    const ToneWithClicks tone{no_clicks(frequency_hz)};
    const double amplitude = 32767.0 * std::pow(10.0, -20.0 / 20.0);
    for (const std::uint64_t start : {0ULL, 3ULL * 3600 * 48'000, 26ULL * 3600 * 48'000}) {
      for (std::uint64_t n = start; n < start + 2'000; ++n) {
        const long double cycles = static_cast<long double>(frequency_hz) * static_cast<long double>(n) / 48000.0L;
        const long double phase = cycles - std::floor(cycles);
        const auto expected = static_cast<double>(std::lround(amplitude * std::sin(2.0 * 3.14159265358979323846 * static_cast<double>(phase))));
        ASSERT_NEAR(tone.sample_at(n), expected, 1) << frequency_hz << " Hz, n = " << n;
      }
    }
  }
}

TEST(ToneWithClicks, RmsIsPeakOverRootTwo) {
  ToneWithClicks tone{no_clicks(440.0)};
  const auto pcm = generate(tone, kOneSecond, 960);
  // -20 dBFS peak = 3276.7; a sine's RMS is peak/√2 = 2316.97 (-23.01 dBFS).
  EXPECT_NEAR(rms(pcm), 2316.97, 2.0);
}

TEST(ToneWithClicks, FrequencyFromZeroCrossings) {
  for (const double frequency_hz : {440.0, 440.5, 1000.0, 3150.0}) {
    ToneWithClicks tone{no_clicks(frequency_hz)};
    const auto pcm = generate(tone, kOneSecond, 960);
    // Two crossings per cycle, so 2f in one second; one either way at the ends.
    EXPECT_NEAR(zero_crossings(pcm), 2 * frequency_hz, 1.0) << frequency_hz;
  }
}

TEST(ToneWithClicks, ClicksEveryIntervalExactly) {
  for (const int interval_ms : {1000, 250, 333}) {
    ToneConfig config;
    config.click_interval = std::chrono::milliseconds{interval_ms};
    ToneWithClicks tone{config};
    const auto pcm = generate(tone, 3 * kOneSecond + 500, 960);
    // A 1 ms block holds exactly one 1 kHz cycle: its peak is the pip's
    // 23197 inside a click and at most the tone's 3277 outside.
    for (std::size_t block = 0; block < pcm.size() / 48; ++block) {
      int peak = 0;
      for (std::size_t i = block * 48; i < (block + 1) * 48; ++i) peak = std::max(peak, std::abs(int{pcm[i]}));
      const bool expect_click = block % static_cast<std::size_t>(interval_ms) < 10;
      EXPECT_EQ(peak > 10'000, expect_click) << "interval " << interval_ms << " ms, block " << block;
    }
  }
}

TEST(ToneWithClicks, FillReportsFramesWhereAClickBegins) {
  ToneWithClicks tone{ToneConfig{}};
  std::vector<std::int16_t> frame(960);
  for (int index = 0; index < 250; ++index) {
    // 20 ms frames, clicks at 0, 1000, 2000... ms: frames 0, 50, 100...
    EXPECT_EQ(tone.fill(frame), index % 50 == 0) << index;
  }
}

TEST(ToneWithClicks, StereoDuplicatesMonoOnBothChannels) {
  ToneConfig stereo_config;
  stereo_config.channels = 2;
  ToneWithClicks mono{ToneConfig{}};
  ToneWithClicks stereo{stereo_config};
  const auto m = generate(mono, kOneSecond + 100, 960);
  const auto s = generate(stereo, kOneSecond + 100, 960);
  ASSERT_EQ(s.size(), 2 * m.size());
  for (std::size_t i = 0; i < m.size(); ++i) {
    ASSERT_EQ(s[2 * i], m[i]) << i;
    ASSERT_EQ(s[2 * i + 1], m[i]) << i;
  }
}

TEST(ToneWithClicks, RejectsBadConfig) {
  const auto make = [](auto change) {
    ToneConfig config;
    change(config);
    return ToneWithClicks{config};
  };
  EXPECT_THROW(make([](ToneConfig& c) { c.channels = 3; }), std::invalid_argument);
  EXPECT_THROW(make([](ToneConfig& c) { c.frequency_hz = 0.0; }), std::invalid_argument);
  EXPECT_THROW(make([](ToneConfig& c) { c.frequency_hz = 24'000.0; }), std::invalid_argument);
  EXPECT_THROW(make([](ToneConfig& c) { c.frequency_hz = std::nan(""); }), std::invalid_argument);
  EXPECT_THROW(make([](ToneConfig& c) { c.level_dbfs = 1.0; }), std::invalid_argument);
  EXPECT_THROW(make([](ToneConfig& c) { c.click_level_dbfs = INFINITY; }), std::invalid_argument);
  EXPECT_THROW(make([](ToneConfig& c) { c.click_duration = std::chrono::milliseconds{1001}; }),
               std::invalid_argument);
  EXPECT_THROW(make([](ToneConfig& c) { c.click_interval = std::chrono::milliseconds{-1}; }),
               std::invalid_argument);
  EXPECT_NO_THROW(make([](ToneConfig& c) { c.click_interval = std::chrono::milliseconds{0}; }));
}

}  // namespace
}  // namespace parrot::media::signals
