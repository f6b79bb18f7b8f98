// The store in one SQLite file (data_dir/reports.sqlite): the default, for
// one instance. WAL mode lets the report pages' own connection read while
// the control thread writes.
#pragma once

#include <memory>
#include <string>

#include "bot/store/store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace parrot::bot {

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) `path` (":memory:" for a private one).
  // Throws std::runtime_error with SQLite's message when it cannot: a bad
  // data dir is a start-up error.
  explicit SqliteStore(const std::string& path, std::size_t max_per_contact = 20);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  std::string describe() const override { return "sqlite " + path_; }
  bool available() const override { return true; }

  // ReportStore
  std::optional<std::int64_t> add(const StoredReport& report, const ReportPageData& page = {}) override;
  std::optional<StoredReport> last(const std::string& peer) override;
  std::vector<StoredReport> recent(const std::string& peer, std::size_t limit) override;
  std::size_t count(const std::string& peer) override;
  std::optional<std::pair<StoredReport, ReportPageData>> by_token(const std::string& token) override;

  // WelcomeStore
  bool take_welcome(const std::string& bare_jid) override;

  // SettingsStore
  std::optional<UserSettings> user_settings(const std::string& peer) override;
  bool save_extra_delay(const std::string& peer, std::chrono::milliseconds delay) override;
  bool save_test_signal(const std::string& peer, bool on) override;

  // ContactBook
  bool add_subscriber(const std::string& self, const std::string& peer) override;
  bool remove_subscriber(const std::string& self, const std::string& peer) override;
  bool is_subscriber(const std::string& self, const std::string& peer) override;
  std::vector<Subscriber> subscribers() override;
  std::size_t subscriber_count() override;

 private:
  struct DatabaseClose {
    void operator()(sqlite3* db) const noexcept;
  };
  struct StatementFinalize {
    void operator()(sqlite3_stmt* statement) const noexcept;
  };
  using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementFinalize>;

  // nullptr (logged once per statement text) if SQLite refused it.
  StatementPtr prepare(const char* sql) const;
  // Runs `sql`; throws std::runtime_error naming the store.
  void execute(const char* sql);
  // Runs a prepared statement that returns no row; false if it failed.
  bool run(sqlite3_stmt* statement) const;

  std::string path_;
  std::unique_ptr<sqlite3, DatabaseClose> db_;
  std::size_t max_per_contact_;
};

}  // namespace parrot::bot
