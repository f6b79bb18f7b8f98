// Compound RTCP datagrams (RFC 3550 §6.1): split, validate, parse every
// packet parrot knows; build them into caller buffers without allocating.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "media/bytes.hpp"
#include "media/rtcp/packet.hpp"
#include "media/stats/drop_reason.hpp"

namespace parrot::media::rtcp {

struct CompoundParseResult {
  std::vector<Packet> packets;      // in datagram order
  std::size_t unknown_skipped = 0;  // APP, XR, other FMTs: not errors
  std::size_t malformed_skipped = 0;  // known type, body inconsistent with itself
};

// nullopt when the datagram is not valid RTCP (RFC 3550 A.2): empty, any
// packet's version != 2 or type outside 192..223, lengths that do not add up
// to exactly the datagram, the P bit on any packet but the last, or a padding
// count of zero or larger than its packet. The first packet may be of any
// type, which admits reduced-size RTCP (RFC 5506).
//
// Once the framing holds, a known packet whose body contradicts itself (an RC
// larger than its length, an SDES item past the end, a NACK without items) is
// skipped and counted in malformed_skipped rather than failing the whole
// datagram: the lengths prove where it ends, so its neighbours (often the
// RR that carries the loss figures) are still trustworthy. libwebrtc's
// receiver makes the same choice.
std::optional<CompoundParseResult> parse_compound(ByteView datagram);

// As above, also counting DropReason::kMalformedRtcp once for a rejected
// datagram and once per malformed packet skipped inside an accepted one.
std::optional<CompoundParseResult> parse_compound(ByteView datagram, DropCounters& drops);

// The bytes serialize() writes for `packet`: possibly several RTCP packets
// (an SR or RR with over 31 report blocks, an SDES or BYE with over 31
// entries) and 0 for a NACK or FIR with nothing to request.
std::size_t serialized_size(const Packet& packet) noexcept;
// Bytes written, or 0 when `out` is smaller than serialized_size(packet).
std::size_t serialize(const Packet& packet, MutableByteView out) noexcept;

std::size_t serialized_size(std::span<const Packet> packets) noexcept;
// Writes `packets` back to back, unpadded (SRTCP needs no padding). Bytes
// written, or 0 when `out` is too small. The caller puts an SR or RR first
// when a full compound packet is wanted (RFC 3550 §6.1).
std::size_t serialize_compound(std::span<const Packet> packets, MutableByteView out) noexcept;

}  // namespace parrot::media::rtcp
