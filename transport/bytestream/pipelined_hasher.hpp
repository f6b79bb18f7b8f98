// Several digests over one byte stream, split over two threads (a
// transfer's SHA-256 and SHA-1 together on one core fall behind a loopback
// socket). The calling thread (a reader's worker) hashes the costliest
// digest itself; a helper thread owned by this object hashes the others
// over the same bytes, one buffer behind. Bytes live in a ring of kBuffers buffers of buffer_bytes each, so the
// caller's recv() into the next buffer, its own digest and the helper's
// digests all overlap, with bounded memory. With a single digest there is no
// helper, no ring copy and no lock: one buffer, hashed in place, which is
// StreamHasher's path.
//
// The digests are the ones StreamHasher computes over the same bytes, in the
// same (constructor) order; the split only changes which thread runs them.
//
// Threads: one caller thread at a time uses every member function; the
// helper thread is internal, started at the first bytes and joined by
// finish() or the destructor (never detached).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "transport/bytestream/stream_hasher.hpp"

namespace parrot::transport::bytestream {

class PipelinedHasher {
 public:
  // Buffers in the ring when a helper thread is used: one being filled, one
  // being hashed by the helper, one in between so neither side waits for a
  // short burst of the other.
  static constexpr std::size_t kBuffers = 3;

  // Same algorithm rules as StreamHasher (throws std::invalid_argument for
  // none or an unsupported one); also for a zero buffer_bytes. With
  // helper_thread false every digest runs on the calling thread through one
  // buffer, as with a single digest (the benchmark's single-thread variant).
  PipelinedHasher(std::span<const std::string> algorithms, std::size_t buffer_bytes, bool helper_thread = true);
  // Stops the helper without hashing what it still holds, and joins it.
  ~PipelinedHasher();
  PipelinedHasher(const PipelinedHasher&) = delete;
  PipelinedHasher& operator=(const PipelinedHasher&) = delete;
  PipelinedHasher(PipelinedHasher&&) = delete;
  PipelinedHasher& operator=(PipelinedHasher&&) = delete;

  // Where the caller may write the next bytes (buffer_bytes long; recv()
  // into it). Blocks on a condition variable while the helper still hashes
  // every buffer of the ring, i.e. for at most one buffer of its hashing.
  std::span<std::byte> write_buffer();

  // Hashes bytes. A span inside the latest write_buffer() is handed to the
  // helper without a copy (the caller must not write into that buffer
  // again; the next write_buffer() gives another); any other span is copied
  // into the ring. Ignored after finish(). Never throws.
  void update(std::span<const std::byte> bytes) noexcept;
  void update(std::span<const std::uint8_t> bytes) noexcept { update(std::as_bytes(bytes)); }

  // Returns once the helper has hashed everything given so far.
  void drain() noexcept;

  // As StreamHasher::finish(): digests in constructor order, computed once;
  // throws std::runtime_error if OpenSSL failed on either thread.
  const std::vector<Digest>& finish();

  bool finished() const noexcept { return finished_; }
  std::uint64_t bytes_hashed() const noexcept { return bytes_; }
  const std::vector<std::string>& algorithms() const noexcept { return names_; }
  // The digests the calling thread runs (the rest run on the helper).
  const std::vector<std::string>& own_algorithms() const noexcept { return own_.algorithms(); }
  bool uses_helper() const noexcept { return helper_hasher_.has_value(); }

 private:
  struct Job {
    std::size_t buffer;
    std::span<const std::byte> bytes;
  };

  void submit(std::span<const std::byte> bytes) noexcept;
  void start_helper() noexcept;
  void helper_loop();
  void stop_helper(bool hash_remaining) noexcept;

  // names_ and helper_hasher_ come before own_: its initializer fills them.
  std::vector<std::string> names_;
  std::optional<StreamHasher> helper_hasher_;  // touched only by the helper while it runs
  StreamHasher own_;
  std::vector<std::vector<std::byte>> buffers_;
  std::size_t current_ = 0;  // the buffer write_buffer() handed out last
  bool holding_ = false;     // current_ is handed out and not yet submitted
  bool inline_ = false;      // no helper thread could start: hash everything here
  std::uint64_t bytes_ = 0;
  bool finished_ = false;
  bool failed_ = false;
  std::vector<Digest> digests_;

  std::mutex mutex_;
  std::condition_variable job_ready_;     // helper waits for a job or a stop
  std::condition_variable buffer_freed_;  // caller waits for a free buffer
  std::vector<bool> busy_;                // per buffer: queued or being hashed by the helper
  std::vector<Job> queue_;                // FIFO, at most kBuffers jobs
  bool closing_ = false;                  // finish(): hash the queue, then exit
  bool stopping_ = false;                 // destructor: exit now
  std::thread helper_;
};

}  // namespace parrot::transport::bytestream
