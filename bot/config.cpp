#include "bot/config.hpp"

#include <CLI/CLI.hpp>
#include <gio/gio.h>
#include <gloox/jid.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "bot/version.hpp"
#include "transport/ice/ice_agent.hpp"
#include "transport/ice/ice_candidate.hpp"

namespace parrot::bot {
namespace {

std::string read_secret_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CLI::ValidationError("--password-file", "cannot read '" + path + "'");
  std::string secret;
  std::getline(in, secret);
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == '\n')) secret.pop_back();
  if (secret.empty()) throw CLI::ValidationError("--password-file", "'" + path + "' is empty");
  return secret;
}

// parrot's own SOCKS5 candidates: IP literals (or just "none") and a port
// range given whole.
void parse_s5b_flags(Config& config) {
  const auto& addresses = config.s5b_addresses;
  const bool none = std::find(addresses.begin(), addresses.end(), "none") != addresses.end();
  if (none && addresses.size() > 1) throw CLI::ValidationError("--s5b-address", "'none' goes alone");
  for (const auto& address : addresses) {
    if (address != "none" && !transport::is_ip_literal(address)) {
      throw CLI::ValidationError("--s5b-address", "'" + address + "' is not an IPv4 or IPv6 address");
    }
  }
  if ((config.s5b_port_min == 0) != (config.s5b_port_max == 0)) {
    throw CLI::ValidationError("--s5b-port-min", "--s5b-port-min and --s5b-port-max go together");
  }
  if (config.s5b_port_min > config.s5b_port_max) {
    throw CLI::ValidationError("--s5b-port-max", "must not be below --s5b-port-min");
  }
}

// The ICE flags, checked here so a bad value stops parrot at start with the
// flag's name instead of failing each call later in libnice.
void parse_ice_flags(Config& config, const std::string& stun, const std::vector<std::string>& turns) {
  std::string error;
  if (!stun.empty()) {
    config.stun_server = parse_stun_server(stun, error);
    if (!config.stun_server) throw CLI::ValidationError("--stun", error);
  }
  for (const auto& text : turns) {
    auto server = parse_turn_server(text, error);
    if (!server) throw CLI::ValidationError("--turn", error);
    config.turn_servers.push_back(std::move(*server));
  }
  if ((config.ice_port_min == 0) != (config.ice_port_max == 0)) {
    throw CLI::ValidationError("--ice-port-min", "--ice-port-min and --ice-port-max go together");
  }
  if (config.ice_port_min > config.ice_port_max) {
    throw CLI::ValidationError("--ice-port-max", "must not be below --ice-port-min");
  }
  if (!config.public_address.empty() && !transport::is_ip_literal(config.public_address)) {
    throw CLI::ValidationError("--public-address", "'" + config.public_address + "' is not an IPv4 or IPv6 address");
  }
  for (const auto& entry : config.ice_denied) {
    // The same rule as transport::IceAgent's deny-list: an address, or a
    // textual prefix that ends where a group ends.
    const bool prefix = !entry.empty() && (entry.back() == '.' || entry.back() == ':') &&
                        std::all_of(entry.begin(), entry.end(),
                                    [](char c) { return g_ascii_isxdigit(c) || c == '.' || c == ':'; });
    if (!prefix && !transport::is_ip_literal(entry)) {
      throw CLI::ValidationError("--ice-deny", "'" + entry + "' is not an IP address or a prefix ending in '.' or ':'");
    }
  }
}

}  // namespace

