#include "media/probes/vp8_probe.hpp"

#include "media/probes/vp8_descriptor.hpp"

namespace parrot::media::probes {

Vp8Probe::Vp8Probe(VideoSampling sampling) : video_(VideoCodec::kVp8, sampling) {}

void Vp8Probe::on_packet(const ProbePacket& packet) {
  const ByteView payload(packet.payload);
  const auto descriptor = parse_vp8_descriptor(payload);
  if (!descriptor) {
    video_.on_malformed_packet();
    return;
  }
  // RFC 7741 §4.1: the marker bit is set on the last packet of a frame.
  video_.on_frame_packet(FramePacket{packet.rtp_timestamp, packet.sequence_number, descriptor->begins_frame(),
                                     packet.marker, payload.subspan(descriptor->header_size)});
}

}  // namespace parrot::media::probes
