// Whether the caller hears parrot, read from the caller's own RTCP. RFC 3550
// §6.4: a receiver puts a report block in its SR/RR only for the sources it
// has heard, so RTCP that keeps coming without a block for parrot's SSRC
// means parrot's packets are not arriving, whatever parrot's send counter
// says. libwebrtc, aiortc and farstream all behave so; a caller that hears
// nothing sends no loss figure to read (the old `cumulative_lost` test only
// caught the rarer case of a block with everything lost).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "media/time.hpp"

namespace parrot::media::stats {

enum class Hearing {
  kUnknown,         // not enough sending or RTCP to tell
  kHears,           // the caller's reports cover parrot's stream
  kHeardNothing,    // reports kept coming, never with a block for parrot
  kStoppedHearing,  // blocks came, then stopped while parrot kept sending
  kNoRtcp,          // the caller sent RTP for a long time and no RTCP at all
};
std::string_view to_string(Hearing hearing) noexcept;  // "hears", "heard nothing", ...

struct ReturnPathSnapshot {
  Hearing hearing = Hearing::kUnknown;
  // The caller's SR/RR compounds once parrot had sent for the settle time,
  // and how many of them reported parrot's stream advancing.
  std::uint64_t caller_reports = 0;
  std::uint64_t caller_reports_about_parrot = 0;
  // Packets parrot sent after the caller's last report on them, when the
  // reports stopped: lost on the way to the caller until the end.
  std::uint64_t lost_to_end = 0;
  // Seconds into parrot's sending of the caller's last report on parrot.
  std::optional<double> last_report_s;
};

class ReturnPathMonitor {
 public:
  // Sending must have run this long before a report without a block counts:
  // the first RTCP after parrot starts may predate its first packet.
  static constexpr Duration kSettle = std::chrono::seconds(3);
  // Reports without a block needed before a verdict, so one report sent
  // just as parrot's stream started or paused decides nothing.
  static constexpr std::uint64_t kReportsToDecide = 2;
  // For "heard nothing": the caller's reports after the settle time span at
  // least this long. libwebrtc reports on audio only every 2.5-7.5 s (its
  // video compounds, 1 a second, carry no audio block), so a shorter span
  // could end before the first audio report that would have named parrot
  // (docs/client-quirks.md#libwebrtc).
  static constexpr Duration kHeardNothingFor = std::chrono::seconds(10);
  // For "stopped hearing": parrot kept sending at least this many packets,
  // and for at least max(kStoppedFor, twice the longest gap seen between
  // the caller's reports on parrot) after the last one: a caller that
  // reports every 5 s on average is not taken for one that stopped hearing
  // because the call ended 5 s after its last report. A pause of parrot's
  // own stream is not loss: it sends nothing meanwhile.
  static constexpr Duration kStoppedFor = std::chrono::seconds(10);
  static constexpr std::uint64_t kStoppedPackets = 50;
  // For "no RTCP": the caller's RTP spanned this long after parrot began
  // sending with no SR/RR at all (RFC 3550's interval is about 5 s).
  static constexpr Duration kNoRtcpFor = std::chrono::seconds(12);

  void on_sent(Timestamp now) noexcept;
  // The transport could not send what on_sent counted: the caller cannot
  // have heard it, so it is not lost on the way either.
  void on_not_sent() noexcept;
  void on_caller_rtp(Timestamp now) noexcept;
  // One SR/RR compound from the caller, with the extended highest sequence
  // number of its report block on this stream, if it has one. A block whose
  // sequence number has not moved is stale: aiortc keeps reporting a source
  // it no longer hears, frozen where it stopped (libwebrtc drops the block
  // after a while), so only a block that advanced proves the caller hears.
  void on_caller_report(Timestamp now, std::optional<std::uint32_t> highest_sequence) noexcept;

  ReturnPathSnapshot snapshot() const noexcept;

 private:
  bool settled(Timestamp now) const noexcept { return sent_ > 0 && now - first_sent_ >= kSettle; }

  std::uint64_t sent_ = 0;
  Timestamp first_sent_{};
  Timestamp last_sent_{};
  std::uint64_t all_reports_ = 0;
  std::uint64_t reports_ = 0;
  std::uint64_t reports_about_parrot_ = 0;
  std::uint64_t reports_since_last_about_parrot_ = 0;
  std::optional<Timestamp> last_about_parrot_;
  Duration longest_report_gap_{};  // between the caller's reports on parrot
  std::optional<Timestamp> first_settled_report_;
  Timestamp last_report_{};
  std::optional<std::uint32_t> highest_sequence_;
  std::uint64_t sent_at_last_about_parrot_ = 0;
  std::optional<Timestamp> caller_rtp_after_settle_first_;
  Timestamp caller_rtp_last_{};
};

}  // namespace parrot::media::stats
