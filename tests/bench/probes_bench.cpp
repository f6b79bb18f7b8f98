// Cost of the side-path probes per unit of media: one 20 ms Opus packet,
// one 320x240 VP8 frame, one ProbeQueue hand-off. These bound how much
// probing a worker can afford per call before the queue starts skipping.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <malloc.h>
#include <memory>
#include <numbers>
#include <optional>
#include <vector>

#include <benchmark/benchmark.h>
#include <opus/opus.h>

#include "media/probes/opus_probe.hpp"
#include "media/probes/probe_queue.hpp"
#include "media/probes/vp8_probe.hpp"
#include "media/probes/vpx_decoder.hpp"
#include "media/signals/vp8_test_pattern.hpp"
#include "tests/unit/media/probes/codec_test_support.hpp"

namespace {

using namespace parrot::media;
using namespace parrot::media::probes;

struct OpusEncoderDestroy {
  void operator()(OpusEncoder* e) const noexcept { opus_encoder_destroy(e); }
};

std::vector<std::vector<std::byte>> encode_tone_packets(int channels, int count) {
  int err = OPUS_OK;
  std::unique_ptr<OpusEncoder, OpusEncoderDestroy> enc(
      opus_encoder_create(48000, channels, OPUS_APPLICATION_AUDIO, &err));
  std::vector<opus_int16> pcm(static_cast<std::size_t>(960 * channels));
  std::vector<unsigned char> buffer(4000);
  std::vector<std::vector<std::byte>> out;
  for (int f = 0; f < count; ++f) {
    for (int i = 0; i < 960; ++i) {
      const auto s = static_cast<opus_int16>(3277 * std::sin(2.0 * std::numbers::pi * 1000.0 * (f * 960 + i) / 48000.0));
      for (int c = 0; c < channels; ++c) pcm[static_cast<std::size_t>(i * channels + c)] = s;
    }
    const int n = opus_encode(enc.get(), pcm.data(), 960, buffer.data(), static_cast<opus_int32>(buffer.size()));
    const auto* first = reinterpret_cast<const std::byte*>(buffer.data());
    out.emplace_back(first, first + (n > 0 ? n : 0));
  }
  return out;
}

void BM_OpusProbePacket20ms(benchmark::State& state) {
  const int channels = static_cast<int>(state.range(0));
  const auto payloads = encode_tone_packets(channels, 50);
  OpusProbe probe(static_cast<std::uint32_t>(channels));
  ProbePacket packet;
  std::uint32_t n = 0;
  for (auto _ : state) {
    packet.sequence_number = static_cast<std::uint16_t>(n);
    packet.rtp_timestamp = n * 960;
    packet.payload = payloads[n % payloads.size()];
    probe.on_packet(packet);
    ++n;
  }
  benchmark::DoNotOptimize(probe.stats());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OpusProbePacket20ms)->Arg(1)->Arg(2);

// What a call's probe costs per packet when the caller sends RFC 6464
// levels (libwebrtc does): the level is read from every packet and a tenth
// is decoded (OpusSampling::windows(), what parrot's calls use). Compare
// with BM_OpusProbePacket20ms/1 in the same run: every packet decoded.
void BM_OpusProbeWithAudioLevels20ms(benchmark::State& state) {
  const auto payloads = encode_tone_packets(1, 50);
  OpusProbe probe(1, OpusSampling::windows());
  ProbePacket packet;
  packet.audio_level = rtp::AudioLevel{true, 23};
  std::uint32_t n = 0;
  for (auto _ : state) {
    packet.sequence_number = static_cast<std::uint16_t>(n);
    packet.rtp_timestamp = n * 960;
    packet.payload = payloads[n % payloads.size()];
    probe.on_packet(packet);
    ++n;
  }
  const OpusStats s = probe.stats();
  state.counters["decoded_share"] = static_cast<double>(s.decoded_frames) / static_cast<double>(s.packets);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OpusProbeWithAudioLevels20ms);

void BM_Vp8ProbeFrame320x240(benchmark::State& state) {
  const auto frames = test::encode_noise(vpx_codec_vp8_cx(), 320, 240, 30);
  const auto packets = test::packetize_vp8(frames, 0, 0);
  std::size_t packets_per_cycle = 0;
  for (const auto& f : packets) packets_per_cycle += f.size();
  Vp8Probe probe;
  std::size_t frame = 0;
  std::uint32_t cycle = 0;
  for (auto _ : state) {
    // Each pass over the 30 frames starts again at the key frame, shifted
    // forward in sequence and time so the probe sees one continuous stream.
    for (ProbePacket p : packets[frame]) {
      p.sequence_number = static_cast<std::uint16_t>(p.sequence_number + cycle * packets_per_cycle);
      p.rtp_timestamp += cycle * 30 * test::kTicksPerFrame;
      probe.on_packet(p);
    }
    if (++frame == packets.size()) {
      frame = 0;
      ++cycle;
    }
  }
  const VideoStats s = probe.stats();
  state.counters["decoded"] = static_cast<double>(s.frames_decoded);
  state.counters["errors"] = static_cast<double>(s.decode_errors + s.incomplete_frames + s.skipped_frames);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Vp8ProbeFrame320x240)->Unit(benchmark::kMicrosecond);

// Ten seconds of parrot's VP8 test pattern at 1080p, 30 fps, about 1 Mbit/s
// (what concurrent_calls_bench --video sends), with one key frame, at the
// start: libwebrtc sends a key frame at the start and then only on PLI/FIR.
// Encoded once per process.
const std::vector<std::vector<ProbePacket>>& test_pattern_1080p() {
  static const std::vector<std::vector<ProbePacket>> frames = [] {
    signals::Vp8TestPatternConfig config;
    config.width_px = 1920;
    config.height_px = 1080;
    config.bitrate_kbps = 1000;
    config.keyframe_interval = std::chrono::hours(1);
    signals::Vp8TestPattern pattern(config);
    std::vector<std::vector<ProbePacket>> out;
    std::uint16_t sequence = 0;
    for (int i = 0; i < 10 * config.frame_rate_fps; ++i) {
      const signals::VideoFrame frame = pattern.next_frame();
      std::vector<ProbePacket> packets;
      for (const signals::VideoPacket& p : frame.packets) {
        ProbePacket packet;
        packet.sequence_number = sequence++;
        packet.rtp_timestamp = frame.rtp_timestamp;
        packet.marker = p.marker;
        packet.payload.assign(p.payload.begin(), p.payload.end());
        packets.push_back(std::move(packet));
      }
      out.push_back(std::move(packets));
    }
    return out;
  }();
  return frames;
}

// One 1080p frame through the VP8 probe: every frame decoded (arg 0), or
// in windows (arg 1, VideoSampling::windows(), what calls use). The 10 s
// replayed in a loop bring a key frame every 10 s, the most often windows
// open: 2 s of every 10 are decoded; a libwebrtc caller's one key frame at
// the start would have the probe decode less still. heap_MiB is what the
// probe holds at the end (glibc's in-use heap, before and after).
void BM_Vp8ProbeTestPattern1080p(benchmark::State& state) {
  const auto& frames = test_pattern_1080p();
  const std::size_t packets_per_loop = [&] {
    std::size_t n = 0;
    for (const auto& f : frames) n += f.size();
    return n;
  }();
  const std::uint32_t ticks_per_loop = frames.back().front().rtp_timestamp + 3000;
  const std::size_t heap_before = mallinfo2().uordblks;
  auto probe = std::make_unique<Vp8Probe>(state.range(0) == 0 ? VideoSampling::every_frame() : VideoSampling::windows());
  std::size_t frame = 0;
  std::uint32_t loop = 0;
  for (auto _ : state) {
    for (ProbePacket p : frames[frame]) {
      p.sequence_number = static_cast<std::uint16_t>(p.sequence_number + loop * packets_per_loop);
      p.rtp_timestamp += loop * ticks_per_loop;
      probe->on_packet(p);
    }
    if (++frame == frames.size()) {
      frame = 0;
      ++loop;
    }
  }
  const VideoStats s = probe->stats();
  state.counters["decoded_share"] =
      static_cast<double>(s.frames_decoded) / static_cast<double>(std::max<std::uint64_t>(s.frames_assembled, 1));
  state.counters["undecodable"] = static_cast<double>(s.frames_assembled - s.frames_decoded - s.frames_not_sampled);
  state.counters["heap_MiB"] = (static_cast<double>(mallinfo2().uordblks) - static_cast<double>(heap_before)) / (1 << 20);
  state.counters["width"] = s.width;
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Vp8ProbeTestPattern1080p)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// What opening a window costs beyond its decoding: the 1080p key frame
// decoded by a decoder made for it and destroyed after (arg 0: libvpx
// allocates its frame buffers at the first frame), against the same key
// frame decoded again by one kept (arg 1).
void BM_Vp8KeyFrame1080p(benchmark::State& state) {
  std::vector<std::byte> key_frame;
  for (const ProbePacket& p : test_pattern_1080p().front()) {
    // The test pattern's descriptor is 4 bytes (media/signals/vp8_packetizer.hpp).
    key_frame.insert(key_frame.end(), p.payload.begin() + 4, p.payload.end());
  }
  std::optional<VpxDecoder> kept;
  if (state.range(0) == 1) kept.emplace(VideoCodec::kVp8);
  for (auto _ : state) {
    if (kept) {
      benchmark::DoNotOptimize(kept->decode(key_frame));
    } else {
      VpxDecoder fresh(VideoCodec::kVp8);
      benchmark::DoNotOptimize(fresh.decode(key_frame));
    }
  }
}
BENCHMARK(BM_Vp8KeyFrame1080p)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_ProbeQueueOfferPop(benchmark::State& state) {
  ProbeQueue queue(64);
  const std::vector<std::byte> payload(static_cast<std::size_t>(state.range(0)), std::byte{0x5A});
  ProbePacket out;
  std::uint16_t seq = 0;
  for (auto _ : state) {
    queue.offer(timestamp_us(seq), 96, seq, seq, false, payload);
    queue.pop_into(out);
    ++seq;
  }
  benchmark::DoNotOptimize(out.payload.data());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ProbeQueueOfferPop)->Arg(160)->Arg(1200);

}  // namespace

BENCHMARK_MAIN();
