#include "media/rtcp/compound.hpp"

#include <utility>

namespace parrot::media::rtcp {

namespace {

enum class Outcome { kParsed, kUnknown, kMalformed };

template <typename T>
Outcome add(std::optional<T> parsed, std::vector<Packet>& packets) {
  if (!parsed) return Outcome::kMalformed;
  packets.emplace_back(std::move(*parsed));
  return Outcome::kParsed;
}

// One packet, its padding already removed from `body`: the dispatch on
// packet type and feedback message type (RFC 4585 §6.1).
Outcome parse_packet(const CommonHeader& header, ByteView body, std::vector<Packet>& packets) {
  switch (header.packet_type) {
    case kPacketTypeSenderReport:
      return add(SenderReport::parse(header, body), packets);
    case kPacketTypeReceiverReport:
      return add(ReceiverReport::parse(header, body), packets);
    case kPacketTypeSdes:
      return add(Sdes::parse(header, body), packets);
    case kPacketTypeBye:
      return add(Bye::parse(header, body), packets);
    case kPacketTypeRtpFeedback:
      if (header.count == kFmtGenericNack) return add(Nack::parse(header, body), packets);
      if (header.count == kFmtTransportFeedback) return add(TransportFeedback::parse(header, body), packets);
      return Outcome::kUnknown;
    case kPacketTypePayloadFeedback:
      if (header.count == kFmtPli) return add(Pli::parse(header, body), packets);
      if (header.count == kFmtFir) return add(Fir::parse(header, body), packets);
      if (header.count == kFmtApplicationLayer && Remb::is_remb(body)) return add(Remb::parse(header, body), packets);
      return Outcome::kUnknown;
    default:
      return Outcome::kUnknown;
  }
}

}  // namespace

std::optional<CompoundParseResult> parse_compound(ByteView datagram) {
  if (datagram.empty()) return std::nullopt;
  CompoundParseResult result;
  std::size_t at = 0;
  while (at < datagram.size()) {
    const ByteView rest = datagram.subspan(at);
    const auto header = CommonHeader::parse(rest);
    if (!header || header->size_bytes > rest.size()) return std::nullopt;
    ByteView body = rest.subspan(kHeaderSize, header->size_bytes - kHeaderSize);
    if (header->padding) {
      // RFC 3550 A.2: only the last packet of a compound may be padded, and
      // its last octet counts the padding, itself included.
      if (header->size_bytes != rest.size()) return std::nullopt;
      if (body.empty()) return std::nullopt;
      const std::size_t padding = read_u8(body, body.size() - 1);
      if (padding == 0 || padding > body.size()) return std::nullopt;
      body = body.first(body.size() - padding);
    }
    switch (parse_packet(*header, body, result.packets)) {
      case Outcome::kParsed:
        break;
      case Outcome::kUnknown:
        ++result.unknown_skipped;
        break;
      case Outcome::kMalformed:
        ++result.malformed_skipped;
        break;
    }
    at += header->size_bytes;
  }
  return result;
}

std::optional<CompoundParseResult> parse_compound(ByteView datagram, DropCounters& drops) {
  auto result = parse_compound(datagram);
  if (!result) {
    drops.count(DropReason::kMalformedRtcp);
  } else if (result->malformed_skipped > 0) {
    drops.count(DropReason::kMalformedRtcp, result->malformed_skipped);
  }
  return result;
}

std::size_t serialized_size(const Packet& packet) noexcept {
  return std::visit([](const auto& p) { return p.serialized_size(); }, packet);
}

std::size_t serialize(const Packet& packet, MutableByteView out) noexcept {
  return std::visit([out](const auto& p) { return p.serialize(out); }, packet);
}

std::size_t serialized_size(std::span<const Packet> packets) noexcept {
  std::size_t size = 0;
  for (const auto& packet : packets) size += serialized_size(packet);
  return size;
}

std::size_t serialize_compound(std::span<const Packet> packets, MutableByteView out) noexcept {
  if (out.size() < serialized_size(packets)) return 0;
  std::size_t at = 0;
  for (const auto& packet : packets) at += serialize(packet, out.subspan(at));
  return at;
}

}  // namespace parrot::media::rtcp
