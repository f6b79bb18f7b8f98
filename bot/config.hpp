// parrot's configuration: command line, a TOML config file (--config), and
// secrets from a file or the environment, never only argv.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "bot/ice_servers.hpp"

namespace CLI {
class App;
}

namespace parrot::transport {
struct IceConfig;
}

namespace parrot::bot {

enum class TlsPolicy { kRequired, kOptional };
enum class SubscriptionPolicy { kOpen, kDomains };

struct Config {
  std::string jid;              // parrot's own account; a resource here overrides --resource
  std::string password;         // from --password-file or PARROT_PASSWORD
  std::string server_host;      // empty: DNS SRV for the JID's domain
  std::uint16_t server_port = 5222;
  TlsPolicy tls = TlsPolicy::kRequired;
  std::string ca_file;          // extra trusted CA certificates (PEM)
  bool insecure_skip_verify = false;
  std::string resource = "parrot";
  std::string data_dir = "parrot-data";
  std::string log_level = "info";

  SubscriptionPolicy subscription_policy = SubscriptionPolicy::kOpen;
  std::vector<std::string> allowed_domains;  // with kDomains: who may add parrot

  double echo_rate_per_second = 25.0;  // sustained echoes per sender; faster ones wait
  double echo_burst = 50.0;            // echoes a sender may get at once
  std::size_t echo_queue = 1000;       // messages a sender may have waiting; more are refused
  std::size_t max_body_bytes = 4096;  // larger bodies get a refusal

  int ping_interval_s = 60;           // XEP-0199 keepalive towards the server
  int ping_timeout_s = 20;            // no pong by then: drop and reconnect
  int reconnect_min_s = 1;            // backoff after a disconnect...
  int reconnect_max_s = 60;           // ...doubling up to this cap
  int connect_timeout_s = 15;
  bool stream_management = true;      // XEP-0198 acks (no resumption, see README)

  // Calls.
  std::vector<std::string> ice_addresses;  // gather only on these IPs (127.0.0.1 allowed); empty: all interfaces
  int max_call_seconds = 600;              // a call that long is ended, with a report
  std::size_t max_calls = 100;             // at once, all contacts together
  std::size_t max_calls_per_contact = 2;
  int call_connect_seconds = 20;           // ICE (and DTLS) must connect by then
  int no_media_seconds = 20;               // no RTP from the caller this long ends the call
  std::size_t workers = 0;                 // media threads; 0: one per core

  // Operator ICE settings (docs/configuration.md, "STUN, TURN and NAT").
  std::optional<IceServer> stun_server;    // --stun; host may be a name (resolved at start)
  std::vector<IceServer> turn_servers;     // --turn, repeatable; likewise
  std::uint16_t ice_port_min = 0;          // both 0: any port
  std::uint16_t ice_port_max = 0;
  std::string public_address;              // 1:1 NAT: also advertise this IP (srflx)
  std::vector<std::string> ice_denied;     // never gather on these IPs or prefixes ("10.", "fe80:")
  bool external_services = true;           // ask the server for STUN/TURN (XEP-0215)

  // File transfers, shared by every mechanism (HTTP links, Jingle FT, SI).
  std::uint64_t max_file_bytes = std::uint64_t{4} << 30;  // larger offers are refused
  std::size_t max_transfers = 20;              // at once, all contacts together
  std::size_t max_transfers_per_contact = 3;
  int checksum_grace_ms = 3000;  // after a Jingle file's last byte, for the sender's late <checksum/>
  int transfer_idle_seconds = 30;              // no byte (or no next step) for this long ends a transfer
  // parrot's own SOCKS5 candidates for Jingle FT (XEP-0260 direct).
  std::vector<std::string> s5b_addresses;  // advertised IPs; empty: every interface (+ public_address); "none": off
  std::uint16_t s5b_port_min = 0;          // both 0: any port
  std::uint16_t s5b_port_max = 0;
  // HTTP Upload links (docs/configuration.md, "HTTP Upload links").
  bool allow_http_links = false;           // plain http:// too (tests only)
  bool allow_private_links = false;        // loopback/private/link-local addresses too (tests only)
  std::vector<std::string> link_allow_hosts;  // beyond the sender's domain and its upload services
  std::string link_ca_file;                // extra trusted CA (PEM) for link downloads
  int link_timeout_seconds = 300;          // a download taking longer is cut off
  std::vector<std::string> link_resolve;   // HOST:PORT:ADDRESS, bypassing DNS (tests)

  // The report pages (docs/reports.md, "The report page").
  std::string http_listen_host;            // --http-listen ADDR:PORT; empty: no HTTP server
  std::uint16_t http_listen_port = 0;
  std::string public_url;                  // the pages' base as people reach it; chat reports link it when set
};

struct ConfigResult {
  std::optional<Config> config;  // set when parrot should run
  int exit_code = 0;             // otherwise: 0 after --help/--version, 2 on error
};

// Parses argv (and the files it names). Help and version text go to `out`,
// a single-line error to `err`.
ConfigResult parse_config(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// The account, connection and ICE flags parrot and `parrot probe` share,
// as typed, until check_shared_flags() puts them into a Config.
struct SharedFlags {
  std::string server, password_file, tls = "required", stun;
  std::vector<std::string> turns;
};
// Declares them on `app` (--jid with `jid_help`, --password-file, --server,
// --tls, --ca-file, --insecure-skip-verify, --resource, --connect-timeout,
// --ice-address, --ice-deny, --ice-port-min/-max, --stun, --turn).
void add_shared_options(CLI::App& app, Config& config, SharedFlags& flags, const std::string& jid_help);
// Checks them into `config`: the JID normalised (its resource taken), the
// server split, the ICE flags, the password from the file or
// PARROT_PASSWORD. Throws CLI::Error naming the flag.
void check_shared_flags(Config& config, const SharedFlags& flags);

// The local side of calls' ICE from the flags: --ice-address, --ice-deny,
// the port range and --public-address (STUN/TURN come later, resolved).
transport::IceConfig local_ice_config(const Config& config);

// Splits "host", "host:port", "[v6]:port" into parts; false if malformed.
bool split_host_port(const std::string& text, std::string& host, std::uint16_t& port);

}  // namespace parrot::bot
