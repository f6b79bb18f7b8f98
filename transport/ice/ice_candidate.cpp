#include "transport/ice/ice_candidate.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "transport/decimal.hpp"

namespace parrot::transport {
namespace {

constexpr std::size_t kMaxFoundationChars = 32;  // RFC 8445 §15.1: 1*32ice-char
constexpr std::size_t kMaxIdChars = 256;         // not bounded by XEP-0176; keeps hostile ids small
constexpr std::array<std::string_view, 4> kTypeNames{"host", "srflx", "prflx", "relay"};

bool is_ice_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// transport::parse_decimal (digits only, no sign or space), then the
// attribute's range.
template <typename T>
std::optional<T> decimal_in(std::string_view text, std::uint64_t min, std::uint64_t max) {
  const auto value = parse_decimal<std::uint64_t>(text);
  if (!value || *value < min || *value > max) return std::nullopt;
  return static_cast<T>(*value);
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

std::optional<IceCandidateType> parse_type(std::string_view text) {
  for (std::size_t i = 0; i < kTypeNames.size(); ++i) {
    if (text == kTypeNames[i]) return static_cast<IceCandidateType>(i);
  }
  return std::nullopt;
}

CandidateParseResult fail(std::string error) { return {std::nullopt, std::move(error)}; }

}  // namespace

std::string_view to_string(IceCandidateType type) noexcept {
  const auto index = static_cast<std::size_t>(type);
  return index < kTypeNames.size() ? kTypeNames[index] : std::string_view{"unknown"};
}

bool is_ip_literal(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return false;
  const std::string terminated(text);
  std::array<unsigned char, sizeof(in6_addr)> scratch{};
  return inet_pton(AF_INET, terminated.c_str(), scratch.data()) == 1 ||
         inet_pton(AF_INET6, terminated.c_str(), scratch.data()) == 1;
}

CandidateParseResult parse_candidate(const CandidateAttributes& attributes) {
  enum Field { kFoundation, kComponent, kGeneration, kId, kIp, kPort, kPriority, kProtocol, kType, kRelAddr, kRelPort, kNetwork, kFieldCount };
  constexpr std::array<std::string_view, kFieldCount> kNames{"foundation", "component", "generation", "id",
                                                             "ip",         "port",      "priority",   "protocol",
                                                             "type",       "rel-addr",  "rel-port",   "network"};
  // Pointers into `attributes`, one slot per known name, so a repeated
  // attribute (two different `ip`s: which one would the peer answer on?) is
  // caught instead of silently taking the last.
  std::array<const std::string*, kFieldCount> values{};
  for (const auto& [name, value] : attributes) {
    const auto it = std::find(kNames.begin(), kNames.end(), name);
    if (it == kNames.end()) continue;
    auto& slot = values[static_cast<std::size_t>(it - kNames.begin())];
    if (slot != nullptr) return fail("duplicate attribute '" + name + "'");
    slot = &value;
  }
  for (const Field required : {kFoundation, kComponent, kIp, kPort, kPriority, kProtocol, kType}) {
    if (values[required] == nullptr) return fail("missing attribute '" + std::string(kNames[required]) + "'");
  }

  IceCandidate candidate;
  const std::string& foundation = *values[kFoundation];
  if (foundation.empty() || foundation.size() > kMaxFoundationChars ||
      !std::all_of(foundation.begin(), foundation.end(), is_ice_char)) {
    return fail("foundation must be 1-32 ice-chars (RFC 8445 §15.1)");
  }
  candidate.foundation = foundation;

  const auto component = decimal_in<std::uint8_t>(*values[kComponent], 1, 255);
  if (!component) return fail("component must be a number in 1..255");
  candidate.component = *component;

  if (values[kGeneration] != nullptr) {
    const auto generation = decimal_in<std::uint32_t>(*values[kGeneration], 0, std::numeric_limits<std::uint32_t>::max());
    if (!generation) return fail("generation must be a 32-bit unsigned number");
    candidate.generation = *generation;
  }
  if (values[kId] != nullptr) {
    if (values[kId]->size() > kMaxIdChars) return fail("id longer than 256 characters");
    candidate.id = *values[kId];
  }

  // Kept as written, not re-formatted: the peer's own spelling is what bot/
  // reports and what round-trips.
  if (!is_ip_literal(*values[kIp])) return fail("ip must be an IPv4 or IPv6 literal");
  candidate.ip = *values[kIp];
  const auto port = decimal_in<std::uint16_t>(*values[kPort], 1, 65535);
  if (!port) return fail("port must be a number in 1..65535");
  candidate.port = *port;

  const auto priority = decimal_in<std::uint32_t>(*values[kPriority], 1, std::numeric_limits<std::uint32_t>::max());
  if (!priority) return fail("priority must be a number in 1..4294967295");
  candidate.priority = *priority;

  if (lower(*values[kProtocol]) != "udp") return fail("protocol must be udp (XEP-0176 is ICE-UDP)");
  candidate.protocol = "udp";

  const auto type = parse_type(*values[kType]);
  if (!type) return fail("type must be host, srflx, prflx or relay");
  candidate.type = *type;

  // A rel-port without rel-addr describes nothing (RFC 8445 §5.1.1.2 pairs
  // them) and could not be serialized back, so it is dropped.
  if (values[kRelAddr] != nullptr) {
    if (!is_ip_literal(*values[kRelAddr])) return fail("rel-addr must be an IPv4 or IPv6 literal");
    candidate.rel_addr = *values[kRelAddr];
    if (values[kRelPort] != nullptr) {
      const auto rel_port = decimal_in<std::uint16_t>(*values[kRelPort], 0, 65535);
      if (!rel_port) return fail("rel-port must be a number in 0..65535");
      candidate.rel_port = *rel_port;
    }
  }
  if (values[kNetwork] != nullptr) {
    const auto network = decimal_in<std::uint32_t>(*values[kNetwork], 0, std::numeric_limits<std::uint32_t>::max());
    if (!network) return fail("network must be a 32-bit unsigned number");
    candidate.network = *network;
  }
  return {std::move(candidate), {}};
}

CandidateAttributes candidate_attributes(const IceCandidate& candidate) {
  CandidateAttributes out{
      {"component", std::to_string(candidate.component)},
      {"foundation", candidate.foundation},
      {"generation", std::to_string(candidate.generation)},
      {"id", candidate.id},
      {"ip", candidate.ip},
      {"network", std::to_string(candidate.network)},
      {"port", std::to_string(candidate.port)},
      {"priority", std::to_string(candidate.priority)},
      {"protocol", candidate.protocol},
      {"type", std::string(to_string(candidate.type))},
  };
  if (!candidate.rel_addr.empty()) {
    out.emplace_back("rel-addr", candidate.rel_addr);
    out.emplace_back("rel-port", std::to_string(candidate.rel_port));
  }
  return out;
}

}  // namespace parrot::transport
