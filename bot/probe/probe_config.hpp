// `parrot probe`'s command line: the connection and ICE options parrot itself
// takes (same names, same meaning, same checks), plus what to probe.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "bot/config.hpp"

namespace parrot::bot::probe {

// Exit codes of `parrot probe` (docs/ci.md; README.md).
inline constexpr int kProbeOk = 0;
inline constexpr int kProbeFailed = 1;    // a check failed: no login-free verdict, no relay, bad checksum...
inline constexpr int kProbeUsage = 2;     // bad options, unreadable files
inline constexpr int kProbeNoLogin = 3;   // could not connect or authenticate
inline constexpr int kProbeTimeout = 4;   // a step did not finish in time (login, answer, reports)

struct ProbeOptions {
  std::string target;          // the parrot to call, a bare JID
  bool relay_only = false;     // only relay candidates: the server's TURN must carry the call
  bool video = false;          // audio + video (the test pattern) instead of audio only
  std::uint64_t file_bytes = 0;  // send a file this large too (0: none)
  int seconds = 5;             // media time once the call is keyed
  int step_timeout_s = 20;     // longest wait for any one step
  std::string junit_path;      // JUnit XML, one testsuite (empty: none)
  std::string json_path;       // the probe's JSON result (empty: none)
};

struct ProbeConfigResult {
  std::optional<Config> config;  // the account and ICE settings, as parrot reads them
  ProbeOptions options;
  int exit_code = 0;             // when config is empty: 0 after --help, 2 on error
};

// Parses `argv` as `parrot probe ...` (argv[0] is "probe").
ProbeConfigResult parse_probe_config(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace parrot::bot::probe