void add_shared_options(CLI::App& app, Config& config, SharedFlags& flags, const std::string& jid_help) {
  app.add_option("--jid", config.jid, jid_help)->required();
  app.add_option("--password-file", flags.password_file,
                 "File whose first line is the account password (or set PARROT_PASSWORD)");
  app.add_option("--server", flags.server, "Connect to HOST[:PORT] instead of the domain's DNS SRV record");
  app.add_option("--tls", flags.tls, "TLS policy: required (default) or optional")
      ->check(CLI::IsMember({"required", "optional"}));
  app.add_option("--ca-file", config.ca_file, "Extra trusted CA certificates (PEM) for the server's certificate")
      ->check(CLI::ExistingFile);
  app.add_flag("--insecure-skip-verify", config.insecure_skip_verify,
               "Accept any server certificate (for test servers only; logged loudly)");
  app.add_option("--resource", config.resource, "Resource to bind")->capture_default_str();
  app.add_option("--connect-timeout", config.connect_timeout_s, "Seconds allowed for each TCP connect")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  app.add_option("--ice-address", config.ice_addresses,
                 "Gather ICE candidates only on this IP (repeatable; 127.0.0.1 allowed). Default: every interface");
  app.add_option("--stun", flags.stun, "STUN server for calls, HOST[:PORT] (port 3478 by default)");
  app.add_option("--turn", flags.turns,
                 "TURN server for calls (repeatable): turn:USER:PASSWORD@HOST[:PORT][?transport=udp|tcp] "
                 "or turns:USER:PASSWORD@HOST[:PORT] (TLS); USER and PASSWORD percent-encoded");
  app.add_option("--ice-port-min", config.ice_port_min, "Lowest local UDP port for call media (with --ice-port-max)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--ice-port-max", config.ice_port_max, "Highest local UDP port for call media")
      ->check(CLI::Range(1, 65535));
  app.add_option("--ice-deny", config.ice_denied,
                 "Never gather on this IP, or on a prefix ending in '.' or ':' such as 10. or fe80: (repeatable)");
}

void check_shared_flags(Config& config, const SharedFlags& flags) {
  // gloox's JID applies the RFC 7622 profiles (nodeprep, nameprep,
  // resourceprep) but lets a second '@' into the domain.
  gloox::JID jid;
  if (!jid.setJID(config.jid) || jid.username().empty() || jid.server().find('@') != std::string::npos) {
    throw CLI::ValidationError("--jid", "'" + config.jid + "' is not user@domain");
  }
  if (!jid.resource().empty()) config.resource = jid.resource();
  config.jid = jid.bare();
  if (!flags.server.empty() && !split_host_port(flags.server, config.server_host, config.server_port)) {
    throw CLI::ValidationError("--server", "'" + flags.server + "' is not HOST[:PORT]");
  }
  config.tls = flags.tls == "optional" ? TlsPolicy::kOptional : TlsPolicy::kRequired;
  for (const auto& address : config.ice_addresses) {
    if (!transport::is_ip_literal(address)) {
      throw CLI::ValidationError("--ice-address", "'" + address + "' is not an IPv4 or IPv6 address");
    }
  }
  parse_ice_flags(config, flags.stun, flags.turns);
  if (!flags.password_file.empty()) {
    config.password = read_secret_file(flags.password_file);
  } else if (const char* env = std::getenv("PARROT_PASSWORD"); env && *env) {
    config.password = env;
  } else {
    throw CLI::RequiredError("a password (--password-file FILE or PARROT_PASSWORD)");
  }
}

transport::IceConfig local_ice_config(const Config& config) {
  transport::IceConfig ice;
  ice.allowed_addresses = config.ice_addresses;
  ice.denied_addresses = config.ice_denied;
  ice.port_min = config.ice_port_min;
  ice.port_max = config.ice_port_max;
  ice.public_address = config.public_address;
  return ice;
}

bool split_host_port(const std::string& text, std::string& host, std::uint16_t& port) {
  // GLib parses "host", "host:port", "[v6]:port" and a bare IPv6 address.
  if (text.empty() || text.find('\0') != std::string::npos) return false;
  GError* error = nullptr;
  GSocketConnectable* parsed = g_network_address_parse(text.c_str(), port, &error);
  if (!parsed) {
    g_error_free(error);
    return false;
  }
  const GNetworkAddress* address = G_NETWORK_ADDRESS(parsed);
  const char* hostname = g_network_address_get_hostname(const_cast<GNetworkAddress*>(address));
  const guint16 parsed_port = g_network_address_get_port(const_cast<GNetworkAddress*>(address));
  const bool ok = hostname && *hostname && parsed_port != 0;
  if (ok) {
    host = hostname;
    port = parsed_port;
  }
  g_object_unref(parsed);
  return ok;
}

