// Wrap-aware arithmetic on RTP sequence numbers (16 bit) and timestamps
// (32 bit), shared by everything in media/ that orders packets.
#pragma once

#include <cstdint>
#include <optional>
#include <type_traits>

namespace parrot::media {

// `a` is newer than `b` when the forward distance from b to a is less than
// half the number space (RFC 1982 serial number arithmetic). Exactly half
// is ambiguous; the larger raw value counts as newer so that the relation
// stays antisymmetric.
template <typename U>
constexpr bool is_newer(U a, U b) noexcept {
  constexpr U kHalf = static_cast<U>(U(1) << (sizeof(U) * 8 - 1));
  if (static_cast<U>(a - b) == kHalf) return a > b;
  return a != b && static_cast<U>(a - b) < kHalf;
}

constexpr bool is_newer_sequence(std::uint16_t a, std::uint16_t b) noexcept { return is_newer(a, b); }
constexpr bool is_newer_timestamp(std::uint32_t a, std::uint32_t b) noexcept { return is_newer(a, b); }

// Extends 16-bit sequence numbers or 32-bit timestamps to a monotonic
// 64-bit space, taking each value as the one closest to the last (RFC 3550
// A.1 "extended highest"). Older values unwrap below the newest seen.
template <typename U>
class Unwrapper {
 public:
  std::int64_t unwrap(U value) noexcept {
    if (!last_) {
      last_ = value;
      return *last_;
    }
    using Signed = std::make_signed_t<U>;
    const auto delta = static_cast<Signed>(static_cast<U>(value - static_cast<U>(*last_)));
    // delta is the signed distance in the ring.
    const std::int64_t unwrapped = *last_ + delta;
    if (delta > 0) last_ = unwrapped;
    return unwrapped;
  }
  std::optional<std::int64_t> last() const noexcept { return last_; }
  void reset() noexcept { last_.reset(); }

 private:
  std::optional<std::int64_t> last_;
};

using SequenceUnwrapper = Unwrapper<std::uint16_t>;
using TimestampUnwrapper = Unwrapper<std::uint32_t>;

}  // namespace parrot::media
