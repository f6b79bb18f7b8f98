#include "transport/bytestream/pipelined_hasher.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace parrot::transport::bytestream {

namespace {

struct Cost {
  std::string_view name;
  double ns_per_byte;
};

// `openssl speed -evp <md> -bytes 262144` on the 2-vCPU EPYC (SHA-NI) this
// was built on; only the order and rough ratios matter for the split.
constexpr std::array<Cost, 11> kCosts{{
    {"md5", 1.31},
    {"sha-1", 0.53},
    {"sha-224", 0.56},
    {"sha-256", 0.56},
    {"sha-384", 1.52},
    {"sha-512", 1.52},
    {"sha3-256", 2.45},
    {"sha3-384", 3.2},
    {"sha3-512", 4.0},
    {"blake2b-256", 1.19},
    {"blake2b-512", 1.19},
}};

// What the caller's recv() costs beside its digest (a loopback copy runs at
// about 3.5 GB/s), so the balance counts it.
constexpr double kRecvNsPerByte = 0.3;

double cost_of(const std::string& name) {
  for (const auto& cost : kCosts) {
    if (cost.name == name) return cost.ns_per_byte;
  }
  return 1.0;
}

// The costliest digest stays on the calling thread (it already has the bytes
// in its cache); each next one, costliest first, goes to the side with less
// work, so the two threads finish a buffer at about the same time.
void split(const std::vector<std::string>& names, std::vector<std::string>& own, std::vector<std::string>& helper) {
  std::vector<std::string> by_cost = names;
  std::stable_sort(by_cost.begin(), by_cost.end(),
                   [](const std::string& a, const std::string& b) { return cost_of(a) > cost_of(b); });
  double own_load = kRecvNsPerByte + cost_of(by_cost.front());
  double helper_load = 0;
  own.push_back(by_cost.front());
  for (std::size_t i = 1; i < by_cost.size(); ++i) {
    if (helper_load <= own_load) {
      helper.push_back(by_cost[i]);
      helper_load += cost_of(by_cost[i]);
    } else {
      own.push_back(by_cost[i]);
      own_load += cost_of(by_cost[i]);
    }
  }
}

bool contains(std::span<const std::byte> outer, std::span<const std::byte> inner) {
  const std::less_equal<const std::byte*> le;
  return le(outer.data(), inner.data()) && le(inner.data() + inner.size(), outer.data() + outer.size());
}

StreamHasher own_hasher(std::span<const std::string> algorithms, std::vector<std::string>& names,
                        std::vector<std::string>& helper, bool helper_thread) {
  StreamHasher all(algorithms);  // validates, lowercases and de-duplicates
  names = all.algorithms();
  if (names.size() == 1 || !helper_thread) return all;
  std::vector<std::string> own;
  split(names, own, helper);
  return StreamHasher(own);
}

}  // namespace

PipelinedHasher::PipelinedHasher(std::span<const std::string> algorithms, std::size_t buffer_bytes,
                                 bool helper_thread)
    : own_([&] {
        std::vector<std::string> helper;
        StreamHasher own = own_hasher(algorithms, names_, helper, helper_thread);
        if (!helper.empty()) helper_hasher_.emplace(helper);
        return own;
      }()) {
  if (buffer_bytes == 0) throw std::invalid_argument("PipelinedHasher: zero buffer");
  const std::size_t count = helper_hasher_ ? kBuffers : 1;
  buffers_.assign(count, std::vector<std::byte>(buffer_bytes));
  busy_.assign(count, false);
  queue_.reserve(count);
}

PipelinedHasher::~PipelinedHasher() { stop_helper(false); }

std::span<std::byte> PipelinedHasher::write_buffer() {
  if (!helper_hasher_ || holding_) return buffers_[current_];
  const std::size_t next = (current_ + 1) % buffers_.size();
  std::unique_lock lock(mutex_);
  buffer_freed_.wait(lock, [&] { return !busy_[next]; });
  current_ = next;
  holding_ = true;
  return buffers_[current_];
}

