// ByteStreamReader over real loopback TCP. The peer is plain blocking POSIX
// code in its own thread, playing a SOCKS5 streamhost/proxy (client role) or
// a sender connecting to parrot's candidate (server role); the expected
// sha-256 comes from OpenSSL's one-shot SHA256(), not from StreamHasher.
#include "transport/bytestream/byte_stream_reader.hpp"

#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../worker/loop_helpers.hpp"
#include "tests/unit/loopback_socket.hpp"
#include "transport/bytestream/socks5.hpp"
#include "transport/bytestream/stream_hasher.hpp"

namespace parrot::transport::bytestream {
namespace {

using namespace std::chrono_literals;
using parrot::test::closed_port;
using parrot::test::connect_loopback;
using parrot::test::ListeningSocket;
using parrot::test::read_exact;
using parrot::test::wait_for_close;
using parrot::test::write_all;

std::vector<std::uint8_t> payload(std::size_t size) {
  std::vector<std::uint8_t> out(size);
  std::uint32_t x = 2463534242u;  // xorshift32: every byte value, no repeating pattern
  for (auto& b : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<std::uint8_t>(x);
  }
  return out;
}

std::string sha256_hex(const std::uint8_t* data, std::size_t size) {
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> digest{};
  SHA256(data, size, digest.data());
  return to_hex(digest);
}

struct Recorder final : ByteStreamReader::Observer {
  void on_connected(const std::string& dst_addr) override { connected_dst = dst_addr; }
  void on_progress(std::uint64_t bytes) override { progress.push_back(bytes); }
  void on_finished(const ReaderResult& r) override {
    ++finished_calls;
    result = r;
  }
  std::optional<std::string> connected_dst;
  std::vector<std::uint64_t> progress;
  std::optional<ReaderResult> result;
  int finished_calls = 0;
};

std::string digest_of(const ReaderResult& result, const std::string& algorithm) {
  for (const auto& d : result.digests) {
    if (d.algorithm == algorithm) return d.hex();
  }
  return "missing";
}

std::vector<std::string> hexes(const std::vector<Digest>& digests) {
  std::vector<std::string> out;
  for (const auto& d : digests) out.push_back(d.algorithm + " " + d.hex());
  return out;
}

// The single-thread path's digests of the first `size` bytes, for the
// algorithms a reader was given (default: sha-256 + sha-1, two threads).
std::vector<std::string> single_thread(const std::vector<std::uint8_t>& data, std::size_t size,
                                       const std::vector<std::string>& algorithms = ReaderOptions{}.algorithms) {
  StreamHasher hasher{std::span<const std::string>(algorithms)};
  hasher.update(std::span<const std::uint8_t>(data.data(), size));
  return hexes(hasher.finish());
}

// The streamhost side of XEP-0065 §5.3.2: method 0x00, CONNECT for `hash`,
// then whatever `after` does with the connected socket.
void serve_streamhost(const ListeningSocket& listener, const std::string& hash, std::uint8_t reply_code,
                      const std::function<void(int)>& after) {
  const int fd = listener.accept_one();
  if (fd < 0) return;
  const auto greeting = read_exact(fd, 3);
  const std::uint8_t method[] = {5, 0};
  if (greeting == std::string("\x05\x01\x00", 3) && write_all(fd, method, 2)) {
    auto request = read_exact(fd, 5 + hash.size() + 2);
    if (request.size() == 47 && std::memcmp(request.data() + 5, hash.data(), hash.size()) == 0) {
      request[1] = static_cast<char>(reply_code);
      if (write_all(fd, request.data(), request.size())) after(fd);
    }
  }
  ::close(fd);
}

// A streamhost's `after`: all of `data`, then, when `then_wait`, the
// connection held until the reader closes it (else closed at once).
std::function<void(int)> send_all(const std::vector<std::uint8_t>& data, bool then_wait) {
  return [&data, then_wait](int fd) {
    write_all(fd, data.data(), data.size());
    if (then_wait) wait_for_close(fd);
  };
}

class ReaderTest : public ::testing::Test {
 protected:
  bool run_until_finished() {
    return test::iterate_until(context_.get(), [&] { return recorder_.result.has_value(); });
  }
  std::unique_ptr<ByteStreamReader> connect(std::uint16_t port, ReaderOptions options) {
    return ByteStreamReader::connect(context_.get(), "127.0.0.1", port, hash_, std::move(options), recorder_);
  }

