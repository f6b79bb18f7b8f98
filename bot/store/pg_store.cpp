#include "bot/store/pg_store.hpp"

#include <libpq-fe.h>

#include <spdlog/spdlog.h>

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <ctime>

namespace parrot::bot {
namespace {

// Bounds on each blocking call, unless the URL sets its own: a server that
// is down must not hold the control thread (and every chat echo) for long.
constexpr const char* kStatementTimeout = "-c statement_timeout=1000";
constexpr const char* kTcpUserTimeoutMs = "5000";
// pg_advisory_xact_lock's key for schema changes ("parrot" in ASCII):
// instances starting together create the tables one after the other, since
// CREATE TABLE IF NOT EXISTS alone races in PostgreSQL (pg_type's unique key).
constexpr const char* kSchemaLock = "112585846846836";
constexpr int kSchemaVersion = 1;

const char* const kSchema =
    "CREATE TABLE IF NOT EXISTS reports ("
    "  id BIGSERIAL PRIMARY KEY,"
    "  peer TEXT NOT NULL, kind TEXT NOT NULL, created BIGINT NOT NULL,"
    "  summary TEXT NOT NULL, json TEXT NOT NULL,"
    "  token TEXT NOT NULL DEFAULT '', timeline TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS reports_by_peer ON reports(peer, id);"
    "CREATE UNIQUE INDEX IF NOT EXISTS reports_by_token ON reports(token) WHERE token <> '';"
    "CREATE TABLE IF NOT EXISTS welcomed (peer TEXT PRIMARY KEY, at BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS user_settings ("
    "  peer TEXT PRIMARY KEY, delay_ms BIGINT NOT NULL DEFAULT 0, tone BOOLEAN NOT NULL DEFAULT FALSE,"
    "  updated BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS contacts ("
    "  self TEXT NOT NULL, peer TEXT NOT NULL, since BIGINT NOT NULL, PRIMARY KEY(self, peer));";

std::string now_unix() { return std::to_string(static_cast<long long>(std::time(nullptr))); }

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text;
}

std::string text_at(const PGresult* result, int row, int column) {
  return std::string(PQgetvalue(result, row, column), static_cast<std::size_t>(PQgetlength(result, row, column)));
}

std::int64_t integer_at(const PGresult* result, int row, int column) {
  return std::strtoll(PQgetvalue(result, row, column), nullptr, 10);
}

// A row that starts "SELECT id, peer, kind, created, summary, json".
StoredReport report_at(const PGresult* result, int row) {
  return StoredReport{integer_at(result, row, 0), text_at(result, row, 1), text_at(result, row, 2),
                      integer_at(result, row, 3), text_at(result, row, 4), text_at(result, row, 5)};
}

// SQLSTATE classes that say the server, not the statement, is the trouble:
// 08 connection exception, 53 insufficient resources, 57 operator
// intervention (statement_timeout's cancel, a shutdown).
bool server_trouble(const PGresult* result) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state == nullptr) return true;  // no answer at all
  const std::string_view code(state);
  return code.starts_with("08") || code.starts_with("53") || code.starts_with("57");
}

}  // namespace

void PgStore::ConnectionClose::operator()(pg_conn* connection) const noexcept { PQfinish(connection); }
void PgStore::ResultClear::operator()(pg_result* result) const noexcept { PQclear(result); }

PgStore::PgStore(const std::string& url, std::size_t max_per_contact, std::chrono::milliseconds retry_after)
    : redacted_url_(redact_store_url(url)), max_per_contact_(max_per_contact), retry_after_(retry_after) {
  if (store_url_has_password(url)) {
    spdlog::warn("store: the --store URL carries a password, which the process list shows to every local user: "
                 "put it in a passfile (passfile=, ~/.pgpass) or PGPASSWORD instead");
  }
  // The URL's own parameters, plus the bounds it does not set. The password
  // comes from the URL, PGPASSWORD or the passfile, as libpq looks for it.
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> parsed(PQconninfoParse(url.c_str(), &error),
                                                                       &PQconninfoFree);
  if (!parsed) {
    spdlog::error("store: {}: {}", redacted_url_, trimmed(error != nullptr ? error : "out of memory"));
    PQfreemem(error);
    retry_at_ = std::chrono::steady_clock::time_point::max();  // nothing to connect to
    return;
  }
  bool has_tcp_user_timeout = false;
  std::string options;
  for (const PQconninfoOption* option = parsed.get(); option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    const std::string keyword = option->keyword;
    if (keyword == "options") {
      options = option->val;
      continue;
    }
    if (keyword == "connect_timeout") {
      // libpq leaves it to parrot when connecting without blocking; its
      // minimum is 2 s.
      const long seconds = std::strtol(option->val, nullptr, 10);
      connect_timeout_ = std::chrono::seconds(seconds <= 0 ? 3 : std::max(seconds, 2L));
    }
    has_tcp_user_timeout = has_tcp_user_timeout || keyword == "tcp_user_timeout";
    keywords_.push_back(keyword);
    values_.emplace_back(option->val);
  }
  // A send that stays unacknowledged (a server gone without a word) fails
  // instead of blocking for the kernel's retransmissions.
  if (!has_tcp_user_timeout) {
    keywords_.emplace_back("tcp_user_timeout");
    values_.emplace_back(kTcpUserTimeoutMs);
  }
  if (options.find("statement_timeout") == std::string::npos)
    options += (options.empty() ? "" : " ") + std::string(kStatementTimeout);
  keywords_.emplace_back("options");
  values_.push_back(options);
  keywords_.emplace_back("application_name");
  values_.emplace_back("parrot");
  if (ready(connect_timeout_)) spdlog::info("store: connected to {}", redacted_url_);
}

