#include "bot/config.hpp"

#include <CLI/CLI.hpp>
#include <gio/gio.h>
#include <gloox/jid.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include <unistd.h>

#include "bot/version.hpp"
#include "transport/decimal.hpp"
#include "transport/ice/ice_agent.hpp"
#include "transport/ice/ice_candidate.hpp"

namespace parrot::bot {
namespace {

std::string read_secret_file(const std::string& path, const std::string& flag = "--password-file") {
  std::ifstream in(path);
  if (!in) throw CLI::ValidationError(flag, "cannot read '" + path + "'");
  std::string secret;
  std::getline(in, secret);
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == '\n')) secret.pop_back();
  if (secret.empty()) throw CLI::ValidationError(flag, "'" + path + "' is empty");
  return secret;
}

std::string default_instance_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(*host ? host : "parrot") + ":" + std::to_string(::getpid());
}

// A component has no account: its domain and secret stand for --jid and
// the password, and XEP-0114 has no SRV record to find the server by.
void check_component_flags(Config& config, const SharedFlags& flags) {
  auto& account = config.account;
  gloox::JID domain;
  if (!domain.setJID(account.component) || !domain.username().empty() || !domain.resource().empty() ||
      domain.server().find('.') == std::string::npos) {
    throw CLI::ValidationError("--component", "'" + account.component + "' is not a domain such as echo.example.org");
  }
  account.component = domain.server();
  if (account.parent_domain.empty()) account.parent_domain = account.component.substr(account.component.find('.') + 1);
  if (flags.server.empty()) throw CLI::RequiredError("--server HOST:PORT (the server's component port) with --component");
  if (!split_host_port(flags.server, account.server_host, account.server_port)) {
    throw CLI::ValidationError("--server", "'" + flags.server + "' is not HOST[:PORT]");
  }
  if (!flags.component_secret_file.empty()) {
    account.password = read_secret_file(flags.component_secret_file, "--component-secret-file");
  } else if (const char* env = std::getenv("PARROT_COMPONENT_SECRET"); env && *env) {
    account.password = env;
  } else {
    throw CLI::RequiredError("a component secret (--component-secret-file FILE or PARROT_COMPONENT_SECRET)");
  }
}

// CLI11 has no std::chrono: a duration flag reads a whole number of the
// duration's units and shows its default the same way.
template <typename Duration>
CLI::Option* add_duration_option(CLI::App& app, const std::string& name, Duration& value, const std::string& help) {
  return app.add_option<Duration, typename Duration::rep>(name, value, help)->default_str(std::to_string(value.count()));
}

// parrot's own SOCKS5 candidates: IP literals (or just "none") and a port
// range given whole.
void check_s5b_flags(const transfer::DirectCandidates& s5b) {
  const auto& addresses = s5b.addresses;
  const bool none = std::find(addresses.begin(), addresses.end(), "none") != addresses.end();
  if (none && addresses.size() > 1) throw CLI::ValidationError("--s5b-address", "'none' goes alone");
  for (const auto& address : addresses) {
    if (address != "none" && !transport::is_ip_literal(address)) {
      throw CLI::ValidationError("--s5b-address", "'" + address + "' is not an IPv4 or IPv6 address");
    }
  }
  if ((s5b.port_min == 0) != (s5b.port_max == 0)) {
    throw CLI::ValidationError("--s5b-port-min", "--s5b-port-min and --s5b-port-max go together");
  }
  if (s5b.port_min > s5b.port_max) {
    throw CLI::ValidationError("--s5b-port-max", "must not be below --s5b-port-min");
  }
}

// The ICE flags, checked here so a bad value stops parrot at start with the
// flag's name instead of failing each call later in libnice.
void check_ice_flags(const transport::IceConfig& ice, IceServerConfig& servers, const std::string& stun,
                     const std::vector<std::string>& turns) {
  std::string error;
  if (!stun.empty()) {
    servers.stun = parse_stun_server(stun, error);
    if (!servers.stun) throw CLI::ValidationError("--stun", error);
  }
  for (const auto& text : turns) {
    auto server = parse_turn_server(text, error);
    if (!server) throw CLI::ValidationError("--turn", error);
    servers.turn.push_back(std::move(*server));
  }
  if ((ice.port_min == 0) != (ice.port_max == 0)) {
    throw CLI::ValidationError("--ice-port-min", "--ice-port-min and --ice-port-max go together");
  }
  if (ice.port_min > ice.port_max) {
    throw CLI::ValidationError("--ice-port-max", "must not be below --ice-port-min");
  }
  if (!ice.public_address.empty() && !transport::is_ip_literal(ice.public_address)) {
    throw CLI::ValidationError("--public-address", "'" + ice.public_address + "' is not an IPv4 or IPv6 address");
  }
  for (const auto& entry : ice.denied_addresses) {
    if (!transport::is_deny_entry(entry)) {
      throw CLI::ValidationError("--ice-deny", "'" + entry + "' is not an IP address or a prefix ending in '.' or ':'");
    }
  }
}

