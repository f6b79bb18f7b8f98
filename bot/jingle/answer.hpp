// The answer parrot gives to a Jingle RTP offer (a session-initiate), as
// pure data: the session-accept to send, what was negotiated for each
// transport and each content (call/negotiated.hpp's plain values). No I/O;
// call/ turns those values into transports and an echo engine.
//
//   AnswerPlan plan = plan_answer(offer, options);
//   if (!plan.ok()) send_terminate(*plan.error);          // nothing usable
//   for (i…) transports[i] = a call transport configured from plan.transports[i];
//   plan.set_local_ice(i, {transports[i].local_credentials(), {}});  // without BUNDLE
//   send(plan.accept);  then content-reject each of plan.rejected
//
// The rules (docs/client-quirks.md#calls), each chosen so that
// every client in the research accepts the answer and the echo works:
// * Every usable content is accepted with its name and creator. A content
//   whose description is not RTP audio/video is rejected with
//   unsupported-applications, a non-ICE-UDP transport with
//   unsupported-transports, RTP without a payload type parrot can echo with
//   failed-application.
// * Senders: the offered value is kept. XEP-0166 §7.3 lets only a
//   content-modify change it, and Dino's one-way video (senders = the
//   initiator) would otherwise be refused; the contents where parrot would not
//   send are listed in `modify_to_both` so the caller sends content-modify
//   senders='both', which Dino accepts ("counterpart wants to start sending").
// * Payload types: all offered, with the caller's ids (the echo is
//   payload-agnostic), except 'rtx': parrot answers NACKs by resending the
//   original packet (media/echo/README.md), so no RTX stream and no FID
//   ssrc-group. In a BUNDLE, an id already used by an earlier content is
//   dropped (one EchoEngine demultiplexes the bundle by payload type).
// * rtcp-fb: nack, nack pli, ccm fir, goog-remb, and transport-cc when the
//   transport-wide sequence extension is answered too (what EchoEngine
//   implements): a libwebrtc caller's bandwidth estimate then runs on
//   parrot's feedback as toward any real peer (media/echo/README.md).
// * Header extensions (XEP-0294): those offered that parrot understands,
//   with the offer's ids — ssrc-audio-level, abs-send-time, the transport-wide
//   sequence number, sdes:mid (rtp_rules.hpp says why each is safe to echo);
//   extmap-allow-mixed when offered with any of them.
// * <rtcp-mux/> when offered; BUNDLE (XEP-0338) when offered, with the
//   accepted names. One XEP-0339 <source> with parrot's own SSRC and cname
//   per content; no msid (docs/client-quirks.md#movim-calls), no <encryption> (docs/client-quirks.md#dino-calls).
// * DTLS (XEP-0320): setup 'active' for an offer of actpass or passive (and
//   holdconn), 'passive' for active. No fingerprint offered (Gajim, Pidgin)
//   → plain RTP, and parrot sends no fingerprint either.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/jingle/jingle.hpp"
#include "call/negotiated.hpp"
#include "transport/ice/ice_candidate.hpp"

namespace parrot::bot::jingle {

using parrot::call::NegotiatedStream;
using parrot::call::StreamMedia;

// parrot's side of one ICE-UDP transport.
struct LocalIce {
  std::string ufrag;
  std::string pwd;
  std::vector<transport::IceCandidate> candidates;  // may be empty: trickled later
};

struct AnswerOptions {
  std::string responder;  // parrot's full JID for the responder attribute; empty = omitted
  LocalIce ice;           // written into every transport until set_local_ice() replaces it
  std::string fingerprint_sha256;  // parrot's certificate, "AB:CD:…" (RFC 4572 §5)
  std::string cname = "parrot";    // XEP-0339 cname of parrot's sources
  // Seeds parrot's SSRCs (RFC 3550 §8.1: random). A generated SSRC is never
  // 0, nor one the offer announces, nor one given to another content.
  std::uint32_t ssrc_seed = 1;
};

// What was negotiated for one transport (the BUNDLE group, or one content
// when the offer does not bundle), and the contents on it. parrot answers,
// so its ICE agent is the controlled one (RFC 8445 §6.1.1).
struct TransportPlan : parrot::call::NegotiatedTransport {
  std::vector<std::string> contents;  // accepted content names on this transport
};

struct StreamPlan {
  std::string content;
  std::size_t transport = 0;  // index into AnswerPlan::transports
  NegotiatedStream config;
};

struct RejectedContent {
  Creator creator = Creator::kInitiator;
  std::string name;
  ReasonCondition reason = ReasonCondition::kUnsupportedApplications;
  friend bool operator==(const RejectedContent&, const RejectedContent&) = default;
};

struct AnswerPlan {
  // Set when no offered content is usable: the session-terminate reason
  // (unsupported-applications, unsupported-transports or
  // failed-application). Everything else is then empty.
  std::optional<ReasonCondition> error;
  Jingle accept;  // action session-accept (content-accept for a content-add offer)
  std::vector<TransportPlan> transports;
  std::vector<StreamPlan> streams;  // in the order of accept.contents
  std::vector<RejectedContent> rejected;  // answer with content-reject after the accept
  std::vector<std::string> modify_to_both;  // send content-modify senders='both' after the accept

  bool ok() const noexcept { return !error.has_value(); }
  // Writes parrot's credentials and candidates for transport `index` into
  // every content of `accept` that uses it. False for an unknown index.
  bool set_local_ice(std::size_t index, const LocalIce& ice);
};

// Never throws except std::bad_alloc; any parsed Jingle is acceptable input.
AnswerPlan plan_answer(const Jingle& offer, const AnswerOptions& options);

}  // namespace parrot::bot::jingle
