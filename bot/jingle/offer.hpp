// The offer parrot makes when it places a call ("!callme"), and what it
// takes from the callee's session-accept, as pure data like answer.hpp.
//
//   OfferPlan offer = plan_offer(options);            // parrot's streams
//   offer.set_local_ice({ufrag, pwd, candidates});    // once the agent exists
//   send(offer.initiate);
//   … session-accept arrives …
//   AcceptedOffer accepted = read_answer(offer, accept);
//   if (accepted.error) terminate(accepted.error->condition, accepted.error->text);
//
// The offer is what every client in docs/client-quirks.md#calls answers: Opus
// (111, 48000/2, useinbandfec) and, with video, VP8 (96) with nack, nack pli
// and ccm fir; rtcp-mux; one XEP-0339 source per content; the contents in
// one BUNDLE group on one ICE-UDP transport (max-bundle, as browsers and
// Movim do); XEP-0320 fingerprint with setup='actpass' (RFC 5763 §5: the
// offerer lets the answerer choose). No header extensions: parrot's signal
// carries none and its echo copies the caller's unchanged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/jingle/answer.hpp"
#include "bot/jingle/jingle.hpp"

namespace parrot::bot::jingle {

struct OfferOptions {
  std::string sid;        // the JMI propose id, when there was one (XEP-0353 §3.2)
  std::string initiator;  // parrot's full JID
  bool video = false;
  std::string fingerprint_sha256;  // parrot's certificate, "AB:CD:…"
  std::string cname = "parrot";
  std::uint32_t ssrc_seed = 1;
};

struct OfferPlan {
  Jingle initiate;                  // session-initiate; credentials empty until set_local_ice
  std::vector<StreamPlan> streams;  // parrot's side, all on transport 0
  std::vector<std::string> contents() const;  // "audio" (, "video")
  void set_local_ice(const LocalIce& ice);    // into every content (one BUNDLE transport)
};

OfferPlan plan_offer(const OfferOptions& options);

// What the callee's session-accept settles. The transport's credentials,
// candidates and fingerprint come through Session::handle's TransportUpdate.
struct AcceptedOffer {
  struct Error {
    ReasonCondition condition = ReasonCondition::kIncompatibleParameters;
    std::string text;  // for the session-terminate and the caller's report
  };
  std::optional<Error> error;
  // parrot's setup, the opposite of the answer's.
  parrot::call::DtlsSetup setup = parrot::call::DtlsSetup::kActive;
  // The accepted contents' streams: the answer's payload types (by id, those
  // parrot offered), the callee's SSRC, and the feedback both sides named.
  std::vector<StreamPlan> streams;
};

// Errors: no content parrot offered; several contents not in one BUNDLE
// group; no rtcp-mux; no fingerprint (parrot offered DTLS); setup
// 'actpass' or 'holdconn' (RFC 5763 §5: the answerer must choose); no
// payload type parrot offered.
AcceptedOffer read_answer(const OfferPlan& offer, const Jingle& accept);

}  // namespace parrot::bot::jingle