// curl's --resolve syntax, checked here so a typo stops parrot at start
// instead of sending links to DNS.
void check_link_flags(const transfer::HttpLinkOptions& links) {
  for (const auto& entry : links.resolve) {
    const auto host_end = entry.find(':');
    const auto port_end = host_end == std::string::npos ? host_end : entry.find(':', host_end + 1);
    std::string address = port_end == std::string::npos ? "" : entry.substr(port_end + 1);
    if (address.size() > 2 && address.front() == '[' && address.back() == ']') address = address.substr(1, address.size() - 2);
    const std::string port = port_end == std::string::npos ? "" : entry.substr(host_end + 1, port_end - host_end - 1);
    if (host_end == 0 || !transport::parse_decimal<std::uint64_t>(port) || !transport::is_ip_literal(address)) {
      throw CLI::ValidationError("--link-resolve", "'" + entry + "' is not HOST:PORT:ADDRESS");
    }
  }
}

void check_report_page_flags(ReportPagesConfig& pages, const std::string& listen) {
  if (!listen.empty() &&
      (!split_host_port(listen, pages.listen_host, pages.listen_port) || !transport::is_ip_literal(pages.listen_host))) {
    throw CLI::ValidationError("--http-listen", "'" + listen + "' is not ADDR:PORT with an IP address");
  }
  auto& url = pages.public_url;
  if (!url.empty()) {
    if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
      throw CLI::ValidationError("--public-url", "'" + url + "' is not an http:// or https:// URL");
    }
    const std::size_t host_at = url.find("://") + 3;
    while (url.size() > host_at && url.back() == '/') url.pop_back();
    if (url.size() <= host_at) throw CLI::ValidationError("--public-url", "names no host");
  }
}

}  // namespace

void add_account_options(CLI::App& app, AccountConfig& account, SharedFlags& flags, const std::string& jid_help) {
  app.add_option("--jid", account.jid, jid_help)->required();
  app.add_option("--password-file", flags.password_file,
                 "File whose first line is the account password (or set PARROT_PASSWORD)");
  app.add_option("--server", flags.server, "Connect to HOST[:PORT] instead of the domain's DNS SRV record");
  app.add_option_function<std::string>(
         "--tls", [&account](const std::string& tls) {
           account.tls = tls == "optional" ? TlsPolicy::kOptional : TlsPolicy::kRequired;
         },
         "TLS policy: required (default) or optional")
      ->check(CLI::IsMember({"required", "optional"}));
  app.add_option("--ca-file", account.ca_file, "Extra trusted CA certificates (PEM) for the server's certificate")
      ->check(CLI::ExistingFile);
  app.add_flag("--insecure-skip-verify", account.insecure_skip_verify,
               "Accept any server certificate (for test servers only; logged loudly)");
  app.add_option("--resource", account.resource, "Resource to bind")->capture_default_str();
  app.add_option("--connect-timeout", account.connect_timeout_s, "Seconds allowed for each TCP connect")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
}

void add_ice_options(CLI::App& app, transport::IceConfig& ice, SharedFlags& flags) {
  app.add_option("--ice-address", ice.allowed_addresses,
                 "Gather ICE candidates only on this IP (repeatable; 127.0.0.1 allowed). Default: every interface");
  app.add_option("--stun", flags.stun, "STUN server for calls, HOST[:PORT] (port 3478 by default)");
  app.add_option("--turn", flags.turns,
                 "TURN server for calls (repeatable): turn:USER:PASSWORD@HOST[:PORT][?transport=udp|tcp] "
                 "or turns:USER:PASSWORD@HOST[:PORT] (TLS); USER and PASSWORD percent-encoded");
  app.add_option("--ice-port-min", ice.port_min, "Lowest local UDP port for call media (with --ice-port-max)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--ice-port-max", ice.port_max, "Highest local UDP port for call media")->check(CLI::Range(1, 65535));
  app.add_option("--ice-deny", ice.denied_addresses,
                 "Never gather on this IP, or on a prefix ending in '.' or ':' such as 10. or fe80: (repeatable)");
}

