// RTP fixed header (RFC 3550 §5.1) as a validated view over a datagram, and
// the in-place rewrites the echo path needs. Parsing copies nothing and
// allocates nothing; accessors are valid while the datagram's bytes are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "media/bytes.hpp"

namespace parrot::media::rtp {

inline constexpr std::size_t kFixedHeaderSize = 12;

class RtpPacket {
 public:
  // Checks, before reading each: version 2, the CSRC list, the extension
  // header and its length, and padding (last byte non-zero and no larger
  // than what follows the header). nullopt when any fails.
  static std::optional<RtpPacket> parse(ByteView datagram) noexcept;

  bool marker() const noexcept { return (read_u8(data_, 1) & 0x80) != 0; }
  std::uint8_t payload_type() const noexcept { return read_u8(data_, 1) & 0x7F; }
  std::uint16_t sequence_number() const noexcept { return read_u16(data_, 2); }
  std::uint32_t timestamp() const noexcept { return read_u32(data_, 4); }
  std::uint32_t ssrc() const noexcept { return read_u32(data_, 8); }
  std::size_t csrc_count() const noexcept { return read_u8(data_, 0) & 0x0F; }
  std::uint32_t csrc(std::size_t index) const noexcept { return read_u32(data_, kFixedHeaderSize + 4 * index); }

  bool has_extension() const noexcept { return extension_size_ > 0; }
  // "defined by profile" field: 0xBEDE for RFC 8285 one-byte elements,
  // 0x100X for two-byte elements.
  std::uint16_t extension_profile() const noexcept;
  // The extension's data words, after its 4-byte header.
  ByteView extension_data() const noexcept;

  std::size_t header_size() const noexcept { return header_size_; }
  std::uint8_t padding_size() const noexcept { return padding_size_; }
  ByteView payload() const noexcept { return data_.subspan(header_size_, payload_size_); }
  ByteView data() const noexcept { return data_; }
  std::size_t size() const noexcept { return data_.size(); }

 private:
  explicit RtpPacket(ByteView data) noexcept : data_(data) {}

  ByteView data_;
  std::size_t header_size_ = kFixedHeaderSize;  // fixed + CSRCs + extension
  std::size_t extension_size_ = 0;              // extension header + data, bytes
  std::size_t payload_size_ = 0;
  std::uint8_t padding_size_ = 0;
};

// In-place rewrites of a datagram that RtpPacket::parse accepted.
void set_marker(MutableByteView packet, bool marker) noexcept;
void set_payload_type(MutableByteView packet, std::uint8_t payload_type) noexcept;
void set_sequence_number(MutableByteView packet, std::uint16_t sequence_number) noexcept;
void set_timestamp(MutableByteView packet, std::uint32_t timestamp) noexcept;
void set_ssrc(MutableByteView packet, std::uint32_t ssrc) noexcept;

// Header fields for packets parrot originates (test signals, its own calls).
struct RtpHeader {
  bool marker = false;
  std::uint8_t payload_type = 0;
  std::uint16_t sequence_number = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::span<const std::uint32_t> csrcs;  // at most 15
  // Extension block written as is (profile + data padded to 32 bits by the
  // caller, e.g. with HeaderExtensionWriter). The X bit is set when
  // `has_extension` is or when there is a profile or data: an empty block
  // with profile 0 is legal and round-trips.
  bool has_extension = false;
  std::uint16_t extension_profile = 0;
  ByteView extension_data;
};

// Writes header + payload into `out`; returns the packet size, or 0 when
// `out` is too small or the header is invalid (too many CSRCs, extension not
// a multiple of 4 bytes).
std::size_t serialize(const RtpHeader& header, ByteView payload, MutableByteView out) noexcept;

}  // namespace parrot::media::rtp
