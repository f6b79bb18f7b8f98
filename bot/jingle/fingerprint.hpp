// XEP-0320 <fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash setup>:
// the DTLS certificate fingerprint and the RFC 4145 setup role, carried
// inside an ICE-UDP <transport/>.
#pragma once

#include <gloox/tag.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bot/jingle/parse_result.hpp"

namespace parrot::bot::jingle {

// RFC 4145 §4 / RFC 5763 §5: an offer says actpass, the answer active or
// passive. parrot answers active, which every client takes
// (docs/client-quirks.md#calls).
enum class DtlsSetup { kActpass, kActive, kPassive, kHoldconn };

std::string_view to_string(DtlsSetup setup) noexcept;
std::optional<DtlsSetup> dtls_setup_from_string(std::string_view text) noexcept;

struct Fingerprint {
  std::string hash;  // "sha-256" (RFC 4572 §5 hash function name, lower case as sent)
  DtlsSetup setup = DtlsSetup::kActpass;
  std::string value;  // "AB:CD:…", whitespace around it removed

  // Requires hash, setup (one of the four values) and a non-empty value of at
  // most 255 characters (a SHA-512 fingerprint is 191).
  static ParseResult<Fingerprint> parse(const gloox::Tag& tag);
  // A new root element; the caller owns it (or hands it to a parent with
  // addChild(release())).
  std::unique_ptr<gloox::Tag> to_tag() const;

  friend bool operator==(const Fingerprint&, const Fingerprint&) = default;
};

}  // namespace parrot::bot::jingle