void add_shared_options(CLI::App& app, Config& config, SharedFlags& flags, const std::string& jid_help) {
  add_account_options(app, config.account, flags, jid_help);
  add_ice_options(app, config.ice, flags);
}

void add_subscription_options(CLI::App& app, SubscriptionConfig& subscription) {
  app.add_option_function<std::string>(
         "--subscription-policy", [&subscription](const std::string& policy) {
           subscription.policy = policy == "domains" ? SubscriptionPolicy::kDomains : SubscriptionPolicy::kOpen;
         },
         "Who may add parrot: open (default) or domains (only --allow-domain)")
      ->check(CLI::IsMember({"open", "domains"}));
  app.add_option("--allow-domain", subscription.allowed_domains, "A domain whose users may add parrot (repeatable)");
}

void add_chat_options(CLI::App& app, ChatPolicy& chat) {
  app.add_option("--echo-rate", chat.rate_per_second, "Sustained echoes per second per sender; faster messages wait in a queue")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--echo-burst", chat.burst, "Echoes a sender may send at once")
      ->check(CLI::Range(1.0, 1e9))
      ->capture_default_str();
  app.add_option("--echo-queue", chat.max_queued_per_sender,
                 "Messages a sender may have waiting for their echo; beyond it they are refused with a notice")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1'000'000}))
      ->capture_default_str();
  app.add_option("--max-body-bytes", chat.max_body_bytes, "Longer message bodies are refused, not echoed")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 24))
      ->capture_default_str();
}

void add_stream_options(CLI::App& app, StreamConfig& stream) {
  app.add_option("--ping-interval", stream.ping_interval_s, "Seconds between keepalive pings to the server")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--ping-timeout", stream.ping_timeout_s, "Seconds to wait for a pong before reconnecting")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--reconnect-min", stream.reconnect_min_s, "First reconnect delay in seconds")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--reconnect-max", stream.reconnect_max_s, "Cap of the reconnect delay in seconds")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--stream-management", stream.stream_management, "Use XEP-0198 acks (true/false)")
      ->capture_default_str();
}

void add_call_connect_option(CLI::App& app, call::CallLimits& calls, const std::string& help) {
  add_duration_option(app, "--call-connect-seconds", calls.connect_timeout, help)->check(CLI::Range(5, 300));
}

void add_call_options(CLI::App& app, call::CallLimits& calls) {
  add_duration_option(app, "--max-call-seconds", calls.max_length, "Calls are ended after this long, with a report")
      ->check(CLI::Range(10, 86400));
  app.add_option("--max-calls", calls.max_calls, "Calls at once; more are answered busy")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--max-calls-per-contact", calls.max_calls_per_contact, "Calls at once from one contact")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  add_call_connect_option(app, calls,
                          "A call whose media path has not connected after this long is ended, with a report");
  add_duration_option(app, "--no-media-seconds", calls.no_media_timeout,
                      "A connected call that carries no RTP from the caller for this long is ended, with a report")
      ->check(CLI::Range(5, 3600));
}

void add_external_services_option(CLI::App& app, IceServerConfig& servers) {
  app.add_option("--external-services", servers.external_services,
                 "Ask the XMPP server for STUN/TURN services, XEP-0215 (true/false)")
      ->capture_default_str();
}

void add_nat_options(CLI::App& app, transport::IceConfig& ice, IceServerConfig& servers) {
  app.add_option("--public-address", ice.public_address,
                 "1:1 NAT: the public IP that maps to this host; advertised as a srflx candidate");
  add_external_services_option(app, servers);
}

void add_transfer_options(CLI::App& app, TransferConfig& transfers) {
  auto& limits = transfers.limits;
  app.add_option("--max-file-bytes", limits.max_file_bytes, "Largest file parrot accepts; larger offers are refused")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 50))
      ->capture_default_str();
  app.add_option("--max-transfers", limits.max_transfers, "File transfers at once, all contacts together")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--max-transfers-per-contact", limits.max_per_contact, "File transfers at once from one contact")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  add_duration_option(app, "--checksum-grace-ms", transfers.jingle_ft.checksum_grace,
                      "After a Jingle file's last byte, how long to wait for the sender's checksum (XEP-0234 sends it "
                      "after the data) before reporting without it")
      ->check(CLI::Range(0, 60000));
  add_duration_option(app, "--transfer-idle-seconds", limits.idle,
                      "A file transfer that makes no progress for this long is ended, with a report")
      ->check(CLI::Range(1, 3600));
  app.add_option("--s5b-address", transfers.s5b.addresses,
                 "Offer SOCKS5 file-transfer candidates of parrot's own on this IP (repeatable; 127.0.0.1 allowed; "
                 "'none': offer none). Default: every interface's address and --public-address");
  app.add_option("--s5b-port-min", transfers.s5b.port_min,
                 "Lowest local TCP port for parrot's SOCKS5 file-transfer candidates (with --s5b-port-max)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--s5b-port-max", transfers.s5b.port_max, "Highest local TCP port for parrot's SOCKS5 candidates")
      ->check(CLI::Range(1, 65535));
}

