// Side-path Opus probe: decodes the caller's Opus payloads (RFC 7587) at
// 48 kHz and reports level, peak, silence, clipping, DTX and concealment.
// "Frame" here means one packet's decoded audio (usually 20 ms).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "media/codec_handles.hpp"
#include "media/probes/probe_queue.hpp"

namespace parrot::media::probes {

struct OpusStats {
  std::uint64_t packets = 0;
  std::uint64_t decoded_frames = 0;    // packets libopus decoded
  std::uint64_t decode_errors = 0;     // packets libopus refused
  std::uint64_t dtx_frames = 0;        // DTX packets plus frame slots skipped by DTX timestamp gaps
  std::uint64_t concealed_frames = 0;  // frames synthesised by packet-loss concealment
  std::uint64_t lost_packets = 0;      // sequence-number gaps (concealment is capped per gap)
  std::uint64_t late_packets = 0;      // older than or equal to the newest sequence seen; not decoded
  double level_dbfs = -127.0;          // RMS of all decoded audio; kFloorDbfs when none or digital silence
  std::uint64_t samples = 0;           // decoded and concealed samples (all channels) level_dbfs is over
  double peak_dbfs = -127.0;           // largest sample magnitude
  double silent_frame_share = 0.0;     // 0..1: frames below kSilenceThresholdDbfs, DTX frames counted silent
  std::uint64_t clipped_samples = 0;   // |sample| >= kClipThreshold
  std::uint32_t channels = 0;
};

class OpusProbe {
 public:
  static constexpr std::uint32_t kSampleRateHz = 48'000;     // RFC 7587 §4.1: the RTP clock is always 48 kHz
  static constexpr double kFloorDbfs = -127.0;               // reported instead of -inf
  static constexpr double kSilenceThresholdDbfs = -60.0;
  static constexpr float kClipThreshold = 0.999F;            // float samples, full scale 1.0
  static constexpr std::uint64_t kMaxConcealedPerGap = 8;    // PLC runs per sequence gap
  static constexpr std::uint64_t kMaxDtxFramesPerGap = 3000; // one minute of 20 ms frames

  // channels is 1 or 2 (throws std::invalid_argument otherwise); libopus
  // mixes the stream to that count. Throws std::runtime_error if libopus
  // cannot create the decoder.
  explicit OpusProbe(std::uint32_t channels = 2);

  // Any payload is accepted; what does not decode is counted.
  void on_packet(const ProbePacket& packet);
  OpusStats stats() const;

 private:
  void conceal(std::uint64_t lost);
  void account(const float* pcm, int samples_per_channel);

  OpusDecoderPtr decoder_;
  std::uint32_t channels_;
  std::vector<float> pcm_;  // room for the longest Opus packet, 120 ms

  OpusStats counts_;
  double sum_squares_ = 0.0;
  std::uint64_t samples_ = 0;
  float peak_ = 0.0F;
  std::uint64_t silent_frames_ = 0;

  // The newest in-order packet: what gaps are measured from.
  std::optional<std::uint16_t> last_sequence_;
  std::uint32_t last_timestamp_ = 0;
  int last_frame_samples_ = 0;  // per channel, of the last decoded packet
};

}  // namespace parrot::media::probes
