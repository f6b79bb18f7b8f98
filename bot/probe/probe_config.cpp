#include "bot/probe/probe_config.hpp"

#include <CLI/CLI.hpp>
#include <gloox/jid.h>

#include <cstdlib>
#include <fstream>

#include "bot/version.hpp"
#include "transport/ice/ice_candidate.hpp"

namespace parrot::bot::probe {
namespace {

std::string read_password(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CLI::ValidationError("--password-file", "cannot read '" + path + "'");
  std::string secret;
  std::getline(in, secret);
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == '\n')) secret.pop_back();
  if (secret.empty()) throw CLI::ValidationError("--password-file", "'" + path + "' is empty");
  return secret;
}

// "1000", "64k", "2M": bytes, with binary multiples.
std::uint64_t parse_size(const std::string& text) {
  std::size_t used = 0;
  unsigned long long value = 0;
  try {
    value = std::stoull(text, &used);
  } catch (const std::exception&) {
    throw CLI::ValidationError("--file", "'" + text + "' is not a size such as 4096, 64k or 2M");
  }
  const std::string unit = text.substr(used);
  std::uint64_t scale = 1;
  if (unit == "k" || unit == "K") scale = 1024;
  else if (unit == "m" || unit == "M") scale = 1024 * 1024;
  else if (!unit.empty()) throw CLI::ValidationError("--file", "'" + text + "' is not a size such as 4096, 64k or 2M");
  if (value == 0 || value > (std::uint64_t{1} << 30) / scale) throw CLI::ValidationError("--file", "from 1 byte to 1 GiB");
  return value * scale;
}

}  // namespace

ProbeConfigResult parse_probe_config(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  ProbeConfigResult result;
  Config config;
  config.resource = "probe";
  config.log_level = "warn";
  ProbeOptions& options = result.options;
  CLI::App app{"parrot probe: log in as an ordinary account, call a parrot and judge the call. "
               "Exit 0: all checks passed; 1: a check failed; 2: usage; 3: no login; 4: a step timed out.",
               "parrot probe"};
  app.get_formatter()->column_width(34);

  std::string server, password_file, tls = "required", stun, file_size;
  std::vector<std::string> turns;
  // The connection, as parrot takes it (bot/config.cpp).
  app.add_option("--jid", config.jid, "The probing account, user@domain[/resource]")->required();
  app.add_option("--password-file", password_file, "File whose first line is the account password (or set PARROT_PASSWORD)");
  app.add_option("--server", server, "Connect to HOST[:PORT] instead of the domain's DNS SRV record");
  app.add_option("--tls", tls, "TLS policy: required (default) or optional")->check(CLI::IsMember({"required", "optional"}));
  app.add_option("--ca-file", config.ca_file, "Extra trusted CA certificates (PEM) for the server's certificate")
      ->check(CLI::ExistingFile);
  app.add_flag("--insecure-skip-verify", config.insecure_skip_verify, "Accept any server certificate (test servers only)");
  app.add_option("--resource", config.resource, "Resource to bind")->capture_default_str();
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn or error (to stderr)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--connect-timeout", config.connect_timeout_s, "Seconds allowed for each TCP connect")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  // ICE, as parrot takes it.
  app.add_option("--ice-address", config.ice_addresses, "Gather ICE candidates only on this IP (repeatable)");
  app.add_option("--ice-deny", config.ice_denied, "Never gather on this IP or prefix (repeatable)");
  app.add_option("--ice-port-min", config.ice_port_min, "Lowest local UDP port for call media")->check(CLI::Range(1, 65535));
  app.add_option("--ice-port-max", config.ice_port_max, "Highest local UDP port for call media")->check(CLI::Range(1, 65535));
  app.add_option("--stun", stun, "STUN server, HOST[:PORT], besides the server's own (XEP-0215)");
  app.add_option("--turn", turns, "TURN server (repeatable), turn:USER:PASSWORD@HOST[:PORT][?transport=udp|tcp] or turns:...");
  app.add_option("--external-services", config.external_services,
                 "Ask the XMPP server for STUN/TURN services, XEP-0215 (true/false)")
      ->capture_default_str();
  app.add_option("--call-connect-seconds", config.call_connect_seconds,
                 "The call's media path must connect within this long")
      ->check(CLI::Range(5, 300))
      ->capture_default_str();
  // What to probe.
  app.add_option("--target", options.target, "The parrot to call, user@domain")->required();
  app.add_flag("--relay-only", options.relay_only,
               "Use relay candidates only, so the call must go through TURN (the server's, by XEP-0215)");
  app.add_flag("--video", options.video, "Call with audio and video");
  app.add_option("--file", file_size, "Also send a file of SIZE bytes (4096, 64k, 2M) and check parrot's checksum");
  app.add_option("--seconds", options.seconds, "Seconds of media once the call is keyed")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  app.add_option("--step-timeout", options.step_timeout_s,
                 "Longest wait for one step: login, STUN/TURN discovery, the answer, each report")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  app.add_option("--junit", options.junit_path, "Write the checks as JUnit XML to this file");
  app.add_option("--json", options.json_path, "Write the result (checks and both reports) as JSON to this file");

  try {
    app.parse(argc, argv);
    gloox::JID jid;
    if (!jid.setJID(config.jid) || jid.username().empty() || jid.server().find('@') != std::string::npos) {
      throw CLI::ValidationError("--jid", "'" + config.jid + "' is not user@domain");
    }
    if (!jid.resource().empty()) config.resource = jid.resource();
    config.jid = jid.bare();
    gloox::JID target;
    if (!target.setJID(options.target) || target.username().empty() || !target.resource().empty()) {
      throw CLI::ValidationError("--target", "'" + options.target + "' is not user@domain");
    }
    options.target = target.bare();
    if (options.target == config.jid) throw CLI::ValidationError("--target", "must be another account than --jid");
    if (!server.empty() && !split_host_port(server, config.server_host, config.server_port)) {
      throw CLI::ValidationError("--server", "'" + server + "' is not HOST[:PORT]");
    }
    config.tls = tls == "optional" ? TlsPolicy::kOptional : TlsPolicy::kRequired;
    for (const auto& address : config.ice_addresses) {
      if (!transport::is_ip_literal(address)) {
        throw CLI::ValidationError("--ice-address", "'" + address + "' is not an IPv4 or IPv6 address");
      }
    }
    parse_ice_flags(config, stun, turns);
    if (!file_size.empty()) options.file_bytes = parse_size(file_size);
    if (!password_file.empty()) {
      config.password = read_password(password_file);
    } else if (const char* env = std::getenv("PARROT_PASSWORD"); env && *env) {
      config.password = env;
    } else {
      throw CLI::RequiredError("a password (--password-file FILE or PARROT_PASSWORD)");
    }
    // One attempt, no reconnects: a probe reports, it does not retry.
    config.stream_management = false;
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    result.exit_code = kProbeOk;
    return result;
  } catch (const CLI::Error& e) {
    std::string message = e.what();
    for (auto& c : message) {
      if (c == '\n') c = ' ';
    }
    err << "parrot probe: " << message << " (see parrot probe --help)\n";
    result.exit_code = kProbeUsage;
    return result;
  }
  result.config = std::move(config);
  return result;
}

}  // namespace parrot::bot::probe
