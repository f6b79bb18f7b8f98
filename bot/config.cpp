#include "bot/config.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "bot/version.hpp"

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

bool valid_jid(const std::string& jid) {
  const auto at = jid.find('@');
  const auto slash = jid.find('/');
  const std::string domain = jid.substr(at == std::string::npos ? 0 : at + 1,
                                        slash == std::string::npos ? std::string::npos : slash - at - 1);
  return at != std::string::npos && at > 0 && !domain.empty() && domain.find('@') == std::string::npos &&
         (slash == std::string::npos || (slash > at && slash + 1 < jid.size()));
}

}  // namespace

bool split_host_port(const std::string& text, std::string& host, std::uint16_t& port) {
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos) return false;
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return false;
      port_text = text.substr(close + 2);
      if (port_text.empty()) return false;
    }
  } else {
    const auto colon = text.rfind(':');
    if (colon != std::string::npos && text.find(':') == colon) {
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
      if (port_text.empty()) return false;
    } else {
      host = text;  // a bare IPv6 address without brackets has several colons
    }
  }
  if (host.empty()) return false;
  if (!port_text.empty()) {
    if (port_text.find_first_not_of("0123456789") != std::string::npos || port_text.size() > 5) return false;
    const long value = std::stol(port_text);
    if (value < 1 || value > 65535) return false;
    port = static_cast<std::uint16_t>(value);
  }
  return true;
}

ConfigResult parse_config(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  Config config;
  CLI::App app{"parrot: an XMPP echo and test bot. Add it as a contact; it echoes what you write.", "parrot"};
  app.set_version_flag("--version", std::string("parrot ") + kVersion);
  app.set_config("--config", "", "Read options from this TOML file (keys are the long option names)");
  app.allow_config_extras(false);
  app.get_formatter()->column_width(34);

  std::string server;
  std::string password_file;
  std::string tls = "required";
  std::string subscription = "open";

  app.add_option("--jid", config.jid, "parrot's account, user@domain[/resource]")->required();
  app.add_option("--password-file", password_file,
                 "File whose first line is the account password (or set PARROT_PASSWORD)");
  app.add_option("--server", server, "Connect to HOST[:PORT] instead of the domain's DNS SRV record");
  app.add_option("--tls", tls, "TLS policy: required (default) or optional")
      ->check(CLI::IsMember({"required", "optional"}));
  app.add_option("--ca-file", config.ca_file, "Extra trusted CA certificates (PEM) for the server's certificate")
      ->check(CLI::ExistingFile);
  app.add_flag("--insecure-skip-verify", config.insecure_skip_verify,
               "Accept any server certificate (for test servers only; logged loudly)");
  app.add_option("--resource", config.resource, "Resource to bind")->capture_default_str();
  app.add_option("--data-dir", config.data_dir, "Directory for parrot's state")->capture_default_str();
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn or error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--subscription-policy", subscription,
                 "Who may add parrot: open (default) or domains (only --allow-domain)")
      ->check(CLI::IsMember({"open", "domains"}));
  app.add_option("--allow-domain", config.allowed_domains, "A domain whose users may add parrot (repeatable)");
  app.add_option("--echo-rate", config.echo_rate_per_second, "Sustained echoes per second per sender")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--echo-burst", config.echo_burst, "Echoes a sender may send at once")
      ->check(CLI::Range(1.0, 1e9))
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
  app.add_option("--connect-timeout", config.connect_timeout_s, "Seconds allowed for each TCP connect")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  app.add_option("--stream-management", config.stream_management, "Use XEP-0198 acks (true/false)")
      ->capture_default_str();

  try {
    app.parse(argc, argv);
    if (!valid_jid(config.jid)) throw CLI::ValidationError("--jid", "'" + config.jid + "' is not user@domain");
    if (const auto slash = config.jid.find('/'); slash != std::string::npos) {
      config.resource = config.jid.substr(slash + 1);
      config.jid.resize(slash);
    }
    if (!server.empty() && !split_host_port(server, config.server_host, config.server_port)) {
      throw CLI::ValidationError("--server", "'" + server + "' is not HOST[:PORT]");
    }
    config.tls = tls == "optional" ? TlsPolicy::kOptional : TlsPolicy::kRequired;
    config.subscription_policy = subscription == "domains" ? SubscriptionPolicy::kDomains : SubscriptionPolicy::kOpen;
    if (config.subscription_policy == SubscriptionPolicy::kDomains && config.allowed_domains.empty()) {
      throw CLI::ValidationError("--subscription-policy", "'domains' needs at least one --allow-domain");
    }
    if (config.reconnect_max_s < config.reconnect_min_s) {
      throw CLI::ValidationError("--reconnect-max", "must not be below --reconnect-min");
    }
    if (!password_file.empty()) {
      config.password = read_secret_file(password_file);
    } else if (const char* env = std::getenv("PARROT_PASSWORD"); env && *env) {
      config.password = env;
    } else {
      throw CLI::RequiredError("no password: use --password-file FILE or the PARROT_PASSWORD environment variable");
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
