// The store's behaviour, the same tests for both backends: SQLite always,
// PostgreSQL when PARROT_TEST_PG_URL names a server (tests/with_postgres.sh
// starts a throwaway one; ctest's store_postgres entry runs this binary
// through it). Each PostgreSQL test gets a database of its own.
#include "bot/store/store.hpp"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "bot/store/pg_store.hpp"
#include "bot/store/sqlite_store.hpp"

namespace parrot::bot {
namespace {

using std::chrono::milliseconds;

enum class Backend { kSqlite, kPostgres };

std::string test_name() {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

StoredReport report(const std::string& peer, int n) {
  return StoredReport{0, peer, "call", 1'800'000'000 + n, "MEDIA OK. call " + std::to_string(n),
                      "{\"kind\":\"call\",\"n\":" + std::to_string(n) + "}"};
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() / ("parrot-store-" + std::to_string(::getpid()) + "-" +
                                                           test_name());
    std::filesystem::create_directories(directory_);
    if (GetParam() == Backend::kPostgres) set_up_postgres();
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  void set_up_postgres();

  std::string path() const { return (directory_ / "reports.sqlite").string(); }

  // One more connection to the store under test: another instance of parrot.
  std::unique_ptr<Store> open(std::size_t max_per_contact = 20) const {
    StoreOptions options;
    options.data_dir = directory_.string();
    options.max_reports_per_contact = max_per_contact;
    if (GetParam() == Backend::kPostgres) options.location = StoreLocation{StoreLocation::Kind::kPostgres, url_};
    return open_store(options);
  }

  std::filesystem::path directory_;
  std::string url_;  // PostgreSQL: this test's own database
};

// Runs `sql` on the server's maintenance connection (PARROT_TEST_PG_URL).
void administer(const std::string& sql) {
  const char* base = std::getenv("PARROT_TEST_PG_URL");
  ASSERT_NE(base, nullptr);
  PGconn* connection = PQconnectdb(base);
  ASSERT_EQ(PQstatus(connection), CONNECTION_OK) << PQerrorMessage(connection);
  PGresult* result = PQexec(connection, sql.c_str());
  const auto status = PQresultStatus(result);
  EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(connection);
  PQclear(result);
  PQfinish(connection);
}

// The first column of the first row of `sql` on `url`'s database.
std::string query_one(const std::string& url, const std::string& sql) {
  PGconn* connection = PQconnectdb(url.c_str());
  PGresult* result = PQexec(connection, sql.c_str());
  std::string value = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0 ? PQgetvalue(result, 0, 0) : "";
  PQclear(result);
  PQfinish(connection);
  return value;
}

// PARROT_TEST_PG_URL with its database replaced by a fresh one named after
// the test, so tests never see each other's rows (ctest may run them at once).
std::string fresh_database() {
  const char* base = std::getenv("PARROT_TEST_PG_URL");
  if (base == nullptr || *base == '\0') return "";
  std::string name = "t_" + test_name() + "_" + std::to_string(::getpid());
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  administer("DROP DATABASE IF EXISTS " + name);
  administer("CREATE DATABASE " + name);
  std::string url = base;
  const std::size_t query = url.find('?');
  const std::size_t slash = url.rfind('/', query);
  return url.substr(0, slash + 1) + name + (query == std::string::npos ? "" : url.substr(query));
}

void StoreTest::set_up_postgres() {
  url_ = fresh_database();
  if (url_.empty()) GTEST_SKIP() << "PARROT_TEST_PG_URL is not set (tests/with_postgres.sh sets it)";
}

TEST_P(StoreTest, LastReportSurvivesAReopen) {
  {
    const auto store = open();
    ASSERT_TRUE(store->add(report("alice@example.org", 1)));
    ASSERT_TRUE(store->add(report("alice@example.org", 2)));
    ASSERT_TRUE(store->add(report("bob@example.org", 3)));
  }
  const auto reopened = open();
  const auto last = reopened->last("alice@example.org");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->summary, "MEDIA OK. call 2");
  EXPECT_EQ(last->json, "{\"kind\":\"call\",\"n\":2}");
  EXPECT_EQ(last->created_unix, 1'800'000'002);
  EXPECT_EQ(reopened->last("bob@example.org")->summary, "MEDIA OK. call 3");
  EXPECT_FALSE(reopened->last("carol@example.org"));
}

TEST_P(StoreTest, EachContactKeepsItsNewestOnly) {
  const auto store = open(3);
  for (int n = 1; n <= 7; ++n) store->add(report("alice@example.org", n));
  store->add(report("bob@example.org", 100));
  EXPECT_EQ(store->count("alice@example.org"), 3u);
  EXPECT_EQ(store->count("bob@example.org"), 1u);
  const auto recent = store->recent("alice@example.org", 10);
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent[0].summary, "MEDIA OK. call 7");
  EXPECT_EQ(recent[2].summary, "MEDIA OK. call 5");
}

TEST_P(StoreTest, TextIsStoredAsIsQuotesAndAll) {
  const auto store = open();
  StoredReport tricky = report("o'brien@example.org", 1);
  tricky.summary = "it's \"fine\"; DROP TABLE reports; -- ünïcode ☎";
  store->add(tricky);
  EXPECT_EQ(store->last("o'brien@example.org")->summary, tricky.summary);
}

TEST_P(StoreTest, FindsAReportByItsPageTokenOnly) {
  const auto store = open();
  const std::string token = new_report_token();
  ASSERT_TRUE(store->add(report("alice@example.org", 1), ReportPageData{token, "{\"streams\":[]}"}));
  ASSERT_TRUE(store->add(report("alice@example.org", 2)));  // no page
  ASSERT_TRUE(store->add(report("bob@example.org", 3)));    // no page either: empty tokens do not collide
  const auto found = store->by_token(token);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->first.summary, "MEDIA OK. call 1");
  EXPECT_EQ(found->second.token, token);
  EXPECT_EQ(found->second.timeline, "{\"streams\":[]}");
  EXPECT_FALSE(store->by_token(new_report_token()));
  EXPECT_FALSE(store->by_token(""));  // reports without a page are not reachable
}

TEST_P(StoreTest, EachContactIsWelcomedOnceAcrossReopens) {
  {
    const auto store = open();
    EXPECT_TRUE(store->take_welcome("alice@example.org"));
    EXPECT_FALSE(store->take_welcome("alice@example.org"));
    EXPECT_FALSE(store->take_welcome(""));
  }
  const auto reopened = open();
  EXPECT_FALSE(reopened->take_welcome("alice@example.org"));
  EXPECT_TRUE(reopened->take_welcome("bob@example.org"));
}

TEST_P(StoreTest, SettingsAreWrittenThroughEachOnItsOwn) {
  const auto store = open();
  EXPECT_EQ(store->user_settings("alice@example.org"), UserSettings{});  // never chose: the defaults
  ASSERT_TRUE(store->save_extra_delay("alice@example.org", milliseconds(700)));
  EXPECT_EQ(store->user_settings("alice@example.org"), (UserSettings{milliseconds(700), false}));
  ASSERT_TRUE(store->save_test_signal("alice@example.org", true));
  EXPECT_EQ(store->user_settings("alice@example.org"), (UserSettings{milliseconds(700), true}));
  ASSERT_TRUE(store->save_extra_delay("alice@example.org", milliseconds(0)));
  EXPECT_EQ(store->user_settings("alice@example.org"), (UserSettings{milliseconds(0), true}));
  ASSERT_TRUE(store->save_test_signal("bob@example.org", true));
  EXPECT_EQ(store->user_settings("bob@example.org"), (UserSettings{milliseconds(0), true}));
  EXPECT_EQ(store->user_settings("carol@example.org"), UserSettings{});
}

TEST_P(StoreTest, TheContactBookKeepsSubscriptionsPerSelf) {
  const auto store = open();
  EXPECT_EQ(store->subscriber_count(), 0u);
  EXPECT_TRUE(store->add_subscriber("echo.example.org", "alice@example.org"));
  EXPECT_TRUE(store->add_subscriber("echo.example.org", "alice@example.org"));  // idempotent
  EXPECT_TRUE(store->add_subscriber("bot@echo.example.org", "alice@example.org"));
  EXPECT_TRUE(store->add_subscriber("echo.example.org", "bob@example.org"));
  EXPECT_EQ(store->subscriber_count(), 3u);
  EXPECT_TRUE(store->is_subscriber("echo.example.org", "alice@example.org"));
  EXPECT_FALSE(store->is_subscriber("echo.example.org", "carol@example.org"));
  EXPECT_TRUE(store->remove_subscriber("echo.example.org", "alice@example.org"));
  EXPECT_TRUE(store->remove_subscriber("echo.example.org", "alice@example.org"));  // idempotent
  EXPECT_FALSE(store->is_subscriber("echo.example.org", "alice@example.org"));
  EXPECT_TRUE(store->is_subscriber("bot@echo.example.org", "alice@example.org"));
  const auto all = store->subscribers();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].self, "bot@echo.example.org");
  EXPECT_EQ(all[0].peer, "alice@example.org");
  EXPECT_EQ(all[1].self, "echo.example.org");
  EXPECT_EQ(all[1].peer, "bob@example.org");
}