void PipelinedHasher::update(std::span<const std::byte> bytes) noexcept {
  if (finished_ || bytes.empty()) return;
  bytes_ += bytes.size();
  if (!helper_hasher_) return own_.update(bytes);
  if (inline_) {
    own_.update(bytes);
    return helper_hasher_->update(bytes);
  }
  if (holding_ && contains(buffers_[current_], bytes)) return submit(bytes);
  // Bytes from elsewhere (or a second span of a buffer already handed over)
  // go through the ring, a buffer at a time.
  while (!bytes.empty()) {
    const std::span<std::byte> buffer = write_buffer();
    const std::size_t take = std::min(buffer.size(), bytes.size());
    std::memmove(buffer.data(), bytes.data(), take);
    submit(buffer.first(take));
    if (inline_) {
      own_.update(bytes.subspan(take));
      return helper_hasher_->update(bytes.subspan(take));
    }
    bytes = bytes.subspan(take);
  }
}

// The helper gets the buffer first so both threads hash it at once; the
// buffer is reused only after the helper releases it and this thread has
// returned from its own update.
void PipelinedHasher::submit(std::span<const std::byte> bytes) noexcept {
  holding_ = false;
  if (!helper_.joinable()) start_helper();
  if (inline_) {
    own_.update(bytes);
    return helper_hasher_->update(bytes);
  }
  {
    const std::lock_guard lock(mutex_);
    busy_[current_] = true;
    queue_.push_back({current_, bytes});
  }
  job_ready_.notify_one();
  own_.update(bytes);
}

// One thread per hasher rather than a shared pool: parrot caps concurrent
// transfers (20 by default), an idle helper costs a sleeping thread, and a
// private FIFO keeps each stream's bytes in order without any scheduling
// between streams. Started lazily so readers that never get data cost none.
void PipelinedHasher::start_helper() noexcept {
  try {
    helper_ = std::thread([this] { helper_loop(); });
  } catch (const std::exception&) {
    // No thread (resource limits): the same digests, all on this thread.
    inline_ = true;
  }
}

void PipelinedHasher::helper_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    job_ready_.wait(lock, [&] { return stopping_ || closing_ || !queue_.empty(); });
    if (stopping_ || queue_.empty()) return;
    const Job job = queue_.front();
    queue_.erase(queue_.begin());
    lock.unlock();
    helper_hasher_->update(job.bytes);
    lock.lock();
    busy_[job.buffer] = false;
    buffer_freed_.notify_one();
  }
}

void PipelinedHasher::drain() noexcept {
  if (!helper_.joinable()) return;
  std::unique_lock lock(mutex_);
  buffer_freed_.wait(lock, [&] { return std::none_of(busy_.begin(), busy_.end(), [](bool b) { return b; }); });
}

void PipelinedHasher::stop_helper(bool hash_remaining) noexcept {
  if (!helper_.joinable()) return;
  {
    const std::lock_guard lock(mutex_);
    (hash_remaining ? closing_ : stopping_) = true;
  }
  job_ready_.notify_one();
  helper_.join();
}

const std::vector<Digest>& PipelinedHasher::finish() {
  if (!finished_) {
    stop_helper(true);
    finished_ = true;
    holding_ = false;
    try {
      const std::vector<Digest>& own = own_.finish();
      std::vector<Digest> all(own.begin(), own.end());
      if (helper_hasher_) {
        const std::vector<Digest>& others = helper_hasher_->finish();
        all.insert(all.end(), others.begin(), others.end());
      }
      for (const auto& name : names_) {
        const auto found =
            std::find_if(all.begin(), all.end(), [&](const Digest& d) { return d.algorithm == name; });
        digests_.push_back(std::move(*found));
      }
    } catch (const std::runtime_error&) {
      failed_ = true;
    }
  }
  if (failed_) throw std::runtime_error("StreamHasher: OpenSSL digest failure");
  return digests_;
}

}  // namespace parrot::transport::bytestream
