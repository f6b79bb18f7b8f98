// What a Jingle negotiation settled, as plain values in Jingle's own terms:
// the peer's side of one ICE-UDP transport (credentials, candidates, the
// XEP-0320 fingerprint and parrot's setup role, rtcp-mux) and one RTP
// stream's parameters (payload types, SSRCs, feedback, header extension
// ids). answer.hpp and offer.hpp produce them; bot/call turns them into a
// transport::CallTransportConfig and a media::echo::StreamConfig, so the
// Jingle library links no ICE, DTLS, SRTP or codec library.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/jingle/fingerprint.hpp"

namespace parrot::bot::jingle {

// The DTLS side of an ICE-UDP transport (XEP-0320).
struct NegotiatedDtls {
  // parrot's own setup: kActive is the DTLS client, kPassive the server
  // (RFC 5763 §5). Never actpass or holdconn once negotiated; kActpass
  // stands for "not known yet" in a call parrot offers, before the answer.
  DtlsSetup setup = DtlsSetup::kActive;
  std::string peer_hash = "sha-256";  // RFC 4572 §5 hash function name
  std::string peer_fingerprint;       // "AB:CD:…"; empty until the answer in a call parrot offers
  friend bool operator==(const NegotiatedDtls&, const NegotiatedDtls&) = default;
};

enum class StreamMedia { kAudio, kVideo };

// One RTP stream as negotiated: what the echo needs to know of it.
struct NegotiatedStream {
  StreamMedia media = StreamMedia::kAudio;
  std::uint32_t clock_rate_hz = 48000;
  std::vector<std::uint8_t> payload_types;  // the peer's ids, echoed unchanged
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
  friend bool operator==(const NegotiatedStream&, const NegotiatedStream&) = default;
};

}  // namespace parrot::bot::jingle