// Two instances of parrot on one store: whatever a user expects to find is
// there whichever instance serves them next.
TEST_P(StoreTest, TwoInstancesSeeEachOthersState) {
  const auto a = open();
  const auto b = open();
  EXPECT_TRUE(a->take_welcome("alice@example.org"));
  EXPECT_FALSE(b->take_welcome("alice@example.org"));
  ASSERT_TRUE(a->save_extra_delay("alice@example.org", milliseconds(1200)));
  ASSERT_TRUE(a->save_test_signal("alice@example.org", true));
  EXPECT_EQ(b->user_settings("alice@example.org"), (UserSettings{milliseconds(1200), true}));
  ASSERT_TRUE(b->save_test_signal("alice@example.org", false));
  EXPECT_EQ(a->user_settings("alice@example.org"), (UserSettings{milliseconds(1200), false}));
  ASSERT_TRUE(a->add_subscriber("echo.example.org", "alice@example.org"));
  EXPECT_TRUE(b->is_subscriber("echo.example.org", "alice@example.org"));
  EXPECT_EQ(b->subscriber_count(), 1u);
  const std::string token = new_report_token();
  ASSERT_TRUE(b->add(report("alice@example.org", 9), ReportPageData{token, ""}));
  EXPECT_EQ(a->last("alice@example.org")->summary, "MEDIA OK. call 9");
  EXPECT_EQ(a->by_token(token)->first.peer, "alice@example.org");
}

