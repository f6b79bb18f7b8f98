// Call and file-transfer reports, kept in the store so "!report", the
// XEP-0050 "report" command and the report pages can give a contact their
// last report after a restart, or from another instance of a cluster.
// Bounded: each contact keeps its newest max_per_contact reports.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parrot::bot {

struct StoredReport {
  std::int64_t id = 0;
  std::string peer;         // bare JID of the contact
  std::string kind;         // "call" or "file"
  std::int64_t created_unix = 0;
  std::string summary;      // the chat message body
  std::string json;         // the report in <report xmlns='urn:parrot:report:1'>
};

// What a report's page needs beyond the report.
struct ReportPageData {
  // The page's secret (new_report_token()), or empty: the page at
  // /reports/<token> is reachable by whoever has the link, so it must not
  // be guessable (never the row id).
  std::string token;
  // Per-stream figures over the call (CallMedia::timeline() as JSON), or
  // empty; kept out of the report, which travels in chat.
  std::string timeline;
};

// 128 bits from OpenSSL's CSPRNG as 32 lowercase hex digits. Throws
// std::runtime_error if the generator fails (it never hands out weak bytes).
std::string new_report_token();
// Whether `text` has the form new_report_token() gives.
bool is_report_token(std::string_view text) noexcept;

// The reports side of the store (bot/store/store.hpp). The managers that
// write reports and the readers see only this.
class ReportStore {
 public:
  virtual ~ReportStore() = default;

  // Stores a report and trims the contact's oldest beyond the bound.
  // Returns its id; nullopt (logged by the caller) if the store refused.
  virtual std::optional<std::int64_t> add(const StoredReport& report, const ReportPageData& page = {}) = 0;
  virtual std::optional<StoredReport> last(const std::string& peer) = 0;
  // Newest first, at most `limit`.
  virtual std::vector<StoredReport> recent(const std::string& peer, std::size_t limit) = 0;
  virtual std::size_t count(const std::string& peer) = 0;
  // The report with this page token, any contact's, with its page data.
  virtual std::optional<std::pair<StoredReport, ReportPageData>> by_token(const std::string& token) = 0;
};

}  // namespace parrot::bot
