// The store in PostgreSQL, shared by the instances of a cluster (--store
// postgresql://…). One libpq connection, confined to the thread that uses
// it, like SqliteStore. A request blocks its thread until the answer, so
// each is bounded by a deadline of parrot's own (a server that stopped
// answering, or a network that drops packets, would otherwise hold the
// control thread for minutes); a reconnect never blocks after the start; a
// server that does not answer is left alone for a while, and parrot goes on
// echoing on defaults (bot/store/README.md).
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
  // The longest a request waits for its answer (statement_timeout is 1 s).
  static constexpr std::chrono::milliseconds kRequestDeadline{2000};

  // Connects (waiting up to the connect timeout, at start only) and creates
  // the schema if need be. Never throws for a server that cannot be
  // reached: it logs, and the next request after `retry_after` starts a
  // new connection without waiting for it.
  explicit PgStore(const std::string& url, std::size_t max_per_contact = 20,
                   std::chrono::milliseconds retry_after = kRetryAfter);
  ~PgStore() override;
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  std::string describe() const override { return "postgresql " + redacted_url_; }
  bool available() const override { return available_; }
  std::uint64_t outages() const override { return outages_; }

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
  // left alone, while a connection is still being made (waiting at most
  // `wait` for it), or when it failed.
  bool ready(std::chrono::milliseconds wait = std::chrono::milliseconds{0});
  // Moves a connection being made along, for at most `wait`; true once made.
  bool advance_connect(std::chrono::milliseconds wait);
  bool create_schema();
  // Sends one statement (text parameters, or none: several statements) and
  // collects its result within kRequestDeadline; `lost` when the connection
  // can no longer be used (no answer in time, or the socket failed).
  ResultPtr exchange(const char* sql, const std::vector<std::string>* parameters, bool& lost, std::string& why);
  // Runs one statement; its result if it succeeded. A failure that says the
  // server is gone (or too slow) opens the breaker.
  ResultPtr run(const char* sql, const std::vector<std::string>& parameters);
  // Stops using the server for retry_after_, saying why once.
  void trip(const std::string& why);
  // trip() and closes the connection: the next try makes a new one.
  void drop(const std::string& why);

  std::vector<std::string> keywords_, values_;  // the connection's parameters
  std::string redacted_url_;
  std::unique_ptr<pg_conn, ConnectionClose> connection_;
  bool connecting_ = false;  // connection_ is being made (PQconnectPoll)
  int poll_status_ = 0;      // PQconnectPoll's last answer
  std::chrono::steady_clock::time_point connect_deadline_{};
  std::chrono::milliseconds connect_timeout_{3000};
  std::size_t max_per_contact_;
  std::chrono::milliseconds retry_after_;
  std::chrono::steady_clock::time_point retry_at_{};
  bool schema_ready_ = false;
  bool available_ = false;
  bool tripped_ = false;  // the outage was logged
  std::uint64_t outages_ = 0;
  // Contacts this instance welcomed or found welcomed: while the server is
  // away, each is welcomed at most once per process.
  std::unordered_set<std::string> welcomed_here_;
};

}  // namespace parrot::bot
