// Side-path Opus probe: decodes the caller's Opus payloads (RFC 7587) at
// 48 kHz and reports level, peak, silence, clipping, DTX and concealment.
// "Frame" here means one packet's decoded audio (usually 20 ms).
//
// Decoding is most of what the probe costs. When the packets carry the RFC
// 6464 audio level header extension (libwebrtc sends it), level and silence
// come from it and the probe may decode only windows of consecutive packets
// (OpusSampling). Counting (packets, loss, lateness, DTX) sees every packet.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "media/codec_handles.hpp"
#include "media/probes/probe_queue.hpp"

namespace parrot::media::probes {

// Which packets are decoded while the packets carry an RFC 6464 audio
// level (the level and silence then come from it; decoding is left with
// only peak and clipping). libopus predicts each frame from the ones before, so
// a sample is a run of consecutive packets: every `period_packets` in-order
// packets the decoder is reset and the next `priming_packets +
// window_packets` are decoded, the priming ones only to settle the decoder
// (their audio is not measured). A packet without a level is always decoded:
// sampled decoding misses too much of speech's level (probes README).
// period_packets 0 decodes every packet.
struct OpusSampling {
  std::uint32_t period_packets = 0;
  std::uint32_t window_packets = 0;
  std::uint32_t priming_packets = 0;

  static constexpr OpusSampling every_packet() noexcept { return {}; }
  // What parrot's calls use: 0.5 s at the start and of every 10 s of 20 ms
  // packets, after one priming packet: about a twentieth of the decoding.
  // Level and silence come from every packet's RFC 6464 level; the windows
  // give peak and clipping. At a thousand calls on a worker, every 5 s was
  // still 8.5% of its core (perf), every 10 s halves that.
  static constexpr OpusSampling windows() noexcept { return {500, 25, 1}; }
  bool decodes_everything() const noexcept { return period_packets == 0; }
};

// Where level_dbfs and silent_frame_share come from.
enum class OpusLevelSource {
  kNone,        // nothing measured yet
  kDecoded,     // decoded audio (every packet, or the sampled windows)
  kAudioLevel,  // the RFC 6464 audio level of every packet that carried one
};
const char* to_string(OpusLevelSource source) noexcept;

struct OpusStats {
  std::uint64_t packets = 0;
  std::uint64_t decoded_frames = 0;    // packets libopus decoded
  std::uint64_t decode_errors = 0;     // packets libopus refused
  std::uint64_t dtx_frames = 0;        // DTX packets plus frame slots skipped by DTX timestamp gaps
  std::uint64_t concealed_frames = 0;  // frames synthesised by packet-loss concealment
  std::uint64_t lost_packets = 0;      // sequence-number gaps (concealment is capped per gap)
  std::uint64_t late_packets = 0;      // older than or equal to the newest sequence seen; not decoded
  double level_dbfs = -127.0;          // RMS of all decoded audio; kFloorDbfs when none or digital silence
  std::uint64_t samples = 0;           // samples (all channels) level_dbfs is over: measured, or of the frames with a level
  double peak_dbfs = -127.0;           // largest sample magnitude
  double silent_frame_share = 0.0;     // 0..1: frames below kSilenceThresholdDbfs, DTX frames counted silent
  std::uint64_t clipped_samples = 0;   // |sample| >= kClipThreshold
  std::uint32_t channels = 0;
  // In-order packets that are not DTX: the frames level and silence describe.
  std::uint64_t audio_packets = 0;
  // Decoded frames whose audio is in the level, peak, clipping and (when
  // decoded) silence: every audio packet without sampling, fewer with it.
  std::uint64_t measured_frames = 0;
  // Audio packets that carried an RFC 6464 audio level.
  std::uint64_t audio_level_packets = 0;
  OpusLevelSource level_source = OpusLevelSource::kNone;
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
  // A sampling with window_packets 0, or a period too short for its
  // priming and window, throws std::invalid_argument.
  explicit OpusProbe(std::uint32_t channels = 2, OpusSampling sampling = OpusSampling::every_packet());

  // Any payload is accepted; what does not decode is counted.
  void on_packet(const ProbePacket& packet);
  OpusStats stats() const;

 private:
  enum class Slot { kMeasure, kPrime, kSkip };
  Slot next_slot(bool has_audio_level);
  void conceal(std::uint64_t lost);
  void account(const float* pcm, int samples_per_channel);
  void account_audio_level(std::uint8_t level_minus_dbov, ByteView payload);

  OpusDecoderPtr decoder_;
  std::uint32_t channels_;
  OpusSampling sampling_;
  // Grown to the longest packet seen (20 ms is 3.75 KiB mono), not sized
  // for Opus's 120 ms maximum up front: at a thousand calls that is 19 KiB
  // of resident memory each, for packets callers do not send.
  std::vector<float> pcm_;
  float* pcm_for(int samples_per_channel);
  std::uint64_t position_ = 0;  // in-order packets so far, for the sampling
  std::uint64_t phase_ = 0;     // of the windows after the first, from the first sequence number
  bool decoder_current_ = true;  // the decoder has seen every packet since it was made or reset
  std::uint32_t priming_left_ = 0;

  OpusStats counts_;
  double sum_squares_ = 0.0;
  std::uint64_t samples_ = 0;
  float peak_ = 0.0F;
  std::uint64_t silent_frames_ = 0;
  std::uint64_t measured_errors_ = 0;  // decode errors in the frames that would have been measured

  // RFC 6464 levels: energy (full scale 1.0) times samples, as for decoding.
  double level_energy_ = 0.0;
  std::uint64_t level_samples_ = 0;
  std::uint64_t level_silent_frames_ = 0;

  // The newest in-order packet: what gaps are measured from.
  std::optional<std::uint16_t> last_sequence_;
  std::uint32_t last_timestamp_ = 0;
  int last_frame_samples_ = 0;  // per channel, of the last decoded packet
};

}  // namespace parrot::media::probes
