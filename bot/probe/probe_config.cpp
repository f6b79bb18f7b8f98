#include "bot/probe/probe_config.hpp"

#include <CLI/CLI.hpp>
#include <gloox/jid.h>

namespace parrot::bot::probe {
namespace {

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
  config.account.resource = "probe";
  config.log_level = "warn";
  ProbeOptions& options = result.options;
  CLI::App app{"parrot probe: log in as an ordinary account, call a parrot and judge the call. "
               "Exit 0: all checks passed; 1: a check failed; 2: usage; 3: no login; 4: a step timed out.",
               "parrot probe"};
  app.get_formatter()->column_width(34);

  SharedFlags shared;
  std::string file_size;
  // The connection and ICE, as parrot takes them (bot/config.cpp).
  add_shared_options(app, config, shared, "The probing account, user@domain[/resource]");
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn or error (to stderr)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  add_external_services_option(app, config.ice_servers);
  add_call_connect_option(app, config.calls, "The call's media path must connect within this long");
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
    check_shared_flags(config, shared);
    gloox::JID target;
    if (!target.setJID(options.target) || target.username().empty() || !target.resource().empty()) {
      throw CLI::ValidationError("--target", "'" + options.target + "' is not user@domain");
    }
    options.target = target.bare();
    if (options.target == config.account.jid) throw CLI::ValidationError("--target", "must be another account than --jid");
    if (!file_size.empty()) options.file_bytes = parse_size(file_size);
    // One attempt, no reconnects: a probe reports, it does not retry.
    config.stream.stream_management = false;
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
