// Any bytes as a VP8 RTP payload (RFC 7741): the descriptor parser must
// stay within bounds, and the probe must count what it cannot use.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/probes/vp8_descriptor.hpp"
#include "media/probes/vp8_probe.hpp"

using namespace parrot::media;
using namespace parrot::media::probes;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The echo path hands probes nothing larger than a datagram.
  if (size > ProbeQueue::kMaxPayloadBytes) return 0;
  const ByteView payload = as_bytes(data, size);
  if (const auto d = parse_vp8_descriptor(payload)) {
    if (d->header_size == 0 || d->header_size >= size || d->partition_index > 7) std::abort();
    if (d->picture_id && *d->picture_id > (d->picture_id_15bit ? 0x7FFF : 0x7F)) std::abort();
    if (d->temporal_id && *d->temporal_id > 3) std::abort();
    if (d->key_idx && *d->key_idx > 31) std::abort();
    const ByteView vp8 = payload.subspan(d->header_size);
    static_cast<void>(is_vp8_keyframe(vp8));
    static_cast<void>(vp8_keyframe_size(vp8));
    static_cast<void>(d->begins_frame());
  }
  // The same payload as a key frame's packet and then as the next frame's,
  // so a decodable input also reaches the inter-frame path.
  Vp8Probe probe;
  ProbePacket packet;
  packet.payload.assign(payload.begin(), payload.end());
  packet.marker = true;
  packet.sequence_number = 1;
  probe.on_packet(packet);
  packet.sequence_number = 2;
  packet.rtp_timestamp = 3000;
  probe.on_packet(packet);
  const VideoStats s = probe.stats();
  if (s.packets != 2 || s.frames_decoded > s.frames_assembled) std::abort();

  // Sampled: windows of two frames at most every four. The payload again
  // at 0 and 1 (a window, if it is a key frame), 2 (past the window, too
  // soon for another: counted and sized from its header, not decoded) and
  // 4 (a window again), so the header-only path and the decoder's release
  // and re-creation see it too.
  Vp8Probe sampled(VideoSampling{2 * 3000, 4 * 3000});
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
