#include "media/stats/receive_statistics.hpp"

#include <algorithm>
#include <cmath>

namespace parrot::media::stats {

void ReceiveStatistics::fold_totals() noexcept {
  if (received_ == 0) return;
  folded_expected_ += extended_highest() - base_sequence_ + 1;
  folded_received_ += received_;
  received_ = 0;
}

void ReceiveStatistics::restart(std::uint16_t sequence_number) noexcept {
  // A.1 init_seq: the packet that restarts the stream counts as received.
  // What came before a restart still counts for the call's totals.
  fold_totals();
  max_sequence_ = sequence_number;
  cycles_ = 0;
  base_sequence_ = sequence_number;
  bad_sequence_.reset();
  received_ = 0;
  expected_prior_ = 0;
  received_prior_ = 0;
  seen_bits_.fill(0);
  last_transit_.reset();
}

bool ReceiveStatistics::seen(std::int64_t extended) const noexcept {
  const auto bit = static_cast<std::size_t>(extended) % kSeenWindow;
  return (seen_bits_[bit / 64] >> (bit % 64)) & 1;
}

void ReceiveStatistics::mark_seen(std::int64_t extended) noexcept {
  const auto bit = static_cast<std::size_t>(extended) % kSeenWindow;
  seen_bits_[bit / 64] |= std::uint64_t{1} << (bit % 64);
}

ReceiveStatistics::Verdict ReceiveStatistics::on_packet(Timestamp arrival, std::uint16_t sequence_number,
                                                        std::uint32_t rtp_timestamp, std::size_t payload_bytes) noexcept {
  Verdict verdict = Verdict::kNew;
  std::int64_t extended = 0;
  if (received_ == 0) {
    restart(sequence_number);
    if (!first_arrival_) first_arrival_ = arrival;
    extended = extended_highest();
  } else {
    const auto delta = static_cast<std::uint16_t>(sequence_number - max_sequence_);
    if (delta == 0) {
      ++duplicates_;
      return Verdict::kDuplicate;
    }
    if (delta < kMaxDropout) {
      // In order, possibly after a gap: forget the seen bits the ring reuses.
      for (std::uint32_t step = 1; step <= std::min<std::uint32_t>(delta, kSeenWindow); ++step) {
        const auto bit = static_cast<std::size_t>(extended_highest() + step) % kSeenWindow;
        seen_bits_[bit / 64] &= ~(std::uint64_t{1} << (bit % 64));
      }
      if (sequence_number < max_sequence_) cycles_ += 65536;
      max_sequence_ = sequence_number;
      bad_sequence_.reset();
      extended = extended_highest();
    } else if (delta <= 65536 - kMaxMisorder) {
      // A large jump either way: believe it only when the next packet follows.
      if (!bad_sequence_ || *bad_sequence_ != sequence_number) {
        bad_sequence_ = static_cast<std::uint16_t>(sequence_number + 1);
        return Verdict::kUntrusted;
      }
      restart(sequence_number);
      ++resyncs_;
      verdict = Verdict::kRestart;
      extended = extended_highest();
    } else {
      // Up to kMaxMisorder behind the highest: reordered, or a duplicate.
      extended = extended_highest() - (65536 - delta);
      if (seen(extended)) {
        ++duplicates_;
        return Verdict::kDuplicate;
      }
      ++reordered_;
      // A packet older than the first one extends what was expected (A.3).
      base_sequence_ = std::min(base_sequence_, extended);
    }
  }
  mark_seen(extended);
  ++received_;
  add_bytes(arrival, payload_bytes);
  update_jitter(arrival, rtp_timestamp);
  return verdict;
}

void ReceiveStatistics::add_bytes(Timestamp arrival, std::size_t bytes) noexcept {
  bytes_ += bytes;
  last_arrival_ = std::max(last_arrival_, arrival);
  const std::int64_t slot = arrival.time_since_epoch().count() / 100'000;
  if (slot > current_slot_) {
    for (std::int64_t s = current_slot_ + 1; s <= slot && s - current_slot_ <= 10; ++s) slot_bytes_[static_cast<std::size_t>(s % 10)] = 0;
    current_slot_ = slot;
  }
  if (current_slot_ - slot < 10) slot_bytes_[static_cast<std::size_t>(slot % 10)] += bytes;
}

void ReceiveStatistics::update_jitter(Timestamp arrival, std::uint32_t rtp_timestamp) noexcept {
  // A.8, with arrival expressed in RTP ticks. The 32-bit difference keeps
  // the computation right across timestamp wraparound.
  const auto arrival_ticks =
      static_cast<std::uint32_t>(duration_to_rtp_ticks(arrival.time_since_epoch(), clock_rate_hz_));
  const std::int64_t transit = static_cast<std::int32_t>(arrival_ticks - rtp_timestamp);
  if (last_transit_) {
    const auto d = static_cast<double>(std::llabs(transit - *last_transit_));
    jitter_ += (d - jitter_) / 16.0;
    max_jitter_ = std::max(max_jitter_, jitter_);
  }
  last_transit_ = transit;
}

void ReceiveStatistics::on_source_change() noexcept {
  // With nothing received, the next packet runs init_seq (restart) for the
  // new source; its jitter and LSR must not be the old source's either.
  fold_totals();
  bad_sequence_.reset();
  last_transit_.reset();
  jitter_ = 0;
  last_sr_compact_.reset();
}

void ReceiveStatistics::on_sender_report(Timestamp arrival, NtpTime ntp) noexcept {
  last_sr_compact_ = ntp.compact();
  last_sr_arrival_ = arrival;
}

ReportBlockFields ReceiveStatistics::make_report_block(Timestamp now) noexcept {
  ReportBlockFields block;
  const std::int64_t expected = extended_highest() - base_sequence_ + 1;
  const std::int64_t lost = expected - static_cast<std::int64_t>(received_);
  block.cumulative_lost = static_cast<std::int32_t>(std::clamp<std::int64_t>(lost, -0x800000, 0x7FFFFF));
  // A.3: fraction lost over the interval since the previous block.
  const std::int64_t expected_interval = expected - expected_prior_;
  const std::int64_t received_interval = static_cast<std::int64_t>(received_ - received_prior_);
  const std::int64_t lost_interval = expected_interval - received_interval;
  expected_prior_ = expected;
  received_prior_ = received_;
  if (expected_interval > 0 && lost_interval > 0)
    block.fraction_lost = static_cast<std::uint8_t>(std::min<std::int64_t>((lost_interval << 8) / expected_interval, 255));
  block.extended_highest_sequence = static_cast<std::uint32_t>(extended_highest());
  block.jitter_ticks = jitter_ticks();
  if (last_sr_compact_) {
    block.last_sr = *last_sr_compact_;
    block.delay_since_last_sr = to_compact_ntp(now - last_sr_arrival_);
  }
  return block;
}

ReceiveSnapshot ReceiveStatistics::snapshot() const noexcept {
  ReceiveSnapshot s;
  s.packets = folded_received_ + received_;
  s.bytes = bytes_;
  s.reordered = reordered_;
  s.duplicates = duplicates_;
  s.resyncs = resyncs_;
  if (s.packets > 0) {
    s.expected = folded_expected_ + (received_ > 0 ? extended_highest() - base_sequence_ + 1 : 0);
    s.lost = std::max<std::int64_t>(0, s.expected - static_cast<std::int64_t>(s.packets));
    s.loss_pct = s.expected > 0 ? 100.0 * static_cast<double>(s.lost) / static_cast<double>(s.expected) : 0;
  }
  s.jitter_ms = jitter_ * 1000.0 / clock_rate_hz_;
  s.max_jitter_ms = max_jitter_ * 1000.0 / clock_rate_hz_;
  std::uint64_t recent = 0;
  for (auto b : slot_bytes_) recent += b;
  s.bitrate_bps = static_cast<double>(recent) * 8.0;
  if (first_arrival_ && last_arrival_ > *first_arrival_) {
    s.average_bitrate_bps = static_cast<double>(bytes_) * 8.0 / (to_ms(last_arrival_ - *first_arrival_) / 1000.0);
  }
  return s;
}

}  // namespace parrot::media::stats