// Several instances meeting the same new contact at once welcome it once.
TEST_P(StoreTest, ConcurrentInstancesWelcomeAContactOnce) {
  open();  // the schema, so the threads race on the welcome alone
  constexpr int kInstances = 4;
  std::atomic<int> welcomed{0};
  std::vector<std::thread> instances;
  for (int i = 0; i < kInstances; ++i) {
    instances.emplace_back([&] {
      const auto store = open();
      for (int contact = 0; contact < 20; ++contact) {
        if (store->take_welcome("user" + std::to_string(contact) + "@example.org")) ++welcomed;
      }
    });
  }
  for (auto& instance : instances) instance.join();
  EXPECT_EQ(welcomed.load(), 20);
}

TEST_P(StoreTest, ImportsAnOlderParrotsWelcomedFileOnce) {
  const std::string file = (directory_ / "welcomed").string();
  std::ofstream(file) << "alice@example.org\n\nbob@example.org\n";
  const auto store = open();
  EXPECT_EQ(import_welcome_file(*store, file), 2u);
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_TRUE(std::filesystem::exists(file + ".imported"));
  EXPECT_FALSE(store->take_welcome("alice@example.org"));
  EXPECT_FALSE(store->take_welcome("bob@example.org"));
  EXPECT_TRUE(store->take_welcome("carol@example.org"));
  EXPECT_EQ(import_welcome_file(*store, file), 0u);  // gone: nothing more to do
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& backend) {
                           return backend.param == Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

// SQLite only: the file in the data directory.
class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() / ("parrot-sqlite-" + std::to_string(::getpid()) + "-" +
                                                           test_name());
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  std::string path() const { return (directory_ / "reports.sqlite").string(); }
  std::filesystem::path directory_;
};

TEST_F(SqliteStoreTest, UnopenableDatabaseIsAStartupError) {
  EXPECT_THROW(SqliteStore((directory_ / "no" / "such" / "dir" / "x.sqlite").string()), std::runtime_error);
}

