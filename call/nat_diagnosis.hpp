// What the call's candidates say about the caller's NAT and network, and
// what to fix: the report's "nat" object (docs/reports.md, docs/nat.md).
//
// The evidence is what both sides signalled and the pair ICE selected. The
// caller's srflx candidates are where its STUN server saw it; the selected
// pair's remote address is where parrot saw it. The same address for both
// is an endpoint-independent mapping (RFC 4787 §4.1, "REQ-1"); the same IP
// with another port is a NAT that maps per destination (a symmetric NAT),
// which parrot can reach only because it is public itself. Nothing is
// guessed: without a srflx to compare with, the mapping is "unknown".
//
// Pure: no sockets, no clock.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "transport/call/call_transport.hpp"
#include "transport/ice/ice_candidate.hpp"

namespace parrot::call {

enum class NatMapping { kNone, kEndpointIndependent, kAddressDependent, kUnknown };
enum class UdpReach { kOk, kBlocked, kUnknown };
enum class MediaPath { kDirect, kRelay, kNone };

// "none", "endpoint-independent", "address-dependent", "unknown"
std::string_view to_string(NatMapping mapping) noexcept;
// "ok", "blocked", "unknown"
std::string_view to_string(UdpReach udp) noexcept;
// "direct", "relay", "none"
std::string_view to_string(MediaPath path) noexcept;

// What the diagnosis reads: the call's signalling and its first transport.
struct NatEvidenceInput {
  std::vector<transport::IceCandidate> caller_candidates;  // as signalled, component 1
  std::vector<transport::IceCandidate> parrot_candidates;  // parrot's own, as signalled, component 1
  std::optional<transport::SelectedPair> selected;         // ICE's pair, if it connected
  bool connected = false;
  bool tried = false;  // a transport existed (not a call that ended while ringing)
  std::string public_address;  // parrot's --public-address, empty if none
  // Why the first transport failed, if it did (a failure on parrot's own
  // side is not the caller's network).
  transport::TransportFailure failure = transport::TransportFailure::kNone;
  // Media flowed one way only (the report's ONE-WAY): which way.
  enum class OneWay { kNo, kCallerToParrotLost, kParrotToCallerLost } one_way = OneWay::kNo;
};

struct NatDiagnosis {
  std::string verdict;      // a short label: "no NAT", "symmetric NAT, direct path", ...
  std::string explanation;  // one sentence for the caller
  NatMapping mapping = NatMapping::kUnknown;
  UdpReach udp = UdpReach::kUnknown;
  MediaPath path = MediaPath::kNone;
  std::string advice;  // empty, or one or two sentences saying what to fix
  bool advises_turn = false;  // the advice already says what a TURN server is needed for
  bool parrot_behind_nat = false;
  // "ip:port" strings, for the report's evidence.
  std::vector<std::string> caller_host, caller_srflx, caller_relay;
  std::optional<std::string> seen_at_parrot, parrot_address;
  std::string parrot_mapped;  // parrot's own public address as the caller's side saw it
};

NatDiagnosis diagnose_nat(const NatEvidenceInput& input);

// "192.0.2.1:3478", "[2001:db8::1]:3478"
std::string endpoint(const std::string& ip, std::uint16_t port);

// RFC 1918, RFC 6598 shared space, link-local, loopback, IPv6 ULA and
// link-local: addresses no one reaches from the Internet.
bool is_private_address(std::string_view ip);

}  // namespace parrot::call
