// FtSession: the XEP-0166 lifecycle of a file-transfer session, parrot the
// responder, on parsed FtJingle values.
#include "bot/transfer/jingle_ft/session.hpp"

#include <gtest/gtest.h>

namespace parrot::bot::transfer::jingle_ft {
namespace {

using ::parrot::bot::jingle::Action;
using ::parrot::bot::jingle::JingleError;
using ::parrot::bot::jingle::Reason;
using ::parrot::bot::jingle::ReasonCondition;
using ::parrot::bot::jingle::SessionState;

constexpr const char* kPeer = "sender@example.org/phone";

FtJingle stanza(std::optional<Action> action) {
  FtJingle jingle;
  jingle.action = action;
  jingle.sid = "s1";
  return jingle;
}

FtSession accepted() {
  FtSession session("s1", kPeer, kPeer);
  EXPECT_TRUE(session.accept());
  return session;
}

TEST(FtSession, PendingUntilAcceptedThenActiveThenEnded) {
  FtSession session("s1", kPeer, "sender@example.org");
  EXPECT_EQ(session.state(), SessionState::kPending);
  EXPECT_EQ(session.initiator(), "sender@example.org");
  EXPECT_TRUE(session.accept());
  EXPECT_FALSE(session.accept());
  EXPECT_EQ(session.state(), SessionState::kActive);
  EXPECT_TRUE(session.end());
  EXPECT_FALSE(session.end());
  EXPECT_FALSE(session.ended_by_peer());
}

TEST(FtSession, EachActionTakesItsStep) {
  struct Row {
    std::optional<Action> action;
    FtDecision::Step step;
  };
  const Row rows[] = {
      {Action::kTransportInfo, FtDecision::Step::kTransportInfo},
      {Action::kTransportReplace, FtDecision::Step::kTransportReplace},
      {Action::kSessionInfo, FtDecision::Step::kSessionInfo},
      {Action::kSessionAccept, FtDecision::Step::kAck},
      {Action::kContentAdd, FtDecision::Step::kAck},
      {Action::kDescriptionInfo, FtDecision::Step::kAck},
      {Action::kTransportAccept, FtDecision::Step::kAck},
      {std::nullopt, FtDecision::Step::kAck},  // an action XEP-0166 does not define
  };
  for (const Row& row : rows) {
    FtSession session = accepted();
    const FtDecision decision = session.handle(stanza(row.action), kPeer);
    ASSERT_TRUE(decision.ack());
    EXPECT_EQ(decision.step, row.step);
    EXPECT_EQ(session.state(), SessionState::kActive);
  }
}

TEST(FtSession, AnotherJidIsAnUnknownSession) {
  FtSession session = accepted();
  const FtDecision decision = session.handle(stanza(Action::kSessionTerminate), "sender@example.org/laptop");
  ASSERT_TRUE(decision.error.has_value());
  EXPECT_EQ(decision.error->jingle, JingleError::kUnknownSession);
  EXPECT_EQ(session.state(), SessionState::kActive);
}

TEST(FtSession, ASecondInitiateIsATieBreak) {
  FtSession session = accepted();
  const FtDecision decision = session.handle(stanza(Action::kSessionInitiate), kPeer);
  ASSERT_TRUE(decision.error.has_value());
  EXPECT_EQ(decision.error->jingle, JingleError::kTieBreak);
}

TEST(FtSession, TheSendersTerminateEndsIt) {
  FtSession session = accepted();
  FtJingle terminate = stanza(Action::kSessionTerminate);
  terminate.reason = Reason{ReasonCondition::kSuccess, {}, {}};
  const FtDecision decision = session.handle(terminate, kPeer);
  ASSERT_TRUE(decision.ack());
  EXPECT_EQ(decision.step, FtDecision::Step::kTerminated);
  EXPECT_TRUE(decision.success);
  EXPECT_EQ(decision.reason_text, "success");
  EXPECT_EQ(session.state(), SessionState::kEnded);
  EXPECT_TRUE(session.ended_by_peer());
  // Nothing more is taken for it.
  EXPECT_EQ(session.handle(stanza(Action::kTransportInfo), kPeer).error->jingle, JingleError::kUnknownSession);
}

TEST(FtSession, ATerminateWithoutReasonIsNoSuccess) {
  FtSession session = accepted();
  const FtDecision decision = session.handle(stanza(Action::kSessionTerminate), kPeer);
  EXPECT_FALSE(decision.success);
  EXPECT_EQ(decision.reason_text, "no reason");
}

TEST(FtSession, SessionInfoWithOnlyUnknownPayloadsIsUnsupported) {
  FtSession session = accepted();
  FtJingle info = stanza(Action::kSessionInfo);
  info.other_info = true;
  EXPECT_EQ(session.handle(info, kPeer).error->jingle, JingleError::kUnsupportedInfo);
  info.received = true;  // beside a <received/>, the unknown one is ignored
  EXPECT_TRUE(session.handle(info, kPeer).ack());
  FtJingle ping = stanza(Action::kSessionInfo);  // an empty one is a ping
  EXPECT_EQ(session.handle(ping, kPeer).step, FtDecision::Step::kSessionInfo);
}

}  // namespace
}  // namespace parrot::bot::transfer::jingle_ft
