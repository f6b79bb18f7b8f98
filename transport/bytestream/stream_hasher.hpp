// Several message digests over one byte stream at once (OpenSSL 3 EVP), for
// file transfers: the bytes go through update() as they arrive and are never
// stored. Algorithms are named as XEP-0300 §4 / the IANA "Hash Function
// Textual Names" registry name them ("sha-256", "sha3-256", "blake2b-512");
// Digest gives the value as lowercase hex (logs, reports) and as base64 (what
// urn:xmpp:hashes:2 carries, XEP-0300 §3).
//
// Threads: a StreamHasher is used by one thread at a time; supported() and
// supported_algorithms() may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "transport/openssl_ptr.hpp"

namespace parrot::transport::bytestream {

struct Digest {
  std::string algorithm;            // XEP-0300 name, lowercase
  std::vector<std::uint8_t> value;  // the raw digest

  std::string hex() const;     // lowercase, no separators
  std::string base64() const;  // RFC 4648 §4 with padding, no line breaks
};

class StreamHasher {
 public:
  // Every XEP-0300 name this build knows, whether or not OpenSSL provides it.
  static std::vector<std::string> known_algorithms();
  // The names OpenSSL provides here, each checked once per process (a
  // known-answer test for the variable-length BLAKE2b-256, which OpenSSL
  // only has from 3.2 on; on Debian 12's 3.0 it is reported unsupported).
  static std::vector<std::string> supported_algorithms();
  // Case-insensitive.
  static bool supported(std::string_view name);

  // One digest per distinct name, in the order given. Throws
  // std::invalid_argument naming the first unsupported algorithm (filter
  // with supported() first), or for an empty list.
  explicit StreamHasher(std::span<const std::string> algorithms);
  StreamHasher(std::initializer_list<std::string> algorithms);

  StreamHasher(StreamHasher&&) noexcept = default;
  StreamHasher& operator=(StreamHasher&&) noexcept = default;
  StreamHasher(const StreamHasher&) = delete;
  StreamHasher& operator=(const StreamHasher&) = delete;
  ~StreamHasher() = default;

  // Ignored after finish(). Never throws.
  void update(std::span<const std::byte> bytes) noexcept;
  void update(std::span<const std::uint8_t> bytes) noexcept;
  void update(std::string_view bytes) noexcept;

  // The digests, in constructor order. Only the first call computes; later
  // calls return the same values. Throws std::runtime_error if OpenSSL failed
  // on any update or on the final step.
  const std::vector<Digest>& finish();

  bool finished() const noexcept { return finished_; }
  std::uint64_t bytes_hashed() const noexcept { return bytes_; }
  const std::vector<std::string>& algorithms() const noexcept { return names_; }

 private:
  std::vector<std::string> names_;
  std::vector<EvpMdCtxPtr> contexts_;
  std::vector<Digest> digests_;
  std::uint64_t bytes_ = 0;
  bool failed_ = false;
  bool finished_ = false;
};

// Lowercase hex of bytes (shared by Digest and socks5_dst_addr).
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace parrot::transport::bytestream