  GMainContextPtr context_ = test::new_context();
  Recorder recorder_;
  const std::string hash_ = socks5_dst_addr("s5b-sid", "sender@example.org/a", "parrot@example.net/b");
};

TEST_F(ReaderTest, ClientRoleHashesZeroOneAndOneMebibyte) {
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{1} << 20}) {
    recorder_ = Recorder{};
    const auto data = payload(size);
    ListeningSocket listener;
    std::thread peer([&] { serve_streamhost(listener, hash_, 0, send_all(data, true)); });
    ReaderOptions options;
    options.expected_bytes = size;
    options.buffer_bytes = 4096;  // many reads, chunk boundaries everywhere
    auto reader = connect(listener.port(), options);
    ASSERT_TRUE(run_until_finished()) << size;
    reader.reset();
    peer.join();
    const ReaderResult& result = *recorder_.result;
    EXPECT_EQ(result.outcome, ReadOutcome::kComplete) << result.detail;
    EXPECT_EQ(result.bytes_received, size);
    EXPECT_EQ(digest_of(result, "sha-256"), sha256_hex(data.data(), data.size()));
    EXPECT_EQ(recorder_.connected_dst, hash_);
    EXPECT_EQ(recorder_.finished_calls, 1);
    EXPECT_EQ(result.dst_addr, hash_);
  }
}

// Two digests run on two threads (pipelined_hasher.hpp), one on the
// reader's thread alone; both must equal StreamHasher over the same bytes,
// with reads that split the stream at every offset of a small buffer.
TEST_F(ReaderTest, OneAndTwoThreadDigestsEqualTheSingleThreadHasher) {
  const std::vector<std::vector<std::string>> algorithm_sets{
      {"sha-256", "sha-1"}, {"sha-256"}, {"sha-1", "sha-512", "sha3-256", "sha-256"}};
  std::vector<std::pair<std::vector<std::string>, bool>> cases;
  for (const auto& algorithms : algorithm_sets) {
    cases.emplace_back(algorithms, true);
    cases.emplace_back(algorithms, false);
  }
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{4097},
                                 std::size_t{3 * 4096 + 17}, (std::size_t{1} << 20) + 333}) {
    const auto data = payload(size);
    for (const auto& [algorithms, helper_thread] : cases) {
      recorder_ = Recorder{};
      ListeningSocket listener;
      std::thread peer([&] { serve_streamhost(listener, hash_, 0, send_all(data, true)); });
      ReaderOptions options;
      options.expected_bytes = size;
      options.algorithms = algorithms;
      options.helper_thread = helper_thread;
      options.buffer_bytes = 4096;
      auto reader = connect(listener.port(), options);
      ASSERT_TRUE(run_until_finished()) << size;
      reader.reset();
      peer.join();
      EXPECT_EQ(recorder_.result->outcome, ReadOutcome::kComplete) << recorder_.result->detail;
      EXPECT_EQ(recorder_.result->bytes_received, size);
      EXPECT_EQ(hexes(recorder_.result->digests), single_thread(data, size, algorithms))
          << size << " bytes, " << algorithms.size() << " digests, helper " << helper_thread;
    }
  }
}

// Destroyed while bytes still flow: the helper thread is joined, nothing
// calls back, and the sender sees the socket close.
TEST_F(ReaderTest, DestroyedMidStreamStopsTheHelper) {
  const auto data = payload(1 << 20);
  ListeningSocket listener;
  std::thread peer([&] {
    serve_streamhost(listener, hash_, 0, [&](int fd) {
      while (write_all(fd, data.data(), data.size())) {
      }
    });
  });
  ReaderOptions options;
  options.expected_bytes = std::uint64_t{1} << 40;
  options.algorithms = {"sha-256", "sha-1", "sha-512"};
  options.buffer_bytes = 64 * 1024;
  auto reader = connect(listener.port(), options);
  ASSERT_TRUE(test::iterate_until(context_.get(), [&] { return reader->bytes_received() > (4u << 20); }));
  reader.reset();
  peer.join();
  EXPECT_EQ(recorder_.finished_calls, 0);
}

TEST_F(ReaderTest, RefusingStreamhostFailsTheHandshake) {
  ListeningSocket listener;
  std::thread peer([&] { serve_streamhost(listener, hash_, 5, [](int) {}); });
  ReaderOptions options;
  options.expected_bytes = 10;
  auto reader = connect(listener.port(), options);
  ASSERT_TRUE(run_until_finished());
  peer.join();
  EXPECT_EQ(recorder_.result->outcome, ReadOutcome::kHandshakeFailed);
  EXPECT_NE(recorder_.result->detail.find("connection refused"), std::string::npos) << recorder_.result->detail;
  EXPECT_FALSE(recorder_.connected_dst.has_value());
}

