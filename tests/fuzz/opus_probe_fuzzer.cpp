// Any bytes as an Opus RTP payload (RFC 7587): decode, then a sequence gap
// so concealment runs on whatever state the input left behind. A second
// probe samples in short windows (decoder resets and priming on hostile
// state) with an RFC 6464 level on most packets, the first byte's value.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/probes/opus_probe.hpp"

using namespace parrot::media;
using namespace parrot::media::probes;

namespace {

void check(const OpusStats& s) {
  if (std::isnan(s.level_dbfs) || s.silent_frame_share < 0.0 || s.silent_frame_share > 1.0) std::abort();
  if (s.measured_frames > s.decoded_frames || s.decoded_frames > s.packets) std::abort();
  if (s.audio_level_packets > s.audio_packets || s.audio_packets > s.packets) std::abort();
}

}  // namespace

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
  check(s);

  OpusProbe sampled(1, OpusSampling{3, 1, 1});
  const std::uint8_t level = size > 0 ? data[0] : 0;  // 128..255 are out of range: clamped to 127
  for (std::uint16_t i = 0; i < 12; ++i) {
    packet.sequence_number = static_cast<std::uint16_t>(10 + i + (i == 7 ? 2 : 0));  // one gap of two
    packet.rtp_timestamp = 960U * packet.sequence_number;
    if (i % 4 == 3) {
      packet.audio_level.reset();
    } else {
      packet.audio_level = rtp::AudioLevel{(level & 0x80) != 0, level};
    }
    sampled.on_packet(packet);
  }
  const OpusStats t = sampled.stats();
  if (t.packets != 12) std::abort();
  check(t);
  if (t.level_source == OpusLevelSource::kAudioLevel && t.level_dbfs > 0.0) std::abort();
  return 0;
}
