#include "bot/ice_servers.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "bot/config.hpp"
#include "transport/glib_ptr.hpp"
#include "transport/ice/ice_candidate.hpp"

namespace parrot::bot {
namespace {

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(),
                    [](char lower, char c) { return std::tolower(static_cast<unsigned char>(c)) == lower; });
}

// RFC 3986 §2.1 percent-decoding by GLib; nullopt for a bad escape or one
// that decodes to NUL (libnice takes C strings).
std::optional<std::string> percent_decode(std::string_view text) {
  const std::string copy(text);
  const transport::GCharPtr decoded(g_uri_unescape_string(copy.c_str(), ""));
  if (!decoded) return std::nullopt;
  std::string out(decoded.get());
  // g_uri_unescape_string stops at an escaped NUL; the lengths then differ.
  std::size_t escapes = 0;
  for (char c : copy) escapes += c == '%' ? 1 : 0;
  if (out.size() != copy.size() - 2 * escapes) return std::nullopt;
  return out;
}

std::string_view to_string(transport::TurnTransport transport) {
  switch (transport) {
    case transport::TurnTransport::kUdp: return "udp";
    case transport::TurnTransport::kTcp: return "tcp";
    case transport::TurnTransport::kTls: return "tls";
  }
  return "udp";
}

}  // namespace

std::optional<IceServer> parse_stun_server(std::string_view text, std::string& error) {
  if (starts_with_ci(text, "stun:")) text.remove_prefix(5);
  IceServer server;
  server.kind = IceServerKind::kStun;
  server.origin = "--stun";
  std::uint16_t port = kDefaultStunPort;
  if (!split_host_port(std::string(text), server.host, port) || !is_host(server.host)) {
    error = "'" + std::string(text) + "' is not HOST[:PORT]";
    return std::nullopt;
  }
  server.port = port;
  return server;
}

std::optional<IceServer> parse_turn_server(std::string_view text, std::string& error) {
  const std::string original(text);
  const auto fail = [&](const std::string& why) -> std::optional<IceServer> {
    error = "'" + original + "': " + why +
            " (expected turn:USER:PASSWORD@HOST[:PORT][?transport=udp|tcp] or turns:USER:PASSWORD@HOST[:PORT])";
    return std::nullopt;
  };
  IceServer server;
  server.kind = IceServerKind::kTurn;
  server.origin = "--turn";
  bool tls = false;
  if (starts_with_ci(text, "turns:")) {
    tls = true;
    text.remove_prefix(6);
  } else if (starts_with_ci(text, "turn:")) {
    text.remove_prefix(5);
  } else {
    return fail("the scheme must be turn: or turns:");
  }

  std::string_view query;
  if (const auto mark = text.find('?'); mark != std::string_view::npos) {
    query = text.substr(mark + 1);
    text = text.substr(0, mark);
  }
  // The host part never holds '@' (names and IP literals cannot), so the
  // last one ends the userinfo; an unescaped '@' in the password still works.
  const auto at = text.rfind('@');
  if (at == std::string_view::npos) return fail("USER:PASSWORD@ is missing");
  const std::string_view userinfo = text.substr(0, at);
  const std::string_view hostport = text.substr(at + 1);
  const auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) return fail("USER:PASSWORD@ needs both, separated by ':'");
  const auto username = percent_decode(userinfo.substr(0, colon));
  const auto password = percent_decode(userinfo.substr(colon + 1));
  if (!username || !password) return fail("bad percent-escape in USER:PASSWORD");
  if (username->empty() || password->empty()) return fail("USER and PASSWORD must not be empty");
  server.username = *username;
  server.password = *password;

  std::uint16_t port = tls ? kDefaultTurnsPort : kDefaultStunPort;
  if (!split_host_port(std::string(hostport), server.host, port) || !is_host(server.host)) {
    return fail("'" + std::string(hostport) + "' is not HOST[:PORT]");
  }
  server.port = port;

  server.transport = tls ? transport::TurnTransport::kTls : transport::TurnTransport::kUdp;
  if (!query.empty()) {
    // RFC 7065 §3.1 defines one parameter, transport, with udp or tcp.
    if (starts_with_ci(query, "transport=")) {
      const std::string_view value = query.substr(10);
      if (value == "udp" && !tls) {
        server.transport = transport::TurnTransport::kUdp;
      } else if (value == "tcp") {
        server.transport = tls ? transport::TurnTransport::kTls : transport::TurnTransport::kTcp;
      } else {
        return fail(tls ? std::string("turns: runs over TCP only (transport=tcp)")
                        : "transport must be udp or tcp, not '" + std::string(value) + "'");
      }
    } else {
      return fail("unknown parameter '" + std::string(query) + "'");
    }
  }
  return server;
}

bool is_host(std::string_view host) {
  if (transport::is_ip_literal(host)) return true;
  // RFC 1123 §2.1 host names: dot-separated labels of letters, digits and
  // hyphens, no label starting or ending with a hyphen; underscores are
  // allowed too since some internal zones use them. A trailing dot is fine.
  if (host.empty() || host.size() > 253) return false;
  if (host.back() == '.') host.remove_suffix(1);
  std::size_t start = 0;
  while (start <= host.size()) {
    const auto end = std::min(host.find('.', start), host.size());
    const std::string_view label = host.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    }
    start = end + 1;
  }
  // An all-numeric "name" like 999.1.1.1 is a mistyped address, not a name.
  return !std::all_of(host.begin(), host.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
}

