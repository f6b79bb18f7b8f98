// Side-path VP9 probe: depacketizes RFC 9628 payloads (flexible or not),
// decodes complete layer frames with libvpx and reports resolution, frame
// rate and losses.
#pragma once

#include <optional>

#include "media/probes/probe_queue.hpp"
#include "media/probes/video_probe.hpp"
#include "media/probes/video_stats.hpp"

namespace parrot::media::probes {

class Vp9Probe {
 public:
  // Throws std::runtime_error if libvpx cannot create a decoder.
  explicit Vp9Probe(VideoSampling sampling = VideoSampling::every_frame());

  // Any payload is accepted; what does not parse or decode is counted.
  void on_packet(const ProbePacket& packet);
  // A packet of the stream with no VP9 data in it (ULPFEC, padding, an
  // empty RED): it fills its sequence number, so no frame is lost there.
  void on_filler_packet(const ProbePacket& packet) { video_.on_filler_packet(packet.sequence_number); }
  VideoStats stats() const { return video_.stats(); }
  bool holds_decoder() const noexcept { return video_.holds_decoder(); }

  // The top spatial layer's resolution from the last scalability structure
  // seen, which a sender may announce before any frame decodes.
  std::optional<FrameSize> announced_resolution() const noexcept { return announced_; }

 private:
  VideoProbe video_;
  std::optional<FrameSize> announced_;
};

}  // namespace parrot::media::probes
