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

  // Sampled: windows of two frames at most every four. The payload again
  // at 0 and 1 (a window, if it is a key frame), 2 (past the window, too
  // soon for another: counted and sized from its header, not decoded) and
  // 4 (a window again), so the header-only path and the decoder's release
  // and re-creation see it too.
  Vp9Probe sampled(VideoSampling{2 * 3000, 4 * 3000});
  for (const std::uint32_t frame : {0U, 1U, 2U, 4U}) {
    packet.sequence_number = static_cast<std::uint16_t>(10 + frame);
    packet.rtp_timestamp = frame * 3000;
    sampled.on_packet(packet);
  }
  const VideoStats w = sampled.stats();
  if (w.packets != 4 || w.frames_decoded + w.frames_not_sampled > w.frames_assembled || w.decode_windows > 2)
    std::abort();
  if (w.pictures_decoded + w.pictures_not_sampled > w.pictures) std::abort();
  if (w.decode_windows == 0 && (w.frames_decoded > 0 || w.frames_not_sampled > 0)) std::abort();
  return 0;
}
