// XEP-0166 §6 lifecycle of ONE file-transfer session, parrot the responder,
// as a pure state machine beside the calls' jingle::Session: a parsed
// FtJingle and the sender's full JID go in, a Decision comes out (the error
// to answer, or an ack and what the action asks of the manager). No gloox
// IQ plumbing, no clock, no I/O; JingleTransfers maps a Decision to
// replies and to its transfers.
//
//   FtSession session(sid, from, initiator);   // a session-initiate was taken
//   … session.accept();                        // after sending session-accept
//   const auto decision = session.handle(next, from);
//
// It reads actions, sids and JIDs only, never a description or transport:
// what a content carries (XEP-0234 files, or another application such as
// Google Talk's share) is the manager's business, so one state machine
// serves every Jingle transfer application.
#pragma once

#include <optional>
#include <string>

#include "bot/jingle/jingle.hpp"
#include "bot/jingle/session.hpp"
#include "bot/transfer/jingle_ft/elements.hpp"

namespace parrot::bot::transfer::jingle_ft {

// What one incoming <jingle/> asks for. With `error` set nothing else is
// set and the session did not change.
struct FtDecision {
  enum class Step {
    kAck,               // acknowledged, nothing to do (session-accept, content-*, description-info, …)
    kTerminated,        // the sender ended the session; `success` says whether with reason success
    kSessionInfo,       // checksums (possibly none) to take
    kTransportReplace,  // XEP-0260 §2.6 fallback: answer transport-accept or -reject per content
    kTransportInfo,     // XEP-0260 candidate-used / -error / activated / proxy-error
  };
  std::optional<jingle::ErrorReply> error;
  Step step = Step::kAck;
  bool success = false;     // kTerminated: the sender's reason was success
  std::string reason_text;  // kTerminated: the condition's name, or "no reason"

  bool ack() const noexcept { return !error.has_value(); }
};

class FtSession {
 public:
  // A session-initiate from `peer` (full JID) that parrot takes; pending
  // until accept().
  FtSession(std::string sid, std::string peer, std::string initiator);

  // Local transitions; false (and no change) when not allowed now.
  bool accept();  // pending → active (session-accept sent)
  bool end();     // any state but ended → ended (terminate sent or received)

  // One incoming <jingle/> for this session's sid. Another JID than the
  // peer's, or any action after the end, is an unknown-session (XEP-0166
  // §7.2.2: a sid is only the peer's); a session-initiate again is a
  // tie-break; a session-info with only payloads parrot does not know is
  // unsupported-info (XEP-0166 §7.2.16).
  FtDecision handle(const FtJingle& jingle, const std::string& from);

  jingle::SessionState state() const noexcept { return state_; }
  const std::string& sid() const noexcept { return sid_; }
  const std::string& peer() const noexcept { return peer_; }
  const std::string& initiator() const noexcept { return initiator_; }
  bool ended_by_peer() const noexcept { return ended_by_peer_; }

 private:
  jingle::SessionState state_ = jingle::SessionState::kPending;
  std::string sid_;
  std::string peer_;
  std::string initiator_;
  bool ended_by_peer_ = false;  // no <received/> into a terminated session
};

// The error for a session-initiate whose sid is already running
// (XEP-0166 §7.2.10 tie-break).
jingle::ErrorReply tie_break();
// The error for an action on a sid nobody here runs.
jingle::ErrorReply unknown_session();

}  // namespace parrot::bot::transfer::jingle_ft
