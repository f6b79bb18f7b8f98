// Any bytes as an RFC 2198 RED payload: the parser must stay within bounds,
// every block it hands out must lie inside the payload, in order, and a
// payload it accepts must serialize back to the same bytes. The same bytes
// then go through a VP8 stream probe as RED, whatever block they carry.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "media/probes/probe_queue.hpp"
#include "media/probes/stream_probe.hpp"
#include "media/rtp/red_payload.hpp"

using namespace parrot::media;
using namespace parrot::media::rtp;

namespace {

bool inside(ByteView outer, ByteView inner) {
  return inner.empty() || (inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The echo path hands probes nothing larger than a datagram.
  if (size > probes::ProbeQueue::kMaxPayloadBytes) return 0;
  const ByteView payload = as_bytes(data, size);
  {
    probes::StreamProbeConfig config;
    config.codec = probes::ProbedCodec::kVp8;
    config.codec_payload_types = {96};
    config.red_payload_type = 118;
    config.ulpfec_payload_type = 127;
    probes::StreamProbe probe(config);
    probes::ProbePacket packet;
    packet.payload_type = 118;
    packet.payload.assign(payload.begin(), payload.end());
    packet.marker = true;
    packet.sequence_number = 1;
    probe.on_packet(packet);
    packet.sequence_number = 2;
    packet.rtp_timestamp = 3000;
    probe.on_packet(packet);
    const probes::CarriageStats c = probe.carriage();
    if (c.red_packets != 2 || c.fec_packets + c.empty_packets + c.malformed_red + c.other_codec_packets > 2) std::abort();
  }
  const auto red = RedPayload::parse(payload);
  if (!red) return 0;
  if (red->header_size() != red->redundant_count() * RedPayload::kRedundantHeaderSize + RedPayload::kPrimaryHeaderSize)
    std::abort();
  std::vector<RedBlock> redundant;
  const std::byte* next = payload.data() + red->header_size();
  for (std::size_t i = 0; i < red->redundant_count(); ++i) {
    const RedBlock block = red->redundant(i);
    if (!inside(payload, block.data) || block.payload_type > 0x7F || block.timestamp_offset > 0x3FFF) std::abort();
    if (!block.data.empty() && block.data.data() != next) std::abort();
    next += block.data.size();
    redundant.push_back(block);
  }
  const RedBlock primary = red->primary();
  if (!inside(payload, primary.data) || primary.timestamp_offset != 0 || primary.payload_type > 0x7F) std::abort();
  if (next + primary.data.size() != payload.data() + payload.size()) std::abort();

  std::array<std::byte, probes::ProbeQueue::kMaxPayloadBytes> out{};
  const std::size_t written = serialize_red(redundant, primary, out);
  if (written != size) std::abort();
  for (std::size_t i = 0; i < size; ++i) {
    if (out[i] != payload[i]) std::abort();
  }
  return 0;
}
