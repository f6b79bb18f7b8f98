// XEP-0177 <transport xmlns='urn:xmpp:jingle:transports:raw-udp:1'>: one
// plain address per component, no ICE. libpurple falls back to it
// (docs/client-quirks.md#libpurple-calls). Parsed so the call layer can see what was offered and
// answer failed-transport or transport-replace; parrot does not use it for media.
#pragma once

#include <gloox/tag.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bot/jingle/parse_result.hpp"

namespace parrot::bot::jingle {

struct RawUdpCandidate {  // XEP-0177 §4: component, generation, id, ip, port
  std::uint8_t component = 1;
  std::uint32_t generation = 0;
  std::string id;
  std::string ip;
  std::uint16_t port = 0;
  friend bool operator==(const RawUdpCandidate&, const RawUdpCandidate&) = default;
};

struct RawUdpTransport {
  // Raw UDP has one candidate per component (RTP, RTCP); 8 is generous.
  static constexpr std::size_t kMaxCandidates = 8;
  std::vector<RawUdpCandidate> candidates;

  // Errors: more than kMaxCandidates, a candidate without a valid component,
  // IP literal or port 1..65535.
  static ParseResult<RawUdpTransport> parse(const gloox::Tag& tag);
  std::unique_ptr<gloox::Tag> to_tag() const;  // new root, owned by the caller

  friend bool operator==(const RawUdpTransport&, const RawUdpTransport&) = default;
};

}  // namespace parrot::bot::jingle