TEST_F(SqliteStoreTest, TokensAre128RandomBitsInHex) {
  const std::string a = new_report_token();
  const std::string b = new_report_token();
  EXPECT_EQ(a.size(), 32U);
  EXPECT_TRUE(is_report_token(a));
  EXPECT_NE(a, b);
  EXPECT_FALSE(is_report_token("1"));
  EXPECT_FALSE(is_report_token(std::string(32, 'g')));
  EXPECT_FALSE(is_report_token(std::string(32, 'A')));
}

TEST_F(SqliteStoreTest, AStoreFromBeforeThePagesGainsTheirColumns) {
  {
    // The schema as it was before the report pages.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE reports (id INTEGER PRIMARY KEY AUTOINCREMENT, peer TEXT NOT NULL, "
                           "kind TEXT NOT NULL, created INTEGER NOT NULL, summary TEXT NOT NULL, json TEXT NOT NULL);"
                           "INSERT INTO reports(peer, kind, created, summary, json) "
                           "VALUES('alice@example.org', 'call', 1, 'old', '{}');",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  SqliteStore store(path());
  EXPECT_EQ(store.last("alice@example.org")->summary, "old");
  const std::string token = new_report_token();
  ASSERT_TRUE(store.add(report("alice@example.org", 2), ReportPageData{token, ""}));
  EXPECT_EQ(store.by_token(token)->first.summary, "MEDIA OK. call 2");
  EXPECT_EQ(store.count("alice@example.org"), 2U);
}

TEST(StoreLocationTest, SqliteUnlessAPostgresqlUrl) {
  std::string why;
  EXPECT_EQ(parse_store_location("", why), StoreLocation{});
  EXPECT_EQ(parse_store_location("sqlite", why), StoreLocation{});
  const auto pg = parse_store_location("postgresql://parrot@db.example.org/parrot?sslmode=require", why);
  ASSERT_TRUE(pg);
  EXPECT_EQ(pg->kind, StoreLocation::Kind::kPostgres);
  EXPECT_EQ(pg->url, "postgresql://parrot@db.example.org/parrot?sslmode=require");
  EXPECT_TRUE(parse_store_location("postgres://db/parrot", why));
  EXPECT_FALSE(parse_store_location("mysql://db/parrot", why));
  EXPECT_NE(why.find("neither"), std::string::npos);
  // libpq's own check, quoted; not when the URL has a password, which
  // libpq's message might quote a piece of.
  EXPECT_FALSE(parse_store_location("postgresql://u@db/parrot?no_such_thing=1", why));
  EXPECT_NE(why.find("no_such_thing"), std::string::npos) << why;
  EXPECT_FALSE(parse_store_location("postgresql://u:hunter2@db/parrot?no_such_thing=1", why));
  EXPECT_NE(why.find("withheld"), std::string::npos) << why;
  EXPECT_EQ(why.find("hunter2"), std::string::npos) << why;
}

TEST(StoreLocationTest, PasswordsAreRedactedWhereverTheUrlPutsThem) {
  EXPECT_EQ(redact_store_url("postgresql://parrot:hunter2@db:5432/parrot"), "postgresql://parrot:***@db:5432/parrot");
  EXPECT_EQ(redact_store_url("postgres://parrot:p%40ss@word@db/parrot"), "postgres://parrot:***@db/parrot");
  EXPECT_EQ(redact_store_url("postgresql://db/parrot?user=u&password=hunter2&sslmode=require"),
            "postgresql://db/parrot?user=u&password=***&sslmode=require");
  EXPECT_EQ(redact_store_url("postgresql://db?p%61ssword=hunter2"), "postgresql://db?p%61ssword=***");
  EXPECT_EQ(redact_store_url("postgresql://parrot@db/parrot?passfile=/etc/parrot/pgpass"),
            "postgresql://parrot@db/parrot?passfile=/etc/parrot/pgpass");
  EXPECT_FALSE(store_url_has_password("postgresql://parrot@db/parrot?passfile=/etc/parrot/pgpass"));
  EXPECT_TRUE(store_url_has_password("postgresql://parrot:x@db/parrot"));
  EXPECT_TRUE(store_url_has_password("postgresql://db/parrot?password=x"));
  EXPECT_FALSE(store_url_has_password("sqlite"));
}

// PostgreSQL only: several instances, and a server that goes away.
class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = fresh_database();
    if (url_.empty()) GTEST_SKIP() << "PARROT_TEST_PG_URL is not set (tests/with_postgres.sh sets it)";
  }
  std::string url_;
};

