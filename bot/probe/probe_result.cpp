#include "bot/probe/probe_result.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "bot/report_page.hpp"

namespace parrot::bot::probe {
namespace {

std::string_view status_name(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPassed: return "passed";
    case CheckStatus::kFailed: return "failed";
    case CheckStatus::kSkipped: return "skipped";
  }
  return "skipped";
}

}  // namespace

std::string to_text(const ProbeResult& result) {
  std::string text = fmt::format("parrot probe: {} calls {}\n", result.account, result.target);
  for (const auto& check : result.checks) {
    text += fmt::format("  {:<7} {:<22} {}\n", status_name(check.status), check.name, check.message);
  }
  if (!result.ice_servers.empty()) {
    std::string names;
    for (const auto& name : result.ice_servers) names += (names.empty() ? "" : ", ") + name;
    text += "STUN/TURN used: " + names + "\n";
  }
  if (!result.probe_summary.empty()) text += "Probe's report (the echo it got back): " + result.probe_summary + "\n";
  if (!result.target_summary.empty()) text += "Target's report (what it received): " + result.target_summary + "\n";
  if (!result.file_summary.empty()) text += "Target's file report: " + result.file_summary + "\n";
  text += result.exit_code == 0 ? fmt::format("OK in {:.1f} s\n", result.seconds_to_verdict)
                                : fmt::format("FAILED (exit {}): {}\n", result.exit_code, result.failure);
  return text;
}

std::string to_junit(const ProbeResult& result) {
  const auto count = [&](CheckStatus status) {
    return std::count_if(result.checks.begin(), result.checks.end(), [&](const Check& c) { return c.status == status; });
  };
  double total = 0;
  for (const auto& check : result.checks) total += check.seconds;
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += fmt::format("<testsuite name=\"parrot probe\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{:.3f}\">\n",
                     result.checks.size(), count(CheckStatus::kFailed), count(CheckStatus::kSkipped), total);
  xml += fmt::format("  <properties>\n    <property name=\"account\" value=\"{}\"/>\n"
                     "    <property name=\"target\" value=\"{}\"/>\n  </properties>\n",
                     escape_markup(result.account), escape_markup(result.target));
  for (const auto& check : result.checks) {
    xml += fmt::format("  <testcase classname=\"parrot.probe.{}\" name=\"{}\" time=\"{:.3f}\">",
                       escape_markup(result.target), escape_markup(check.name), check.seconds);
    switch (check.status) {
      case CheckStatus::kFailed:
        xml += fmt::format("\n    <failure message=\"{}\">{}</failure>\n  ", escape_markup(check.message),
                           escape_markup(check.message));
        break;
      case CheckStatus::kSkipped:
        xml += fmt::format("\n    <skipped message=\"{}\"/>\n  ", escape_markup(check.message));
        break;
      case CheckStatus::kPassed:
        xml += fmt::format("\n    <system-out>{}</system-out>\n  ", escape_markup(check.message));
        break;
    }
    xml += "</testcase>\n";
  }
  std::string out = result.probe_summary.empty() ? "" : "probe: " + result.probe_summary + "\n";
  if (!result.target_summary.empty()) out += "target: " + result.target_summary + "\n";
  if (!out.empty()) xml += "  <system-out>" + escape_markup(out) + "</system-out>\n";
  xml += "</testsuite>\n";
  return xml;
}

nlohmann::json to_json(const ProbeResult& result) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& check : result.checks) {
    checks.push_back({{"name", check.name},
                      {"status", status_name(check.status)},
                      {"message", check.message},
                      {"seconds", check.seconds}});
  }
  return {{"ok", result.exit_code == 0},
          {"exit_code", result.exit_code},
          {"failure", result.failure},
          {"account", result.account},
          {"target", result.target},
          {"seconds_to_verdict", result.seconds_to_verdict},
          {"seconds_to_media", result.seconds_to_media},
          {"relay_candidates", result.relay_candidates},
          {"ice_servers", result.ice_servers},
          {"checks", std::move(checks)},
          {"probe_summary", result.probe_summary},
          {"probe_report", result.probe_report ? *result.probe_report : nlohmann::json(nullptr)},
          {"target_summary", result.target_summary},
          {"target_report", result.target_report ? *result.target_report : nlohmann::json(nullptr)},
          {"file_summary", result.file_summary},
          {"file_report", result.file_report ? *result.file_report : nlohmann::json(nullptr)}};
}

}  // namespace parrot::bot::probe