ConfigResult parse_config(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  Config config;
  CLI::App app{"parrot: an XMPP echo and test bot. Add it as a contact; it echoes what you write.", "parrot"};
  app.set_version_flag("--version", std::string("parrot ") + kVersion);
  app.set_config("--config", "", "Read options from this TOML file (keys are the long option names)");
  app.allow_config_extras(false);
  app.get_formatter()->column_width(34);
  app.footer("parrot probe --help: the call test for CI and server operators (docs/ci.md).");

  SharedFlags shared;
  std::string subscription = "open";

  add_shared_options(app, config, shared, "parrot's account, user@domain[/resource]");
  app.add_option("--data-dir", config.data_dir, "Directory for parrot's state")->capture_default_str();
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn or error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--subscription-policy", subscription,
                 "Who may add parrot: open (default) or domains (only --allow-domain)")
      ->check(CLI::IsMember({"open", "domains"}));
  app.add_option("--allow-domain", config.allowed_domains, "A domain whose users may add parrot (repeatable)");
  app.add_option("--echo-rate", config.echo_rate_per_second, "Sustained echoes per second per sender; faster messages wait in a queue")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--echo-burst", config.echo_burst, "Echoes a sender may send at once")
      ->check(CLI::Range(1.0, 1e9))
      ->capture_default_str();
  app.add_option("--echo-queue", config.echo_queue,
                 "Messages a sender may have waiting for their echo; beyond it they are refused with a notice")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1'000'000}))
      ->capture_default_str();
  app.add_option("--max-body-bytes", config.max_body_bytes, "Longer message bodies are refused, not echoed")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 24))
      ->capture_default_str();
  app.add_option("--ping-interval", config.ping_interval_s, "Seconds between keepalive pings to the server")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--ping-timeout", config.ping_timeout_s, "Seconds to wait for a pong before reconnecting")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--reconnect-min", config.reconnect_min_s, "First reconnect delay in seconds")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--reconnect-max", config.reconnect_max_s, "Cap of the reconnect delay in seconds")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--stream-management", config.stream_management, "Use XEP-0198 acks (true/false)")
      ->capture_default_str();
  app.add_option("--max-call-seconds", config.max_call_seconds, "Calls are ended after this long, with a report")
      ->check(CLI::Range(10, 86400))
      ->capture_default_str();
  app.add_option("--max-calls", config.max_calls, "Calls at once; more are answered busy")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--max-calls-per-contact", config.max_calls_per_contact, "Calls at once from one contact")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  app.add_option("--call-connect-seconds", config.call_connect_seconds,
                 "A call whose media path has not connected after this long is ended, with a report")
      ->check(CLI::Range(5, 300))
      ->capture_default_str();
  app.add_option("--no-media-seconds", config.no_media_seconds,
                 "A connected call that carries no RTP from the caller for this long is ended, with a report")
      ->check(CLI::Range(5, 3600))
      ->capture_default_str();
  app.add_option("--workers", config.workers, "Media threads (0: one per core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  app.add_option("--public-address", config.public_address,
                 "1:1 NAT: the public IP that maps to this host; advertised as a srflx candidate");
  app.add_option("--external-services", config.external_services,
                 "Ask the XMPP server for STUN/TURN services, XEP-0215 (true/false)")
      ->capture_default_str();
  // File transfers: limits every mechanism shares.
  app.add_option("--max-file-bytes", config.max_file_bytes, "Largest file parrot accepts; larger offers are refused")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 50))
      ->capture_default_str();
  app.add_option("--max-transfers", config.max_transfers, "File transfers at once, all contacts together")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--max-transfers-per-contact", config.max_transfers_per_contact, "File transfers at once from one contact")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  app.add_option("--checksum-grace-ms", config.checksum_grace_ms,
                 "After a Jingle file's last byte, how long to wait for the sender's checksum (XEP-0234 sends it "
                 "after the data) before reporting without it")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str();
  app.add_option("--transfer-idle-seconds", config.transfer_idle_seconds,
                 "A file transfer that makes no progress for this long is ended, with a report")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  // parrot's own SOCKS5 candidates for Jingle file transfers.
  app.add_option("--s5b-address", config.s5b_addresses,
                 "Offer SOCKS5 file-transfer candidates of parrot's own on this IP (repeatable; 127.0.0.1 allowed; "
                 "'none': offer none). Default: every interface's address and --public-address");
  app.add_option("--s5b-port-min", config.s5b_port_min,
                 "Lowest local TCP port for parrot's SOCKS5 file-transfer candidates (with --s5b-port-max)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--s5b-port-max", config.s5b_port_max, "Highest local TCP port for parrot's SOCKS5 candidates")
      ->check(CLI::Range(1, 65535));
  // HTTP Upload links: the fence (docs/configuration.md).
  app.add_flag("--allow-http-links", config.allow_http_links, "Also fetch plain http:// file links (for tests)");
  app.add_flag("--allow-private-links", config.allow_private_links,
               "Also fetch links that resolve to loopback, private or link-local addresses (for tests)");
  app.add_option("--link-allow-host", config.link_allow_hosts,
                 "A host whose file links are fetched, beyond the sender's domain and its upload services (repeatable)");
  app.add_option("--link-ca-file", config.link_ca_file, "Extra trusted CA certificates (PEM) for file link downloads")
      ->check(CLI::ExistingFile);
  app.add_option("--link-timeout-seconds", config.link_timeout_seconds, "A file link download taking longer is cut off")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--link-resolve", config.link_resolve,
                 "HOST:PORT:ADDRESS: connect file links to HOST:PORT at ADDRESS without DNS, like curl --resolve "
                 "(for tests; repeatable; the address is still checked)");
  std::string http_listen;
  app.add_option("--http-listen", http_listen,
                 "ADDR:PORT: serve the report pages (/reports/<secret>) over HTTP here; off by default");
  app.add_option("--public-url", config.public_url,
                 "The report pages' base URL as people reach it (https://host); chat reports then link their page");

  try {
    app.parse(argc, argv);
    check_shared_flags(config, shared);
    config.subscription_policy = subscription == "domains" ? SubscriptionPolicy::kDomains : SubscriptionPolicy::kOpen;
    if (config.subscription_policy == SubscriptionPolicy::kDomains && config.allowed_domains.empty()) {
      throw CLI::ValidationError("--subscription-policy", "'domains' needs at least one --allow-domain");
    }
    parse_s5b_flags(config);
    // curl's --resolve syntax, checked here so a typo stops parrot at start
    // instead of sending links to DNS.
    for (const auto& entry : config.link_resolve) {
      const auto host_end = entry.find(':');
      const auto port_end = host_end == std::string::npos ? host_end : entry.find(':', host_end + 1);
      std::string address = port_end == std::string::npos ? "" : entry.substr(port_end + 1);
      if (address.size() > 2 && address.front() == '[' && address.back() == ']') address = address.substr(1, address.size() - 2);
      const std::string port = port_end == std::string::npos ? "" : entry.substr(host_end + 1, port_end - host_end - 1);
      if (host_end == 0 || port.empty() || port.find_first_not_of("0123456789") != std::string::npos ||
          !transport::is_ip_literal(address)) {
        throw CLI::ValidationError("--link-resolve", "'" + entry + "' is not HOST:PORT:ADDRESS");
      }
    }
    if (!http_listen.empty() && (!split_host_port(http_listen, config.http_listen_host, config.http_listen_port) ||
                                 !transport::is_ip_literal(config.http_listen_host))) {
      throw CLI::ValidationError("--http-listen", "'" + http_listen + "' is not ADDR:PORT with an IP address");
    }
    if (!config.public_url.empty()) {
      if (config.public_url.rfind("https://", 0) != 0 && config.public_url.rfind("http://", 0) != 0) {
        throw CLI::ValidationError("--public-url", "'" + config.public_url + "' is not an http:// or https:// URL");
      }
      const std::size_t host_at = config.public_url.find("://") + 3;
      while (config.public_url.size() > host_at && config.public_url.back() == '/') config.public_url.pop_back();
      if (config.public_url.size() <= host_at) throw CLI::ValidationError("--public-url", "names no host");
    }
    if (config.reconnect_max_s < config.reconnect_min_s) {
      throw CLI::ValidationError("--reconnect-max", "must not be below --reconnect-min");
    }
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return {std::nullopt, 0};
  } catch (const CLI::CallForVersion&) {
    out << "parrot " << kVersion << "\n";
    return {std::nullopt, 0};
  } catch (const CLI::Error& e) {
    std::string message = e.what();
    for (auto& c : message) {
      if (c == '\n') c = ' ';
    }
    err << "parrot: " << message << " (see parrot --help)\n";
    return {std::nullopt, 2};
  }
  return {std::move(config), 0};
}

}  // namespace parrot::bot
