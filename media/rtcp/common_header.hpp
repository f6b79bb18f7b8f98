// The first 32-bit word shared by every RTCP packet (RFC 3550 §6.4.1,
// RFC 4585 §6.1), packet-type numbers and the limits the header imposes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "media/bytes.hpp"

namespace parrot::media::rtcp {

// Packet types: RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611 (XR).
inline constexpr std::uint8_t kPacketTypeSenderReport = 200;
inline constexpr std::uint8_t kPacketTypeReceiverReport = 201;
inline constexpr std::uint8_t kPacketTypeSdes = 202;
inline constexpr std::uint8_t kPacketTypeBye = 203;
inline constexpr std::uint8_t kPacketTypeApp = 204;
inline constexpr std::uint8_t kPacketTypeRtpFeedback = 205;
inline constexpr std::uint8_t kPacketTypePayloadFeedback = 206;
inline constexpr std::uint8_t kPacketTypeExtendedReport = 207;

// Feedback message types carried in the count field (FMT).
inline constexpr std::uint8_t kFmtGenericNack = 1;          // RTPFB, RFC 4585 §6.2.1
inline constexpr std::uint8_t kFmtPli = 1;                  // PSFB, RFC 4585 §6.3.1
inline constexpr std::uint8_t kFmtFir = 4;                  // PSFB, RFC 5104 §4.3.1
inline constexpr std::uint8_t kFmtApplicationLayer = 15;    // PSFB, RFC 4585 §6.4 (REMB lives here)

inline constexpr std::size_t kHeaderSize = 4;
// The 5-bit RC/SC field.
inline constexpr std::size_t kMaxCount = 31;
// The length field counts 32-bit words minus one in 16 bits.
inline constexpr std::size_t kMaxPacketSize = 4 * 65536;

struct CommonHeader {
  bool padding = false;
  std::uint8_t count = 0;        // RC, SC or FMT depending on the packet type
  std::uint8_t packet_type = 0;
  std::size_t size_bytes = 0;    // the whole packet, header and padding included: (length + 1) * 4

  // Reads the first four bytes of `packet`. nullopt when there are fewer
  // than four, the version is not 2, or the packet type is outside the
  // RTCP range 192..223 that RFC 5761 §4 reserves. Does not check that
  // `size_bytes` fits in `packet`.
  static std::optional<CommonHeader> parse(ByteView packet) noexcept;

  // Writes an unpadded header. `out` holds at least kHeaderSize bytes;
  // `size_bytes` is a multiple of 4 in [kHeaderSize, kMaxPacketSize];
  // `count` is below 32.
  static void write(MutableByteView out, std::uint8_t count, std::uint8_t packet_type, std::size_t size_bytes) noexcept;
};

// Rounds up to the 32-bit boundary every RTCP packet ends on.
constexpr std::size_t pad_to_word(std::size_t size) noexcept { return (size + 3) & ~std::size_t{3}; }

}  // namespace parrot::media::rtcp
