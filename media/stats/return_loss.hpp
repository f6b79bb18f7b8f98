// What the caller lost of what parrot really sent it: the return path's own
// loss, net of what never reached parrot.
//
// The echo keeps the caller's gaps in its sequence numbers (StreamRewriter:
// "gaps stay gaps"), so the caller's report block (RFC 3550 §6.4.1) counts
// as lost both the packets the network ate on the way back and those that
// never reached parrot, and its fraction lost covers only the last interval.
// The block's extended highest sequence number H and cumulative number lost
// L give what the caller received: expected - L, where expected spans
// parrot's sequence numbers from the first it sent to H (§6.4.1, A.3). parrot
// knows how many distinct sequence numbers it sent up to H, so
//   lost on the way back = sent up to H - (expected - L).
//
// Memory is bounded: a bitmap of the last kWindow sequence numbers and a
// count of those sent before it. A block whose H is older than the window
// (or newer than anything sent, or before the first packet) is not used.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "media/sequence.hpp"

namespace parrot::media::stats {

struct ReturnLossSnapshot {
  // Over the call, up to the caller's latest usable report block.
  std::uint64_t sent = 0;  // distinct packets parrot sent up to the block's highest sequence number
  std::uint64_t lost = 0;  // of those, not received by the caller (retransmissions that arrived count as received)
  double loss_pct = 0;
  // Between the caller's two latest usable blocks, on the same basis.
  std::optional<double> interval_loss_pct;
  std::uint64_t reports = 0;  // blocks used
};

class ReturnLoss {
 public:
  // Sequence numbers remembered one by one: at 1,000 packets/s (several
  // Mbit/s of video), 16 s, several times the caller's RTCP interval.
  static constexpr std::int64_t kWindow = 16384;

  // A packet of the stream left with this (rewritten) sequence number for
  // the first time. Resending the same number (a NACK answered) changes
  // nothing: it is still one packet the caller should have.
  void on_sent(std::uint16_t sequence_number) noexcept;
  // on_sent's packet did not leave after all (the transport refused it).
  void on_not_sent(std::uint16_t sequence_number) noexcept;
  // A report block about this stream: its extended highest sequence number
  // received and cumulative number of packets lost (24-bit signed, already
  // sign-extended). Only the low 16 bits of the highest number are used:
  // the caller counts its cycles from its own first packet.
  void on_report_block(std::uint32_t extended_highest_sequence, std::int32_t cumulative_lost) noexcept;

  bool has_report() const noexcept { return snapshot_.reports > 0; }
  ReturnLossSnapshot snapshot() const noexcept { return snapshot_; }

 private:
  // Distinct sequence numbers sent with an extended number <= `extended`,
  // or nothing when that is no longer in the window.
  std::optional<std::uint64_t> sent_up_to(std::int64_t extended) const noexcept;
  bool bit(std::int64_t extended) const noexcept;
  void set_bit(std::int64_t extended, bool value) noexcept;
  void advance_to(std::int64_t extended) noexcept;

  SequenceUnwrapper unwrapper_;
  std::optional<std::int64_t> first_;  // lowest extended number sent
  std::int64_t highest_ = 0;           // highest extended number sent
  // Bit i of the ring is extended number n with n mod kWindow == i, for n in
  // (highest_ - kWindow, highest_]; everything sent below is in sent_before_.
  std::array<std::uint64_t, kWindow / 64> bits_{};
  std::uint64_t in_window_ = 0;
  std::uint64_t sent_before_ = 0;

  std::optional<std::uint64_t> last_sent_;  // at the previous usable block
  std::uint64_t last_lost_ = 0;
  ReturnLossSnapshot snapshot_;
};

}  // namespace parrot::media::stats
