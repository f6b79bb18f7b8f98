// The report page renders what the report store holds: the report JSON and
// the timeline JSON, parsed back from SQLite. Input: report, a NUL byte,
// timeline, a NUL byte, summary. Any bytes, never a crash, and never a
// <script> in the page: every string from the report is escaped.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bot/report_page.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto first = input.find('\0');
  const std::string_view report = input.substr(0, first);
  std::string_view rest = first == std::string_view::npos ? std::string_view{} : input.substr(first + 1);
  const auto second = rest.find('\0');
  const std::string_view timeline = rest.substr(0, second);
  const std::string_view summary = second == std::string_view::npos ? std::string_view{} : rest.substr(second + 1);
  const auto parsed_report = nlohmann::json::parse(report, nullptr, false);
  const auto parsed_timeline = nlohmann::json::parse(timeline, nullptr, false);
  const std::string page = parrot::bot::render_report_page(parsed_report.is_discarded() ? nlohmann::json() : parsed_report,
                                                           parsed_timeline.is_discarded() ? nlohmann::json() : parsed_timeline,
                                                           summary);
  if (page.find("<script") != std::string::npos) std::abort();
  return 0;
}
