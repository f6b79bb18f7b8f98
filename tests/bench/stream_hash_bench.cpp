// File-transfer bytes: what parrot pays to hash a file as it arrives.
//   - Hash/<algos>: StreamHasher over 1 MiB chunks in memory (SHA-256,
//     SHA-1, both together: the digests parrot always computes). This is the
//     "hashing in one process" baseline of issue 6.
//   - TcpCopy: a plain loopback TCP copy of 1 GiB (blocking recv into a
//     256 KiB buffer, bytes discarded), the other baseline.
//   - Reader/<algos>: ByteStreamReader receiving 1 GiB over loopback from a
//     SOCKS5 streamhost thread (handshake included), hashing as it reads on
//     the benchmark thread's GMainContext.
// Issue 6's target: the reader's rate >= 80% of the slower baseline with the
// same algorithms. The sender is the same thread code for TcpCopy and Reader.
//
//   <build>/tests/stream_hash_bench  (figures in docs/BENCHMARKS.md, "File transfers")
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "transport/bytestream/byte_stream_reader.hpp"
#include "transport/bytestream/socks5.hpp"
#include "transport/bytestream/stream_hasher.hpp"
#include "transport/glib_ptr.hpp"

namespace {

using namespace parrot::transport;
using namespace parrot::transport::bytestream;

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
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kChunkBytes));
  label(state, algorithms);
}
BENCHMARK(BM_Hash)->Arg(0)->Arg(1)->Arg(2);

struct Listener {
  Listener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::listen(fd, 1);
    socklen_t length = sizeof(address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
  }
  ~Listener() { ::close(fd); }
  int fd = -1;
  std::uint16_t port = 0;
};

bool write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = ::send(fd, p, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool read_exact(int fd, void* data, std::size_t size) {
  auto* p = static_cast<std::uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = ::recv(fd, p, size, 0);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The sending side of both transfers: accepts one connection, optionally
// plays a SOCKS5 streamhost (method 0x00, CONNECT echoed as success), then
// sends kTransferBytes and waits for the receiver to close.
void send_file(const Listener& listener, bool socks5) {
  const int fd = ::accept(listener.fd, nullptr, nullptr);
  if (fd < 0) return;
  const auto data = chunk();
  bool ok = true;
  if (socks5) {
    std::uint8_t greeting[3];
    const std::uint8_t method[] = {5, 0};
    std::uint8_t request[47];
    ok = read_exact(fd, greeting, 3) && write_all(fd, method, 2) && read_exact(fd, request, sizeof(request));
    request[1] = 0;
    ok = ok && write_all(fd, request, sizeof(request));
  }
  for (std::uint64_t sent = 0; ok && sent < kTransferBytes; sent += kChunkBytes) {
    ok = write_all(fd, data.data(), data.size());
  }
  std::uint8_t byte = 0;
  while (ok && ::recv(fd, &byte, 1, 0) > 0) {
  }
  ::close(fd);
}

void BM_TcpCopy(benchmark::State& state) {
  std::vector<std::uint8_t> buffer(256 * 1024);
  for (auto _ : state) {
    Listener listener;
    std::thread sender([&] { send_file(listener, false); });
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(listener.port);
    ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
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
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kTransferBytes));
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
  for (auto _ : state) {
    Listener listener;
    std::thread sender([&] { send_file(listener, true); });
    Done done;
    ReaderOptions options;
    options.expected_bytes = kTransferBytes;
    options.algorithms = algorithms;
    options.buffer_bytes = static_cast<std::size_t>(state.range(1)) * 1024;
    auto reader = ByteStreamReader::connect(context.get(), "127.0.0.1", listener.port,
                                            socks5_dst_addr("sid", "a@example.org/x", "b@example.org/y"),
                                            options, done);
    while (!done.result) g_main_context_iteration(context.get(), TRUE);
    reader.reset();
    sender.join();
    if (done.result->outcome != ReadOutcome::kComplete) state.SkipWithError(done.result->detail.c_str());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kTransferBytes));
  label(state, algorithms);
}
// Args: algorithms (0 = sha-256, 2 = sha-256+sha-1), read buffer in KiB.
BENCHMARK(BM_Reader)
    ->Args({0, 256})
    ->Args({2, 256})
    ->Args({0, 1024})
    ->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