PgStore::~PgStore() = default;

void PgStore::trip(const std::string& why) {
  if (!tripped_) ++outages_;
  available_ = false;
  retry_at_ = std::chrono::steady_clock::now() + retry_after_;
  if (!tripped_) {
    spdlog::error("store: PostgreSQL at {} does not answer ({}): running on defaults and this instance's memory, "
                  "trying again every {} ms",
                  redacted_url_, trimmed(why), retry_after_.count());
  }
  tripped_ = true;
}

void PgStore::drop(const std::string& why) {
  trip(why);
  connection_.reset();
  connecting_ = false;
  schema_ready_ = false;  // a server back from a failover may be a new one
}

bool PgStore::ready(std::chrono::milliseconds wait) {
  if (std::chrono::steady_clock::now() < retry_at_) return false;
  if (connection_ && !connecting_ && PQstatus(connection_.get()) != CONNECTION_OK) {
    connection_.reset();  // broken since the last request: start a new one
    schema_ready_ = false;
  }
  if (!connection_) {
    std::vector<const char*> keywords, values;
    for (std::size_t i = 0; i < keywords_.size(); ++i) {
      keywords.push_back(keywords_[i].c_str());
      values.push_back(values_[i].c_str());
    }
    keywords.push_back(nullptr);
    values.push_back(nullptr);
    // Without blocking: advance_connect() moves it along at each request.
    connection_.reset(PQconnectStartParams(keywords.data(), values.data(), 0));
    if (!connection_ || PQstatus(connection_.get()) == CONNECTION_BAD) {
      drop(connection_ ? PQerrorMessage(connection_.get()) : "out of memory");
      return false;
    }
    connecting_ = true;
    poll_status_ = PGRES_POLLING_WRITING;  // as libpq asks, right after PQconnectStart
    connect_deadline_ = std::chrono::steady_clock::now() + connect_timeout_;
  }
  if (connecting_ && !advance_connect(wait)) return false;
  if (!schema_ready_ && !create_schema()) return false;
  if (tripped_) spdlog::info("store: PostgreSQL at {} answers again", redacted_url_);
  tripped_ = false;
  available_ = true;
  return true;
}

bool PgStore::advance_connect(std::chrono::milliseconds wait) {
  using std::chrono::steady_clock;
  const auto wait_until = std::min(steady_clock::now() + wait, connect_deadline_);
  while (true) {
    if (poll_status_ == PGRES_POLLING_OK) {
      connecting_ = false;
      return true;
    }
    if (poll_status_ == PGRES_POLLING_FAILED) {
      drop(PQerrorMessage(connection_.get()));
      return false;
    }
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(std::max(wait_until - steady_clock::now(), steady_clock::duration{}));
    const short direction = poll_status_ == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    pollfd socket{PQsocket(connection_.get()), direction, 0};
    const int polled = ::poll(&socket, 1, static_cast<int>(left.count()));
    if (polled < 0 && errno == EINTR) continue;
    if (polled > 0 || polled < 0) {
      poll_status_ = PQconnectPoll(connection_.get());
      continue;
    }
    // Not ready yet: come back at the next request, unless it is too late.
    if (steady_clock::now() >= connect_deadline_) {
      drop("no answer to the connection within " + std::to_string(connect_timeout_.count()) + " ms");
      return false;
    }
    if (steady_clock::now() >= wait_until) return false;
  }
}

