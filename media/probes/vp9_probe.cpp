#include "media/probes/vp9_probe.hpp"

#include "media/probes/vp9_descriptor.hpp"

namespace parrot::media::probes {

Vp9Probe::Vp9Probe(VideoSampling sampling) : video_(VideoCodec::kVp9, sampling) {}

void Vp9Probe::on_packet(const ProbePacket& packet) {
  const ByteView payload(packet.payload);
  const auto descriptor = parse_vp9_descriptor(payload);
  if (!descriptor) {
    video_.on_malformed_packet();
    return;
  }
  if (const auto resolution = descriptor->resolution()) announced_ = resolution;
  // RFC 9628 §4.2: E ends a layer frame; the marker ends the whole picture,
  // so it ends a frame too even if a sender forgot E.
  video_.on_frame_packet(FramePacket{packet.rtp_timestamp, packet.sequence_number, descriptor->begins_frame,
                                     descriptor->ends_frame || packet.marker,
                                     payload.subspan(descriptor->header_size)});
}

}  // namespace parrot::media::probes
