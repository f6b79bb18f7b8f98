#include "bot/xmpp/external_services.hpp"

#include <glib.h>

#include <algorithm>
#include <cctype>
#include <string_view>

#include "transport/decimal.hpp"

namespace parrot::bot::xmpp {
namespace {

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::optional<std::uint16_t> parse_port(const std::string& text) {
  const auto value = transport::parse_decimal<std::uint16_t>(text);
  if (!value || *value == 0) return std::nullopt;
  return value;
}

// xs:boolean (XML Schema part 2 §3.2.2): Prosody sends "1"
// (docs/client-quirks.md#prosody).
std::optional<bool> parse_boolean(const std::string& text) {
  if (text == "1" || text == "true") return true;
  if (text == "0" || text == "false") return false;
  return std::nullopt;
}

// A type is a registry token; anything printable and short is accepted and
// decided on later, so an unknown service type is "skipped", not "bad".
bool is_token(const std::string& text) {
  return !text.empty() && text.size() <= 64 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

// Credentials go to libnice as C strings and into STUN attributes (RFC 8489
// §14.3: USERNAME < 513 bytes); control characters have no business there.
bool is_credential(const std::string& text) {
  return text.size() <= 512 &&
         std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x20; });
}

std::optional<ExternalService> parse_service(const gloox::Tag& tag, std::string& why) {
  ExternalService service;
  service.type = lower(tag.findAttribute("type"));
  if (!is_token(service.type)) {
    why = "missing or malformed type";
    return std::nullopt;
  }
  service.host = tag.findAttribute("host");
  if (!is_host(service.host)) {
    why = service.type + ": host '" + service.host.substr(0, 80) + "' is not a host name or an IP address";
    return std::nullopt;
  }
  if (tag.hasAttribute("port")) {
    service.port = parse_port(tag.findAttribute("port"));
    if (!service.port) {
      why = service.type + " " + service.host + ": port is not a number in 1..65535";
      return std::nullopt;
    }
  }
  service.transport = lower(tag.findAttribute("transport"));
  service.username = tag.findAttribute("username");
  service.password = tag.findAttribute("password");
  if (!is_credential(service.username) || !is_credential(service.password)) {
    why = service.type + " " + service.host + ": username or password has control characters or is too long";
    return std::nullopt;
  }
  if (tag.hasAttribute("restricted")) {
    const auto restricted = parse_boolean(tag.findAttribute("restricted"));
    if (!restricted) {
      why = service.type + " " + service.host + ": restricted is not a boolean";
      return std::nullopt;
    }
    service.restricted = *restricted;
  }
  if (tag.hasAttribute("expires")) {
    service.expires = parse_xep0082_datetime(tag.findAttribute("expires"));
    if (!service.expires) {
      why = service.type + " " + service.host + ": expires is not an XEP-0082 DateTime";
      return std::nullopt;
    }
  }
  service.name = tag.findAttribute("name");
  return service;
}

}  // namespace

ExternalServicesParse parse_external_services(const gloox::Tag& element) {
  ExternalServicesParse parse;
  if ((element.name() != "services" && element.name() != "credentials") || element.xmlns() != kExtdiscoNamespace) {
    return parse;
  }
  parse.valid = true;
  for (const gloox::Tag* child : element.children()) {
    if (child == nullptr || child->name() != "service") continue;
    if (parse.services.size() + parse.rejected.size() >= kMaxServices) {
      parse.rejected.push_back("more than " + std::to_string(kMaxServices) + " services; the rest ignored");
      break;
    }
    std::string why;
    if (auto service = parse_service(*child, why)) {
      parse.services.push_back(std::move(*service));
    } else {
      parse.rejected.push_back(std::move(why));
    }
  }
  return parse;
}

std::optional<SystemTime> parse_xep0082_datetime(std::string_view text) {
  // XEP-0082 §3.3 requires the 'T' and a time zone; GLib would also take a
  // bare date or local time, so both are checked before handing it over.
  if (text.size() < 20 || text.size() > 40 || text[10] != 'T') return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == '.' || c == '+'; })) {
    return std::nullopt;
  }
  const char last = text.back();
  const bool has_zone = last == 'Z' || (text.size() >= 6 && (text[text.size() - 6] == '+' || text[text.size() - 6] == '-'));
  if (!has_zone) return std::nullopt;
  const std::string copy(text);
  GTimeZone* utc = g_time_zone_new_utc();
  GDateTime* parsed = g_date_time_new_from_iso8601(copy.c_str(), utc);
  g_time_zone_unref(utc);
  if (parsed == nullptr) return std::nullopt;
  const gint64 seconds = g_date_time_to_unix(parsed);
  const gint microseconds = g_date_time_get_microsecond(parsed);
  g_date_time_unref(parsed);
  return SystemTime(std::chrono::seconds(seconds)) + std::chrono::microseconds(microseconds);
}

