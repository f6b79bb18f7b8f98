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

#include <cstdlib>
#include <memory>
#include <vector>

#include "media/echo/echo_engine.hpp"
#include "media/rtp/rtp_packet.hpp"
#include "media/srtp/srtp_library.hpp"

namespace {

// Heap in use, malloc's own count: parrot's structures and what libsrtp and
// NSS allocate for a session alike.
std::int64_t heap_in_use() { return static_cast<std::int64_t>(mallinfo2().uordblks); }


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

// A caller's stream, made in batches of kBatch packets outside the timed
// region (protected when SRTP is on): the timed loop measures parrot only,
// and a batch stays in cache the way a datagram just read from a socket is.
constexpr std::size_t kBatch = 256;

class CallerStream {
 public:
  CallerStream(bool video, srtp::SrtpSession* caller, std::uint16_t first_sequence = 0,
               std::size_t packets_per_frame = kVideoPacketsPerFrame)
      : video_(video), caller_(caller), first_sequence_(first_sequence), packets_per_frame_(packets_per_frame),
        payload_(video ? kVideoPayload : kAudioPayload, std::byte{0x42}),
        datagrams_(kBatch, std::vector<std::byte>(12 + payload_.size() + srtp::kMaxRtpTrailer)),
        sizes_(kBatch), arrivals_(kBatch) {}

  // Packet `index` of the stream (made with its batch when first asked for).
  MutableByteView datagram(std::size_t index) {
    if (index / kBatch != batch_ || !made_) make_batch(index / kBatch);
    return MutableByteView(datagrams_[index % kBatch]).first(sizes_[index % kBatch]);
  }
  Timestamp arrival(std::size_t index) {
    if (index / kBatch != batch_ || !made_) make_batch(index / kBatch);
    return arrivals_[index % kBatch];
  }
  bool batch_ready(std::size_t index) const { return made_ && index / kBatch == batch_; }

 private:
  void make_batch(std::size_t batch) {
    for (std::size_t k = 0; k < kBatch; ++k) {
      const std::size_t i = batch * kBatch + k;
      rtp::RtpHeader header;
      header.ssrc = kCallerSsrc;
      header.payload_type = video_ ? 96 : 111;
      header.sequence_number = static_cast<std::uint16_t>(first_sequence_ + i);
      const std::size_t frame = video_ ? i / packets_per_frame_ : i;
      header.timestamp = static_cast<std::uint32_t>(video_ ? 3000 * frame : 960 * frame);
      header.marker = video_ && (i % packets_per_frame_ == packets_per_frame_ - 1);
      auto& datagram = datagrams_[k];
      datagram.resize(12 + payload_.size() + srtp::kMaxRtpTrailer);
      const std::size_t plain = rtp::serialize(header, payload_, datagram);
      sizes_[k] = caller_ != nullptr ? *caller_->protect_rtp(datagram, plain) : plain;
      // Video packets of a frame 1 ms apart, frames every 33.3 ms.
      arrivals_[k] = video_ ? timestamp_us(static_cast<std::int64_t>(frame) * 33'333 +
                                           static_cast<std::int64_t>(i % packets_per_frame_) * 1000)
                            : timestamp_ms(20 * static_cast<std::int64_t>(i));
    }
    batch_ = batch;
    made_ = true;
  }

