// parrot's configuration: command line, a TOML config file (--config), and
// secrets from a file or the environment, never only argv.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "bot/call/call_limits.hpp"
#include "bot/chat/chat_echo.hpp"
#include "bot/ice_servers.hpp"
#include "bot/store/store_location.hpp"
#include "bot/transfer/http_links.hpp"
#include "bot/transfer/jingle_transfers.hpp"
#include "bot/transfer/transfer_load.hpp"
#include "transport/ice/ice_agent.hpp"

namespace CLI {
class App;
}

namespace parrot::bot {

// Each part of the configuration is the struct the code that uses it takes
// (ChatPolicy, CallLimits, IceConfig, TransferLimits, HttpLinkOptions...):
// the flags are bound to its fields, so a default lives once, in the
// struct's member initializer, and App hands the parts on as they are.

enum class TlsPolicy { kRequired, kOptional };
enum class SubscriptionPolicy { kOpen, kDomains };

// parrot's own account and how to reach its server; `parrot probe` logs in
// with the same flags.
struct AccountConfig {
  std::string jid;              // bare; a resource given in --jid overrides --resource
  std::string password;         // from --password-file or PARROT_PASSWORD
  std::string server_host;      // empty: DNS SRV for the JID's domain
  std::uint16_t server_port = 5222;
  TlsPolicy tls = TlsPolicy::kRequired;
  std::string ca_file;          // extra trusted CA certificates (PEM)
  bool insecure_skip_verify = false;
  std::string resource = "parrot";
  int connect_timeout_s = 15;   // each TCP connect
};

// The XMPP stream once connected: keepalive, reconnects, acks.
struct StreamConfig {
  int ping_interval_s = 60;     // XEP-0199 keepalive towards the server
  int ping_timeout_s = 20;      // no pong by then: drop and reconnect
  int reconnect_min_s = 1;      // backoff after a disconnect...
  int reconnect_max_s = 60;     // ...doubling up to this cap
  bool stream_management = true;  // XEP-0198 acks (no resumption, see README)
};

// Who may add parrot as a contact.
struct SubscriptionConfig {
  SubscriptionPolicy policy = SubscriptionPolicy::kOpen;
  std::vector<std::string> allowed_domains;  // with kDomains: whose users may
};

// STUN and TURN for calls beyond the local side (which is an IceConfig).
struct IceServerConfig {
  std::optional<IceServer> stun;   // --stun; host may be a name (resolved at start)
  std::vector<IceServer> turn;     // --turn, repeatable; likewise
  bool external_services = true;   // ask the server for STUN/TURN (XEP-0215)
};

// File transfers: the limits every mechanism (HTTP links, Jingle FT, SI)
// shares, and Jingle FT's own settings.
struct TransferConfig {
  transfer::TransferLimits limits;
  transfer::JingleFtOptions jingle_ft;  // --checksum-grace-ms; App gives it `limits`
  // parrot's own SOCKS5 candidates (XEP-0260 direct), as given: no address
  // means every interface (and the public address), "none" means off.
  transfer::DirectCandidates s5b;
};

// The HTTP server: the report pages (docs/reports.md, "The report page"),
// /metrics, /healthz and /readyz (docs/configuration.md).
struct ReportPagesConfig {
  std::string listen_host;      // --http-listen ADDR:PORT; empty: no HTTP server
  std::uint16_t listen_port = 0;
  std::string public_url;       // the pages' base as people reach it; chat reports link it when set
};

struct Config {
  AccountConfig account;
  StreamConfig stream;
  SubscriptionConfig subscription;
  std::string data_dir = "parrot-data";
  StoreLocation store;           // --store: SQLite in data_dir, or PostgreSQL
  std::string log_level = "info";
  ChatPolicy chat;               // --echo-rate, --echo-burst, --echo-queue, --max-body-bytes
  call::CallLimits calls;
  std::size_t workers = 0;       // media threads; 0: one per core
  // SIGTERM: how long calls in progress may go on before parrot ends them
  // (with their reports) and exits.
  int drain_seconds = 30;
  // The local side of calls' ICE (docs/configuration.md, "STUN, TURN and
  // NAT"): --ice-address, --ice-deny, --ice-port-min/-max, --public-address.
  transport::IceConfig ice;
  IceServerConfig ice_servers;
  TransferConfig transfers;
  transfer::HttpLinkOptions links;  // docs/configuration.md, "HTTP Upload links"; App gives it the limits
  ReportPagesConfig report_pages;
  // --check-config: validate all of the above (and the --ca-file), print
  // config_summary() and exit, before anything touches the network.
  bool check_only = false;
};

struct ConfigResult {
  std::optional<Config> config;  // set when parrot should run
  int exit_code = 0;             // otherwise: 0 after --help/--version, 2 on error
};

// Parses argv (and the files it names). Help and version text go to `out`,
// a single-line error to `err`.
ConfigResult parse_config(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// The flags that need checking after parsing, as typed, until their
// check_*() puts them into their section.
struct SharedFlags {
  std::string server, password_file, stun;
  std::vector<std::string> turns;
};

// One function per section declares its flags on `app`, bound to the
// section's fields, with the section's values as the shown defaults.
// The account: --jid with `jid_help`, --password-file, --server, --tls,
// --ca-file, --insecure-skip-verify, --resource, --connect-timeout.
void add_account_options(CLI::App& app, AccountConfig& account, SharedFlags& flags, const std::string& jid_help);
// Calls' ICE: --ice-address, --stun, --turn, --ice-port-min/-max, --ice-deny.
void add_ice_options(CLI::App& app, transport::IceConfig& ice, SharedFlags& flags);
// What parrot and `parrot probe` share: the two above, in that order.
void add_shared_options(CLI::App& app, Config& config, SharedFlags& flags, const std::string& jid_help);
void add_stream_options(CLI::App& app, StreamConfig& stream);
void add_subscription_options(CLI::App& app, SubscriptionConfig& subscription);
void add_chat_options(CLI::App& app, ChatPolicy& chat);
void add_call_options(CLI::App& app, call::CallLimits& calls);
// --call-connect-seconds alone, with `help` (`parrot probe` words it its own way).
void add_call_connect_option(CLI::App& app, call::CallLimits& calls, const std::string& help);
// Behind a NAT: --public-address (the local ICE side) and --external-services.
void add_nat_options(CLI::App& app, transport::IceConfig& ice, IceServerConfig& servers);
void add_external_services_option(CLI::App& app, IceServerConfig& servers);
void add_transfer_options(CLI::App& app, TransferConfig& transfers);
void add_link_options(CLI::App& app, transfer::HttpLinkOptions& links);
// --http-listen is typed into `listen` until check_report_page_flags().
void add_report_page_options(CLI::App& app, ReportPagesConfig& pages, std::string& listen);

// Checks the shared flags into `config`: the JID normalised (its resource
// taken), the server split, the ICE flags, the password from the file or
// PARROT_PASSWORD. Throws CLI::Error naming the flag.
void check_shared_flags(Config& config, const SharedFlags& flags);

// One line naming what a checked configuration will do, for --check-config:
// the account and where it connects, the data dir, the media ports and
// public address, the HTTP listener. Never a secret.
std::string config_summary(const Config& config);

// Splits "host", "host:port", "[v6]:port" into parts; false if malformed.
bool split_host_port(const std::string& text, std::string& host, std::uint16_t& port);

}  // namespace parrot::bot
