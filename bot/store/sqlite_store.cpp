#include "bot/store/sqlite_store.hpp"

#include <sqlite3.h>

#include <spdlog/spdlog.h>

#include <ctime>
#include <stdexcept>

namespace parrot::bot {

void SqliteStore::DatabaseClose::operator()(sqlite3* db) const noexcept { sqlite3_close(db); }
void SqliteStore::StatementFinalize::operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }

SqliteStore::SqliteStore(const std::string& path, std::size_t max_per_contact)
    : path_(path), max_per_contact_(max_per_contact) {
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  db_.reset(raw);  // sqlite3_open_v2 hands out a handle even on failure
  if (opened != SQLITE_OK) {
    throw std::runtime_error("store " + path + ": " + (raw != nullptr ? sqlite3_errmsg(raw) : "out of memory"));
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
      "CREATE INDEX IF NOT EXISTS reports_by_peer ON reports(peer, id);"
      "CREATE TABLE IF NOT EXISTS welcomed (peer TEXT PRIMARY KEY, at INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS user_settings ("
      "  peer TEXT PRIMARY KEY, delay_ms INTEGER NOT NULL DEFAULT 0, tone INTEGER NOT NULL DEFAULT 0,"
      "  updated INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS contacts ("
      "  self TEXT NOT NULL, peer TEXT NOT NULL, since INTEGER NOT NULL, PRIMARY KEY(self, peer));";
  execute(schema);
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
  if (!has_token) execute("ALTER TABLE reports ADD COLUMN token TEXT NOT NULL DEFAULT '';");
  if (!has_timeline) execute("ALTER TABLE reports ADD COLUMN timeline TEXT NOT NULL DEFAULT '';");
  execute("CREATE UNIQUE INDEX IF NOT EXISTS reports_by_token ON reports(token) WHERE token != '';");
}

void SqliteStore::execute(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error("store " + path_ + ": " + message);
  }
}

SqliteStore::~SqliteStore() = default;

SqliteStore::StatementPtr SqliteStore::prepare(const char* sql) const {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql, -1, &statement, nullptr) != SQLITE_OK) {
    spdlog::warn("store: {}: {}", path_, sqlite3_errmsg(db_.get()));
    return nullptr;
  }
  return StatementPtr(statement);
}

bool SqliteStore::run(sqlite3_stmt* statement) const {
  if (sqlite3_step(statement) == SQLITE_DONE) return true;
  spdlog::warn("store: {}: {}", path_, sqlite3_errmsg(db_.get()));
  return false;
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

sqlite3_int64 now_unix() { return static_cast<sqlite3_int64>(std::time(nullptr)); }

}  // namespace

std::optional<std::int64_t> SqliteStore::add(const StoredReport& report, const ReportPageData& page) {
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
  if (!run(insert.get())) return std::nullopt;
  const std::int64_t id = sqlite3_last_insert_rowid(db_.get());
  // Keep the newest max_per_contact_ of this contact.
  const auto trim = prepare(
      "DELETE FROM reports WHERE peer = ?1 AND id NOT IN "
      "(SELECT id FROM reports WHERE peer = ?1 ORDER BY id DESC LIMIT ?2)");
  if (trim) {
    bind_text(trim.get(), 1, report.peer);
    sqlite3_bind_int64(trim.get(), 2, static_cast<sqlite3_int64>(max_per_contact_));
    run(trim.get());
  }
  return id;
}

std::vector<StoredReport> SqliteStore::recent(const std::string& peer, std::size_t limit) {
  std::vector<StoredReport> reports;
  const auto select = prepare(
      "SELECT id, peer, kind, created, summary, json FROM reports WHERE peer = ? ORDER BY id DESC LIMIT ?");
  if (!select) return reports;
  bind_text(select.get(), 1, peer);
  sqlite3_bind_int64(select.get(), 2, static_cast<sqlite3_int64>(limit));
  while (sqlite3_step(select.get()) == SQLITE_ROW) reports.push_back(row_of(select.get()));
  return reports;
}

std::optional<std::pair<StoredReport, ReportPageData>> SqliteStore::by_token(const std::string& token) {
  if (token.empty()) return std::nullopt;  // reports from before the pages have none
  const auto select =
      prepare("SELECT id, peer, kind, created, summary, json, token, timeline FROM reports WHERE token = ?");
  if (!select) return std::nullopt;
  bind_text(select.get(), 1, token);
  if (sqlite3_step(select.get()) != SQLITE_ROW) return std::nullopt;
  return std::pair{row_of(select.get()), ReportPageData{column_text(select.get(), 6), column_text(select.get(), 7)}};
}

std::optional<StoredReport> SqliteStore::last(const std::string& peer) {
  auto reports = recent(peer, 1);
  if (reports.empty()) return std::nullopt;
  return std::move(reports.front());
}