  bool video_;
  srtp::SrtpSession* caller_;
  std::uint16_t first_sequence_;
  std::size_t packets_per_frame_;
  std::vector<std::byte> payload_;
  std::vector<std::vector<std::byte>> datagrams_;
  std::vector<std::size_t> sizes_;
  std::vector<Timestamp> arrivals_;
  std::size_t batch_ = 0;
  bool made_ = false;
};

std::size_t drive(echo::EchoEngine& engine, CallerStream& stream, std::size_t index) {
  const Timestamp now = stream.arrival(index);
  while (engine.next_wakeup() <= now) engine.on_timer(engine.next_wakeup());
  engine.on_datagram(now, stream.datagram(index));
  return engine.outbox().size();
}

// Makes the next batch with the clock stopped, when the loop reaches it.
void prepare(benchmark::State& state, CallerStream& stream, std::size_t index) {
  if (stream.batch_ready(index)) return;
  state.PauseTiming();
  stream.arrival(index);
  state.ResumeTiming();
}

void BM_EchoPath(benchmark::State& state, bool video, bool with_srtp) {
  srtp::SrtpLibrary library;
  std::unique_ptr<srtp::SrtpSession> caller;
  if (with_srtp) caller = std::make_unique<srtp::SrtpSession>(keys(srtp::SrtpProfile::kAes128CmSha1_80, false));
  CallerStream stream(video, caller.get());
  echo::EchoEngine engine(config(video));
  if (with_srtp) engine.set_srtp(keys(srtp::SrtpProfile::kAes128CmSha1_80, true));
  std::size_t index = 0;
  std::size_t sent = 0;
  for (auto _ : state) {
    prepare(state, stream, index);
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
  CallerStream stream(video, &caller);
  std::vector<std::byte> out(kVideoPayload + 64);
  std::size_t index = 0;
  for (auto _ : state) {
    prepare(state, stream, index);
    const MutableByteView datagram = stream.datagram(index++);
    const auto plain = parrot.unprotect_rtp(datagram);
    std::copy(datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(*plain), out.begin());
    benchmark::DoNotOptimize(parrot.protect_rtp(out, *plain));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(index));
}

BENCHMARK_CAPTURE(BM_SrtpAlone, opus_160B, false);
BENCHMARK_CAPTURE(BM_EchoPath, opus_160B_srtp, false, true);
BENCHMARK_CAPTURE(BM_EchoPath, opus_160B_plain, false, false);
BENCHMARK_CAPTURE(BM_SrtpAlone, video_1100B, true);
BENCHMARK_CAPTURE(BM_EchoPath, video_1100B_srtp, true, true);
BENCHMARK_CAPTURE(BM_EchoPath, video_1100B_plain, true, false);

// 1,000 concurrent audio calls, one engine each: an iteration is one second
// of their media, so its time in ms divided by 10 is the share of one core
// in percent.
void BM_ThousandAudioStreams(benchmark::State& state, bool with_srtp, srtp::SrtpProfile profile) {
  constexpr std::size_t kStreams = 1000;
  constexpr std::size_t kPerSecond = 50;
  srtp::SrtpLibrary library;
  std::vector<std::unique_ptr<echo::EchoEngine>> engines;
  std::vector<CallerStream> streams;
  std::vector<std::unique_ptr<srtp::SrtpSession>> callers;
  streams.reserve(kStreams);
  for (std::size_t s = 0; s < kStreams; ++s) {
    std::unique_ptr<srtp::SrtpSession> caller;
    if (with_srtp) caller = std::make_unique<srtp::SrtpSession>(keys(profile, false));
    streams.emplace_back(false, caller.get(), static_cast<std::uint16_t>(s * 7));
    callers.push_back(std::move(caller));
    auto config_for_stream = config(false);
    config_for_stream.random_seed = static_cast<std::uint32_t>(s + 1);
    engines.push_back(std::make_unique<echo::EchoEngine>(config_for_stream));
    if (with_srtp) engines.back()->set_srtp(keys(profile, true));
  }
  std::size_t second = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (auto& stream : streams) stream.arrival(second * kPerSecond);
    state.ResumeTiming();
    // Interleaved as a worker would see them: every stream's packet i, then i+1.
    for (std::size_t i = second * kPerSecond; i < (second + 1) * kPerSecond; ++i) {
      for (std::size_t s = 0; s < kStreams; ++s) benchmark::DoNotOptimize(drive(*engines[s], streams[s], i));
    }
    ++second;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(second * kPerSecond * kStreams));
}

BENCHMARK_CAPTURE(BM_ThousandAudioStreams, plain, false, srtp::SrtpProfile::kAes128CmSha1_80)
    ->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ThousandAudioStreams, srtp_aes_cm_80, true, srtp::SrtpProfile::kAes128CmSha1_80)
    ->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ThousandAudioStreams, srtp_aead_aes_128_gcm, true, srtp::SrtpProfile::kAeadAes128Gcm)
    ->Iterations(3)->Unit(benchmark::kMillisecond);

// Heap held by one engine with one stream, SRTP session included, after 20 s
// of media; the video one with 500 ms of buffering (extra delay on top of
// the adaptive target).
void BM_MemoryPerStream(benchmark::State& state, bool video, std::size_t packets_per_frame) {
  srtp::SrtpLibrary library;
  srtp::SrtpSession caller(keys(srtp::SrtpProfile::kAes128CmSha1_80, false));
  const std::size_t packets = video ? 30 * 20 * packets_per_frame : 50 * 20;
  std::int64_t held = 0;
  for (auto _ : state) {
    const std::int64_t before = heap_in_use();
    {
      auto c = config(video);
      if (video) c.extra_delay = std::chrono::milliseconds(500);
      echo::EchoEngine engine(c);
      engine.set_srtp(keys(srtp::SrtpProfile::kAes128CmSha1_80, true));
      // The caller's batch buffers are counted apart from the engine's heap.
      CallerStream stream(video, &caller, 0, packets_per_frame);
      stream.arrival(0);
      const std::int64_t stream_bytes = heap_in_use() - before;
      for (std::size_t i = 0; i < packets; ++i) drive(engine, stream, i);
      held = heap_in_use() - before - stream_bytes;
    }
  }
  state.counters["KiB_per_stream"] = static_cast<double>(held) / 1024.0;
}

BENCHMARK_CAPTURE(BM_MemoryPerStream, audio_opus_64kbps, false, 1)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MemoryPerStream, video_1mbps_500ms, true, 4)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MemoryPerStream, video_2_6mbps_500ms, true, 10)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