PgStore::ResultPtr PgStore::exchange(const char* sql, const std::vector<std::string>* parameters, bool& lost,
                                     std::string& why) {
  PGconn* connection = connection_.get();
  lost = false;
  int sent = 0;
  if (parameters != nullptr) {
    std::vector<const char*> values;
    std::vector<int> lengths;
    for (const auto& parameter : *parameters) {
      values.push_back(parameter.c_str());
      lengths.push_back(static_cast<int>(parameter.size()));
    }
    sent = PQsendQueryParams(connection, sql, static_cast<int>(parameters->size()), nullptr, values.data(),
                             lengths.data(), nullptr, 0);
  } else {
    sent = PQsendQuery(connection, sql);
  }
  if (sent == 0) {
    lost = true;
    why = PQerrorMessage(connection);
    return nullptr;
  }
  using std::chrono::steady_clock;
  const auto deadline = steady_clock::now() + kRequestDeadline;
  ResultPtr failed, last;
  while (true) {
    while (PQisBusy(connection) != 0) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - steady_clock::now());
      pollfd socket{PQsocket(connection), POLLIN, 0};
      const int polled = left.count() > 0 ? ::poll(&socket, 1, static_cast<int>(left.count())) : 0;
      if (polled < 0 && errno == EINTR) continue;
      if (polled == 0) {
        lost = true;
        why = "no answer within " + std::to_string(kRequestDeadline.count()) + " ms";
        return nullptr;
      }
      if (PQconsumeInput(connection) == 0) {
        lost = true;
        why = PQerrorMessage(connection);
        return nullptr;
      }
    }
    ResultPtr result(PQgetResult(connection));
    if (!result) break;
    const auto status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && !failed) {
      why = PQresultErrorMessage(result.get());
      failed = std::move(result);
    } else {
      last = std::move(result);
    }
  }
  return failed ? std::move(failed) : std::move(last);
}

bool PgStore::create_schema() {
  const auto step = [&](const std::string& sql) {
    bool lost = false;
    std::string why;
    ResultPtr result = exchange(sql.c_str(), nullptr, lost, why);
    const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
    if (lost) {
      drop("creating the schema: " + why);
    } else {
      trip("creating the schema: " + why);
    }
    return ResultPtr();
  };
  if (!step("BEGIN")) return false;
  const bool created = [&] {
    if (!step(std::string("SELECT pg_advisory_xact_lock(") + kSchemaLock + ")")) return false;
    // Read before creating anything: CREATE ... IF NOT EXISTS needs the
    // CREATE privilege even when the table is there, and a role that only
    // reads and writes must be able to run parrot once the schema exists.
    const auto exists = step("SELECT to_regclass('schema_version') IS NOT NULL");
    if (!exists) return false;
    if (std::string_view(PQgetvalue(exists.get(), 0, 0)) == "t") {
      const auto version = step("SELECT COALESCE(MAX(version), 0) FROM schema_version");
      if (!version) return false;
      if (integer_at(version.get(), 0, 0) >= kSchemaVersion) return true;
    }
    return step("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)") && step(kSchema) &&
           step("INSERT INTO schema_version(version) VALUES(" + std::to_string(kSchemaVersion) + ")");
  }();
  if (!created || !step("COMMIT")) {
    if (connection_) {
      bool lost = false;
      std::string why;
      exchange("ROLLBACK", nullptr, lost, why);
      if (lost) drop(why);
    }
    return false;
  }
  schema_ready_ = true;
  return true;
}

PgStore::ResultPtr PgStore::run(const char* sql, const std::vector<std::string>& parameters) {
  if (!ready()) return nullptr;
  bool lost = false;
  std::string why;
  ResultPtr result = exchange(sql, &parameters, lost, why);
  const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  if (lost || PQstatus(connection_.get()) != CONNECTION_OK) {
    drop(why);
  } else if (server_trouble(result.get())) {
    trip(why);
  } else {
    spdlog::warn("store: {}", trimmed(why));
  }
  return nullptr;
}

std::optional<std::int64_t> PgStore::add(const StoredReport& report, const ReportPageData& page) {
  const auto inserted = run(
      "INSERT INTO reports(peer, kind, created, summary, json, token, timeline) "
      "VALUES($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      {report.peer, report.kind, std::to_string(report.created_unix), report.summary, report.json, page.token,
       page.timeline});
  if (!inserted || PQntuples(inserted.get()) != 1) return std::nullopt;
  // Keep the newest max_per_contact_ of this contact.
  run("DELETE FROM reports WHERE peer = $1 AND id NOT IN "
      "(SELECT id FROM reports WHERE peer = $1 ORDER BY id DESC LIMIT $2)",
      {report.peer, std::to_string(max_per_contact_)});
  return integer_at(inserted.get(), 0, 0);
}

