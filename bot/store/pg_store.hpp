// The store in PostgreSQL, shared by the instances of a cluster (--store
// postgresql://…). One libpq connection, confined to the thread that uses
// it, like SqliteStore. Every call blocks, so each is bounded (connect_timeout
// and statement_timeout unless the URL sets its own), and a server that does
// not answer is skipped for a while: parrot goes on echoing on defaults
// (bot/store/README.md).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "bot/store/store.hpp"

struct pg_conn;
struct pg_result;

namespace parrot::bot {

class PgStore final : public Store {
 public:
  // How long a failed server is left alone before the next try.
  static constexpr std::chrono::milliseconds kRetryAfter{5000};

  // Connects and creates the schema if need be. Never throws for a server
  // that cannot be reached: it logs, and the next request after
  // `retry_after` tries again.
  explicit PgStore(const std::string& url, std::size_t max_per_contact = 20,
                   std::chrono::milliseconds retry_after = kRetryAfter);
  ~PgStore() override;
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  std::string describe() const override { return "postgresql " + redacted_url_; }
  bool available() const override { return available_; }

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
  struct ConnectionClose {
    void operator()(pg_conn* connection) const noexcept;
  };
  struct ResultClear {
    void operator()(pg_result* result) const noexcept;
  };
  using ResultPtr = std::unique_ptr<pg_result, ResultClear>;

  // Connected, with the schema in place; false while the server is being
  // left alone, or when it still does not answer.
  bool ready();
  bool create_schema();
  // Runs one statement with text parameters; its result if it succeeded.
  // A failure that says the server is gone (or too slow) opens the breaker.
  ResultPtr run(const char* sql, const std::vector<std::string>& parameters);
  // Stops using the server for retry_after_, saying why once.
  void trip(const std::string& why);

  std::vector<std::string> keywords_, values_;  // the connection's parameters
  std::string redacted_url_;
  std::unique_ptr<pg_conn, ConnectionClose> connection_;
  std::size_t max_per_contact_;
  std::chrono::milliseconds retry_after_;
  std::chrono::steady_clock::time_point retry_at_{};
  bool schema_ready_ = false;
  bool available_ = false;
  bool tripped_ = false;  // the outage was logged
  // Contacts this instance welcomed or found welcomed: while the server is
  // away, each is welcomed at most once per process.
  std::unordered_set<std::string> welcomed_here_;
};

}  // namespace parrot::bot
