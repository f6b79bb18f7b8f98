// XEP-0215 External Service Discovery, the parsing half: a <services/> or
// <credentials/> element (urn:xmpp:extdisco:2) from the server into plain
// values, and those into the STUN/TURN servers a call can use. No I/O; the
// IQ exchange is ExternalServiceDiscovery's. Everything here reads untrusted
// server input: bad entries are skipped with a reason, never thrown.
#pragma once

#include <gloox/tag.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/ice_servers.hpp"

namespace parrot::bot::xmpp {

inline constexpr const char* kExtdiscoNamespace = "urn:xmpp:extdisco:2";

using SystemTime = std::chrono::system_clock::time_point;

// One <service/> (XEP-0215 §2), attributes as sent, validated.
struct ExternalService {
  std::string type;                  // registered type: "stun", "turn", "turns", ...
  std::string host;                  // a DNS name or an IP literal
  std::optional<std::uint16_t> port;
  std::string transport;             // "udp", "tcp" (lower-cased) or "" when absent
  std::string username, password;    // empty when absent
  bool restricted = false;           // credentials needed (§3.3) if not given here
  std::optional<SystemTime> expires; // when the credentials stop working
  std::string name;                  // human-readable label

  bool has_credentials() const { return !username.empty() && !password.empty(); }
  friend bool operator==(const ExternalService&, const ExternalService&) = default;
};

struct ExternalServicesParse {
  bool valid = false;                    // the element was <services/> or <credentials/> in extdisco:2
  std::vector<ExternalService> services; // the well-formed <service/> children, in order
  std::vector<std::string> rejected;     // one reason per <service/> skipped
};

// Parses <services xmlns='urn:xmpp:extdisco:2'> or <credentials ...>.
// A <service/> without type or host, with a host that is not a name or an
// address, a port outside 1..65535, an unparsable `restricted` or `expires`
// is rejected with its reason; unknown attributes and children (XEP-0004
// extended information) are ignored. At most kMaxServices are read.
ExternalServicesParse parse_external_services(const gloox::Tag& element);
inline constexpr std::size_t kMaxServices = 64;

// XEP-0082 DateTime "CCYY-MM-DDThh:mm:ss[.sss]TZD" (TZD "Z" or ±hh:mm) as
// GLib's ISO 8601 parser reads it; nullopt when it is not one.
std::optional<SystemTime> parse_xep0082_datetime(std::string_view text);

// What a discovered service means for calls.
struct IceServerMapping {
  std::optional<IceServer> server;  // usable as is
  bool needs_credentials = false;   // TURN that is restricted but came without them: ask (§3.3)
  std::string skipped;              // otherwise why not, for the log ("ftp is not STUN or TURN")
};

// stun over UDP (default port 3478), turn over UDP or TCP (3478), turns
// over TCP, i.e. TLS (5349). `origin` names the source in IceServer::origin.
IceServerMapping to_ice_server(const ExternalService& service, const std::string& origin);

// The IQ payloads parrot sends: <services/> (§3.1) and <credentials/> with
// the service's host, type and port (§3.3).
std::unique_ptr<gloox::Tag> make_services_request();
std::unique_ptr<gloox::Tag> make_credentials_request(const ExternalService& service);

// When the credentials of `service` stop working: `expires`, or else, for
// TURN, the expiry a TURN REST username starts with ("1700086400:parrot",
// draft-uberti-behave-turn-rest-00 §2.2), which is what Prosody's
// mod_external_services sends for `secret` entries without a `ttl` of their
// own (docs/client-quirks.md#prosody). Nullopt when neither says.
std::optional<SystemTime> credentials_expiry(const ExternalService& service);

// When to ask again so the TURN credentials in use never lapse: half of the
// shortest remaining lifetime (as Dino does, docs/client-quirks.md#dino-calls),
// at least kMinRefresh so a server handing out stale credentials cannot make
// parrot spin, and at most kMaxRefresh. Nullopt when nothing expires.
inline constexpr std::chrono::seconds kMinRefresh{30};
inline constexpr std::chrono::seconds kMaxRefresh{12 * 3600};
std::optional<std::chrono::seconds> refresh_delay(SystemTime now, const std::vector<ExternalService>& used);

}  // namespace parrot::bot::xmpp
