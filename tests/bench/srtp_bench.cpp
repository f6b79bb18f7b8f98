// SRTP cost per echoed packet, libsrtp's stock crypto (NSS on Debian 12)
// against parrot's OpenSSL types, in the same run: protect on one session
// and unprotect on its peer, for every profile the installed libsrtp2
// supports, at an audio-sized (160-byte) and a video-sized (1,100-byte)
// payload; the same with 1 and 1,000 calls' sessions live and used round
// robin (NSS slows down as sessions accumulate); and the one-off cost of
// creating a session (a call's setup), with 1,000 others live. At the end,
// a table of stock / OpenSSL ratios.
//
// Each benchmark initialises libsrtp with its back end (SrtpLibrary's
// choice is process-wide, made when the first instance initialises it), so
// one binary measures both; --benchmark_filter=stock or =openssl keeps one.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "media/bytes.hpp"
#include "media/srtp/keying_material.hpp"
#include "media/srtp/srtp_library.hpp"
#include "media/srtp/srtp_session.hpp"

namespace {

using namespace parrot::media;
using namespace parrot::media::srtp;

constexpr SrtpBackend kBackends[] = {SrtpBackend::kStock, SrtpBackend::kOpenSsl};

std::string backend_name(SrtpBackend backend) { return backend == SrtpBackend::kStock ? "stock" : "openssl"; }

KeyingMaterial keys_for(SrtpProfile profile, std::uint8_t local, std::uint8_t remote) {
  KeyingMaterial keys;
  keys.profile = profile;
  keys.local_key_salt.assign(key_salt_bytes(profile), std::byte{local});
  keys.remote_key_salt.assign(key_salt_bytes(profile), std::byte{remote});
  return keys;
}

// False (and the benchmark skipped) if `backend` could not be installed.
bool backend_is_live(benchmark::State& state, SrtpBackend backend) {
  if (SrtpLibrary::backend() == backend) return true;
  state.SkipWithError(SrtpLibrary::backend_note().c_str());
  return false;
}

std::size_t heap_in_use() { return mallinfo2().uordblks; }

// One call's pair of sessions: the caller's and parrot's.
struct Call {
  SrtpSession sender;
  SrtpSession receiver;
};

// Protect + unprotect of one packet, `calls` calls live, used round robin
// as a worker serving that many calls would.
void protect_unprotect(benchmark::State& state, SrtpBackend backend, SrtpProfile profile, std::size_t payload_bytes,
                       std::size_t calls) {
  const SrtpLibrary library(backend);
  if (!backend_is_live(state, backend)) return;
  const std::size_t heap_before = heap_in_use();
  std::vector<Call> live;
  live.reserve(calls);
  for (std::size_t i = 0; i < calls; ++i) live.push_back({SrtpSession(keys_for(profile, 1, 2)), SrtpSession(keys_for(profile, 2, 1))});
  const std::size_t heap_per_session = (heap_in_use() - heap_before) / (2 * calls);

  const std::size_t rtp_bytes = 12 + payload_bytes;
  std::vector<std::byte> plain(rtp_bytes);
  write_u8(plain, 0, 0x80);
  write_u8(plain, 1, 111);
  std::vector<std::byte> buffer(rtp_bytes + kMaxRtpTrailer);
  std::vector<std::uint16_t> sequences(calls, 0);
  std::size_t next = 0;
  for (auto _ : state) {
    const std::size_t c = next;
    next = next + 1 == calls ? 0 : next + 1;
    std::copy(plain.begin(), plain.end(), buffer.begin());
    const std::uint16_t sequence = sequences[c]++;
    write_u16(buffer, 2, sequence);
    write_u32(buffer, 4, 960u * sequence);
    write_u32(buffer, 8, static_cast<std::uint32_t>(c));
    const auto protected_length = live[c].sender.protect_rtp(buffer, rtp_bytes);
    const auto plain_length = live[c].receiver.unprotect_rtp(std::span(buffer).first(protected_length.value_or(0)));
    benchmark::DoNotOptimize(plain_length);
  }
  std::uint64_t unprotected = 0;
  for (const Call& call : live) unprotected += call.receiver.counters().rtp_unprotected;
  if (unprotected != static_cast<std::uint64_t>(state.iterations())) state.SkipWithError("a packet did not round-trip");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(rtp_bytes));
  state.counters["heap_B_per_session"] = static_cast<double>(heap_per_session);
}

