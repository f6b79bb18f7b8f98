#include "bot/report_store.hpp"

#include <sqlite3.h>

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
      "  summary TEXT NOT NULL, json TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS reports_by_peer ON reports(peer, id);";
  char* error = nullptr;
  if (sqlite3_exec(db_.get(), schema, nullptr, nullptr, &error) != SQLITE_OK) {
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

}  // namespace

std::optional<std::int64_t> ReportStore::add(const StoredReport& report) {
  const auto insert = prepare("INSERT INTO reports(peer, kind, created, summary, json) VALUES(?, ?, ?, ?, ?)");
  if (!insert) return std::nullopt;
  bind_text(insert.get(), 1, report.peer);
  bind_text(insert.get(), 2, report.kind);
  sqlite3_bind_int64(insert.get(), 3, report.created_unix);
  bind_text(insert.get(), 4, report.summary);
  bind_text(insert.get(), 5, report.json);
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
  while (sqlite3_step(select.get()) == SQLITE_ROW) {
    reports.push_back(StoredReport{sqlite3_column_int64(select.get(), 0), column_text(select.get(), 1),
                                   column_text(select.get(), 2), sqlite3_column_int64(select.get(), 3),
                                   column_text(select.get(), 4), column_text(select.get(), 5)});
  }
  return reports;
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
