// Any bytes as an Opus RTP payload (RFC 7587): decode, then a sequence gap
// so concealment runs on whatever state the input left behind.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/probes/opus_probe.hpp"

using namespace parrot::media;
using namespace parrot::media::probes;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > ProbeQueue::kMaxPayloadBytes) return 0;
  OpusProbe probe(2);
  ProbePacket packet;
  packet.payload.assign(as_bytes(data, size).begin(), as_bytes(data, size).end());
  packet.sequence_number = 1;
  probe.on_packet(packet);
  packet.sequence_number = 4;
  packet.rtp_timestamp = 3 * 960;
  probe.on_packet(packet);
  const OpusStats s = probe.stats();
  if (s.packets != 2 || s.concealed_frames > OpusProbe::kMaxConcealedPerGap) std::abort();
  if (std::isnan(s.level_dbfs) || s.silent_frame_share < 0.0 || s.silent_frame_share > 1.0) std::abort();
  return 0;
}
