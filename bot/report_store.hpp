// Call and file-transfer reports, kept in SQLite in the data directory so
// "!report" and the XEP-0050 "report" command can give a contact their last
// report after a restart. Bounded: each contact keeps its newest
// max_per_contact reports. Confined to the thread that made it: the report
// pages (--http-listen) open a connection of their own.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

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

class ReportStore {
 public:
  // Opens (creating if needed) `path`. Throws std::runtime_error with
  // SQLite's message when it cannot: a bad data dir is a start-up error.
  ReportStore(const std::string& path, std::size_t max_per_contact = 20);
  ~ReportStore();
  ReportStore(const ReportStore&) = delete;
  ReportStore& operator=(const ReportStore&) = delete;

  // Stores a report and trims the contact's oldest beyond the bound.
  // Returns its id; nullopt (logged by the caller) if SQLite refused.
  std::optional<std::int64_t> add(const StoredReport& report, const ReportPageData& page = {});
  std::optional<StoredReport> last(const std::string& peer) const;
  // Newest first, at most `limit`.
  std::vector<StoredReport> recent(const std::string& peer, std::size_t limit) const;
  std::size_t count(const std::string& peer) const;
  // The report with this page token, any contact's, with its page data.
  std::optional<std::pair<StoredReport, ReportPageData>> by_token(const std::string& token) const;

 private:
  struct DatabaseClose {
    void operator()(sqlite3* db) const noexcept;
  };
  struct StatementFinalize {
    void operator()(sqlite3_stmt* statement) const noexcept;
  };
  using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementFinalize>;

  StatementPtr prepare(const char* sql) const;
  // Runs `sql`; throws std::runtime_error naming the store at `path`.
  void execute(const char* sql, const std::string& path);

  std::unique_ptr<sqlite3, DatabaseClose> db_;
  std::size_t max_per_contact_;
};

}  // namespace parrot::bot
