// The SDP the concurrent-calls benchmark exchanges with Janus's EchoTest: an
// offer built from one caller's ICE credentials, candidates and DTLS
// fingerprint (what a browser would send, reduced to one BUNDLEd m-line),
// and the few attributes of Janus's answer the caller needs (RFC 8839 ICE,
// RFC 8122 fingerprint, RFC 5763 setup). Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "transport/ice/ice_candidate.hpp"

namespace parrot::bench {

struct SdpOffer {
  std::string ufrag;
  std::string pwd;
  std::string fingerprint_sha256;  // "AB:CD:…"
  std::vector<transport::IceCandidate> candidates;
  std::uint32_t ssrc = 0;
  std::string cname;
  // Opus 111 (audio) or VP8 96 with NACK, PLI and FIR feedback (video), as
  // the callers send them.
  bool video = false;
  // RFC 6464 ssrc-audio-level extension id the callers write; 0: none.
  std::uint8_t audio_level_id = 0;
};

std::string build_sdp_offer(const SdpOffer& offer);

struct SdpAnswer {
  std::string ufrag;
  std::string pwd;
  std::string fingerprint_sha256;
  std::string setup;  // "active" when Janus takes the DTLS client's part
  // UDP candidates only; others (TCP, unparsable) are skipped.
  std::vector<transport::IceCandidate> candidates;
};

// nullopt unless the answer names ICE credentials and a sha-256
// fingerprint. Never throws except std::bad_alloc.
std::optional<SdpAnswer> parse_sdp_answer(std::string_view sdp);

// "candidate:…" (without "a="), RFC 8839 §5.1 grammar.
std::string sdp_candidate(const transport::IceCandidate& candidate);
std::optional<transport::IceCandidate> parse_sdp_candidate(std::string_view attribute);

}  // namespace parrot::bench
