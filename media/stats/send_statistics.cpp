#include "media/stats/send_statistics.hpp"

#include <algorithm>

namespace parrot::media::stats {

void SendStatistics::on_sent(Timestamp now, std::uint32_t rtp_timestamp, std::size_t payload_bytes) noexcept {
  ++packets_;
  bytes_ += payload_bytes;
  last_rtp_timestamp_ = rtp_timestamp;
  last_sent_ = now;
}

void SendStatistics::on_not_sent(std::size_t payload_bytes) noexcept {
  if (packets_ == 0) return;
  --packets_;
  bytes_ -= std::min<std::uint64_t>(bytes_, payload_bytes);
}

std::uint32_t SendStatistics::rtp_timestamp_at(Timestamp now) const noexcept {
  return last_rtp_timestamp_ + static_cast<std::uint32_t>(duration_to_rtp_ticks(now - last_sent_, clock_rate_hz_));
}

void SendStatistics::on_report_block(Timestamp now, Duration unix_time_at_epoch, std::uint8_t fraction_lost,
                                     std::int32_t cumulative_lost, std::uint32_t jitter_ticks,
                                     std::uint32_t last_sr, std::uint32_t delay_since_last_sr) noexcept {
  remote_fraction_lost_ = fraction_lost;
  remote_cumulative_lost_ = cumulative_lost;
  remote_jitter_ticks_ = jitter_ticks;
  if (last_sr == 0) return;  // the receiver has no SR of ours yet
  // 32-bit compact NTP arithmetic wraps consistently; a result "above"
  // half the space is negative: a confused or lying receiver.
  const std::uint32_t units = to_ntp(now, unix_time_at_epoch).compact() - last_sr - delay_since_last_sr;
  if (units > 0x80000000u) return;
  const Duration rtt = from_compact_ntp(units);
  rtt_ = rtt;
  min_rtt_ = rtt_samples_ == 0 ? rtt : std::min(min_rtt_, rtt);
  max_rtt_ = std::max(max_rtt_, rtt);
  rtt_sum_ += rtt;
  ++rtt_samples_;
}

SendSnapshot SendStatistics::snapshot() const noexcept {
  SendSnapshot s;
  s.packets = packets_;
  s.bytes = bytes_;
  s.retransmitted = retransmitted_;
  s.nacks_unanswered = nacks_unanswered_;
  if (remote_fraction_lost_) s.remote_loss_pct = *remote_fraction_lost_ * 100.0 / 256.0;
  s.remote_cumulative_lost = remote_cumulative_lost_;
  if (remote_jitter_ticks_) s.remote_jitter_ms = *remote_jitter_ticks_ * 1000.0 / clock_rate_hz_;
  if (rtt_) {
    s.rtt_ms = to_ms(*rtt_);
    s.min_rtt_ms = to_ms(min_rtt_);
    s.max_rtt_ms = to_ms(max_rtt_);
    s.average_rtt_ms = to_ms(rtt_sum_) / static_cast<double>(rtt_samples_);
  }
  return s;
}

}  // namespace parrot::media::stats
