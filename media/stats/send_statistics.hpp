// What parrot sent on one outbound stream, and what the caller's receiver
// reports about it (RFC 3550 §6.4): the SR's counters and the RTT.
#pragma once

#include <cstdint>
#include <optional>

#include "media/time.hpp"

namespace parrot::media::stats {

struct SendSnapshot {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;            // payload octets (the SR's octet count)
  std::uint64_t retransmitted = 0;    // packets resent for NACKs
  std::uint64_t nacks_unanswered = 0; // requested packets no longer in history
  // From the caller's latest report block about this stream.
  std::optional<double> remote_loss_pct;  // fraction lost, as a percentage
  std::optional<std::int32_t> remote_cumulative_lost;
  std::optional<double> remote_jitter_ms;
  std::optional<double> rtt_ms;       // latest
  std::optional<double> min_rtt_ms;
  std::optional<double> max_rtt_ms;
  std::optional<double> average_rtt_ms;
};

class SendStatistics {
 public:
  explicit SendStatistics(std::uint32_t clock_rate_hz) noexcept : clock_rate_hz_(clock_rate_hz) {}

  void on_sent(Timestamp now, std::uint32_t rtp_timestamp, std::size_t payload_bytes) noexcept;
  void on_retransmitted() noexcept { ++retransmitted_; }
  // The transport could not send what on_sent / on_retransmitted counted:
  // the counts (and the SR's, RFC 3550 §6.4.1: packets "transmitted") only
  // hold what left.
  void on_not_sent(std::size_t payload_bytes) noexcept;
  void on_retransmission_not_sent() noexcept {
    if (retransmitted_ > 0) --retransmitted_;
  }
  void on_nack_unanswered() noexcept { ++nacks_unanswered_; }

  // A report block about this stream. RTT per RFC 3550 §6.4.1: arrival
  // (compact NTP) - LSR - DLSR, when LSR is set.
  void on_report_block(Timestamp now, Duration unix_time_at_epoch, std::uint8_t fraction_lost,
                       std::int32_t cumulative_lost, std::uint32_t jitter_ticks, std::uint32_t last_sr,
                       std::uint32_t delay_since_last_sr) noexcept;

  bool has_sent() const noexcept { return packets_ > 0; }
  // The RTP timestamp matching `now` on this stream's clock, extrapolated
  // from the last packet sent (the SR's RTP timestamp, §6.4.1).
  std::uint32_t rtp_timestamp_at(Timestamp now) const noexcept;
  std::uint32_t packet_count() const noexcept { return static_cast<std::uint32_t>(packets_); }
  std::uint32_t octet_count() const noexcept { return static_cast<std::uint32_t>(bytes_); }
  std::optional<Duration> rtt() const noexcept { return rtt_; }

  SendSnapshot snapshot() const noexcept;

 private:
  std::uint32_t clock_rate_hz_;
  std::uint64_t packets_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t retransmitted_ = 0;
  std::uint64_t nacks_unanswered_ = 0;
  std::uint32_t last_rtp_timestamp_ = 0;
  Timestamp last_sent_{};

  std::optional<std::uint8_t> remote_fraction_lost_;
  std::optional<std::int32_t> remote_cumulative_lost_;
  std::optional<std::uint32_t> remote_jitter_ticks_;
  std::optional<Duration> rtt_;
  Duration min_rtt_{};
  Duration max_rtt_{};
  Duration rtt_sum_{};
  std::uint64_t rtt_samples_ = 0;
};

}  // namespace parrot::media::stats