std::vector<StoredReport> PgStore::recent(const std::string& peer, std::size_t limit) {
  std::vector<StoredReport> reports;
  const auto rows = run("SELECT id, peer, kind, created, summary, json FROM reports WHERE peer = $1 "
                        "ORDER BY id DESC LIMIT $2",
                        {peer, std::to_string(limit)});
  for (int row = 0; rows && row < PQntuples(rows.get()); ++row) reports.push_back(report_at(rows.get(), row));
  return reports;
}

std::optional<StoredReport> PgStore::last(const std::string& peer) {
  auto reports = recent(peer, 1);
  if (reports.empty()) return std::nullopt;
  return std::move(reports.front());
}

std::size_t PgStore::count(const std::string& peer) {
  const auto rows = run("SELECT COUNT(*) FROM reports WHERE peer = $1", {peer});
  return rows && PQntuples(rows.get()) == 1 ? static_cast<std::size_t>(integer_at(rows.get(), 0, 0)) : 0;
}

std::optional<std::pair<StoredReport, ReportPageData>> PgStore::by_token(const std::string& token) {
  if (token.empty()) return std::nullopt;  // reports from before the pages have none
  const auto rows =
      run("SELECT id, peer, kind, created, summary, json, token, timeline FROM reports WHERE token = $1", {token});
  if (!rows || PQntuples(rows.get()) != 1) return std::nullopt;
  return std::pair{report_at(rows.get(), 0), ReportPageData{text_at(rows.get(), 0, 6), text_at(rows.get(), 0, 7)}};
}

bool PgStore::take_welcome(const std::string& bare_jid) {
  if (bare_jid.empty()) return false;
  const auto inserted =
      run("INSERT INTO welcomed(peer, at) VALUES($1, $2) ON CONFLICT DO NOTHING", {bare_jid, now_unix()});
  const bool first_here = welcomed_here_.insert(bare_jid).second;
  // One row inserted: no instance had welcomed this contact, unless this
  // one did while the server was away. Without the server, this instance's
  // memory decides.
  if (!inserted) return first_here;
  return first_here && std::string_view(PQcmdTuples(inserted.get())) == "1";
}

std::optional<UserSettings> PgStore::user_settings(const std::string& peer) {
  const auto rows = run("SELECT delay_ms, tone FROM user_settings WHERE peer = $1", {peer});
  if (!rows) return std::nullopt;
  if (PQntuples(rows.get()) == 0) return UserSettings{};
  return UserSettings{std::chrono::milliseconds(integer_at(rows.get(), 0, 0)),
                      std::string_view(PQgetvalue(rows.get(), 0, 1)) == "t"};
}

bool PgStore::save_extra_delay(const std::string& peer, std::chrono::milliseconds delay) {
  return run("INSERT INTO user_settings(peer, delay_ms, updated) VALUES($1, $2, $3) "
             "ON CONFLICT(peer) DO UPDATE SET delay_ms = EXCLUDED.delay_ms, updated = EXCLUDED.updated",
             {peer, std::to_string(delay.count()), now_unix()}) != nullptr;
}

bool PgStore::save_test_signal(const std::string& peer, bool on) {
  return run("INSERT INTO user_settings(peer, tone, updated) VALUES($1, $2, $3) "
             "ON CONFLICT(peer) DO UPDATE SET tone = EXCLUDED.tone, updated = EXCLUDED.updated",
             {peer, on ? "true" : "false", now_unix()}) != nullptr;
}

bool PgStore::add_subscriber(const std::string& self, const std::string& peer) {
  return run("INSERT INTO contacts(self, peer, since) VALUES($1, $2, $3) ON CONFLICT DO NOTHING",
             {self, peer, now_unix()}) != nullptr;
}

bool PgStore::remove_subscriber(const std::string& self, const std::string& peer) {
  return run("DELETE FROM contacts WHERE self = $1 AND peer = $2", {self, peer}) != nullptr;
}

bool PgStore::is_subscriber(const std::string& self, const std::string& peer) {
  const auto rows = run("SELECT 1 FROM contacts WHERE self = $1 AND peer = $2", {self, peer});
  return rows && PQntuples(rows.get()) == 1;
}

std::vector<Subscriber> PgStore::subscribers() {
  std::vector<Subscriber> all;
  const auto rows = run("SELECT self, peer FROM contacts ORDER BY self, peer", {});
  for (int row = 0; rows && row < PQntuples(rows.get()); ++row)
    all.push_back(Subscriber{text_at(rows.get(), row, 0), text_at(rows.get(), row, 1)});
  return all;
}

std::size_t PgStore::subscriber_count() {
  const auto rows = run("SELECT COUNT(*) FROM contacts", {});
  return rows && PQntuples(rows.get()) == 1 ? static_cast<std::size_t>(integer_at(rows.get(), 0, 0)) : 0;
}

}  // namespace parrot::bot
