// PipelinedHasher against the single-thread StreamHasher over the same
// random bytes: the split over two threads must never change a digest, for
// empty and one-byte streams, sizes around and between buffer multiples, the
// zero-copy path (bytes written into write_buffer()) and the copying path.
#include "transport/bytestream/pipelined_hasher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace parrot::transport::bytestream {
namespace {

constexpr std::size_t kBuffer = 4096;

std::vector<std::byte> random_bytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::byte> out(size);
  for (auto& b : out) b = static_cast<std::byte>(rng() & 0xFF);
  return out;
}

std::vector<std::string> hexes(const std::vector<Digest>& digests) {
  std::vector<std::string> out;
  for (const auto& d : digests) out.push_back(d.algorithm + " " + d.hex());
  return out;
}

std::vector<std::string> reference(const std::vector<std::string>& algorithms, std::span<const std::byte> data) {
  StreamHasher hasher{std::span<const std::string>(algorithms)};
  hasher.update(data);
  return hexes(hasher.finish());
}

// As ByteStreamReader feeds it: recv()-sized pieces written into the
// hasher's own buffer, each piece a different size (primes), sometimes
// skipping a prefix the way SOCKS5 handshake bytes are skipped.
std::vector<std::string> zero_copy(const std::vector<std::string>& algorithms, std::span<const std::byte> data) {
  PipelinedHasher hasher(algorithms, kBuffer);
  const std::size_t pieces[] = {kBuffer, 1, 997, kBuffer - 1, 3001, 13};
  std::size_t i = 0;
  while (!data.empty()) {
    const std::span<std::byte> buffer = hasher.write_buffer();
    EXPECT_EQ(buffer.size(), kBuffer);
    const std::size_t skip = i % 3 == 2 ? 7 : 0;
    const std::size_t take = std::min({pieces[i++ % std::size(pieces)], data.size(), kBuffer - skip});
    std::memcpy(buffer.data() + skip, data.data(), take);
    hasher.update(std::span<const std::byte>(buffer).subspan(skip, take));
    data = data.subspan(take);
  }
  return hexes(hasher.finish());
}

