#include "call/nat_diagnosis.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

#include <fmt/format.h>

namespace parrot::call {

namespace {

using transport::IceCandidate;
using transport::IceCandidateType;

constexpr std::string_view kAnnounce = "your XMPP server can announce it with XEP-0215";

void add_unique(std::vector<std::string>& list, std::string value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
}

std::string ip_list(const std::vector<IceCandidate>& candidates, IceCandidateType type) {
  std::string out;
  for (const IceCandidate& c : candidates) {
    if (c.type != type) continue;
    const std::string e = endpoint(c.ip, c.port);
    if (out.find(e) != std::string::npos) continue;
    out += (out.empty() ? "" : ", ") + e;
  }
  return out;
}

// Where the caller's packets came from, compared with what it signalled.
NatMapping mapping_of(const IceCandidate& seen, const std::vector<IceCandidate>& caller) {
  const auto is = [&](IceCandidateType type, bool port_too) {
    return std::any_of(caller.begin(), caller.end(), [&](const IceCandidate& c) {
      return c.type == type && c.ip == seen.ip && (!port_too || c.port == seen.port);
    });
  };
  if (is(IceCandidateType::kHost, true)) return NatMapping::kNone;
  if (is(IceCandidateType::kServerReflexive, true)) return NatMapping::kEndpointIndependent;
  // The STUN server's IP but another port: the NAT made a new mapping for
  // parrot's address (RFC 4787 §4.1 address(-and-port)-dependent mapping).
  if (is(IceCandidateType::kServerReflexive, false)) return NatMapping::kAddressDependent;
  return NatMapping::kUnknown;
}

// RFC 5780 §4.3 in the caller's own candidates: two srflx from one base
// (rel-addr/rel-port) with different mapped ports, learnt from two STUN
// servers, mean the NAT maps per destination.
bool srflx_ports_differ(const std::vector<IceCandidate>& caller) {
  for (std::size_t i = 0; i < caller.size(); ++i) {
    const IceCandidate& a = caller[i];
    if (a.type != IceCandidateType::kServerReflexive || a.rel_addr.empty()) continue;
    for (std::size_t j = i + 1; j < caller.size(); ++j) {
      const IceCandidate& b = caller[j];
      if (b.type == IceCandidateType::kServerReflexive && b.rel_addr == a.rel_addr && b.rel_port == a.rel_port &&
          b.ip == a.ip && b.port != a.port)
        return true;
    }
  }
  return false;
}

// parrot can be reached from outside: one of its candidates is public.
bool parrot_reachable(const NatEvidenceInput& in) {
  return std::any_of(in.parrot_candidates.begin(), in.parrot_candidates.end(), [](const IceCandidate& c) {
    return c.type != IceCandidateType::kHost || !is_private_address(c.ip);
  });
}

void append(std::string& text, const std::string& sentence) {
  if (sentence.empty()) return;
  if (!text.empty()) text += ' ';
  text += sentence;
}

std::string symmetric_nat_advice(bool offered_relay) {
  return offered_relay ? "Calls between two people behind such NATs need a TURN server; your client offered one, good."
                       : fmt::format("Calls between two people behind such NATs need a TURN server; yours offered "
                                     "none: configure one ({}).",
                                     kAnnounce);
}

}  // namespace

std::string_view to_string(NatMapping mapping) noexcept {
  switch (mapping) {
    case NatMapping::kNone: return "none";
    case NatMapping::kEndpointIndependent: return "endpoint-independent";
    case NatMapping::kAddressDependent: return "address-dependent";
    case NatMapping::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string_view to_string(UdpReach udp) noexcept {
  switch (udp) {
    case UdpReach::kOk: return "ok";
    case UdpReach::kBlocked: return "blocked";
    case UdpReach::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string_view to_string(MediaPath path) noexcept {
  switch (path) {
    case MediaPath::kDirect: return "direct";
    case MediaPath::kRelay: return "relay";
    case MediaPath::kNone: return "none";
  }
  return "none";
}

std::string endpoint(const std::string& ip, std::uint16_t port) {
  return ip.find(':') == std::string::npos ? fmt::format("{}:{}", ip, port) : fmt::format("[{}]:{}", ip, port);
}

bool is_private_address(std::string_view ip) {
  const std::string text(ip);
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
    const unsigned a = bytes[0], b = bytes[1];
    return a == 10 || a == 127 || (a == 172 && (b & 0xF0) == 16) || (a == 192 && b == 168) ||
           (a == 100 && (b & 0xC0) == 64) || (a == 169 && b == 254);
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
    static constexpr std::array<unsigned char, 16> kLoopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return bytes == kLoopback || (bytes[0] & 0xFE) == 0xFC || (bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0x80);
  }
  return false;
}

NatDiagnosis diagnose_nat(const NatEvidenceInput& in) {
  NatDiagnosis d;
  const auto& caller = in.caller_candidates;
  for (const IceCandidate& c : caller) {
    const std::string e = endpoint(c.ip, c.port);
    if (c.type == IceCandidateType::kHost) add_unique(d.caller_host, e);
    if (c.type == IceCandidateType::kServerReflexive) add_unique(d.caller_srflx, e);
    if (c.type == IceCandidateType::kRelayed) add_unique(d.caller_relay, e);
  }
  const bool offered_srflx = !d.caller_srflx.empty();
  const bool offered_relay = !d.caller_relay.empty();
  const bool connected = in.connected && in.selected.has_value();

  // parrot's own side: a mapped address it did not advertise as its
  // --public-address means a NAT in front of parrot. Seen in the selected
  // pair (libnice's prflx from the caller's answers) or in parrot's srflx
  // from its own STUN server.
  if (connected) {
    const IceCandidate& local = in.selected->local;
    d.parrot_address = endpoint(local.ip, local.port);
    const bool mapped = local.type == IceCandidateType::kPeerReflexive || local.type == IceCandidateType::kServerReflexive;
    if (mapped && local.ip != in.public_address) {
      d.parrot_behind_nat = true;
      d.parrot_mapped = local.ip;
    }
  }
  if (!d.parrot_behind_nat) {
    for (const IceCandidate& c : in.parrot_candidates) {
      if (c.type != IceCandidateType::kServerReflexive || c.ip == in.public_address) continue;
      const bool own = std::any_of(in.parrot_candidates.begin(), in.parrot_candidates.end(), [&](const IceCandidate& h) {
        return h.type == IceCandidateType::kHost && h.ip == c.ip;
      });
      if (own) continue;
      d.parrot_behind_nat = true;
      d.parrot_mapped = c.ip;
      break;
    }
  }

  if (connected) {
    const IceCandidate& local = in.selected->local;
    const IceCandidate& remote = in.selected->remote;
    d.seen_at_parrot = endpoint(remote.ip, remote.port);
    d.path = local.type == IceCandidateType::kRelayed || remote.type == IceCandidateType::kRelayed ? MediaPath::kRelay
                                                                                                   : MediaPath::kDirect;
    // The caller's own address as seen by parrot (or by parrot's relay):
    // comparable with what its STUN server saw. A caller relay is not.
    if (remote.type != IceCandidateType::kRelayed) d.mapping = mapping_of(remote, caller);
  }
  if (d.path != MediaPath::kDirect && srflx_ports_differ(caller)) d.mapping = NatMapping::kAddressDependent;

  // UDP: a direct path is UDP that worked; a srflx is UDP that reached a
  // STUN server. A relay but no srflx, or a failure although parrot was
  // reachable and the caller had addresses to check from, means the
  // caller's UDP did not get out.
  if (d.path == MediaPath::kDirect || offered_srflx) {
    d.udp = UdpReach::kOk;
  } else if (d.path == MediaPath::kRelay ||
             (in.tried && !caller.empty() && parrot_reachable(in) && !d.parrot_behind_nat)) {
    d.udp = UdpReach::kBlocked;
  }

  std::string advice;
  const std::string seen = d.seen_at_parrot.value_or("");
  switch (d.path) {
    case MediaPath::kNone:
      if (!in.tried) {
        d.verdict = "unknown";
        d.explanation = "The call ended before any path was tried.";
      } else if (in.failure == transport::TransportFailure::kGatheringFailed) {
        // Not the caller's network: parrot had nothing to offer.
        d.verdict = "parrot's side";
        d.explanation = "parrot found no local address or port to use, so no path could be tried.";
        advice = "parrot's operator should check its --ice-address, --ice-deny and --ice-port-min/--ice-port-max "
                 "settings.";
      } else if (caller.empty()) {
        d.verdict = "unknown";
        d.explanation = "Your client sent no candidates, so parrot could not try any path.";
        advice = "Check that your client may use the network for calls: its ICE settings, or a VPN or firewall that "
                 "hides every address.";
      } else if (d.udp == UdpReach::kBlocked) {
        d.verdict = "UDP blocked";
        if (offered_relay) {
          d.explanation = fmt::format(
              "No path worked: your client found no STUN address (UDP from your network seems blocked) and its TURN "
              "relay ({}) did not reach parrot either.",
              ip_list(caller, IceCandidateType::kRelayed));
          advice = "Check your TURN server: its credentials, and that it may relay to parrot.";
          d.advises_turn = true;
        } else {
          d.explanation =
              "No path worked: your client offered only its local addresses, none of its checks reached parrot, and "
              "no STUN address was found, so UDP from your network seems blocked.";
          advice = fmt::format("Configure a TURN server reachable over TCP or TLS on port 443 ({}): UDP calls cannot "
                               "get through this network.",
                               kAnnounce);
          d.advises_turn = true;
        }
      } else {
        d.verdict = "no path";
        if (offered_srflx) {
          d.explanation = fmt::format(
              "No path worked, although your NAT let STUN through ({}).", ip_list(caller, IceCandidateType::kServerReflexive));
          if (!d.parrot_behind_nat) {
            advice = fmt::format("A firewall may block UDP between you and parrot; a TURN server over TCP or TLS on "
                                 "port 443 would get through ({}).",
                                 kAnnounce);
            d.advises_turn = true;
          }
        } else {
          d.explanation = "No path worked, and your client offered no STUN or TURN candidates to try.";
          if (!d.parrot_behind_nat) {
            advice = fmt::format("Configure a STUN and a TURN server in your client ({}).", kAnnounce);
            d.advises_turn = true;
          }
        }
      }
      break;
    case MediaPath::kRelay:
      d.verdict = "relay needed";
      d.explanation = fmt::format("Media went through a TURN relay ({}): the direct paths failed{}.", seen,
                                  d.udp == UdpReach::kBlocked ? ", and UDP from your network seems blocked (your client "
                                                                "found no STUN address)"
                                                              : "");
      if (d.udp == UdpReach::kBlocked) {
        advice = "UDP seems blocked on your network: calls work only through TURN over TCP or TLS, so keep that TURN "
                 "server (port 443 gets through most firewalls).";
        d.advises_turn = true;
      }
      break;
    case MediaPath::kDirect:
      switch (d.mapping) {
        case NatMapping::kNone:
          d.verdict = "no NAT";
          d.explanation = fmt::format("Your client reached parrot from its own address ({}): no NAT in between.", seen);
          break;
        case NatMapping::kEndpointIndependent:
          d.verdict = "NAT, direct path";
          d.explanation = fmt::format(
              "Your client is behind a NAT that kept the same public address ({}) for parrot as for its STUN server "
              "(an endpoint-independent mapping), so ICE found a direct path.",
              seen);
          break;
        case NatMapping::kAddressDependent:
          d.verdict = "symmetric NAT, direct path";
          d.explanation = fmt::format(
              "Your client is behind a NAT that gave parrot another public port ({}) than its STUN server saw ({}): a "
              "symmetric NAT, which parrot crossed only because it is public.",
              seen, ip_list(caller, IceCandidateType::kServerReflexive));
          advice = symmetric_nat_advice(offered_relay);
          d.advises_turn = true;
          break;
        case NatMapping::kUnknown:
          d.verdict = "NAT, direct path";
          if (offered_srflx) {
            d.explanation = fmt::format(
                "Your client reached parrot from {}, none of the addresses it offered: a NAT or firewall rewrote it, "
                "of a kind parrot cannot tell.",
                seen);
          } else {
            d.explanation = fmt::format(
                "Your client is behind a NAT (parrot saw it at {}, none of its own addresses); it offered no STUN "
                "address to compare with, so what kind of NAT is unknown.",
                seen);
            if (!offered_relay) {
              advice = fmt::format("Your client has no STUN or TURN server: it reached parrot only because parrot is "
                                   "public; calls to people behind a NAT need both ({}).",
                                   kAnnounce);
              d.advises_turn = true;
            }
          }
          break;
      }
      break;
  }

  if (d.path != MediaPath::kDirect && d.mapping == NatMapping::kAddressDependent) {
    append(d.explanation, "Your client's STUN servers saw it at different ports: a symmetric NAT.");
    append(advice, symmetric_nat_advice(offered_relay));
    d.advises_turn = true;
  }

  switch (in.one_way) {
    case NatEvidenceInput::OneWay::kParrotToCallerLost:
      append(advice, "parrot's media did not reach you although the checks did: a firewall or NAT on your side seems to "
                     "drop incoming UDP media; allow it, or use TURN over TCP or TLS.");
      d.advises_turn = true;
      break;
    case NatEvidenceInput::OneWay::kCallerToParrotLost:
      append(advice, "Your media did not reach parrot although the checks did: a firewall on your side may drop "
                     "outgoing UDP media, or your client sent none (check its microphone or camera permission).");
      break;
    case NatEvidenceInput::OneWay::kNo:
      break;
  }

  if (d.parrot_behind_nat) {
    if (in.public_address.empty()) {
      append(advice, fmt::format("parrot itself is behind a NAT (seen as {}): its operator should start it with "
                                 "--public-address {}.",
                                 d.parrot_mapped, d.parrot_mapped));
    } else {
      append(advice, fmt::format("parrot's --public-address {} is not the address its NAT uses ({}): its operator "
                                 "should correct it.",
                                 in.public_address, d.parrot_mapped));
    }
  }
  d.advice = std::move(advice);
  return d;
}

}  // namespace parrot::call
