// The echo path per packet, end to end inside media/: SRTP unprotect → RTP
// parse → jitter buffer → playout → rewrite → SRTP protect, for a 160-byte
// Opus packet and 1,100-byte video packets; beside it, in the same run, the
// same packets through libsrtp alone (one unprotect and one protect), so the
// engine's own share is the difference. Also 1,000 audio streams for one
// second of media, and the heap a stream holds at steady state.
//
//   build-test/tests/echo_path_bench --benchmark_repetitions=3
#include <benchmark/benchmark.h>

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "media/echo/echo_engine.hpp"
#include "media/rtp/rtp_packet.hpp"
#include "media/srtp/srtp_library.hpp"

// Live heap bytes, for the memory figures: every allocation of this
// program passes here.
namespace {
std::atomic<std::int64_t> g_live_bytes{0};
}

void* operator new(std::size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  g_live_bytes.fetch_add(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  return p;
}
// GCC sees the inlined std::free pair with operator new calls elsewhere in
// this file; here they are the same replacement pair, so the warning is moot.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  g_live_bytes.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }

namespace {

using namespace parrot::media;

constexpr std::uint32_t kCallerSsrc = 0x11111111;
constexpr std::size_t kAudioPayload = 160;
constexpr std::size_t kVideoPayload = 1100;
constexpr std::size_t kVideoPacketsPerFrame = 4;  // ~1 Mbit/s at 30 fps

srtp::KeyingMaterial keys(srtp::SrtpProfile profile, bool parrot_side) {
  srtp::KeyingMaterial k;
  k.profile = profile;
  k.local_key_salt.assign(srtp::key_salt_bytes(profile), std::byte{parrot_side ? std::uint8_t{1} : std::uint8_t{2}});
  k.remote_key_salt.assign(srtp::key_salt_bytes(profile), std::byte{parrot_side ? std::uint8_t{2} : std::uint8_t{1}});
  return k;
}

echo::EchoConfig config(bool video) {
  echo::EchoConfig c;
  echo::StreamConfig s;
  s.kind = video ? echo::MediaKind::kVideo : echo::MediaKind::kAudio;
  s.clock_rate_hz = video ? 90000 : 48000;
  s.payload_types = {static_cast<std::uint8_t>(video ? 96 : 111)};
  s.local_ssrc = 0xA0A0A0A0;
  s.nack = s.pli = s.fir = video;
  c.streams = {s};
  return c;
}

// One caller stream: packets with their arrival times, protected up front
// so the timed loop measures parrot only.
struct CallerStream {
  std::vector<std::vector<std::byte>> datagrams;
  std::vector<Timestamp> arrivals;
};

CallerStream make_stream(bool video, std::size_t count, srtp::SrtpSession* caller, std::uint16_t first_sequence = 0,
                         std::size_t packets_per_frame = kVideoPacketsPerFrame) {
  CallerStream stream;
  const std::size_t payload_size = video ? kVideoPayload : kAudioPayload;
  std::vector<std::byte> payload(payload_size, std::byte{0x42});
  for (std::size_t i = 0; i < count; ++i) {
    rtp::RtpHeader header;
    header.ssrc = kCallerSsrc;
    header.payload_type = video ? 96 : 111;
    header.sequence_number = static_cast<std::uint16_t>(first_sequence + i);
    const std::size_t frame = video ? i / packets_per_frame : i;
    header.timestamp = static_cast<std::uint32_t>(video ? 3000 * frame : 960 * frame);
    header.marker = video && (i % packets_per_frame == packets_per_frame - 1);
    std::vector<std::byte> datagram(12 + payload_size + srtp::kMaxRtpTrailer);
    const std::size_t plain = rtp::serialize(header, payload, datagram);
    datagram.resize(caller != nullptr ? *caller->protect_rtp(datagram, plain) : plain);
    stream.datagrams.push_back(std::move(datagram));
    // Arrival: video packets of a frame 1 ms apart, frames every 33.3 ms.
    stream.arrivals.push_back(video ? timestamp_us(static_cast<std::int64_t>(frame) * 33'333 + static_cast<std::int64_t>(i % packets_per_frame) * 1000)
                                    : timestamp_ms(20 * static_cast<std::int64_t>(i)));
  }
  return stream;
}

std::size_t drive(echo::EchoEngine& engine, CallerStream& stream, std::size_t index) {
  const Timestamp now = stream.arrivals[index];
  while (engine.next_wakeup() <= now) engine.on_timer(engine.next_wakeup());
  engine.on_datagram(now, stream.datagrams[index]);
  return engine.outbox().size();
}

constexpr std::size_t kPackets = 20'000;

void BM_EchoPath(benchmark::State& state, bool video, bool with_srtp) {
  srtp::SrtpLibrary library;
  std::unique_ptr<srtp::SrtpSession> caller;
  if (with_srtp) caller = std::make_unique<srtp::SrtpSession>(keys(srtp::SrtpProfile::kAes128CmSha1_80, false));
  CallerStream stream = make_stream(video, kPackets, caller.get());
  echo::EchoEngine engine(config(video));
  if (with_srtp) engine.set_srtp(keys(srtp::SrtpProfile::kAes128CmSha1_80, true));
  std::size_t index = 0;
  std::size_t sent = 0;
  for (auto _ : state) {
    sent += drive(engine, stream, index++);
  }
  benchmark::DoNotOptimize(sent);
  state.SetItemsProcessed(static_cast<std::int64_t>(index));
}

void BM_SrtpAlone(benchmark::State& state, bool video) {
  // What the echo path spends in libsrtp per packet: one unprotect of the
  // caller's packet and one protect of the echo.
  srtp::SrtpLibrary library;
  srtp::SrtpSession caller(keys(srtp::SrtpProfile::kAes128CmSha1_80, false));
  srtp::SrtpSession parrot(keys(srtp::SrtpProfile::kAes128CmSha1_80, true));
  CallerStream stream = make_stream(video, kPackets, &caller);
  std::vector<std::byte> out(kVideoPayload + 64);
  std::size_t index = 0;
  for (auto _ : state) {
    auto& datagram = stream.datagrams[index++];
    const auto plain = parrot.unprotect_rtp(datagram);
    std::copy(datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(*plain), out.begin());
    benchmark::DoNotOptimize(parrot.protect_rtp(out, *plain));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(index));
}

BENCHMARK_CAPTURE(BM_SrtpAlone, opus_160B, false)->Iterations(kPackets);
BENCHMARK_CAPTURE(BM_EchoPath, opus_160B_srtp, false, true)->Iterations(kPackets);
BENCHMARK_CAPTURE(BM_EchoPath, opus_160B_plain, false, false)->Iterations(kPackets);
BENCHMARK_CAPTURE(BM_SrtpAlone, video_1100B, true)->Iterations(kPackets);
BENCHMARK_CAPTURE(BM_EchoPath, video_1100B_srtp, true, true)->Iterations(kPackets);
BENCHMARK_CAPTURE(BM_EchoPath, video_1100B_plain, true, false)->Iterations(kPackets);

// 1,000 concurrent audio calls, one engine each: the CPU time for one
// second of their media. core_pct is that time as a share of one core.
void BM_ThousandAudioStreams(benchmark::State& state, bool with_srtp) {
  constexpr std::size_t kStreams = 1000;
  constexpr std::size_t kSeconds = 3;
  constexpr std::size_t kPerSecond = 50;
  srtp::SrtpLibrary library;
  std::vector<std::unique_ptr<echo::EchoEngine>> engines;
  std::vector<CallerStream> streams;
  for (std::size_t s = 0; s < kStreams; ++s) {
    std::unique_ptr<srtp::SrtpSession> caller;
    if (with_srtp) caller = std::make_unique<srtp::SrtpSession>(keys(srtp::SrtpProfile::kAes128CmSha1_80, false));
    streams.push_back(make_stream(false, kSeconds * kPerSecond, caller.get(), static_cast<std::uint16_t>(s * 7)));
    auto config_for_stream = config(false);
    config_for_stream.random_seed = static_cast<std::uint32_t>(s + 1);
    engines.push_back(std::make_unique<echo::EchoEngine>(config_for_stream));
    if (with_srtp) engines.back()->set_srtp(keys(srtp::SrtpProfile::kAes128CmSha1_80, true));
  }
  std::size_t second = 0;
  for (auto _ : state) {
    // Interleaved as a worker would see them: every stream's packet i, then i+1.
    for (std::size_t i = second * kPerSecond; i < (second + 1) * kPerSecond; ++i) {
      for (std::size_t s = 0; s < kStreams; ++s) benchmark::DoNotOptimize(drive(*engines[s], streams[s], i));
    }
    ++second;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(second * kPerSecond * kStreams));
  // Elapsed time per media second, as a percentage of one core.
  state.counters["core_pct"] =
      benchmark::Counter(static_cast<double>(second) / 100.0, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

BENCHMARK_CAPTURE(BM_ThousandAudioStreams, plain, false)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_ThousandAudioStreams, srtp_aes_cm_80, true)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

// Heap held by one engine with one stream after 20 s of media, the video
// one with 500 ms of buffering (extra delay on top of the adaptive target).
void BM_MemoryPerStream(benchmark::State& state, bool video, std::size_t packets_per_frame) {
  srtp::SrtpLibrary library;
  srtp::SrtpSession caller(keys(srtp::SrtpProfile::kAes128CmSha1_80, false));
  const std::size_t packets = video ? 30 * 20 * packets_per_frame : 50 * 20;
  CallerStream stream = make_stream(video, packets, &caller, 0, packets_per_frame);
  std::int64_t held = 0;
  for (auto _ : state) {
    const std::int64_t before = g_live_bytes.load();
    {
      auto c = config(video);
      if (video) c.extra_delay = std::chrono::milliseconds(500);
      echo::EchoEngine engine(c);
      engine.set_srtp(keys(srtp::SrtpProfile::kAes128CmSha1_80, true));
      for (std::size_t i = 0; i < packets; ++i) drive(engine, stream, i);
      held = g_live_bytes.load() - before;
    }
    // Re-protect for the next repetition (the replay window saw these).
    state.PauseTiming();
    stream = make_stream(video, packets, &caller, static_cast<std::uint16_t>(packets), packets_per_frame);
    state.ResumeTiming();
  }
  state.counters["KiB_per_stream"] = static_cast<double>(held) / 1024.0;
}

BENCHMARK_CAPTURE(BM_MemoryPerStream, audio_opus_64kbps, false, 1)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MemoryPerStream, video_1mbps_500ms, true, 4)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MemoryPerStream, video_2_6mbps_500ms, true, 10)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