// Spans from elsewhere, up to several buffers long: copied into the ring.
std::vector<std::string> copied(const std::vector<std::string>& algorithms, std::span<const std::byte> data) {
  PipelinedHasher hasher(algorithms, kBuffer);
  const std::size_t size = data.size();
  const std::size_t pieces[] = {3 * kBuffer + 5, 1, kBuffer, 100'003};
  for (std::size_t i = 0; !data.empty(); ++i) {
    const std::size_t take = std::min(pieces[i % std::size(pieces)], data.size());
    hasher.update(data.first(take));
    data = data.subspan(take);
  }
  EXPECT_EQ(hasher.bytes_hashed(), size);
  return hexes(hasher.finish());
}

const std::size_t kSizes[] = {0, 1, kBuffer - 1, kBuffer, kBuffer + 1, 3 * kBuffer + 17, (1u << 20) + 333};

TEST(PipelinedHasher, TwoDigestsMatchTheSingleThreadHasher) {
  const std::vector<std::string> algorithms{"sha-256", "sha-1"};
  for (const std::size_t size : kSizes) {
    const auto data = random_bytes(size, static_cast<std::uint32_t>(size) + 1);
    const auto expected = reference(algorithms, data);
    EXPECT_EQ(zero_copy(algorithms, data), expected) << size;
    EXPECT_EQ(copied(algorithms, data), expected) << size;
  }
}

TEST(PipelinedHasher, ManyDigestsMatchInConstructorOrder) {
  const std::vector<std::string> algorithms{"sha-1", "MD5", "sha-256", "sha3-256", "sha-512", "blake2b-512", "sha-1"};
  for (const std::size_t size : kSizes) {
    const auto data = random_bytes(size, static_cast<std::uint32_t>(size) + 7);
    const auto expected = reference(algorithms, data);
    ASSERT_EQ(expected.size(), 6u);
    EXPECT_EQ(zero_copy(algorithms, data), expected) << size;
    EXPECT_EQ(copied(algorithms, data), expected) << size;
  }
}

TEST(PipelinedHasher, OneDigestUsesNoHelperAndMatches) {
  const std::vector<std::string> algorithms{"sha-256"};
  PipelinedHasher hasher(algorithms, kBuffer);
  EXPECT_FALSE(hasher.uses_helper());
  const auto data = random_bytes(kBuffer * 2 + 3, 42);
  EXPECT_EQ(zero_copy(algorithms, data), reference(algorithms, data));
  EXPECT_EQ(copied(algorithms, data), reference(algorithms, data));
}

TEST(PipelinedHasher, WithoutHelperEveryDigestRunsHereAndMatches) {
  const std::vector<std::string> algorithms{"sha-256", "sha-1", "md5"};
  PipelinedHasher hasher(algorithms, kBuffer, false);
  EXPECT_FALSE(hasher.uses_helper());
  EXPECT_EQ(hasher.own_algorithms(), algorithms);
  const auto data = random_bytes(kBuffer * 3 + 11, 17);
  for (std::size_t offset = 0; offset < data.size(); offset += 1000) {
    const std::span<std::byte> buffer = hasher.write_buffer();
    const std::size_t take = std::min<std::size_t>(1000, data.size() - offset);
    std::memcpy(buffer.data(), data.data() + offset, take);
    hasher.update(std::span<const std::byte>(buffer).first(take));
  }
  EXPECT_EQ(hexes(hasher.finish()), reference(algorithms, data));
}

TEST(PipelinedHasher, CostliestDigestStaysOnTheCallingThread) {
  const std::vector<std::string> two{"sha-1", "sha-256"};
  PipelinedHasher pair(two, kBuffer);
  EXPECT_TRUE(pair.uses_helper());
  EXPECT_EQ(pair.own_algorithms(), std::vector<std::string>{"sha-256"});
  EXPECT_EQ(pair.algorithms(), two);

  const std::vector<std::string> four{"sha-1", "sha-256", "sha3-256", "sha-512"};
  PipelinedHasher more(four, kBuffer);
  EXPECT_EQ(more.own_algorithms(), std::vector<std::string>{"sha3-256"});
}

TEST(PipelinedHasher, DrainThenMoreBytes) {
  const std::vector<std::string> algorithms{"sha-256", "sha-1"};
  const auto data = random_bytes(5 * kBuffer + 9, 3);
  PipelinedHasher hasher(algorithms, kBuffer);
  const std::span<const std::byte> all(data);
  hasher.update(all.first(2 * kBuffer + 1));
  hasher.drain();
  hasher.update(all.subspan(2 * kBuffer + 1));
  EXPECT_EQ(hasher.bytes_hashed(), data.size());
  EXPECT_EQ(hexes(hasher.finish()), reference(algorithms, data));
}

TEST(PipelinedHasher, FinishIsStableAndLaterBytesAreIgnored) {
  const std::vector<std::string> algorithms{"sha-256", "sha-1"};
  const auto data = random_bytes(kBuffer + 1, 5);
  PipelinedHasher hasher(algorithms, kBuffer);
  hasher.update(data);
  const auto first = hexes(hasher.finish());
  hasher.update(data);
  EXPECT_EQ(hexes(hasher.finish()), first);
  EXPECT_EQ(first, reference(algorithms, data));
  EXPECT_TRUE(hasher.finished());
}

// Threads of this process now (the kernel lists one task per thread).
std::size_t thread_count() {
  const std::filesystem::directory_iterator tasks("/proc/self/task");
  return static_cast<std::size_t>(std::distance(begin(tasks), end(tasks)));
}

// A joined thread's task may linger in /proc for a moment after join()
// returns; one left running never goes.
bool threads_return_to(std::size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (thread_count() != count) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// Destruction with buffers queued for the helper (and with none ever
// given) ends the helper thread; a hang or a use-after-free also fails
// here (under ASan, or as the test timing out).
TEST(PipelinedHasher, DestroyedMidStreamJoinsTheHelper) {
  const std::vector<std::string> algorithms{"sha3-512", "sha-512", "sha-1"};
  const auto data = random_bytes(64 * kBuffer, 9);
  const std::size_t threads_before = thread_count();
  for (int round = 0; round < 20; ++round) {
    {
      PipelinedHasher hasher(algorithms, kBuffer);
      hasher.update(std::span<const std::byte>(data).first(static_cast<std::size_t>(round) * 3 * kBuffer + 1));
      // From round 1 on, buffers were handed over: the helper is running.
      if (round > 0) {
        ASSERT_EQ(thread_count(), threads_before + 1) << round;
      }
    }
    ASSERT_TRUE(threads_return_to(threads_before)) << "the helper outlived its hasher in round " << round;
  }
  { PipelinedHasher idle(algorithms, kBuffer); }
  EXPECT_TRUE(threads_return_to(threads_before));
}

TEST(PipelinedHasher, BadArgumentsThrow) {
  const std::vector<std::string> unknown{"sha-256", "crc32"};
  EXPECT_THROW(PipelinedHasher(unknown, kBuffer), std::invalid_argument);
  const std::vector<std::string> none;
  EXPECT_THROW(PipelinedHasher(none, kBuffer), std::invalid_argument);
  const std::vector<std::string> fine{"sha-256", "sha-1"};
  EXPECT_THROW(PipelinedHasher(fine, 0), std::invalid_argument);
}

}  // namespace
}  // namespace parrot::transport::bytestream
