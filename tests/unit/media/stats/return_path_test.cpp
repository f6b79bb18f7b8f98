// The caller's RTCP read as evidence of whether parrot's packets arrive:
// 50 packets a second from parrot, the caller's reports every second.
#include "media/stats/return_path.hpp"

#include <gtest/gtest.h>

namespace parrot::media::stats {
namespace {

using namespace std::chrono_literals;

struct Call {
  ReturnPathMonitor monitor;
  Timestamp now = timestamp_ms(1000);

  std::uint32_t sent = 0;
  std::uint32_t caller_highest = 1000;  // what the caller last heard
  bool ever_heard = false;

  // `seconds` of a call: parrot sends every 20 ms, the caller sends RTP every
  // 20 ms and (if `rtcp`) a report each second. The caller hears parrot's
  // packets while `heard`; its block then names the newest one. When it
  // stops hearing, `frozen` keeps the block with the last sequence number
  // heard (aiortc), else the block goes (libwebrtc, after a while).
  void run(int seconds, bool heard, bool rtcp = true, bool parrot_sends = true, bool frozen = false) {
    for (int ms = 0; ms < seconds * 1000; ms += 20) {
      now += 20ms;
      if (parrot_sends) {
        monitor.on_sent(now);
        ++sent;
        if (heard) {
          caller_highest = 1000 + sent;
          ever_heard = true;
        }
      }
      monitor.on_caller_rtp(now);
      if (!rtcp || ms % 1000 != 0) continue;
      const bool block = ever_heard && (heard || frozen);
      monitor.on_caller_report(now, block ? std::optional<std::uint32_t>(caller_highest) : std::nullopt);
    }
  }
};

TEST(ReturnPath, ReportsAboutParrotMeanTheCallerHears) {
  Call call;
  call.run(10, true);
  const auto s = call.monitor.snapshot();
  EXPECT_EQ(s.hearing, Hearing::kHears);
  EXPECT_EQ(s.lost_to_end, 0u);
  EXPECT_GE(s.caller_reports_about_parrot, 9u);
  ASSERT_TRUE(s.last_report_s);
  EXPECT_NEAR(*s.last_report_s, 9.0, 0.1);
}

TEST(ReturnPath, ReportsWithoutABlockMeanTheCallerHeardNothing) {
  Call call;
  call.run(15, false);
  const auto s = call.monitor.snapshot();
  EXPECT_EQ(s.hearing, Hearing::kHeardNothing);
  EXPECT_EQ(s.caller_reports_about_parrot, 0u);
  EXPECT_GE(s.caller_reports, ReturnPathMonitor::kReportsToDecide);
  EXPECT_EQ(s.lost_to_end, 750u);
  EXPECT_FALSE(s.last_report_s);
}

// libwebrtc's video compounds come every second without an audio block;
// its audio report may be 7.5 s away. Ten seconds of them decide nothing.
TEST(ReturnPath, ReportsWithoutABlockForLessThanTheSpanAreNotYetEvidence) {
  Call call;
  call.run(12, false);
  EXPECT_EQ(call.monitor.snapshot().hearing, Hearing::kUnknown);
}

TEST(ReturnPath, PacketsTheTransportCouldNotSendAreNotLostOnTheWay) {
  Call call;
  call.run(15, false);
  for (int i = 0; i < 100; ++i) call.monitor.on_not_sent();  // counted drops.not_sent instead
  EXPECT_EQ(call.monitor.snapshot().lost_to_end, 650u);
}

// The first reports can predate parrot's first packet reaching the caller.
TEST(ReturnPath, TooEarlyToTell) {
  Call call;
  call.run(3, false);
  EXPECT_EQ(call.monitor.snapshot().hearing, Hearing::kUnknown);
  Call short_call;
  short_call.run(4, false);
  EXPECT_EQ(short_call.monitor.snapshot().hearing, Hearing::kUnknown);
}

TEST(ReturnPath, BlocksThatStopWhileParrotSendsAreLossToTheEnd) {
  Call call;
  call.run(10, true);
  call.run(11, false);
  const auto s = call.monitor.snapshot();
  EXPECT_EQ(s.hearing, Hearing::kStoppedHearing);
  // Everything after the last report on parrot, give or take a second.
  EXPECT_GE(s.lost_to_end, 550u);
  EXPECT_LE(s.lost_to_end, 600u);
}

// A caller that reports on parrot every 5 s (libwebrtc's audio) is not
// taken for one that stopped hearing when the call ends 8 s after its
// last report: the gap allowed is twice the longest seen.
TEST(ReturnPath, ASlowReporterIsJudgedByItsOwnInterval) {
  ReturnPathMonitor monitor;
  Timestamp now = timestamp_ms(0);
  std::uint32_t highest = 0;
  for (int ms = 0; ms <= 20'000; ms += 20) {
    now += std::chrono::milliseconds(20);
    monitor.on_sent(now);
    ++highest;
    if (ms % 1000 == 0) monitor.on_caller_report(now, std::nullopt);  // video compounds
    if (ms % 5000 == 0) monitor.on_caller_report(now, highest);       // the audio report
  }
  for (int ms = 0; ms < 9'000; ms += 20) {  // the call ends 9 s after the last audio report
    now += std::chrono::milliseconds(20);
    monitor.on_sent(now);
    if (ms % 1000 == 0) monitor.on_caller_report(now, std::nullopt);
  }
  EXPECT_EQ(monitor.snapshot().hearing, Hearing::kHears);
}

// libwebrtc stops reporting a source it has not heard for a while; if parrot
// itself stopped sending (the caller's video paused), that is not loss.
TEST(ReturnPath, BlocksFrozenWhileParrotSendsAreLossToTheEnd) {
  Call call;
  call.run(10, true);
  call.run(11, false, true, true, true);
  const auto s = call.monitor.snapshot();
  EXPECT_EQ(s.hearing, Hearing::kStoppedHearing);
  // The first frozen block still advanced: it names the last packet heard.
  EXPECT_GE(s.lost_to_end, 549u);
  EXPECT_LE(s.lost_to_end, 600u);
}

TEST(ReturnPath, ReportsThatStopWhenParrotStopsAreNotLoss) {
  Call call;
  call.run(10, true);
  call.run(10, false, true, false);
  EXPECT_EQ(call.monitor.snapshot().hearing, Hearing::kHears);
  Call frozen;
  frozen.run(10, true);
  frozen.run(10, false, true, false, true);
  EXPECT_EQ(frozen.monitor.snapshot().hearing, Hearing::kHears);
}

TEST(ReturnPath, AShortGapInReportsIsNotLoss) {
  Call call;
  call.run(10, true);
  call.run(2, false);
  call.run(5, true);
  EXPECT_EQ(call.monitor.snapshot().hearing, Hearing::kHears);
}

TEST(ReturnPath, NoRtcpAtAllWhileTheCallerSends) {
  Call call;
  call.run(20, false, false);
  EXPECT_EQ(call.monitor.snapshot().hearing, Hearing::kNoRtcp);
  Call brief;
  brief.run(10, false, false);
  EXPECT_EQ(brief.monitor.snapshot().hearing, Hearing::kUnknown);
}

TEST(ReturnPath, NothingSentNothingToTell) {
  Call call;
  call.run(20, false, true, false);
  EXPECT_EQ(call.monitor.snapshot().hearing, Hearing::kUnknown);
}

}  // namespace
}  // namespace parrot::media::stats
