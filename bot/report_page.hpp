// The report page (--http-listen, /reports/<token>): one stored call report
// as a self-contained HTML page a person can read, with the verdict and
// summary first, a diagram of the path (caller -> NAT -> parrot) and the
// per-second timelines of each stream as inline SVG. Pure: JSON in, HTML
// out; no scripts, fonts or styles from anywhere else (the server also
// forbids them by Content-Security-Policy). Every string taken from the
// report is escaped: JIDs, codec names and candidate addresses come from
// the caller.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace parrot::bot {

// `report` is the report JSON as sent in chat (docs/reports.md), `timeline`
// what StreamTimeline gathered ({"streams": [{"media", "t_s", ...}]}, or
// null), `summary` the chat message body. Missing or mistyped keys are
// left out of the page, never an error.
std::string render_report_page(const nlohmann::json& report, const nlohmann::json& timeline,
                               std::string_view summary);

// Text for HTML or XML 1.0 element content and quoted attribute values:
// the five markup characters as entities, and control characters neither
// may carry (a server's error text could hold one) as spaces. The page and
// the probe's JUnit XML both use it.
std::string escape_markup(std::string_view text);

}  // namespace parrot::bot