IceServerMapping to_ice_server(const ExternalService& service, const std::string& origin) {
  IceServerMapping mapping;
  IceServer server;
  server.host = service.host;
  server.origin = origin;
  const auto& transport = service.transport;
  if (service.type == "stun") {
    if (!transport.empty() && transport != "udp") {
      mapping.skipped = "stun over " + transport + " (libnice asks STUN servers over UDP only)";
      return mapping;
    }
    server.kind = IceServerKind::kStun;
    server.port = service.port.value_or(kDefaultStunPort);
    mapping.server = std::move(server);
    return mapping;
  }
  if (service.type != "turn" && service.type != "turns") {
    mapping.skipped = service.type + " is not STUN or TURN";
    return mapping;
  }
  server.kind = IceServerKind::kTurn;
  if (service.type == "turns") {
    if (!transport.empty() && transport != "tcp") {
      mapping.skipped = "turns over " + transport + " (DTLS to the TURN server is not supported)";
      return mapping;
    }
    server.transport = transport::TurnTransport::kTls;
    server.port = service.port.value_or(kDefaultTurnsPort);
  } else if (transport.empty() || transport == "udp") {
    server.transport = transport::TurnTransport::kUdp;
    server.port = service.port.value_or(kDefaultStunPort);
  } else if (transport == "tcp") {
    server.transport = transport::TurnTransport::kTcp;
    server.port = service.port.value_or(kDefaultStunPort);
  } else {
    mapping.skipped = "turn over " + transport;
    return mapping;
  }
  if (!service.has_credentials()) {
    // A TURN server parrot has no credentials for is useless to libnice;
    // `restricted` says the server will hand some out when asked.
    if (service.restricted) {
      mapping.needs_credentials = true;
    } else {
      mapping.skipped = service.type + " without username and password";
    }
    return mapping;
  }
  server.username = service.username;
  server.password = service.password;
  mapping.server = std::move(server);
  return mapping;
}

std::unique_ptr<gloox::Tag> make_services_request() {
  return std::make_unique<gloox::Tag>("services", "xmlns", kExtdiscoNamespace);
}

std::unique_ptr<gloox::Tag> make_credentials_request(const ExternalService& service) {
  auto credentials = std::make_unique<gloox::Tag>("credentials", "xmlns", kExtdiscoNamespace);
  auto* item = new gloox::Tag(credentials.get(), "service");
  item->addAttribute("host", service.host);
  item->addAttribute("type", service.type);
  if (service.port) item->addAttribute("port", std::to_string(*service.port));
  return credentials;
}

std::optional<SystemTime> credentials_expiry(const ExternalService& service) {
  if (service.expires) return service.expires;
  if (service.type != "turn" && service.type != "turns") return std::nullopt;
  // draft-uberti-behave-turn-rest-00 §2.2: username = "expiry[:user]",
  // expiry in Unix seconds. 9 to 11 digits: 1973 to 5138, not a user id.
  const std::string& name = service.username;
  const auto digits = std::min(name.find(':'), name.size());
  if (digits < 9 || digits > 11) return std::nullopt;
  const auto seconds = transport::parse_decimal<std::int64_t>(std::string_view(name).substr(0, digits));
  if (!seconds) return std::nullopt;
  return SystemTime(std::chrono::seconds(*seconds));
}

std::optional<std::chrono::seconds> refresh_delay(SystemTime now, const std::vector<ExternalService>& used) {
  std::optional<SystemTime> earliest;
  for (const auto& service : used) {
    const auto expiry = credentials_expiry(service);
    if (expiry && (!earliest || *expiry < *earliest)) earliest = expiry;
  }
  if (!earliest) return std::nullopt;
  const auto remaining = std::chrono::duration_cast<std::chrono::seconds>(*earliest - now);
  return std::clamp(remaining / 2, std::chrono::seconds(kMinRefresh), std::chrono::seconds(kMaxRefresh));
}

}  // namespace parrot::bot::xmpp
