// Transport-wide congestion control feedback
// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1): RTPFB (PT 205)
// with FMT 15. For a run of transport-wide sequence numbers starting at
// `base_sequence` it says which packets arrived and when, as deltas of
// 250 µs from a reference time counted in 64 ms; the sender's (libwebrtc's)
// delay-based bandwidth estimate runs on these arrival times
// (docs/client-quirks.md#libwebrtc).
//
// On the wire the per-packet statuses are packed into 16-bit chunks:
// run-length (T=0: 2-bit symbol, 13-bit run) or status vector (T=1: S=0,
// fourteen 1-bit symbols "not received"/"small delta"; S=1, seven 2-bit
// symbols), then one receive delta per received packet: one unsigned byte
// ("small", 0..63.75 ms) or a signed 16-bit word ("large or negative").
// Here they are a plain list, one entry per packet.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "media/bytes.hpp"
#include "media/rtcp/common_header.hpp"

namespace parrot::media::rtcp {

inline constexpr std::uint8_t kFmtTransportFeedback = 15;  // RTPFB, draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1

// Packs packet status symbols (0 not received, 1 small delta, 2 large
// delta) into chunks as they come, never revisiting a chunk once emitted —
// libwebrtc's scheme: up to 7 symbols are held; more join while they fit a
// 14-symbol one-bit vector (no large delta) or repeat one symbol (a run of
// up to 8191); a symbol that fits neither emits a run-length chunk (all the
// same), a full one-bit vector, or the first 7 as a two-bit vector. The
// held symbols end as a run-length chunk if all the same, else a two-bit
// vector (7 or fewer) or a one-bit vector. Because nothing is revisited,
// chunk_count() after each add() is the exact size a feedback being filled
// will have, which the generator needs to stop at its size limit.
class StatusChunker {
 public:
  // Each chunk is written big-endian into `out` as it is emitted, one after
  // another; an empty `out` only counts. `out` must hold 2 * chunk_count()
  // bytes by finish().
  explicit StatusChunker(MutableByteView out = {}) noexcept : out_(out) {}
  void add(std::uint8_t symbol) noexcept;
  // Emits what is held; call once, after the last add().
  void finish() noexcept;
  // Chunks emitted, plus the one the held symbols will make.
  std::size_t chunk_count() const noexcept { return emitted_ + (held_ > 0 ? 1 : 0); }

  static constexpr std::size_t kMaxRunLength = 0x1FFF;  // 13 bits
  static constexpr std::size_t kOneBitCapacity = 14;
  static constexpr std::size_t kTwoBitCapacity = 7;

 private:
  bool can_add(std::uint8_t symbol) const noexcept;
  void emit() noexcept;
  void write(std::uint16_t chunk) noexcept;

  MutableByteView out_;
  std::array<std::uint8_t, kOneBitCapacity> symbols_{};  // the held ones (the first, in a long run)
  std::size_t held_ = 0;
  bool all_same_ = true;
  bool has_large_ = false;
  std::size_t emitted_ = 0;
};

struct TransportFeedback {
  std::uint32_t sender_ssrc = 0;
  std::uint32_t media_ssrc = 0;  // the sender's media SSRC; informational (the numbers are transport-wide)
  std::uint16_t base_sequence = 0;
  std::uint32_t reference_time = 0;  // 24 bits, in units of 64 ms; wraps (receivers compare, never read it absolutely)
  std::uint8_t feedback_count = 0;   // "fb pkt. count": counts feedback packets sent, wraps

  // base_sequence + i for each entry i.
  struct PacketStatus {
    bool received = false;
    // 250 µs units since the previous received packet of this feedback (the
    // first: since reference_time); may be negative (reordering). Zero when
    // not received.
    std::int16_t delta_ticks = 0;
    bool operator==(const PacketStatus&) const = default;
  };
  std::vector<PacketStatus> packets;

  static constexpr std::int64_t kDeltaTickUs = 250;
  static constexpr std::int64_t kReferenceTimeTickUs = 64'000;
  static constexpr std::uint32_t kReferenceTimeMask = 0xFFFFFF;
  // "packet status count" is 16 bits; entries past it are not written.
  static constexpr std::size_t kMaxPackets = 0xFFFF;
  // Sender and media SSRC, base sequence, status count, reference time, count.
  static constexpr std::size_t kFixedBodySize = 16;

  // `body` is the packet after its 4-byte header, padding removed. Bytes
  // after the last receive delta are ignored (the draft's zero padding to
  // 32 bits). nullopt when the chunks or deltas run past the end, for a
  // status count of 0 (nothing to say; libwebrtc refuses it too), or for the
  // reserved symbol 3.
  static std::optional<TransportFeedback> parse(const CommonHeader& header, ByteView body);

  // The status symbol of one entry (StatusChunker's input).
  static std::uint8_t symbol_of(const PacketStatus& status) noexcept;

  // Header, chunks (StatusChunker) and deltas, zero-padded to 32 bits (the draft's padding;
  // the P bit stays clear so the packet may sit anywhere in a compound). 0
  // for an empty list: nothing is written (serialize_compound leaves it out).
  std::size_t serialized_size() const noexcept;
  // Bytes written, or 0 when `out` is smaller than serialized_size().
  std::size_t serialize(MutableByteView out) const noexcept;

  bool operator==(const TransportFeedback&) const = default;
};

}  // namespace parrot::media::rtcp