TEST_F(ReaderTest, MoreBytesThanAnnouncedAreCaughtWhileLingering) {
  const auto data = payload(100'000);
  ListeningSocket listener;
  std::thread peer([&] { serve_streamhost(listener, hash_, 0, send_all(data, false)); });
  ReaderOptions options;
  options.expected_bytes = 99'990;
  options.linger = 10s;  // ends at the excess bytes or the peer's close, whichever first
  auto reader = connect(listener.port(), options);
  ASSERT_TRUE(run_until_finished());
  peer.join();
  const ReaderResult& result = *recorder_.result;
  EXPECT_EQ(result.outcome, ReadOutcome::kTooManyBytes) << result.detail;
  EXPECT_EQ(result.bytes_received, 99'990u);
  EXPECT_GT(result.excess_bytes, 0u);
  EXPECT_EQ(digest_of(result, "sha-256"), sha256_hex(data.data(), 99'990));
  EXPECT_EQ(hexes(result.digests), single_thread(data, 99'990));
}

TEST_F(ReaderTest, ExactSizeThenCloseCompletesWhileLingering) {
  const auto data = payload(5000);
  ListeningSocket listener;
  std::thread peer([&] { serve_streamhost(listener, hash_, 0, send_all(data, false)); });
  ReaderOptions options;
  options.expected_bytes = data.size();
  options.linger = 10s;
  auto reader = connect(listener.port(), options);
  ASSERT_TRUE(run_until_finished());
  peer.join();
  EXPECT_EQ(recorder_.result->outcome, ReadOutcome::kComplete) << recorder_.result->detail;
}

TEST_F(ReaderTest, EarlyCloseIsTruncated) {
  const auto data = payload(3000);
  ListeningSocket listener;
  std::thread peer([&] { serve_streamhost(listener, hash_, 0, send_all(data, false)); });
  ReaderOptions options;
  options.expected_bytes = 4000;
  auto reader = connect(listener.port(), options);
  ASSERT_TRUE(run_until_finished());
  peer.join();
  EXPECT_EQ(recorder_.result->outcome, ReadOutcome::kTruncated);
  EXPECT_EQ(recorder_.result->bytes_received, 3000u);
  EXPECT_EQ(digest_of(*recorder_.result, "sha-256"), sha256_hex(data.data(), data.size()));
  EXPECT_EQ(hexes(recorder_.result->digests), single_thread(data, data.size()));
}

TEST_F(ReaderTest, StalledSenderHitsTheIdleTimeout) {
  const auto data = payload(1000);
  ListeningSocket listener;
  std::thread peer([&] { serve_streamhost(listener, hash_, 0, send_all(data, true)); });
  ReaderOptions options;
  options.expected_bytes = 2000;
  options.idle_timeout = 200ms;
  auto reader = connect(listener.port(), options);
  ASSERT_TRUE(run_until_finished());
  reader.reset();
  peer.join();
  EXPECT_EQ(recorder_.result->outcome, ReadOutcome::kIdleTimeout);
  EXPECT_EQ(recorder_.result->bytes_received, 1000u);
  EXPECT_EQ(hexes(recorder_.result->digests), single_thread(data, 1000));
}

TEST_F(ReaderTest, SilentStreamhostHitsTheHandshakeTimeout) {
  ListeningSocket listener;
  std::thread peer([&] {
    const int fd = listener.accept_one();
    wait_for_close(fd);
    ::close(fd);
  });
  ReaderOptions options;
  options.connect_timeout = 200ms;
  auto reader = connect(listener.port(), options);
  ASSERT_TRUE(run_until_finished());
  reader.reset();
  peer.join();
  EXPECT_EQ(recorder_.result->outcome, ReadOutcome::kHandshakeTimeout);
}

TEST_F(ReaderTest, ClosedPortFailsToConnect) {
  auto reader = connect(closed_port(), ReaderOptions{});
  ASSERT_TRUE(run_until_finished());
  EXPECT_EQ(recorder_.result->outcome, ReadOutcome::kConnectFailed);
  EXPECT_FALSE(recorder_.result->detail.empty());
}

TEST_F(ReaderTest, DestroyedReaderNeverCallsBack) {
  ListeningSocket listener;
  std::thread peer([&] {
    const int fd = listener.accept_one();
    wait_for_close(fd);
    ::close(fd);
  });
  auto reader = connect(listener.port(), ReaderOptions{});
  bool later = false;
  Timer tick(context_.get(), 100ms, [&] { later = true; });
  ASSERT_TRUE(test::iterate_until(context_.get(), [&] { return later; }));
  reader.reset();
  peer.join();
  bool after = false;
  Timer settle(context_.get(), 50ms, [&] { after = true; });
  ASSERT_TRUE(test::iterate_until(context_.get(), [&] { return after; }));
  EXPECT_EQ(recorder_.finished_calls, 0);
}

// Server role: a sender connects to parrot's candidate and speaks SOCKS5 first.
class ServerRoleTest : public ReaderTest {
 protected:
  // Runs the sender in a thread; returns the reader on the accepted socket.
  std::unique_ptr<ByteStreamReader> accept(const ListeningSocket& listener, ReaderOptions options) {
    UniqueFd fd(listener.accept_one());
    const std::string other_order = socks5_dst_addr("s5b-sid", "parrot@example.net/b", "sender@example.org/a");
    return ByteStreamReader::accept(context_.get(), std::move(fd), {other_order, hash_}, std::move(options), recorder_);
  }
};

TEST_F(ServerRoleTest, SenderConnectsAndSendsOneMebibyte) {
  const auto data = payload(1 << 20);
  ListeningSocket listener;
  std::string reply;
  std::thread sender([&] {
    const int fd = connect_loopback(listener.port());
    const std::uint8_t greeting[] = {5, 1, 0};
    write_all(fd, greeting, 3);
    if (read_exact(fd, 2) == std::string("\x05\x00", 2)) {
      std::vector<std::uint8_t> request{5, 1, 0, 3, 40};
      request.insert(request.end(), hash_.begin(), hash_.end());
      request.insert(request.end(), {0, 0});
      write_all(fd, request.data(), request.size());
      reply = read_exact(fd, request.size());
      write_all(fd, data.data(), data.size());
    }
    wait_for_close(fd);
    ::close(fd);
  });
  ReaderOptions options;
  options.expected_bytes = data.size();
  auto reader = accept(listener, options);
  ASSERT_TRUE(run_until_finished());
  reader.reset();
  sender.join();
  ASSERT_EQ(reply.size(), 47u);
  EXPECT_EQ(reply[1], 0);
  EXPECT_EQ(recorder_.result->outcome, ReadOutcome::kComplete) << recorder_.result->detail;
  EXPECT_EQ(recorder_.result->dst_addr, hash_);
  EXPECT_EQ(digest_of(*recorder_.result, "sha-256"), sha256_hex(data.data(), data.size()));
  EXPECT_NE(recorder_.result->peer.find("127.0.0.1:"), std::string::npos);
}

TEST_F(ServerRoleTest, UnknownHashIsRefusedWithReplyTwo) {
  ListeningSocket listener;
  std::string reply;
  std::thread sender([&] {
    const int fd = connect_loopback(listener.port());
    std::vector<std::uint8_t> wire{5, 1, 0, 5, 1, 0, 3, 40};
    wire.insert(wire.end(), 40, 'e');
    wire.insert(wire.end(), {0, 0});
    write_all(fd, wire.data(), wire.size());
    reply = read_exact(fd, 2 + 10);
    wait_for_close(fd);
    ::close(fd);
  });
  auto reader = accept(listener, ReaderOptions{});
  ASSERT_TRUE(run_until_finished());
  reader.reset();
  sender.join();
  ASSERT_EQ(reply.size(), 12u);
  EXPECT_EQ(reply[3], 2);  // RFC 1928 §6 X'02' connection not allowed by ruleset
  EXPECT_EQ(recorder_.result->outcome, ReadOutcome::kHandshakeFailed);
}

TEST(ReaderOptionsTest, BadOptionsThrow) {
  auto context = test::new_context();
  Recorder recorder;
  ReaderOptions unknown;
  unknown.algorithms = {"sha-256", "crc32"};
  EXPECT_THROW(ByteStreamReader::connect(context.get(), "127.0.0.1", 1, "x", unknown, recorder),
               std::invalid_argument);
  ReaderOptions zero;
  zero.buffer_bytes = 0;
  EXPECT_THROW(ByteStreamReader::connect(context.get(), "127.0.0.1", 1, "x", zero, recorder), std::invalid_argument);
  EXPECT_THROW(ByteStreamReader::connect(context.get(), "127.0.0.1", 1, "", ReaderOptions{}, recorder),
               std::invalid_argument);
}

}  // namespace
}  // namespace parrot::transport::bytestream