void add_link_options(CLI::App& app, transfer::HttpLinkOptions& links) {
  app.add_flag("--allow-http-links", links.allow_http, "Also fetch plain http:// file links (for tests)");
  app.add_flag("--allow-private-links", links.allow_private,
               "Also fetch links that resolve to loopback, private or link-local addresses (for tests)");
  app.add_option("--link-allow-host", links.extra_hosts,
                 "A host whose file links are fetched, beyond the sender's domain and its upload services (repeatable)");
  app.add_option("--link-ca-file", links.ca_file, "Extra trusted CA certificates (PEM) for file link downloads")
      ->check(CLI::ExistingFile);
  add_duration_option(app, "--link-timeout-seconds", links.total, "A file link download taking longer is cut off")
      ->check(CLI::Range(1, 86400));
  app.add_option("--link-resolve", links.resolve,
                 "HOST:PORT:ADDRESS: connect file links to HOST:PORT at ADDRESS without DNS, like curl --resolve "
                 "(for tests; repeatable; the address is still checked)");
}

void add_component_options(CLI::App& app, Config& config, SharedFlags& flags) {
  app.get_option("--jid")->required(false);
  app.add_option("--component", config.account.component,
                 "Run as an XEP-0114 component for this domain (instead of --jid); needs --server HOST:PORT");
  app.add_option("--component-secret-file", flags.component_secret_file,
                 "File whose first line is the component's secret (or set PARROT_COMPONENT_SECRET)");
  app.add_option("--parent-domain", config.account.parent_domain,
                 "With --component: the server asked for STUN/TURN, the SOCKS5 proxy and pings "
                 "(default: the component domain minus its first label)");
  app.add_option("--instance-name", config.instance_name,
                 "This process's name in its echoes' marker (default: host name:process id)");
}

void add_report_page_options(CLI::App& app, ReportPagesConfig& pages, std::string& listen) {
  app.add_option("--http-listen", listen,
                 "ADDR:PORT: serve the report pages (/reports/<secret>), /metrics (Prometheus), /healthz and "
                 "/readyz over HTTP here; off by default");
  app.add_option("--public-url", pages.public_url,
                 "The report pages' base URL as people reach it (https://host); chat reports then link their page");
}

void check_shared_flags(Config& config, const SharedFlags& flags) {
  auto& account = config.account;
  if (account.is_component() || !flags.component_secret_file.empty()) {
    if (!account.jid.empty()) throw CLI::ValidationError("--component", "give either --jid or --component, not both");
    check_component_flags(config, flags);
    for (const auto& address : config.ice.allowed_addresses) {
      if (!transport::is_ip_literal(address)) {
        throw CLI::ValidationError("--ice-address", "'" + address + "' is not an IPv4 or IPv6 address");
      }
    }
    check_ice_flags(config.ice, config.ice_servers, flags.stun, flags.turns);
    return;
  }
  if (account.jid.empty()) throw CLI::RequiredError("--jid (or --component)");
  // gloox's JID applies the RFC 7622 profiles (nodeprep, nameprep,
  // resourceprep) but lets a second '@' into the domain.
  gloox::JID jid;
  if (!jid.setJID(account.jid) || jid.username().empty() || jid.server().find('@') != std::string::npos) {
    throw CLI::ValidationError("--jid", "'" + account.jid + "' is not user@domain");
  }
  if (!jid.resource().empty()) account.resource = jid.resource();
  account.jid = jid.bare();
  if (!flags.server.empty() && !split_host_port(flags.server, account.server_host, account.server_port)) {
    throw CLI::ValidationError("--server", "'" + flags.server + "' is not HOST[:PORT]");
  }
  for (const auto& address : config.ice.allowed_addresses) {
    if (!transport::is_ip_literal(address)) {
      throw CLI::ValidationError("--ice-address", "'" + address + "' is not an IPv4 or IPv6 address");
    }
  }
  check_ice_flags(config.ice, config.ice_servers, flags.stun, flags.turns);
  if (!flags.password_file.empty()) {
    account.password = read_secret_file(flags.password_file);
  } else if (const char* env = std::getenv("PARROT_PASSWORD"); env && *env) {
    account.password = env;
  } else {
    throw CLI::RequiredError("a password (--password-file FILE or PARROT_PASSWORD)");
  }
}

