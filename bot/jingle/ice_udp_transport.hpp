// XEP-0176 <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'>:
// credentials, candidates, an optional remote-candidate, and the XEP-0320
// DTLS fingerprint that gloox's own ICEUDP plugin drops.
#pragma once

#include <gloox/tag.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bot/jingle/fingerprint.hpp"
#include "bot/jingle/parse_result.hpp"
#include "transport/ice/ice_candidate.hpp"

namespace parrot::bot::jingle {

struct RemoteCandidate {  // XEP-0176 §7.2, sent by the controlling agent
  std::uint8_t component = 1;
  std::string ip;
  std::uint16_t port = 0;
  friend bool operator==(const RemoteCandidate&, const RemoteCandidate&) = default;
};

struct IceUdpTransport {
  // Hostile-input cap on <candidate/> elements, skipped ones included: a real
  // offer has a handful per component (Dino: 2 components × host/srflx/relay
  // × families); 64 leaves room and bounds the work per stanza.
  static constexpr std::size_t kMaxCandidates = 64;

  std::string ufrag;  // empty = absent (allowed in transport-info; Movim sends pwd late)
  std::string pwd;
  std::vector<transport::IceCandidate> candidates;  // only those parrot can use
  // Candidates refused by transport::parse_candidate (TCP, mDNS ".local",
  // bad numbers): not an error, since XEP-0176 peers may offer what we cannot
  // use; counted so the call report can say so.
  std::size_t skipped_candidates = 0;
  std::optional<RemoteCandidate> remote_candidate;
  std::optional<Fingerprint> fingerprint;
  std::vector<std::string> ice_options;  // Conversations' draft: "trickle", "renomination"

  // Errors: more than kMaxCandidates candidates, a malformed fingerprint or
  // remote-candidate. Unknown children and attributes are ignored.
  static ParseResult<IceUdpTransport> parse(const gloox::Tag& tag);
  // A new root element owned by the caller. Writes ufrag/pwd when set, the
  // fingerprint, then the candidates (XEP-0176 attribute order).
  std::unique_ptr<gloox::Tag> to_tag() const;

  friend bool operator==(const IceUdpTransport&, const IceUdpTransport&) = default;
};

}  // namespace parrot::bot::jingle
