// XEP-0176 ICE-UDP candidates as plain values: the attributes of one
// <candidate/> element (XEP-0176 §5.2, semantics in RFC 8445 §5.1), parsed
// from the strings the XML layer hands over and validated before anything
// reaches libnice. No XML and no libnice here, so bot/ and the fuzzer can use
// it directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parrot::transport {

enum class IceCandidateType { kHost, kServerReflexive /*srflx*/, kPeerReflexive /*prflx*/, kRelayed /*relay*/ };

// "host", "srflx", "prflx", "relay" (the XEP-0176 `type` values).
std::string_view to_string(IceCandidateType type) noexcept;

struct IceCandidate {
  std::string foundation;
  std::uint8_t component = 1;
  std::uint32_t generation = 0;
  std::string id;
  std::string ip;
  std::uint16_t port = 0;
  std::uint32_t priority = 0;
  std::string protocol = "udp";
  IceCandidateType type = IceCandidateType::kHost;
  std::string rel_addr;  // empty = absent
  std::uint16_t rel_port = 0;
  std::uint32_t network = 0;

  friend bool operator==(const IceCandidate&, const IceCandidate&) = default;
};

struct CandidateParseResult {
  std::optional<IceCandidate> candidate;
  std::string error;  // empty when `candidate` is set
};

using CandidateAttributes = std::vector<std::pair<std::string, std::string>>;

// Parses the attributes of one <candidate/> (names as in XEP-0176: foundation,
// component, generation, id, ip, port, priority, protocol, type, rel-addr,
// rel-port, network). Unknown attributes are ignored; a repeated one is an
// error.
//
// Required: foundation (1-32 ice-chars, RFC 8445 §15.1), component (1..255:
// XEP-0176 allows 256 but the field is 8 bits and no client uses more than
// 2), ip (an IPv4 or IPv6 literal; hostnames, mDNS ".local" names and IPv6
// zone ids are refused), port (1..65535), priority (1..2^32-1; RFC 8445 §5.1.2
// gives no meaning to 0 and libnice 0.1.21 would accept it), protocol ("udp",
// any case, stored lower case), type (host/srflx/prflx/relay).
// Lenient on purpose: generation, id and network are REQUIRED or common in
// XEP-0176 but do not affect connectivity, so they default to 0 / "" / 0 when
// absent. rel-addr must be an IP literal when present; rel-port (0..65535) is
// kept only together with rel-addr. Numbers are plain decimal digits.
// Never throws except std::bad_alloc.
CandidateParseResult parse_candidate(const CandidateAttributes& attributes);

// The attributes to serialize `candidate` as a <candidate/>, in XEP-0176
// order; rel-addr/rel-port only when rel_addr is set. parse_candidate() of the
// result yields `candidate` again for every candidate it produced.
CandidateAttributes candidate_attributes(const IceCandidate& candidate);

// True for an IPv4 or IPv6 literal (no zone id, no brackets).
bool is_ip_literal(std::string_view text);

}  // namespace parrot::transport
