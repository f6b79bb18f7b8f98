// Side-path VP8 probe: depacketizes RFC 7741 payloads, decodes complete
// frames with libvpx (every one, or windows after key frames) and reports
// resolution, frame rate and losses.
#pragma once

#include "media/probes/probe_queue.hpp"
#include "media/probes/video_probe.hpp"
#include "media/probes/video_stats.hpp"

namespace parrot::media::probes {

class Vp8Probe {
 public:
  // Throws std::runtime_error if libvpx cannot create a decoder.
  explicit Vp8Probe(VideoSampling sampling = VideoSampling::every_frame());

  // Any payload is accepted; what does not parse or decode is counted.
  void on_packet(const ProbePacket& packet);
  // A packet of the stream with no VP8 data in it (ULPFEC, padding, an
  // empty RED): it fills its sequence number, so no frame is lost there.
  void on_filler_packet(const ProbePacket& packet) { video_.on_filler_packet(packet.sequence_number); }
  VideoStats stats() const { return video_.stats(); }
  bool holds_decoder() const noexcept { return video_.holds_decoder(); }

 private:
  VideoProbe video_;
};

}  // namespace parrot::media::probes
