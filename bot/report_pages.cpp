#include "bot/report_pages.hpp"

#include <nlohmann/json.hpp>

#include "bot/report_page.hpp"

namespace parrot::bot {

namespace {

// Nothing the page needs comes from elsewhere, and nothing may: no script at
// all, styles only inline, images only from the page itself. The token is in
// the URL, so no Referer leaves with it and no cache keeps the page.
const std::vector<std::pair<std::string, std::string>> kPageHeaders{
    {"Content-Security-Policy",
     "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
     "frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"Cache-Control", "no-store"},
};

transport::HttpResponse not_found() {
  return transport::HttpResponse{404, "text/plain; charset=utf-8", "no such report\n", kPageHeaders};
}

}  // namespace

ReportPages::ReportPages(std::unique_ptr<ReportStore> store) : store_(std::move(store)) {}

void ReportPages::add_routes(transport::HttpServer& server) {
  // Any path segment is looked up (a malformed one is simply not found);
  // the pattern keeps it to one segment.
  server.get("/reports/([^/]+)", [this](const std::vector<std::string>& matches) {
    return matches.size() < 2 ? not_found() : page(matches[1]);
  });
}

transport::HttpResponse ReportPages::page(const std::string& token) {
  if (!is_report_token(token)) return not_found();
  std::optional<std::pair<StoredReport, ReportPageData>> found;
  {
    const std::lock_guard lock(mutex_);
    found = store_->by_token(token);
  }
  if (!found) return not_found();
  const auto& [report, data] = *found;
  const auto json = nlohmann::json::parse(report.json, nullptr, false);
  const auto timeline =
      data.timeline.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(data.timeline, nullptr, false);
  // A row that no longer parses still has its summary worth showing.
  return transport::HttpResponse{
      200, "text/html; charset=utf-8",
      render_report_page(json.is_discarded() ? nlohmann::json::object() : json,
                         timeline.is_discarded() ? nlohmann::json(nullptr) : timeline, report.summary),
      kPageHeaders};
}

}  // namespace parrot::bot
