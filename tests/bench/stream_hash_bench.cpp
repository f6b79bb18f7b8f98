// File-transfer bytes: what parrot pays to hash a file as it arrives.
//   - Hash/<algos>: StreamHasher over 1 MiB chunks in memory (SHA-256,
//     SHA-1, both together: the digests parrot always computes). This is the
//     "hashing in one process" baseline of docs/BENCHMARKS.md, "File transfers".
//   - TcpCopy: a plain loopback TCP copy of 1 GiB (blocking recv into a
//     256 KiB buffer, bytes discarded), the other baseline.
//   - HashTwoThreads: the same digests through PipelinedHasher in memory,
//     SHA-256 here and SHA-1 on its helper thread (what two cores allow).
//   - Reader/<algos>/<KiB>/<threads>: ByteStreamReader receiving 1 GiB over
//     loopback from a SOCKS5 streamhost thread (handshake included), hashing
//     as it reads on the benchmark thread's GMainContext; threads 1 = every
//     digest there, 2 = the costliest there and the others on the reader's
//     helper thread (ReaderOptions::helper_thread).
// The two-thread lines also count CPU seconds per GiB on each hashing
// thread (cpu_main_s, cpu_helper_s, from getrusage): on a shared, busy
// machine the wall-clock rate understates what two free cores give, and the
// larger of the two is the quiet machine's time per GiB.
// The target: the reader's rate >= 80% of the slower baseline with the
// same algorithms; after the table each reader line is printed as a share
// of the slower of Hash (same algorithms, one thread) and TcpCopy measured
// in the same run. The sender is the same thread code for TcpCopy and Reader.
//
//   <build>/tests/stream_hash_bench  (figures in docs/BENCHMARKS.md, "File transfers")
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/unit/loopback_socket.hpp"
#include "transport/bytestream/byte_stream_reader.hpp"
#include "transport/bytestream/pipelined_hasher.hpp"
#include "transport/bytestream/socks5.hpp"
#include "transport/bytestream/stream_hasher.hpp"
#include "transport/glib_ptr.hpp"

namespace {

using namespace parrot::transport;
using namespace parrot::transport::bytestream;
using parrot::test::connect_loopback;
using parrot::test::ListeningSocket;
using parrot::test::read_exact;
using parrot::test::wait_for_close;
using parrot::test::write_all;

constexpr std::size_t kChunkBytes = 1 << 20;
constexpr std::uint64_t kTransferBytes = std::uint64_t{1} << 30;

std::vector<std::uint8_t> chunk() {
  std::vector<std::uint8_t> out(kChunkBytes);
  std::uint32_t x = 2463534242u;
  for (auto& b : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<std::uint8_t>(x);
  }
  return out;
}

std::vector<std::string> algorithms_for(std::int64_t which) {
  switch (which) {
    case 0:
      return {"sha-256"};
    case 1:
      return {"sha-1"};
    default:
      return {"sha-256", "sha-1"};
  }
}

double cpu_seconds(int who) {
  rusage usage{};
  ::getrusage(who, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// CPU seconds per GiB of the benchmark thread and of everything else in
// the process but `others_s` (the sender thread's own share): the helper.
void count_cpu(benchmark::State& state, double main_s, double process_s, double others_s, double bytes) {
  const double per_gib = static_cast<double>(std::uint64_t{1} << 30) / bytes;
  state.counters["cpu_main_s"] = main_s * per_gib;
  state.counters["cpu_helper_s"] = (process_s - main_s - others_s) * per_gib;
}

void label(benchmark::State& state, const std::vector<std::string>& algorithms) {
  std::string text;
  for (const auto& a : algorithms) text += (text.empty() ? "" : "+") + a;
  state.SetLabel(text);
}

void BM_Hash(benchmark::State& state) {
  const auto algorithms = algorithms_for(state.range(0));
  const auto data = chunk();
  StreamHasher hasher(algorithms);
  for (auto _ : state) hasher.update(std::span<const std::uint8_t>(data));
  benchmark::DoNotOptimize(hasher.finish());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kChunkBytes));
  label(state, algorithms);
}
BENCHMARK(BM_Hash)->Arg(0)->Arg(1)->Arg(2);

// Bytes copied into the ring first, as a reader's recv() would write them.
void BM_HashTwoThreads(benchmark::State& state) {
  const auto algorithms = algorithms_for(2);
  const auto data = chunk();
  PipelinedHasher hasher(algorithms, 256 * 1024);
  const std::span<const std::uint8_t> all(data);
  const double main_before = cpu_seconds(RUSAGE_THREAD);
  const double process_before = cpu_seconds(RUSAGE_SELF);
  for (auto _ : state) {
    for (std::size_t offset = 0; offset < all.size();) {
      const std::span<std::byte> buffer = hasher.write_buffer();
      const std::size_t take = std::min(buffer.size(), all.size() - offset);
      std::memcpy(buffer.data(), all.data() + offset, take);
      hasher.update(std::span<const std::byte>(buffer).first(take));
      offset += take;
    }
  }
  benchmark::DoNotOptimize(hasher.finish());
  count_cpu(state, cpu_seconds(RUSAGE_THREAD) - main_before, cpu_seconds(RUSAGE_SELF) - process_before, 0,
            static_cast<double>(state.iterations()) * static_cast<double>(kChunkBytes));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kChunkBytes));
  label(state, algorithms);
}
BENCHMARK(BM_HashTwoThreads)->UseRealTime();

