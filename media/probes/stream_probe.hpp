// One received stream's probe: each packet's payload type says what it
// carries. RFC 2198 RED is unwrapped and its primary block (the newest
// encoding, the last block) goes to the codec probe under its own payload
// type; ULPFEC (RFC 5109), whether plain or as RED's primary block, and
// packets with no payload (RTP padding, an empty RED) are counted, not
// probed, and fill their sequence numbers so that the video probe does not
// mistake them for lost packets (libwebrtc sends both in the video's own
// sequence space: docs/client-quirks.md#libwebrtc).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "media/probes/opus_probe.hpp"
#include "media/probes/probe_queue.hpp"
#include "media/probes/video_stats.hpp"
#include "media/probes/vp8_probe.hpp"
#include "media/probes/vp9_probe.hpp"

namespace parrot::media::probes {

enum class ProbedCodec { kNone, kOpus, kVp8, kVp9 };

struct StreamProbeConfig {
  ProbedCodec codec = ProbedCodec::kNone;
  // The negotiated payload types of `codec`: a packet (or RED primary
  // block) with another one is not handed to the codec probe.
  std::vector<std::uint8_t> codec_payload_types;
  std::optional<std::uint8_t> red_payload_type;     // "red" (RFC 2198)
  std::optional<std::uint8_t> ulpfec_payload_type;  // "ulpfec" (RFC 5109)
  std::uint32_t opus_channels = 1;                  // see OpusProbe
  OpusSampling opus_sampling = OpusSampling::every_packet();
  // What parrot's calls use unless a test asks for every frame: video is
  // decoded in windows after key frames (VideoSampling).
  VideoSampling video_sampling = VideoSampling::windows();
};

// What the stream carried besides the codec's own payloads.
struct CarriageStats {
  std::uint64_t red_packets = 0;        // payload type RED, empty ones included
  std::uint64_t fec_packets = 0;        // ULPFEC: its own payload type, or RED's primary block
  std::uint64_t redundant_blocks = 0;   // RED blocks before the primary (older frames again), not probed
  std::uint64_t malformed_red = 0;      // RED headers that did not parse
  std::uint64_t empty_packets = 0;      // no payload (RFC 3550 §5.1 padding) or an empty primary block
  std::uint64_t other_codec_packets = 0;  // a payload type that is none of the above nor the codec's
  // Primary blocks' payload types inside RED, with counts, most first.
  std::vector<std::pair<std::uint8_t, std::uint64_t>> carried_in_red;
};

class StreamProbe {
 public:
  // Throws std::runtime_error if libopus or libvpx cannot create a decoder,
  // std::invalid_argument for opus_channels other than 1 or 2.
  explicit StreamProbe(StreamProbeConfig config);

  void on_packet(const ProbePacket& packet);

  ProbedCodec codec() const noexcept { return config_.codec; }
  std::optional<OpusStats> audio() const;
  std::optional<VideoStats> video() const;
  CarriageStats carriage() const;

 private:
  bool is_codec(std::uint8_t payload_type) const noexcept;
  void probe(const ProbePacket& packet);
  void fill(const ProbePacket& packet);

  StreamProbeConfig config_;
  std::unique_ptr<OpusProbe> opus_;
  std::unique_ptr<Vp8Probe> vp8_;
  std::unique_ptr<Vp9Probe> vp9_;
  CarriageStats counts_;
  std::array<std::uint64_t, 128> carried_in_red_{};
  ProbePacket unwrapped_;  // the primary block with the packet's header fields; storage reused
};

}  // namespace parrot::media::probes