// A call's setup: one SrtpSession (inbound + outbound libsrtp sessions,
// key derivation included) made and freed, with `live` others alive.
void create_session(benchmark::State& state, SrtpBackend backend, SrtpProfile profile, std::size_t live) {
  const SrtpLibrary library(backend);
  if (!backend_is_live(state, backend)) return;
  std::vector<SrtpSession> others;
  others.reserve(live);
  for (std::size_t i = 0; i < live; ++i) others.emplace_back(keys_for(profile, 3, 4));
  const KeyingMaterial keys = keys_for(profile, 1, 2);
  for (auto _ : state) {
    SrtpSession session(keys);
    benchmark::DoNotOptimize(&session);
  }
  state.SetItemsProcessed(state.iterations());
}

// Prints what the console reporter prints, and remembers each benchmark's
// CPU time (the median if repetitions were asked for) for the ratio table:
// on a shared machine the process's own CPU time is steadier than the wall
// clock.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      if (run.run_type == Run::RT_Aggregate && !median) continue;
      const std::string name = run.run_name.str();
      if (median || medians_.count(name) == 0) {
        nanoseconds_[name] = run.GetAdjustedCPUTime();  // every benchmark here is in ns
        if (median) medians_[name] = true;
      }
    }
  }

  void print_ratios() const {
    std::printf("\nstock (libsrtp2's own crypto) against OpenSSL types, same run, CPU time:\n");
    std::printf("%-58s %12s %12s %8s\n", "benchmark", "stock", "OpenSSL", "ratio");
    const std::string stock = "/stock/";
    for (const auto& [name, stock_ns] : nanoseconds_) {
      const std::size_t at = name.find(stock);
      if (at == std::string::npos) continue;
      std::string openssl_name = name;
      openssl_name.replace(at, stock.size(), "/openssl/");
      const auto openssl = nanoseconds_.find(openssl_name);
      if (openssl == nanoseconds_.end()) continue;
      std::string shown = name;
      shown.erase(at, stock.size() - 1);
      std::printf("%-58s %9.0f ns %9.0f ns %7.1fx\n", shown.c_str(), stock_ns, openssl->second,
                  stock_ns / openssl->second);
    }
  }

 private:
  std::map<std::string, double> nanoseconds_;
  std::map<std::string, bool> medians_;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<SrtpProfile> profiles;
  {
    const SrtpLibrary library;
    profiles = supported_profiles();
    std::printf("%s\n", SrtpLibrary::backend_note().c_str());
  }
  for (const SrtpProfile profile : profiles) {
    const std::string name(to_string(profile));
    // heap_B_per_session is malloc's heap in use per SrtpSession after
    // creating the calls' sessions; read it at 1,000 calls (with one, the
    // sessions mostly reuse memory malloc already counts as in use).
    for (const SrtpBackend backend : kBackends) {
      const std::string b = backend_name(backend);
      for (const std::size_t payload_bytes : {std::size_t{160}, std::size_t{1100}}) {
        benchmark::RegisterBenchmark(("protect_unprotect/" + b + "/" + name + "/" + std::to_string(payload_bytes)).c_str(),
                                     protect_unprotect, backend, profile, payload_bytes, std::size_t{1})
            ->Unit(benchmark::kNanosecond);
      }
      for (const std::size_t calls : {std::size_t{1}, std::size_t{1000}}) {
        benchmark::RegisterBenchmark(
            ("protect_unprotect_160B_live_calls/" + b + "/" + name + "/" + std::to_string(calls)).c_str(),
            protect_unprotect, backend, profile, std::size_t{160}, calls)
            ->Unit(benchmark::kNanosecond);
      }
      for (const std::size_t live : {std::size_t{0}, std::size_t{1000}}) {
        benchmark::RegisterBenchmark(("create_session/" + b + "/" + name + "/" + std::to_string(live) + "_live").c_str(),
                                     create_session, backend, profile, live)
            ->Unit(benchmark::kNanosecond);
      }
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();
  return 0;
}
