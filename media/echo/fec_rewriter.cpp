#include "media/echo/fec_rewriter.hpp"

#include "media/rtp/red_payload.hpp"
#include "media/rtp/rtp_packet.hpp"
#include "media/rtp/ulpfec_header.hpp"

namespace parrot::media::echo {

void FecRewriter::on_received(std::uint16_t sequence_number, std::uint32_t timestamp) noexcept {
  if (!ulpfec_) return;
  seen_[sequence_number % kRemembered] = Seen{sequence_number, timestamp, true};
}

std::optional<std::uint32_t> FecRewriter::timestamp_of(std::uint16_t sequence_number) const noexcept {
  const Seen& seen = seen_[sequence_number % kRemembered];
  if (!seen.valid || seen.sequence_number != sequence_number) return std::nullopt;
  return seen.timestamp;
}

bool FecRewriter::rewrite(MutableByteView packet, std::uint16_t sequence_offset, std::uint32_t timestamp_offset) noexcept {
  if (!ulpfec_ || packet.size() < 2) return false;
  // Nearly every echoed packet is media, known by the payload type in the
  // header's second byte before anything is parsed.
  const auto payload_type = static_cast<std::uint8_t>(std::to_integer<std::uint8_t>(packet[1]) & 0x7F);
  if (payload_type != *ulpfec_ && payload_type != red_) return false;
  const auto parsed = rtp::RtpPacket::parse(packet);
  if (!parsed) return false;
  const ByteView payload = parsed->payload();
  std::size_t fec_offset = parsed->header_size();
  std::size_t fec_size = payload.size();
  if (parsed->payload_type() == red_ && !payload.empty()) {
    const auto red = rtp::RedPayload::parse(payload);
    if (!red || red->primary().payload_type != *ulpfec_) return false;
    const rtp::RedBlock primary = red->primary();
    fec_offset += static_cast<std::size_t>(primary.data.data() - payload.data());
    fec_size = primary.data.size();
  } else if (parsed->payload_type() != *ulpfec_) {
    return false;
  }
  const MutableByteView fec = packet.subspan(fec_offset, fec_size);
  const auto header = rtp::UlpfecHeader::parse(fec);
  if (!header) return false;

  // TS recovery = XOR of the protected timestamps (RFC 5109 §8.2). Each
  // known one is swapped for its shifted value; a single unknown one is
  // what the XOR of the rest leaves, and is shifted too.
  const std::uint16_t base = header->sequence_base();
  std::uint32_t recovery = header->timestamp_recovery();
  std::uint32_t unknown_xor = recovery;
  std::size_t unknown = 0;
  for (std::size_t i = 0; i < header->mask_bits(); ++i) {
    if (!header->protects(i)) continue;
    const auto timestamp = timestamp_of(static_cast<std::uint16_t>(base + i));
    if (!timestamp) {
      ++unknown;
      continue;
    }
    recovery ^= *timestamp ^ (*timestamp + timestamp_offset);
    unknown_xor ^= *timestamp;
  }
  // With two or more unknown the caller cannot recover from this packet
  // alone; the known ones are still right.
  if (unknown == 1) recovery ^= unknown_xor ^ (unknown_xor + timestamp_offset);
  rtp::set_ulpfec_sequence_base(fec, static_cast<std::uint16_t>(base + sequence_offset));
  rtp::set_ulpfec_timestamp_recovery(fec, recovery);
  return true;
}

}  // namespace parrot::media::echo
