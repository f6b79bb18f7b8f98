// What a Jingle negotiation settled, as plain values: the peer's side of
// one ICE-UDP transport (credentials, candidates, the XEP-0320 fingerprint
// and parrot's DTLS setup, rtcp-mux as a component count) and one RTP
// stream's parameters (payload types, SSRCs, feedback, header extension
// ids). bot/jingle fills them; call/negotiated_setup.hpp turns them into a
// CallTransportConfig and echo StreamConfigs.
//
// Header-only and plain on purpose: the one call/ header bot/jingle
// includes, so negotiation links no ICE, DTLS, SRTP or codec library.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "transport/ice/ice_candidate.hpp"

namespace parrot::call {

// parrot's XEP-0320 setup once negotiated (RFC 5763 §5): active is the
// DTLS client, passive the server.
enum class DtlsSetup { kActive, kPassive };

struct NegotiatedDtls {
  DtlsSetup setup = DtlsSetup::kActive;
  std::string peer_hash = "sha-256";  // RFC 4572 §5 hash function name
  std::string peer_fingerprint;       // "AB:CD:…"
  friend bool operator==(const NegotiatedDtls&, const NegotiatedDtls&) = default;
};

// The peer's side of one transport: a BUNDLE group, or one content.
struct NegotiatedTransport {
  unsigned components = 1;  // 1 when rtcp-mux is accepted, else 2 (RTP + RTCP)
  // nullopt: the offer had no fingerprint, so plain RTP.
  std::optional<NegotiatedDtls> dtls;
  std::string remote_ufrag;
  std::string remote_pwd;
  // Usable candidates for components ≤ `components` (Dino offers
  // component 2 even when it accepts mux).
  std::vector<transport::IceCandidate> remote_candidates;
  friend bool operator==(const NegotiatedTransport&, const NegotiatedTransport&) = default;
};

enum class StreamMedia { kAudio, kVideo };

// One RTP stream as negotiated: what the echo needs to know of it.
struct NegotiatedStream {
  StreamMedia media = StreamMedia::kAudio;
  std::uint32_t clock_rate_hz = 48000;
  std::vector<std::uint8_t> payload_types;   // the peer's ids, echoed unchanged
  std::optional<std::uint32_t> remote_ssrc;  // XEP-0339, when announced
  std::uint32_t local_ssrc = 0;
  // Negotiated XEP-0293 feedback.
  bool nack = false;
  bool pli = false;
  bool fir = false;
  bool transport_cc = false;
  bool remb = false;
  // XEP-0294 ids of the header extensions in use; 0 = not negotiated.
  std::uint8_t transport_sequence_extension_id = 0;
  std::uint8_t abs_send_time_extension_id = 0;
  std::uint8_t audio_level_extension_id = 0;  // RFC 6464: the probe reads the caller's levels
  friend bool operator==(const NegotiatedStream&, const NegotiatedStream&) = default;
};

}  // namespace parrot::call
