// Any bytes as an RTP packet carrying ULPFEC (RFC 5109), plain or as RED's
// primary block: the header view must stay within bounds, and the echo's
// FecRewriter must rewrite only SN base and TS recovery, in place, leaving
// every other byte and the packet's size as they came.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "fuzz_input.hpp"
#include "media/echo/fec_rewriter.hpp"
#include "media/rtp/red_payload.hpp"
#include "media/rtp/rtp_packet.hpp"
#include "media/rtp/ulpfec_header.hpp"

using namespace parrot::media;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  parrot::fuzz::FuzzInput input(data, size);
  const std::uint16_t sequence_offset = input.u16();
  const std::uint32_t timestamp_offset = input.u32();
  const std::uint8_t remembered = input.u8();
  const ByteView rest = input.bytes(1500);

  if (const auto header = rtp::UlpfecHeader::parse(rest)) {
    if (header->size() > rest.size()) std::abort();
    for (std::size_t i = 0; i <= header->mask_bits(); ++i) static_cast<void>(header->protects(i));
  }

  echo::FecRewriter rewriter(118, 127);
  // Some sequence numbers remembered near whatever SN base the input has.
  const std::uint16_t base = rest.size() >= 4 ? read_u16(rest, 2) : 0;
  for (std::uint16_t i = 0; i < remembered % 64; ++i)
    rewriter.on_received(static_cast<std::uint16_t>(base + i), 1000u * i);
  std::vector<std::byte> packet(rest.begin(), rest.end());
  const bool rewritten = rewriter.rewrite(packet, sequence_offset, timestamp_offset);
  if (packet.size() != rest.size()) std::abort();
  std::size_t changed_from = packet.size();
  std::size_t changed_to = 0;
  for (std::size_t i = 0; i < packet.size(); ++i) {
    if (packet[i] == rest[i]) continue;
    changed_from = std::min(changed_from, i);
    changed_to = i + 1;
  }
  if (!rewritten && changed_to != 0) std::abort();
  if (rewritten) {
    // Only bytes 2..7 of the FEC header (SN base, TS recovery) may change.
    const auto parsed = rtp::RtpPacket::parse(packet);
    if (!parsed) std::abort();
    std::size_t fec_at = parsed->header_size();
    if (parsed->payload_type() == 118) {
      const auto red = rtp::RedPayload::parse(parsed->payload());
      if (!red) std::abort();
      fec_at += static_cast<std::size_t>(red->primary().data.data() - parsed->payload().data());
    }
    if (changed_to != 0 && (changed_from < fec_at + 2 || changed_to > fec_at + 8)) std::abort();
  }
  return 0;
}
