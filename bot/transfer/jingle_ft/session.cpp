#include "bot/transfer/jingle_ft/session.hpp"

#include <utility>

namespace parrot::bot::transfer::jingle_ft {

using jingle::Action;
using jingle::JingleError;
using jingle::SessionState;

namespace {

FtDecision fail(JingleError error) {
  FtDecision decision;
  decision.error = jingle::ErrorReply{error, {}};
  return decision;
}

FtDecision step(FtDecision::Step what) {
  FtDecision decision;
  decision.step = what;
  return decision;
}

}  // namespace

jingle::ErrorReply tie_break() { return jingle::ErrorReply{JingleError::kTieBreak, {}}; }
jingle::ErrorReply unknown_session() { return jingle::ErrorReply{JingleError::kUnknownSession, {}}; }

FtSession::FtSession(std::string sid, std::string peer, std::string initiator)
    : sid_(std::move(sid)), peer_(std::move(peer)), initiator_(std::move(initiator)) {}

bool FtSession::accept() {
  if (state_ != SessionState::kPending) return false;
  state_ = SessionState::kActive;
  return true;
}

bool FtSession::end() {
  if (state_ == SessionState::kEnded) return false;
  state_ = SessionState::kEnded;
  return true;
}

FtDecision FtSession::handle(const FtJingle& jingle, const std::string& from) {
  if (from != peer_ || state_ == SessionState::kEnded) return fail(JingleError::kUnknownSession);
  if (!jingle.action) return step(FtDecision::Step::kAck);
  switch (*jingle.action) {
    case Action::kSessionInitiate: return fail(JingleError::kTieBreak);
    case Action::kSessionTerminate: {
      FtDecision decision = step(FtDecision::Step::kTerminated);
      decision.success = jingle.reason && jingle.reason->condition == jingle::ReasonCondition::kSuccess;
      decision.reason_text = jingle.reason ? std::string(jingle::to_string(jingle.reason->condition)) : "no reason";
      state_ = SessionState::kEnded;
      ended_by_peer_ = true;
      return decision;
    }
    case Action::kSessionInfo:
      if (jingle.other_info && jingle.checksums.empty() && !jingle.received) {
        return fail(JingleError::kUnsupportedInfo);
      }
      return step(FtDecision::Step::kSessionInfo);
    case Action::kTransportReplace: return step(FtDecision::Step::kTransportReplace);
    case Action::kTransportInfo: return step(FtDecision::Step::kTransportInfo);
    // session-accept, content-*, description-info, security-info,
    // transport-accept/-reject: nothing a receiver expects; acknowledged.
    case Action::kContentAccept:
    case Action::kContentAdd:
    case Action::kContentModify:
    case Action::kContentReject:
    case Action::kContentRemove:
    case Action::kDescriptionInfo:
    case Action::kSecurityInfo:
    case Action::kSessionAccept:
    case Action::kTransportAccept:
    case Action::kTransportReject: break;
  }
  return step(FtDecision::Step::kAck);
}

}  // namespace parrot::bot::transfer::jingle_ft