std::size_t SqliteStore::count(const std::string& peer) {
  const auto select = prepare("SELECT COUNT(*) FROM reports WHERE peer = ?");
  if (!select) return 0;
  bind_text(select.get(), 1, peer);
  return sqlite3_step(select.get()) == SQLITE_ROW ? static_cast<std::size_t>(sqlite3_column_int64(select.get(), 0)) : 0;
}

bool SqliteStore::take_welcome(const std::string& bare_jid) {
  if (bare_jid.empty()) return false;
  const auto insert = prepare("INSERT OR IGNORE INTO welcomed(peer, at) VALUES(?, ?)");
  if (!insert) return false;
  bind_text(insert.get(), 1, bare_jid);
  sqlite3_bind_int64(insert.get(), 2, now_unix());
  // One row inserted: nobody had welcomed this contact.
  return run(insert.get()) && sqlite3_changes(db_.get()) == 1;
}

std::optional<UserSettings> SqliteStore::user_settings(const std::string& peer) {
  const auto select = prepare("SELECT delay_ms, tone FROM user_settings WHERE peer = ?");
  if (!select) return std::nullopt;
  bind_text(select.get(), 1, peer);
  switch (sqlite3_step(select.get())) {
    case SQLITE_ROW:
      return UserSettings{std::chrono::milliseconds(sqlite3_column_int64(select.get(), 0)),
                          sqlite3_column_int(select.get(), 1) != 0};
    case SQLITE_DONE:
      return UserSettings{};
    default:
      spdlog::warn("store: {}: {}", path_, sqlite3_errmsg(db_.get()));
      return std::nullopt;
  }
}

bool SqliteStore::save_extra_delay(const std::string& peer, std::chrono::milliseconds delay) {
  const auto upsert = prepare(
      "INSERT INTO user_settings(peer, delay_ms, updated) VALUES(?1, ?2, ?3) "
      "ON CONFLICT(peer) DO UPDATE SET delay_ms = excluded.delay_ms, updated = excluded.updated");
  if (!upsert) return false;
  bind_text(upsert.get(), 1, peer);
  sqlite3_bind_int64(upsert.get(), 2, static_cast<sqlite3_int64>(delay.count()));
  sqlite3_bind_int64(upsert.get(), 3, now_unix());
  return run(upsert.get());
}

bool SqliteStore::save_test_signal(const std::string& peer, bool on) {
  const auto upsert = prepare(
      "INSERT INTO user_settings(peer, tone, updated) VALUES(?1, ?2, ?3) "
      "ON CONFLICT(peer) DO UPDATE SET tone = excluded.tone, updated = excluded.updated");
  if (!upsert) return false;
  bind_text(upsert.get(), 1, peer);
  sqlite3_bind_int(upsert.get(), 2, on ? 1 : 0);
  sqlite3_bind_int64(upsert.get(), 3, now_unix());
  return run(upsert.get());
}

bool SqliteStore::add_subscriber(const std::string& self, const std::string& peer) {
  const auto insert = prepare("INSERT OR IGNORE INTO contacts(self, peer, since) VALUES(?, ?, ?)");
  if (!insert) return false;
  bind_text(insert.get(), 1, self);
  bind_text(insert.get(), 2, peer);
  sqlite3_bind_int64(insert.get(), 3, now_unix());
  return run(insert.get());
}

bool SqliteStore::remove_subscriber(const std::string& self, const std::string& peer) {
  const auto remove = prepare("DELETE FROM contacts WHERE self = ? AND peer = ?");
  if (!remove) return false;
  bind_text(remove.get(), 1, self);
  bind_text(remove.get(), 2, peer);
  return run(remove.get());
}

bool SqliteStore::is_subscriber(const std::string& self, const std::string& peer) {
  const auto select = prepare("SELECT 1 FROM contacts WHERE self = ? AND peer = ?");
  if (!select) return false;
  bind_text(select.get(), 1, self);
  bind_text(select.get(), 2, peer);
  return sqlite3_step(select.get()) == SQLITE_ROW;
}

std::vector<Subscriber> SqliteStore::subscribers() {
  std::vector<Subscriber> all;
  const auto select = prepare("SELECT self, peer FROM contacts ORDER BY self, peer");
  if (!select) return all;
  while (sqlite3_step(select.get()) == SQLITE_ROW)
    all.push_back(Subscriber{column_text(select.get(), 0), column_text(select.get(), 1)});
  return all;
}

std::size_t SqliteStore::subscriber_count() {
  const auto select = prepare("SELECT COUNT(*) FROM contacts");
  if (!select) return 0;
  return sqlite3_step(select.get()) == SQLITE_ROW ? static_cast<std::size_t>(sqlite3_column_int64(select.get(), 0)) : 0;
}

}  // namespace parrot::bot