// Instances started together create the schema once, without the duplicate
// key errors CREATE TABLE IF NOT EXISTS gives when run concurrently.
TEST_F(PgStoreTest, InstancesStartingTogetherCreateTheSchemaOnce) {
  constexpr int kInstances = 6;
  std::atomic<int> waiting{kInstances};
  std::atomic<int> available{0};
  std::atomic<int> welcomed{0};
  std::vector<std::thread> instances;
  for (int i = 0; i < kInstances; ++i) {
    instances.emplace_back([&] {
      --waiting;
      while (waiting.load() > 0) std::this_thread::yield();  // all connect at once
      PgStore store(url_);
      if (store.available()) ++available;
      if (store.take_welcome("first@example.org")) ++welcomed;
    });
  }
  for (auto& instance : instances) instance.join();
  EXPECT_EQ(available.load(), kInstances);
  EXPECT_EQ(welcomed.load(), 1);
  PGconn* connection = PQconnectdb(url_.c_str());
  PGresult* versions = PQexec(connection, "SELECT COUNT(*) FROM schema_version");
  ASSERT_EQ(PQresultStatus(versions), PGRES_TUPLES_OK) << PQerrorMessage(connection);
  EXPECT_STREQ(PQgetvalue(versions, 0, 0), "1");
  PQclear(versions);
  PQfinish(connection);
}

// Once the schema exists, a role that may only read and write rows runs
// parrot (CREATE ... IF NOT EXISTS alone would need the CREATE privilege).
TEST_F(PgStoreTest, ARoleWithoutCreateRunsOnAnExistingSchema) {
  { PgStore owner(url_); ASSERT_TRUE(owner.available()); }
  const std::string role = "parrot_rw_" + std::to_string(::getpid());
  administer("DROP ROLE IF EXISTS " + role);
  administer("CREATE ROLE " + role + " LOGIN");
  PGconn* connection = PQconnectdb(url_.c_str());
  for (const std::string& sql : {"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + role,
                                "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO " + role,
                                std::string("REVOKE CREATE ON SCHEMA public FROM PUBLIC")}) {
    PGresult* result = PQexec(connection, sql.c_str());
    EXPECT_EQ(PQresultStatus(result), PGRES_COMMAND_OK) << sql << ": " << PQerrorMessage(connection);
    PQclear(result);
  }
  PQfinish(connection);
  const std::size_t at = url_.find('@');
  const std::string as_role = "postgresql://" + role + url_.substr(at);
  {
    PgStore store(as_role);
    EXPECT_TRUE(store.available());
    EXPECT_TRUE(store.take_welcome("alice@example.org"));
    EXPECT_TRUE(store.add(report("alice@example.org", 1)));
    EXPECT_TRUE(store.save_test_signal("alice@example.org", true));
  }
  administer("DROP OWNED BY " + role + " CASCADE");
  // The role must not outlive the test: its grants are in the test's database.
  administer("DROP DATABASE " + url_.substr(url_.rfind('/') + 1));
  administer("DROP ROLE " + role);
}

// Asks for `peer`'s settings until the store has reconnected (it answers
// again) or 20 s have passed; nullopt then.
std::optional<UserSettings> settings_once_reconnected(PgStore& store, const std::string& peer) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    auto settings = store.user_settings(peer);
    if (settings || std::chrono::steady_clock::now() >= deadline) return settings;
    std::this_thread::sleep_for(milliseconds(20));
  }
}

