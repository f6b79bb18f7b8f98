// RFC 8285 header extension elements: the one-byte (profile 0xBEDE) and
// two-byte (profile 0x100X) forms, read without allocating and written
// into a fixed buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "media/bytes.hpp"

namespace parrot::media::rtp {

inline constexpr std::uint16_t kOneByteExtensionProfile = 0xBEDE;
inline constexpr std::uint16_t kTwoByteExtensionProfileMask = 0xFFF0;
inline constexpr std::uint16_t kTwoByteExtensionProfile = 0x1000;

struct HeaderExtension {
  std::uint8_t id = 0;
  ByteView value;
};

class HeaderExtensions {
 public:
  // More elements than this are ignored (and counted in `ignored()`): a
  // real sender uses a handful.
  static constexpr std::size_t kMaxElements = 16;

  // nullopt when an element runs past the data. A profile that is neither
  // RFC 8285 form gives an empty list: the block is someone else's format.
  static std::optional<HeaderExtensions> parse(std::uint16_t profile, ByteView data) noexcept;

  std::span<const HeaderExtension> elements() const noexcept { return {elements_.data(), count_}; }
  std::optional<ByteView> find(std::uint8_t id) const noexcept;
  std::size_t ignored() const noexcept { return ignored_; }

 private:
  bool add(std::uint8_t id, ByteView value) noexcept;

  std::array<HeaderExtension, kMaxElements> elements_{};
  std::size_t count_ = 0;
  std::size_t ignored_ = 0;
};

// Builds an extension block: the two-byte form is chosen when an id > 14 or
// a value longer than 16 bytes (or empty) needs it (RFC 8285 §4.3).
class HeaderExtensionWriter {
 public:
  static constexpr std::size_t kMaxDataSize = 256;

  // false when the id is invalid or the block is full.
  bool add(std::uint8_t id, ByteView value) noexcept;
  // Profile and data padded to 32 bits, ready for RtpHeader.
  std::uint16_t profile() const noexcept;
  ByteView data() noexcept;

 private:
  struct Pending {
    std::uint8_t id;
    std::uint8_t offset;
    std::uint8_t size;
  };
  std::array<Pending, HeaderExtensions::kMaxElements> pending_{};
  std::size_t pending_count_ = 0;
  std::array<std::byte, kMaxDataSize> values_{};
  std::size_t values_size_ = 0;
  std::array<std::byte, kMaxDataSize + 2 * HeaderExtensions::kMaxElements + 4> block_{};
};

// RFC 6464 client-to-mixer audio level: V flag and level in -dBov (0..127).
struct AudioLevel {
  bool voice_activity = false;
  std::uint8_t level_minus_dbov = 127;
};
std::optional<AudioLevel> parse_audio_level(ByteView value) noexcept;

}  // namespace parrot::media::rtp