std::string describe(const IceServer& server) {
  const bool v6 = server.host.find(':') != std::string::npos;
  std::string text = server.kind == IceServerKind::kStun ? "stun " : "turn ";
  text += (v6 ? "[" + server.host + "]" : server.host) + ":" + std::to_string(server.port);
  if (server.kind == IceServerKind::kTurn) text += "/" + std::string(to_string(server.transport));
  if (!server.origin.empty()) text += " (" + server.origin + ")";
  return text;
}

void apply_ice_servers(const std::vector<IceServer>& servers, transport::IceConfig& config) {
  config.stun_host.clear();
  config.stun_port = kDefaultStunPort;
  config.turn_servers.clear();
  for (const auto& server : servers) {
    if (!transport::is_ip_literal(server.host)) continue;
    if (server.kind == IceServerKind::kStun) {
      if (config.stun_host.empty()) {
        config.stun_host = server.host;
        config.stun_port = server.port;
      }
      continue;
    }
    const bool duplicate = std::any_of(config.turn_servers.begin(), config.turn_servers.end(), [&](const auto& turn) {
      return turn.host == server.host && turn.port == server.port && turn.transport == server.transport;
    });
    if (duplicate) continue;
    transport::TurnServer turn;
    turn.host = server.host;
    turn.port = server.port;
    turn.username = server.username;
    turn.password = server.password;
    turn.transport = server.transport;
    config.turn_servers.push_back(std::move(turn));
  }
}

// A batch lives as long as its slowest lookup: each pending GResolver
// callback holds a reference, so cancelling (which still runs them, with
// G_IO_ERROR_CANCELLED) never leaves a callback with a dangling pointer.
struct IceServerResolver::Batch {
  std::vector<IceServer> servers;
  std::vector<bool> failed;
  std::size_t pending = 0;
  Done done;
  transport::GObjectPtr<GCancellable> cancellable{g_cancellable_new()};
};

namespace {

struct Lookup {
  std::shared_ptr<void> keep_alive;
  std::function<void(GList* addresses, const GError* error)> finish;
};

// IPv4 first: parrot always gathers IPv4 candidates, IPv6 only where the
// host has it.
std::optional<std::string> pick_address(GList* addresses) {
  std::optional<std::string> v6;
  for (GList* item = addresses; item != nullptr; item = item->next) {
    auto* address = G_INET_ADDRESS(item->data);
    const transport::GCharPtr text(g_inet_address_to_string(address));
    if (g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV4) return std::string(text.get());
    if (!v6) v6 = std::string(text.get());
  }
  return v6;
}

}  // namespace

IceServerResolver::~IceServerResolver() { cancel(); }

void IceServerResolver::cancel() {
  if (!batch_) return;
  g_cancellable_cancel(batch_->cancellable.get());
  batch_->done = nullptr;
  batch_.reset();
}

void IceServerResolver::resolve(std::vector<IceServer> servers, Done done) {
  cancel();
  auto batch = std::make_shared<Batch>();
  batch->servers = std::move(servers);
  batch->failed.assign(batch->servers.size(), false);
  batch->done = std::move(done);
  const auto finish_batch = [](Batch& b) {
    std::vector<IceServer> resolved;
    for (std::size_t i = 0; i < b.servers.size(); ++i) {
      if (!b.failed[i]) resolved.push_back(b.servers[i]);
    }
    if (auto done_now = std::move(b.done)) done_now(std::move(resolved));
  };
  for (const auto& server : batch->servers) batch->pending += transport::is_ip_literal(server.host) ? 0u : 1u;
  if (batch->pending == 0) {
    finish_batch(*batch);
    return;
  }
  batch_ = batch;
  transport::GObjectPtr<GResolver> resolver(g_resolver_get_default());
  for (std::size_t i = 0; i < batch->servers.size(); ++i) {
    if (transport::is_ip_literal(batch->servers[i].host)) continue;
    auto* lookup = new Lookup{batch, [batch = batch.get(), i, finish_batch](GList* addresses, const GError* error) {
                                if (error && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) return;
                                IceServer& server = batch->servers[i];
                                const auto address = addresses ? pick_address(addresses) : std::nullopt;
                                if (address) {
                                  spdlog::debug("ice: {} is {}", server.host, *address);
                                  server.host = *address;
                                } else {
                                  spdlog::warn("ice: cannot resolve {}: {}; calls go on without it", describe(server),
                                               error ? error->message : "no address");
                                  batch->failed[i] = true;
                                }
                                if (--batch->pending == 0) finish_batch(*batch);
                              }};
    g_resolver_lookup_by_name_async(
        resolver.get(), batch->servers[i].host.c_str(), batch->cancellable.get(),
        [](GObject* source, GAsyncResult* result, gpointer data) {
          std::unique_ptr<Lookup> owned(static_cast<Lookup*>(data));
          GError* raw_error = nullptr;
          GList* addresses = g_resolver_lookup_by_name_finish(G_RESOLVER(source), result, &raw_error);
          const transport::GErrorPtr error(raw_error);
          try {
            owned->finish(addresses, error.get());
          } catch (const std::exception& e) {
            spdlog::error("ice: resolving a STUN/TURN name failed: {}", e.what());
          }
          g_resolver_free_addresses(addresses);
        },
        lookup);
  }
}

}  // namespace parrot::bot
