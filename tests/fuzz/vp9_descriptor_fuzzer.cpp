// Any bytes as a VP9 RTP payload (RFC 9628): descriptor, scalability
// structure and the frame-header peek must stay within bounds, and the probe
// must count what it cannot use.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/probes/vp9_descriptor.hpp"
#include "media/probes/vp9_frame_header.hpp"
#include "media/probes/vp9_probe.hpp"

using namespace parrot::media;
using namespace parrot::media::probes;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > ProbeQueue::kMaxPayloadBytes) return 0;
  const ByteView payload = as_bytes(data, size);
  if (const auto d = parse_vp9_descriptor(payload)) {
    if (d->header_size == 0 || d->header_size >= size) std::abort();
    if (d->has_ss != d->ss.has_value() || d->p_diff_count > 3) std::abort();
    if (d->spatial_id > 7 || d->temporal_id > 7) std::abort();
    if (d->ss && (d->ss->spatial_layers < 1 || d->ss->spatial_layers > 8)) std::abort();
    static_cast<void>(d->resolution());
    const ByteView frame = payload.subspan(d->header_size);
    std::array<ByteView, 8> frames{};
    const std::size_t count = split_vp9_superframe(frame, frames);
    for (std::size_t i = 0; i < count; ++i) static_cast<void>(parse_vp9_frame_header(frames[i]));
  }
  Vp9Probe probe;
  ProbePacket packet;
  packet.payload.assign(payload.begin(), payload.end());
  packet.marker = true;
  packet.sequence_number = 1;
  probe.on_packet(packet);
  packet.sequence_number = 2;
  packet.rtp_timestamp = 3000;
  probe.on_packet(packet);
  static_cast<void>(probe.announced_resolution());
  const VideoStats s = probe.stats();
  if (s.packets != 2 || s.frames_decoded > s.frames_assembled) std::abort();
  return 0;
}
