// What one inbound RTP stream looked like, kept the way RFC 3550 Appendix A
// defines it: sequence validation and loss (A.1, A.3), interarrival jitter
// (A.8), and what a receiver report block needs (§6.4.1).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "media/time.hpp"

namespace parrot::media::stats {

struct ReportBlockFields {
  std::uint8_t fraction_lost = 0;           // since the previous block, 1/256 units
  std::int32_t cumulative_lost = 0;         // clamped to 24 bits signed by the writer
  std::uint32_t extended_highest_sequence = 0;
  std::uint32_t jitter_ticks = 0;
  std::uint32_t last_sr = 0;                // compact NTP of the last SR, 0 if none
  std::uint32_t delay_since_last_sr = 0;    // 1/65536 s
};

struct ReceiveSnapshot {
  std::uint64_t packets = 0;       // distinct packets received (duplicates excluded)
  std::uint64_t bytes = 0;         // RTP payload bytes of those packets
  std::int64_t expected = 0;       // extended highest - base + 1 (A.3)
  std::int64_t lost = 0;           // expected - packets; negative never reported
  double loss_pct = 0;
  double jitter_ms = 0;            // A.8 estimate, converted from ticks
  double max_jitter_ms = 0;
  std::uint64_t reordered = 0;     // arrived after a higher sequence number
  std::uint64_t duplicates = 0;
  std::uint64_t resyncs = 0;       // sequence restarts accepted (A.1 bad_seq)
  double bitrate_bps = 0;          // over the second before the last packet
  double average_bitrate_bps = 0;  // over the stream's life
};

class ReceiveStatistics {
 public:
  explicit ReceiveStatistics(std::uint32_t clock_rate_hz) noexcept : clock_rate_hz_(clock_rate_hz) {}

  // kUntrusted: a jump beyond kMaxDropout ahead or kMaxMisorder behind,
  // not counted until confirmed. kRestart: the jump was confirmed by the
  // next packet (A.1 bad_seq), so statistics restart there.
  enum class Verdict { kNew, kDuplicate, kUntrusted, kRestart };

  // Every packet that passed SRTP and parsing, in arrival order.
  Verdict on_packet(Timestamp arrival, std::uint16_t sequence_number, std::uint32_t rtp_timestamp,
                    std::size_t payload_bytes) noexcept;

  // The sender's SR (for LSR/DLSR in our report blocks).
  void on_sender_report(Timestamp arrival, NtpTime ntp) noexcept;

  // The stream now comes from another SSRC (a camera change, a restarted
  // encoder). RFC 3550 keeps sequence, jitter and SR state per source
  // (§6.4.1, A.1), so the next packet starts them afresh and report blocks
  // speak of the new source only; the call's totals (packets, bytes,
  // expected, lost, duplicates, reordered) go on counting across the change.
  void on_source_change() noexcept;

  // Fields for a report block sent at `now`; advances the fraction-lost
  // interval (A.3), so call it once per block actually sent.
  ReportBlockFields make_report_block(Timestamp now) noexcept;

  ReceiveSnapshot snapshot() const noexcept;
  bool has_packets() const noexcept { return received_ > 0; }
  std::uint64_t resyncs() const noexcept { return resyncs_; }
  std::uint32_t jitter_ticks() const noexcept { return static_cast<std::uint32_t>(jitter_); }
  std::int64_t extended_highest() const noexcept { return cycles_ + max_sequence_; }

  // A.1's constants: a jump beyond kMaxDropout ahead or kMaxMisorder behind
  // is not trusted until the sender confirms it with the next packet.
  static constexpr int kMaxDropout = 3000;
  static constexpr int kMaxMisorder = 100;

 private:
  // Moves the current source's counts into the call's totals.
  void fold_totals() noexcept;
  void restart(std::uint16_t sequence_number) noexcept;
  void update_jitter(Timestamp arrival, std::uint32_t rtp_timestamp) noexcept;
  bool seen(std::int64_t extended) const noexcept;
  void mark_seen(std::int64_t extended) noexcept;
  void add_bytes(Timestamp arrival, std::size_t bytes) noexcept;

  std::uint32_t clock_rate_hz_;
  std::uint16_t max_sequence_ = 0;
  std::int64_t cycles_ = 0;  // wraps of the 16-bit space, times 65536
  std::int64_t base_sequence_ = 0;
  std::optional<std::uint32_t> bad_sequence_;
  std::uint64_t received_ = 0;
  std::int64_t folded_expected_ = 0;  // totals from before the last restart
  std::uint64_t folded_received_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t reordered_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t resyncs_ = 0;
  std::int64_t expected_prior_ = 0;
  std::uint64_t received_prior_ = 0;

  // A.8: transit = arrival (in RTP ticks) - RTP timestamp.
  std::optional<std::int64_t> last_transit_;
  double jitter_ = 0;
  double max_jitter_ = 0;

  // Duplicate detection over the last kSeenWindow extended sequence numbers.
  static constexpr std::size_t kSeenWindow = 1024;
  std::array<std::uint64_t, kSeenWindow / 64> seen_bits_{};

  std::optional<Timestamp> first_arrival_;
  Timestamp last_arrival_{};
  // Bytes per 100 ms slot over the last second, for the current bitrate.
  std::array<std::uint64_t, 10> slot_bytes_{};
  std::int64_t current_slot_ = 0;

  std::optional<std::uint32_t> last_sr_compact_;
  Timestamp last_sr_arrival_{};
};

}  // namespace parrot::media::stats
