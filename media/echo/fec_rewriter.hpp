// Keeps an echoed ULPFEC packet (RFC 5109) true to parrot's stream. ULPFEC
// names the packets it protects by sequence number (SN base + mask) and
// carries the XOR of their timestamps (TS recovery); the echo shifts every
// sequence number and timestamp by fixed offsets (StreamRewriter), so an
// FEC packet echoed unchanged would protect packets parrot never sent, and
// a caller recovering one from it would place it at the caller's own
// sequence number with a timestamp that is neither. libwebrtc sends ULPFEC
// as RED's primary block, on the video SSRC, in the video's sequence space.
//
// The rewriter remembers the caller's recent sequence number → timestamp
// pairs; at echo time it moves SN base by the sequence offset and rebuilds
// TS recovery from the shifted timestamps. One protected packet parrot
// never received (lost on the way in) is what the caller will recover:
// its timestamp comes out of TS recovery itself.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "media/bytes.hpp"

namespace parrot::media::echo {

class FecRewriter {
 public:
  // Without an ULPFEC payload type nothing is ever rewritten.
  FecRewriter(std::optional<std::uint8_t> red_payload_type, std::optional<std::uint8_t> ulpfec_payload_type) noexcept
      : red_(red_payload_type), ulpfec_(ulpfec_payload_type) {}

  // Every packet received on the stream, before the jitter buffer.
  void on_received(std::uint16_t sequence_number, std::uint32_t timestamp) noexcept;
  // The caller's stream restarted (new source, sequence jump).
  void reset() noexcept { seen_ = {}; }

  // The RTP `packet` is about to be echoed with its sequence number and
  // timestamp moved by these offsets (mod 2^16, 2^32). When it is ULPFEC,
  // plain or in RED, its FEC header is rewritten in place and true
  // returned; anything that does not parse is left as it came.
  bool rewrite(MutableByteView packet, std::uint16_t sequence_offset, std::uint32_t timestamp_offset) noexcept;

 private:
  // A mask spans at most 48 packets; libwebrtc sends FEC right after them.
  static constexpr std::size_t kRemembered = 256;
  struct Seen {
    std::uint16_t sequence_number = 0;
    std::uint32_t timestamp = 0;
    bool valid = false;
  };
  std::optional<std::uint32_t> timestamp_of(std::uint16_t sequence_number) const noexcept;

  std::optional<std::uint8_t> red_;
  std::optional<std::uint8_t> ulpfec_;
  std::array<Seen, kRemembered> seen_{};
};

}  // namespace parrot::media::echo