std::string config_summary(const Config& config) {
  const auto& account = config.account;
  std::string summary = "parrot: configuration OK: ";
  summary += account.is_component() ? "component " + account.component + "/" + account.resource
                                    : account.jid + "/" + account.resource;
  summary += " via ";
  summary += account.server_host.empty() ? "DNS SRV of " + gloox::JID(account.jid).server()
                                         : account.server_host + ":" + std::to_string(account.server_port);
  summary += ", data dir " + config.data_dir;
  summary += config.store.kind == StoreLocation::Kind::kPostgres ? ", store " + redact_store_url(config.store.url)
                                                                 : ", store sqlite";
  const auto& ice = config.ice;
  summary += ice.port_min == 0 ? ", media on any UDP port"
                               : ", media on UDP " + std::to_string(ice.port_min) + "-" + std::to_string(ice.port_max);
  if (!ice.public_address.empty()) summary += ", public address " + ice.public_address;
  const auto& pages = config.report_pages;
  if (!pages.listen_host.empty()) {
    const bool v6 = pages.listen_host.find(':') != std::string::npos;
    summary += ", HTTP on " + (v6 ? "[" + pages.listen_host + "]" : pages.listen_host) + ":" +
               std::to_string(pages.listen_port);
  }
  if (config.store.kind == StoreLocation::Kind::kPostgres) summary += ", store " + redact_store_url(config.store.url);
  return summary;
}
std::string AccountConfig::domain() const { return is_component() ? component : gloox::JID(jid).server(); }

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
  // Command line only: a config file that checked itself would never run.
  app.add_flag("--check-config", config.check_only,
               "Check the configuration (this file, the flags, the secret and CA files) and exit: 0 and a "
               "one-line summary, or 2 and the error. Nothing is connected")
      ->configurable(false);
  app.get_formatter()->column_width(34);
  app.footer("parrot probe --help: the call test for CI and server operators (docs/ci.md).");

  SharedFlags shared;
  std::string http_listen;
  // The order here is --help's.
  add_shared_options(app, config, shared, "parrot's account, user@domain[/resource]");
  add_component_options(app, config, shared);
  app.add_option("--data-dir", config.data_dir, "Directory for parrot's state")->capture_default_str();
  std::string store;
  app.add_option("--store", store,
                 "Where reports, welcomes, !delay/!mode and contacts live: 'sqlite' (DATA_DIR/reports.sqlite) or a "
                 "postgresql:// URL shared by several instances (password from PGPASSWORD or a passfile, not the URL)")
      ->default_str("sqlite");
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn or error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  add_subscription_options(app, config.subscription);
  add_chat_options(app, config.chat);
  add_stream_options(app, config.stream);
  add_call_options(app, config.calls);
  app.add_option("--workers", config.workers, "Media threads (0: one per core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  app.add_option("--drain-seconds", config.drain_seconds,
                 "On SIGTERM, calls in progress may go on this long before parrot ends them (with their reports) "
                 "and exits; new calls and transfers are refused meanwhile")
      ->check(CLI::Range(0, 86400))
      ->capture_default_str();
  add_nat_options(app, config.ice, config.ice_servers);
  add_transfer_options(app, config.transfers);
  add_link_options(app, config.links);
  add_report_page_options(app, config.report_pages, http_listen);

  try {
    app.parse(argc, argv);
    check_shared_flags(config, shared);
    if (config.instance_name.empty()) config.instance_name = default_instance_name();
    if (config.subscription.policy == SubscriptionPolicy::kDomains && config.subscription.allowed_domains.empty()) {
      throw CLI::ValidationError("--subscription-policy", "'domains' needs at least one --allow-domain");
    }
    check_s5b_flags(config.transfers.s5b);
    check_link_flags(config.links);
    check_report_page_flags(config.report_pages, http_listen);
    std::string store_why;
    if (auto location = parse_store_location(store, store_why)) {
      config.store = std::move(*location);
    } else {
      throw CLI::ValidationError("--store", store_why);
    }
    if (config.stream.reconnect_max_s < config.stream.reconnect_min_s) {
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
