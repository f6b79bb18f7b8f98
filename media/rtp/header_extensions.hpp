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
#include "media/time.hpp"

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

// The URIs (XEP-0294 / RFC 8285 §5) of the extensions parrot reads or rewrites.
inline constexpr const char* kAudioLevelUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
inline constexpr const char* kAbsSendTimeUri = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
inline constexpr const char* kTransportSequenceNumberUri =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
inline constexpr const char* kMidUri = "urn:ietf:params:rtp-hdrext:sdes:mid";

// draft-holmer-rmcat-transport-wide-cc-extensions-01 §2: a 16-bit sequence
// number counted over every packet a sender puts on the transport.
inline constexpr std::size_t kTransportSequenceNumberSize = 2;
std::optional<std::uint16_t> parse_transport_sequence_number(ByteView value) noexcept;

// abs-send-time (webrtc.org's experiment, used by libwebrtc and aiortc): the
// send time as 24 bits of 6.18 fixed-point seconds, wrapping every 64 s.
inline constexpr std::size_t kAbsSendTimeSize = 3;
std::optional<std::uint32_t> parse_abs_send_time(ByteView value) noexcept;
// `now` in that format; only differences between values mean anything.
constexpr std::uint32_t abs_send_time_of(Timestamp now) noexcept {
  return static_cast<std::uint32_t>(((static_cast<std::uint64_t>(now.time_since_epoch().count()) << 18) / 1'000'000) &
                                    0xFFFFFF);
}

// The RFC 8285 block of one RTP packet, parsed once, whose element values
// can be rewritten in place (the echo stamps two per packet).
class WritableExtensions {
 public:
  explicit WritableExtensions(MutableByteView packet) noexcept;
  // The value bytes of element `id`; empty when the packet does not parse,
  // has no RFC 8285 block, or lacks the element, or when the element is not
  // exactly `size` bytes.
  MutableByteView value(std::uint8_t id, std::size_t size) const noexcept;

 private:
  MutableByteView packet_;
  std::optional<HeaderExtensions> extensions_;
};

// One value, for a caller that needs only one: WritableExtensions(packet).value(id, size).
MutableByteView find_extension_value(MutableByteView packet, std::uint8_t id, std::size_t size) noexcept;

}  // namespace parrot::media::rtp