// The sending side of both transfers: accepts one connection, optionally
// plays a SOCKS5 streamhost (method 0x00, CONNECT echoed as success), then
// sends kTransferBytes and waits for the receiver to close. Adds its own CPU
// seconds to *cpu_s.
void send_file(const ListeningSocket& listener, bool socks5, double* cpu_s = nullptr) {
  const double cpu_before = cpu_seconds(RUSAGE_THREAD);
  const int fd = listener.accept_one();
  if (fd < 0) return;
  const auto data = chunk();
  bool ok = true;
  if (socks5) {
    const std::uint8_t method[] = {5, 0};
    std::string request;
    if (read_exact(fd, 3).size() == 3 && write_all(fd, method, 2)) request = read_exact(fd, 47);
    ok = request.size() == 47;
    if (ok) {
      request[1] = 0;  // REP: succeeded
      ok = write_all(fd, request.data(), request.size());
    }
  }
  for (std::uint64_t sent = 0; ok && sent < kTransferBytes; sent += kChunkBytes) {
    ok = write_all(fd, data.data(), data.size());
  }
  if (ok) wait_for_close(fd);
  ::close(fd);
  if (cpu_s != nullptr) *cpu_s += cpu_seconds(RUSAGE_THREAD) - cpu_before;
}

void BM_TcpCopy(benchmark::State& state) {
  std::vector<std::uint8_t> buffer(256 * 1024);
  for (auto _ : state) {
    ListeningSocket listener;
    std::thread sender([&] { send_file(listener, false); });
    const int fd = connect_loopback(listener.port());
    std::uint64_t received = 0;
    while (received < kTransferBytes) {
      const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
      if (n <= 0) break;
      received += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
    sender.join();
    if (received != kTransferBytes) state.SkipWithError("short copy");
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kTransferBytes));
}
BENCHMARK(BM_TcpCopy)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

struct Done final : ByteStreamReader::Observer {
  void on_connected(const std::string&) override {}
  void on_progress(std::uint64_t) override {}
  void on_finished(const ReaderResult& r) override { result = r; }
  std::optional<ReaderResult> result;
};

void BM_Reader(benchmark::State& state) {
  const auto algorithms = algorithms_for(state.range(0));
  const GMainContextPtr context(g_main_context_new());
  double sender_s = 0;
  const double main_before = cpu_seconds(RUSAGE_THREAD);
  const double process_before = cpu_seconds(RUSAGE_SELF);
  for (auto _ : state) {
    ListeningSocket listener;
    std::thread sender([&] { send_file(listener, true, &sender_s); });
    Done done;
    ReaderOptions options;
    options.expected_bytes = kTransferBytes;
    options.algorithms = algorithms;
    options.buffer_bytes = static_cast<std::size_t>(state.range(1)) * 1024;
    options.helper_thread = state.range(2) == 2;
    auto reader = ByteStreamReader::connect(context.get(), "127.0.0.1", listener.port(),
                                            socks5_dst_addr("sid", "a@example.org/x", "b@example.org/y"),
                                            options, done);
    while (!done.result) g_main_context_iteration(context.get(), TRUE);
    reader.reset();
    sender.join();
    if (done.result->outcome != ReadOutcome::kComplete) state.SkipWithError(done.result->detail.c_str());
  }
  count_cpu(state, cpu_seconds(RUSAGE_THREAD) - main_before, cpu_seconds(RUSAGE_SELF) - process_before, sender_s,
            static_cast<double>(state.iterations()) * static_cast<double>(kTransferBytes));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kTransferBytes));
  label(state, algorithms);
}
// Args: algorithms (0 = sha-256, 2 = sha-256+sha-1), read buffer in KiB,
// hashing threads (1 or 2; with one algorithm there is only one).
BENCHMARK(BM_Reader)
    ->Args({0, 256, 1})
    ->Args({2, 256, 1})
    ->Args({2, 256, 2})
    ->Args({2, 1024, 2})
    ->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

// The console table, then each Reader line as a share of its slower baseline.
class RatioReporter final : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      const auto rate = run.counters.find("bytes_per_second");
      if (run.error_occurred || rate == run.counters.end()) continue;
      rates_.emplace_back(run.benchmark_name(), run.report_label, rate->second.value);
    }
  }

  void print_ratios() const {
    double copy = 0;
    std::map<std::string, double> hash;  // label -> one-thread in-memory rate
    for (const auto& [name, algorithms, rate] : rates_) {
      if (name.rfind("BM_TcpCopy", 0) == 0) copy = rate;
      if (name.rfind("BM_Hash/", 0) == 0) hash[algorithms] = rate;
    }
    std::printf("\nReader against the slower baseline (Hash with the same algorithms, TcpCopy):\n");
    for (const auto& [name, algorithms, rate] : rates_) {
      if (name.rfind("BM_Reader", 0) != 0 || hash.count(algorithms) == 0 || copy <= 0) continue;
      const double slower = std::min(hash.at(algorithms), copy);
      std::printf("  %-32s %-14s %7.0f MB/s = %3.0f%% of %7.0f MB/s\n", name.c_str(), algorithms.c_str(), rate / 1e6,
                  100 * rate / slower, slower / 1e6);
    }
  }

 private:
  std::vector<std::tuple<std::string, std::string, double>> rates_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();
  return 0;
}
