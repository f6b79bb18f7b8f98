#include "media/stats/return_loss.hpp"

#include <algorithm>
#include <bit>

namespace parrot::media::stats {

namespace {

constexpr std::size_t slot_of(std::int64_t extended) noexcept {
  // Extended numbers start at the first 16-bit value and may go below it
  // (older packets), never below zero by more than one window.
  return static_cast<std::size_t>(((extended % ReturnLoss::kWindow) + ReturnLoss::kWindow) % ReturnLoss::kWindow);
}

}  // namespace

bool ReturnLoss::bit(std::int64_t extended) const noexcept {
  const std::size_t slot = slot_of(extended);
  return (bits_[slot / 64] >> (slot % 64)) & 1u;
}

void ReturnLoss::set_bit(std::int64_t extended, bool value) noexcept {
  const std::size_t slot = slot_of(extended);
  const std::uint64_t mask = std::uint64_t{1} << (slot % 64);
  if (value) {
    bits_[slot / 64] |= mask;
  } else {
    bits_[slot / 64] &= ~mask;
  }
}

void ReturnLoss::advance_to(std::int64_t extended) noexcept {
  if (extended - highest_ >= kWindow) {
    sent_before_ += in_window_;
    in_window_ = 0;
    bits_.fill(0);
  } else {
    // Each number entering the window pushes out the one kWindow below it.
    for (std::int64_t n = highest_ + 1; n <= extended; ++n) {
      if (!bit(n)) continue;
      set_bit(n, false);
      --in_window_;
      ++sent_before_;
    }
  }
  highest_ = extended;
}

void ReturnLoss::on_sent(std::uint16_t sequence_number) noexcept {
  const std::int64_t extended = unwrapper_.unwrap(sequence_number);
  if (!first_) {
    first_ = extended;
    highest_ = extended;
  }
  if (extended > highest_) advance_to(extended);
  first_ = std::min(*first_, extended);
  // Too old to tell from a resend: not counted. The jitter buffer never
  // releases a packet that late, so only a hostile stream gets here.
  if (extended <= highest_ - kWindow) return;
  if (bit(extended)) return;
  set_bit(extended, true);
  ++in_window_;
}

void ReturnLoss::on_not_sent(std::uint16_t sequence_number) noexcept {
  if (!first_) return;
  const std::int64_t extended = unwrapper_.unwrap(sequence_number);
  if (extended > highest_) return;  // never sent: nothing to take back
  // Refused right after on_sent, so still in the window.
  if (extended <= highest_ - kWindow || !bit(extended)) return;
  set_bit(extended, false);
  --in_window_;
}

std::optional<std::uint64_t> ReturnLoss::sent_up_to(std::int64_t extended) const noexcept {
  if (extended <= highest_ - kWindow) return std::nullopt;
  std::uint64_t count = sent_before_ + in_window_;
  for (std::int64_t n = std::max(extended, highest_ - kWindow) + 1; n <= highest_; ++n) {
    if (bit(n)) --count;
  }
  return count;
}

void ReturnLoss::on_report_block(std::uint32_t extended_highest_sequence, std::int32_t cumulative_lost) noexcept {
  if (!first_) return;  // a block before parrot sent anything describes nothing of ours
  // The caller's number, placed nearest parrot's newest one.
  const auto low = static_cast<std::uint16_t>(extended_highest_sequence);
  const auto delta = static_cast<std::int16_t>(static_cast<std::uint16_t>(low - static_cast<std::uint16_t>(highest_)));
  const std::int64_t highest = highest_ + delta;
  // Beyond what parrot sent, or before its first packet: not about this
  // stream as parrot sent it (a confused receiver, or a stale source).
  if (highest > highest_ || highest < *first_) return;
  const auto sent = sent_up_to(highest);
  if (!sent) return;
  // RFC 3550 A.3: expected from the first packet to the highest, received
  // = expected - lost. The caller's expected includes the upstream gaps
  // parrot kept, and its received includes resends that arrived.
  const std::int64_t expected = highest - *first_ + 1;
  const std::int64_t received = expected - cumulative_lost;
  const auto lost = static_cast<std::uint64_t>(
      std::clamp<std::int64_t>(static_cast<std::int64_t>(*sent) - received, 0, static_cast<std::int64_t>(*sent)));

  if (last_sent_ && *sent > *last_sent_) {
    const double interval_lost = lost > last_lost_ ? static_cast<double>(lost - last_lost_) : 0.0;
    snapshot_.interval_loss_pct = std::min(100.0, interval_lost * 100.0 / static_cast<double>(*sent - *last_sent_));
  }
  last_sent_ = *sent;
  last_lost_ = lost;
  snapshot_.sent = *sent;
  snapshot_.lost = lost;
  snapshot_.loss_pct = *sent > 0 ? static_cast<double>(lost) * 100.0 / static_cast<double>(*sent) : 0.0;
  ++snapshot_.reports;
}

}  // namespace parrot::media::stats
