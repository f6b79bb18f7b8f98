// Test-only audio for the Opus probe: a speech-like signal, and the RFC
// 6464 level a sender would put on each frame of it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <span>
#include <vector>

namespace parrot::media::probes::test {

// Talk spurts of 0.4-2.5 s between pauses of 0.2-1.8 s (the on/off shape
// of conversational speech); in a spurt, syllables at 3-7 per second: a
// voiced buzz (harmonics of a 90-250 Hz pitch that drifts) with some noise,
// under a raised-cosine envelope, each spurt at its own level between -38
// and -14 dBFS RMS. Pauses hold background noise at about -72 dBFS.
inline std::vector<double> speech_like(double seconds, std::uint32_t seed) {
  constexpr double kRate = 48000.0;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> gauss(0.0, 1.0);
  const auto total = static_cast<std::size_t>(seconds * kRate);
  std::vector<double> out(total, 0.0);
  std::size_t n = 0;
  bool talking = unit(rng) < 0.5;
  double phase = 0.0;
  while (n < total) {
    if (!talking) {
      const auto len = static_cast<std::size_t>((0.2 + 1.6 * unit(rng)) * kRate);
      for (std::size_t i = 0; i < len && n < total; ++i, ++n) out[n] = 0.00025 * gauss(rng);  // ~ -72 dBFS
    } else {
      const auto len = static_cast<std::size_t>((0.4 + 2.1 * unit(rng)) * kRate);
      const double rms = std::pow(10.0, (-38.0 + 24.0 * unit(rng)) / 20.0);
      const double syllable_hz = 3.0 + 4.0 * unit(rng);
      double pitch = 90.0 + 160.0 * unit(rng);
      for (std::size_t i = 0; i < len && n < total; ++i, ++n) {
        const double t = static_cast<double>(i) / kRate;
        if (i % 480 == 0) pitch = std::clamp(pitch * (1.0 + 0.02 * gauss(rng)), 80.0, 300.0);
        phase += 2.0 * std::numbers::pi * pitch / kRate;
        double buzz = 0.0;
        for (int k = 1; k <= 12; ++k) buzz += std::sin(k * phase) / k;
        const double envelope = 0.04 + 0.96 * std::pow(0.5 * (1.0 - std::cos(2.0 * std::numbers::pi * syllable_hz * t)), 1.5);
        // The buzz's RMS is about 0.9; 2x the spurt RMS at the envelope's crest.
        out[n] = rms * envelope * (1.6 * buzz + 0.3 * gauss(rng));
      }
    }
    talking = !talking;
  }
  return out;
}

// RFC 6464 §3 as libwebrtc computes it: the frame's RMS relative to full
// scale, in whole dB below it, 127 for digital silence.
inline std::uint8_t audio_level_of(std::span<const std::int16_t> pcm) {
  double squares = 0.0;
  for (const std::int16_t s : pcm) squares += static_cast<double>(s) * s;
  const double mean = squares / static_cast<double>(pcm.size()) / (32768.0 * 32768.0);
  if (!(mean > 0.0)) return 127;
  return static_cast<std::uint8_t>(std::clamp(std::lround(-10.0 * std::log10(mean)), 0L, 127L));
}

}  // namespace parrot::media::probes::test
