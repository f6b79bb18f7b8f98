#include "bot/report_store.hpp"

#include <openssl/rand.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace parrot::bot {

void ReportStore::DatabaseClose::operator()(sqlite3* db) const noexcept { sqlite3_close(db); }
void ReportStore::StatementFinalize::operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }

ReportStore::ReportStore(const std::string& path, std::size_t max_per_contact) : max_per_contact_(max_per_contact) {
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  db_.reset(raw);  // sqlite3_open_v2 hands out a handle even on failure
  if (opened != SQLITE_OK) {
    throw std::runtime_error("report store " + path + ": " + (raw != nullptr ? sqlite3_errmsg(raw) : "out of memory"));
  }
  // WAL keeps a reader (a !report) from waiting on a writer; the busy
  // timeout covers a second parrot pointed at the same data dir by mistake.
  sqlite3_busy_timeout(db_.get(), 2000);
  const char* schema =
      "PRAGMA journal_mode=WAL;"
      // With WAL, NORMAL syncs at checkpoints, not at every report: losing
      // the last reports to a power cut is acceptable, a disk flush per call
      // is not.
      "PRAGMA synchronous=NORMAL;"
      "CREATE TABLE IF NOT EXISTS reports ("
      "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
      "  peer TEXT NOT NULL, kind TEXT NOT NULL, created INTEGER NOT NULL,"
      "  summary TEXT NOT NULL, json TEXT NOT NULL,"
      "  token TEXT NOT NULL DEFAULT '', timeline TEXT NOT NULL DEFAULT '');"
      "CREATE INDEX IF NOT EXISTS reports_by_peer ON reports(peer, id);";
  execute(schema, path);
  // Stores made before the report pages lack their two columns.
  const auto columns = prepare("SELECT name FROM pragma_table_info('reports')");
  bool has_token = false;
  bool has_timeline = false;
  while (columns && sqlite3_step(columns.get()) == SQLITE_ROW) {
    const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(columns.get(), 0));
    const std::string column = name != nullptr ? name : "";
    has_token = has_token || column == "token";
    has_timeline = has_timeline || column == "timeline";
  }
  if (!has_token) execute("ALTER TABLE reports ADD COLUMN token TEXT NOT NULL DEFAULT '';", path);
  if (!has_timeline) execute("ALTER TABLE reports ADD COLUMN timeline TEXT NOT NULL DEFAULT '';", path);
  execute("CREATE UNIQUE INDEX IF NOT EXISTS reports_by_token ON reports(token) WHERE token != '';", path);
}

void ReportStore::execute(const char* sql, const std::string& path) {
  char* error = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error("report store " + path + ": " + message);
  }
}

ReportStore::~ReportStore() = default;

ReportStore::StatementPtr ReportStore::prepare(const char* sql) const {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql, -1, &statement, nullptr) != SQLITE_OK) return nullptr;
  return StatementPtr(statement);
}

namespace {

void bind_text(sqlite3_stmt* statement, int index, const std::string& text) {
  sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

std::string column_text(sqlite3_stmt* statement, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
  return text != nullptr ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(statement, column))) : "";
}

// A row that starts "SELECT id, peer, kind, created, summary, json".
StoredReport row_of(sqlite3_stmt* statement) {
  return StoredReport{sqlite3_column_int64(statement, 0), column_text(statement, 1), column_text(statement, 2),
                      sqlite3_column_int64(statement, 3), column_text(statement, 4), column_text(statement, 5)};
}

}  // namespace

std::string new_report_token() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("report token: OpenSSL's random generator failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (const unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 0xF];
  }
  return token;
}

bool is_report_token(std::string_view text) noexcept {
  return text.size() == 32 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::optional<std::int64_t> ReportStore::add(const StoredReport& report, const ReportPageData& page) {
  const auto insert =
      prepare("INSERT INTO reports(peer, kind, created, summary, json, token, timeline) VALUES(?, ?, ?, ?, ?, ?, ?)");
  if (!insert) return std::nullopt;
  bind_text(insert.get(), 1, report.peer);
  bind_text(insert.get(), 2, report.kind);
  sqlite3_bind_int64(insert.get(), 3, report.created_unix);
  bind_text(insert.get(), 4, report.summary);
  bind_text(insert.get(), 5, report.json);
  bind_text(insert.get(), 6, page.token);
  bind_text(insert.get(), 7, page.timeline);
  if (sqlite3_step(insert.get()) != SQLITE_DONE) return std::nullopt;
  const std::int64_t id = sqlite3_last_insert_rowid(db_.get());
  // Keep the newest max_per_contact_ of this contact.
  const auto trim = prepare(
      "DELETE FROM reports WHERE peer = ?1 AND id NOT IN "
      "(SELECT id FROM reports WHERE peer = ?1 ORDER BY id DESC LIMIT ?2)");
  if (trim) {
    bind_text(trim.get(), 1, report.peer);
    sqlite3_bind_int64(trim.get(), 2, static_cast<sqlite3_int64>(max_per_contact_));
    sqlite3_step(trim.get());
  }
  return id;
}

std::vector<StoredReport> ReportStore::recent(const std::string& peer, std::size_t limit) const {
  std::vector<StoredReport> reports;
  const auto select = prepare(
      "SELECT id, peer, kind, created, summary, json FROM reports WHERE peer = ? ORDER BY id DESC LIMIT ?");
  if (!select) return reports;
  bind_text(select.get(), 1, peer);
  sqlite3_bind_int64(select.get(), 2, static_cast<sqlite3_int64>(limit));
  while (sqlite3_step(select.get()) == SQLITE_ROW) reports.push_back(row_of(select.get()));
  return reports;
}

std::optional<std::pair<StoredReport, ReportPageData>> ReportStore::by_token(const std::string& token) const {
  if (token.empty()) return std::nullopt;  // reports from before the pages have none
  const auto select =
      prepare("SELECT id, peer, kind, created, summary, json, token, timeline FROM reports WHERE token = ?");
  if (!select) return std::nullopt;
  bind_text(select.get(), 1, token);
  if (sqlite3_step(select.get()) != SQLITE_ROW) return std::nullopt;
  return std::pair{row_of(select.get()), ReportPageData{column_text(select.get(), 6), column_text(select.get(), 7)}};
}

std::optional<StoredReport> ReportStore::last(const std::string& peer) const {
  auto reports = recent(peer, 1);
  if (reports.empty()) return std::nullopt;
  return std::move(reports.front());
}

std::size_t ReportStore::count(const std::string& peer) const {
  const auto select = prepare("SELECT COUNT(*) FROM reports WHERE peer = ?");
  if (!select) return 0;
  bind_text(select.get(), 1, peer);
  return sqlite3_step(select.get()) == SQLITE_ROW ? static_cast<std::size_t>(sqlite3_column_int64(select.get(), 0)) : 0;
}

}  // namespace parrot::bot
