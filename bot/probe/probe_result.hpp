// What `parrot probe` found, as CI reads it: one check per step (JUnit
// testcases), the probe's own call report and the target parrot's, and the
// exit code. Pure: built by the probe, turned into text here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace parrot::bot::probe {

enum class CheckStatus { kPassed, kFailed, kSkipped };

struct Check {
  std::string name;     // "login", "stun-turn-discovered", "call-verdict", "relay-path", "file-checksum"
  CheckStatus status = CheckStatus::kSkipped;
  std::string message;  // what was seen, or why it failed or was skipped
  double seconds = 0;   // how long the step took
};

struct ProbeResult {
  std::string account;  // the probing account (bare JID)
  std::string target;
  std::vector<Check> checks;
  int exit_code = 0;
  std::string failure;  // the first failure, one line (empty when all passed)
  double seconds_to_verdict = 0;  // from start to the call's verdict (or the failure)
  double seconds_to_media = 0;    // from start to keyed media (0: never)
  unsigned relay_candidates = 0;  // relay candidates the probe gathered (and announced)
  std::vector<std::string> ice_servers;  // what the call used, described without credentials
  std::string probe_summary;             // the probe's own call report (what came back from the target)
  std::optional<nlohmann::json> probe_report;
  std::string target_summary;            // the target parrot's chat report after the call
  std::optional<nlohmann::json> target_report;
  std::string file_summary;              // the target's file report, with --file
  std::optional<nlohmann::json> file_report;
};

// The report for a terminal: each check on a line, then both call reports.
std::string to_text(const ProbeResult& result);
// One <testsuite name="parrot probe"> with a <testcase> per check.
std::string to_junit(const ProbeResult& result);
nlohmann::json to_json(const ProbeResult& result);

}  // namespace parrot::bot::probe
