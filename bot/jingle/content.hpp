// XEP-0166 §7.3 <content creator name senders disposition>: one
// application description and one transport.
#pragma once

#include <gloox/tag.h>

#include <memory>
#include <string>
#include <variant>

#include "bot/jingle/ice_udp_transport.hpp"
#include "bot/jingle/parse_result.hpp"
#include "bot/jingle/raw_udp_transport.hpp"
#include "bot/jingle/rtp_description.hpp"
#include "bot/jingle/senders.hpp"

namespace parrot::bot::jingle {

// A <description/> or <transport/> in a namespace parrot does not
// implement: kept so the caller can answer unsupported-applications or
// unsupported-transports (XEP-0166 §7.4) rather than bad-request.
struct UnknownDescription {
  std::string xmlns;
  friend bool operator==(const UnknownDescription&, const UnknownDescription&) = default;
};
struct UnknownTransport {
  std::string xmlns;
  friend bool operator==(const UnknownTransport&, const UnknownTransport&) = default;
};

// std::monostate = the element is absent (normal in transport-info,
// content-remove, …; whether that is acceptable depends on the action).
using Description = std::variant<std::monostate, RtpDescription, UnknownDescription>;
using Transport = std::variant<std::monostate, IceUdpTransport, RawUdpTransport, UnknownTransport>;

struct Content {
  Creator creator = Creator::kInitiator;
  std::string name;
  Senders senders = Senders::kBoth;  // XEP-0166 §7.3 default
  std::string disposition;           // empty = absent ("session" by default)
  Description description;
  Transport transport;

  const RtpDescription* rtp() const { return std::get_if<RtpDescription>(&description); }
  const IceUdpTransport* ice_udp() const { return std::get_if<IceUdpTransport>(&transport); }

  // Errors: missing name, missing or unknown creator, unknown senders, more
  // than one description or transport, or an error from a child parser.
  static ParseResult<Content> parse(const gloox::Tag& tag);
  // A new root element owned by the caller. senders is always written
  // (Conversations and Dino write it too); an unknown description or
  // transport is written as an empty element in its namespace.
  std::unique_ptr<gloox::Tag> to_tag() const;

  friend bool operator==(const Content&, const Content&) = default;
};

}  // namespace parrot::bot::jingle
