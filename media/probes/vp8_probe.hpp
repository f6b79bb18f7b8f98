// Side-path VP8 probe: depacketizes RFC 7741 payloads, decodes complete
// frames with libvpx and reports resolution, frame rate and losses.
#pragma once

#include "media/probes/probe_queue.hpp"
#include "media/probes/video_probe.hpp"
#include "media/probes/video_stats.hpp"

namespace parrot::media::probes {

class Vp8Probe {
 public:
  // Throws std::runtime_error if libvpx cannot create a decoder.
  Vp8Probe();

  // Any payload is accepted; what does not parse or decode is counted.
  void on_packet(const ProbePacket& packet);
  VideoStats stats() const { return video_.stats(); }

 private:
  VideoProbe video_;
};

}  // namespace parrot::media::probes