// The server drops the connection (a restart, a failover): the requests
// meanwhile get the defaults, and the store reconnects by itself.
TEST_F(PgStoreTest, ReconnectsAfterTheServerDropsTheConnection) {
  PgStore store(url_, 20, milliseconds(50));
  ASSERT_TRUE(store.available());
  ASSERT_TRUE(store.take_welcome("alice@example.org"));
  ASSERT_TRUE(store.save_extra_delay("alice@example.org", milliseconds(300)));
  const std::string database = url_.substr(url_.rfind('/') + 1);
  administer("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "'");
  // The first request after the drop fails: defaults, no crash, no throw.
  EXPECT_FALSE(store.user_settings("alice@example.org"));
  EXPECT_FALSE(store.available());
  EXPECT_FALSE(store.take_welcome("alice@example.org"));  // this instance remembers it welcomed alice
  EXPECT_TRUE(store.take_welcome("bob@example.org"));     // the server away: this instance's memory decides
  EXPECT_EQ(store.outages(), 1u);
  const std::optional<UserSettings> settings = settings_once_reconnected(store, "alice@example.org");
  ASSERT_TRUE(settings) << "the store did not reconnect";
  EXPECT_TRUE(store.available());
  EXPECT_EQ(settings->extra_delay, milliseconds(300));
  EXPECT_FALSE(store.take_welcome("bob@example.org"));  // welcomed during the outage: not twice
  EXPECT_FALSE(PgStore(url_).take_welcome("bob@example.org"));  // and now in the store for every instance
}

// A server that stops answering mid-request (a stalled host, a network
// that drops everything): parrot's own deadline answers the caller, who gets
// the defaults, and the store reconnects once the server is back.
TEST_F(PgStoreTest, AStalledServerDoesNotHoldTheCaller) {
  PgStore store(url_, 20, milliseconds(50));
  ASSERT_TRUE(store.available());
  const std::string database = url_.substr(url_.rfind('/') + 1);
  const std::string backend = query_one(url_, "SELECT pid FROM pg_stat_activity WHERE datname = '" + database +
                                                  "' AND application_name = 'parrot'");
  ASSERT_FALSE(backend.empty());
  const pid_t pid = std::stoi(backend);
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  std::optional<UserSettings> stalled;
  {
    struct Resume {
      pid_t pid;
      ~Resume() { ::kill(pid, SIGCONT); }
    } resume{pid};
    stalled = store.user_settings("alice@example.org");  // returns: no answer in time
  }
  EXPECT_FALSE(stalled);
  EXPECT_FALSE(store.available());
  const std::optional<UserSettings> settings = settings_once_reconnected(store, "alice@example.org");
  ASSERT_TRUE(settings) << "the store did not reconnect";
  EXPECT_EQ(*settings, UserSettings{});
}

// A port that was free a moment ago: connections to it are refused.
std::uint16_t closed_port() {
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  EXPECT_EQ(::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ::close(probe);
  return ntohs(address.sin_port);
}

// Something that takes the connection and never says a word: the connect
// is bounded at start, and a reconnect afterwards never waits.
TEST(PgStoreUnreachableTest, AServerThatNeverAnswersIsGivenUpOn) {
  const int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(silent, 8), 0);  // the kernel completes the handshakes; nobody reads
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string url =
      "postgresql://parrot@127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/parrot?connect_timeout=2";
  PgStore store(url, 20, milliseconds(0));
  EXPECT_FALSE(store.available());
  EXPECT_FALSE(store.user_settings("alice@example.org"));  // a new connection started, not waited for
  EXPECT_TRUE(store.take_welcome("alice@example.org"));
  ::close(silent);
}

// A server nobody listens for: parrot starts and runs on defaults.
TEST(PgStoreUnreachableTest, AClosedPortMeansDefaultsNotACrash) {
  const std::string url = "postgresql://parrot:secret@127.0.0.1:" + std::to_string(closed_port()) + "/parrot";

  PgStore store(url, 20, milliseconds(60'000));
  EXPECT_FALSE(store.available());
  EXPECT_EQ(store.describe().find("secret"), std::string::npos);
  EXPECT_FALSE(store.user_settings("alice@example.org"));
  EXPECT_FALSE(store.save_test_signal("alice@example.org", true));
  EXPECT_TRUE(store.take_welcome("alice@example.org"));  // this instance's memory: once
  EXPECT_FALSE(store.take_welcome("alice@example.org"));
  EXPECT_FALSE(store.add(report("alice@example.org", 1)));
  EXPECT_FALSE(store.last("alice@example.org"));
  EXPECT_EQ(store.count("alice@example.org"), 0u);
  EXPECT_FALSE(store.add_subscriber("echo.example.org", "alice@example.org"));
  EXPECT_FALSE(store.is_subscriber("echo.example.org", "alice@example.org"));
  EXPECT_TRUE(store.subscribers().empty());
}

}  // namespace
}  // namespace parrot::bot
