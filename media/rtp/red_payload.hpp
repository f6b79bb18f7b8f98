// RFC 2198 redundant audio/video data (RED) as a validated view over an RTP
// payload. Every block header is checked against the payload before any
// block is handed out; parsing copies nothing and allocates nothing, and
// blocks are valid while the payload's bytes are.
//
//   non-last header (4 bytes):  F=1 | block PT (7) | timestamp offset (14) | block length (10)
//   last header     (1 byte):   F=0 | block PT (7)
//
// The blocks follow the headers in the same order; the last one is the
// primary encoding and runs to the end of the payload (its length is
// implicit). libwebrtc sends video as RED with the primary block alone (one
// header byte, no redundancy), ULPFEC (RFC 5109) as a RED primary block, and
// Opus audio as RED with up to two older frames before the primary
// (docs/client-quirks.md#libwebrtc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "media/bytes.hpp"

namespace parrot::media::rtp {

struct RedBlock {
  std::uint8_t payload_type = 0;
  // How far this block's timestamp lies before the packet's (0 for the
  // primary block).
  std::uint16_t timestamp_offset = 0;
  ByteView data;
};

class RedPayload {
 public:
  static constexpr std::size_t kRedundantHeaderSize = 4;
  static constexpr std::size_t kPrimaryHeaderSize = 1;

  // nullopt when the payload is empty, when the headers run past it (no
  // header with F=0), or when the redundant blocks' lengths add up to more
  // than follows the headers. The primary block may be empty.
  static std::optional<RedPayload> parse(ByteView payload) noexcept;

  // The blocks before the primary one, oldest first as sent.
  std::size_t redundant_count() const noexcept { return redundant_count_; }
  // index < redundant_count().
  RedBlock redundant(std::size_t index) const noexcept;
  RedBlock primary() const noexcept;
  std::size_t header_size() const noexcept { return header_size_; }

 private:
  explicit RedPayload(ByteView payload) noexcept : payload_(payload) {}

  ByteView payload_;
  std::size_t redundant_count_ = 0;
  std::size_t header_size_ = 0;      // all block headers
  std::size_t primary_offset_ = 0;   // into payload_
};

// Writes the RED payload of `redundant` blocks then `primary` into `out`;
// returns its size, or 0 when `out` is too small or a field does not fit
// (payload type over 127, offset over 14 bits, redundant block over 1,023
// bytes). For tests and parrot's own senders.
std::size_t serialize_red(std::span<const RedBlock> redundant, const RedBlock& primary, MutableByteView out) noexcept;

}  // namespace parrot::media::rtp
