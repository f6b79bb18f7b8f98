// RTP header parse, RFC 8285 extension walk and a serialize round trip.
#include <array>
#include <cstdlib>

#include "media/demux.hpp"
#include "media/rtp/header_extensions.hpp"
#include "media/rtp/rtp_packet.hpp"

using namespace parrot::media;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 1500) return 0;  // the transport's MTU bound
  const ByteView datagram = as_bytes(data, size);
  (void)classify_muxed_packet(datagram);
  const auto packet = rtp::RtpPacket::parse(datagram);
  if (!packet) return 0;
  std::array<std::uint32_t, 15> csrcs{};
  for (std::size_t i = 0; i < packet->csrc_count(); ++i) csrcs[i] = packet->csrc(i);
  if (const auto extensions = rtp::HeaderExtensions::parse(packet->extension_profile(), packet->extension_data())) {
    for (const auto& element : extensions->elements()) (void)rtp::parse_audio_level(element.value);
  }
  rtp::RtpHeader header;
  header.marker = packet->marker();
  header.payload_type = packet->payload_type();
  header.sequence_number = packet->sequence_number();
  header.timestamp = packet->timestamp();
  header.ssrc = packet->ssrc();
  header.csrcs = std::span<const std::uint32_t>(csrcs.data(), packet->csrc_count());
  header.has_extension = packet->has_extension();
  header.extension_profile = packet->extension_profile();
  header.extension_data = packet->extension_data();
  std::array<std::byte, 1600> out{};
  const std::size_t written = rtp::serialize(header, packet->payload(), out);
  if (written != packet->size() - packet->padding_size()) std::abort();
  const auto again = rtp::RtpPacket::parse(ByteView{out.data(), written});
  if (!again || again->sequence_number() != packet->sequence_number() ||
      again->payload().size() != packet->payload().size() || again->ssrc() != packet->ssrc())
    std::abort();
  return 0;
}
