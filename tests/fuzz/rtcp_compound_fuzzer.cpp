// RTCP compound datagrams (media/rtcp/compound.hpp): any bytes, never a
// crash; whatever parses serializes to exactly serialized_size() bytes and
// parses back to the same packets, one by one and as a compound.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>
#include <vector>

#include "media/bytes.hpp"
#include "media/rtcp/compound.hpp"

namespace {

using namespace parrot::media;
using namespace parrot::media::rtcp;

// UDP's payload limit: no real RTCP datagram is larger.
constexpr std::size_t kMaxDatagramSize = 65507;

// NACK lists are sets on the wire: parse keeps duplicates and wire order,
// serialize packs them, so compare them sorted and deduplicated.
Packet normalized(Packet packet) {
  if (auto* nack = std::get_if<Nack>(&packet)) {
    auto& numbers = nack->sequence_numbers;
    std::sort(numbers.begin(), numbers.end());
    numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  }
  return packet;
}

std::vector<Packet> normalized(const std::vector<Packet>& packets) {
  std::vector<Packet> out;
  out.reserve(packets.size());
  for (const auto& packet : packets) out.push_back(normalized(packet));
  return out;
}

void touch_accessors(const Packet& packet) {
  if (const auto* sr = std::get_if<SenderReport>(&packet)) {
    if (sr->ntp.compact() != static_cast<std::uint32_t>(sr->ntp.value >> 16)) std::abort();
    if ((std::uint64_t{sr->ntp.seconds()} << 32 | sr->ntp.fraction()) != sr->ntp.value) std::abort();
  }
  if (const auto* remb = std::get_if<Remb>(&packet)) {
    if (remb->bitrate_bps > Remb::kMaxBitrateBps) std::abort();
  }
}

void check_single(const Packet& packet) {
  const std::size_t size = serialized_size(packet);
  // Every packet that parsed has something to say (a NACK or FIR from the
  // wire has at least one item), so it serializes to at least a header.
  if (size < kHeaderSize || size % 4 != 0) std::abort();
  std::vector<std::byte> out(size);
  if (serialize(packet, std::span(out).first(size - 1)) != 0) std::abort();
  if (serialize(packet, out) != size) std::abort();
  const auto again = parse_compound(out);
  if (!again || again->unknown_skipped != 0 || again->malformed_skipped != 0) std::abort();
  // Parsed values never exceed what one packet carries, so nothing splits.
  if (again->packets.size() != 1) std::abort();
  if (normalized(again->packets[0]) != normalized(packet)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxDatagramSize) return 0;
  const auto first = parse_compound(as_bytes(data, size));
  if (!first) return 0;
  if (first->packets.size() + first->unknown_skipped + first->malformed_skipped == 0) std::abort();
  for (const auto& packet : first->packets) {
    touch_accessors(packet);
    check_single(packet);
  }
  if (first->packets.empty()) return 0;
  std::vector<std::byte> compound(serialized_size(first->packets));
  if (serialize_compound(first->packets, compound) != compound.size()) std::abort();
  const auto again = parse_compound(compound);
  if (!again || normalized(again->packets) != normalized(first->packets)) std::abort();
  return 0;
}
