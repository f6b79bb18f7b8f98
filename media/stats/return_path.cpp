#include "media/stats/return_path.hpp"

#include <algorithm>

namespace parrot::media::stats {

std::string_view to_string(Hearing hearing) noexcept {
  switch (hearing) {
    case Hearing::kUnknown: return "unknown";
    case Hearing::kHears: return "hears";
    case Hearing::kHeardNothing: return "heard nothing";
    case Hearing::kStoppedHearing: return "stopped hearing";
    case Hearing::kNoRtcp: return "no rtcp";
  }
  return "unknown";
}

void ReturnPathMonitor::on_sent(Timestamp now) noexcept {
  if (sent_ == 0) first_sent_ = now;
  ++sent_;
  last_sent_ = now;
}

void ReturnPathMonitor::on_not_sent() noexcept {
  if (sent_ == 0) return;
  --sent_;
  sent_at_last_about_parrot_ = std::min(sent_at_last_about_parrot_, sent_);
}

void ReturnPathMonitor::on_caller_rtp(Timestamp now) noexcept {
  if (!settled(now)) return;
  if (!caller_rtp_after_settle_first_) caller_rtp_after_settle_first_ = now;
  caller_rtp_last_ = now;
}

void ReturnPathMonitor::on_caller_report(Timestamp now, std::optional<std::uint32_t> highest_sequence) noexcept {
  ++all_reports_;
  const bool advanced = highest_sequence && (!highest_sequence_ || *highest_sequence != *highest_sequence_);
  if (highest_sequence) highest_sequence_ = highest_sequence;
  if (settled(now)) {
    if (!first_settled_report_) first_settled_report_ = now;
    last_report_ = now;
  }
  if (advanced) {
    // A block counts whenever it comes: it proves the caller heard parrot.
    if (last_about_parrot_) longest_report_gap_ = std::max(longest_report_gap_, now - *last_about_parrot_);
    ++reports_about_parrot_;
    reports_since_last_about_parrot_ = 0;
    last_about_parrot_ = now;
    sent_at_last_about_parrot_ = sent_;
    if (settled(now)) ++reports_;
    return;
  }
  if (!settled(now)) return;
  ++reports_;
  ++reports_since_last_about_parrot_;
}

ReturnPathSnapshot ReturnPathMonitor::snapshot() const noexcept {
  ReturnPathSnapshot s;
  s.caller_reports = reports_;
  s.caller_reports_about_parrot = reports_about_parrot_;
  if (last_about_parrot_ && sent_ > 0) s.last_report_s = to_ms(*last_about_parrot_ - first_sent_) / 1000.0;
  if (sent_ == 0) return s;
  if (reports_about_parrot_ == 0) {
    if (reports_ >= kReportsToDecide && last_report_ - *first_settled_report_ >= kHeardNothingFor) {
      s.hearing = Hearing::kHeardNothing;
      s.lost_to_end = sent_;
    } else if (all_reports_ == 0 && caller_rtp_after_settle_first_ &&
               caller_rtp_last_ - *caller_rtp_after_settle_first_ >= kNoRtcpFor) {
      s.hearing = Hearing::kNoRtcp;
    }
    return s;
  }
  const std::uint64_t sent_after = sent_ - sent_at_last_about_parrot_;
  if (reports_since_last_about_parrot_ >= kReportsToDecide && sent_after >= kStoppedPackets &&
      last_sent_ - *last_about_parrot_ >= std::max(kStoppedFor, 2 * longest_report_gap_)) {
    s.hearing = Hearing::kStoppedHearing;
    s.lost_to_end = sent_after;
    return s;
  }
  s.hearing = Hearing::kHears;
  return s;
}

}  // namespace parrot::media::stats
