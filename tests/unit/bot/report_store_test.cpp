#include "bot/report_store.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

namespace parrot::bot {
namespace {

class ReportStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() / ("parrot-reports-" + std::to_string(::getpid()) + "-" +
                                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  std::string path() const { return (directory_ / "reports.sqlite").string(); }

  static StoredReport report(const std::string& peer, int n) {
    return StoredReport{0, peer, "call", 1'800'000'000 + n, "MEDIA OK. call " + std::to_string(n),
                        "{\"kind\":\"call\",\"n\":" + std::to_string(n) + "}"};
  }

  std::filesystem::path directory_;
};

TEST_F(ReportStoreTest, LastReportSurvivesARestart) {
  {
    ReportStore store(path());
    ASSERT_TRUE(store.add(report("alice@example.org", 1)));
    ASSERT_TRUE(store.add(report("alice@example.org", 2)));
    ASSERT_TRUE(store.add(report("bob@example.org", 3)));
  }
  ReportStore reopened(path());
  const auto last = reopened.last("alice@example.org");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->summary, "MEDIA OK. call 2");
  EXPECT_EQ(last->json, "{\"kind\":\"call\",\"n\":2}");
  EXPECT_EQ(last->created_unix, 1'800'000'002);
  EXPECT_EQ(reopened.last("bob@example.org")->summary, "MEDIA OK. call 3");
  EXPECT_FALSE(reopened.last("carol@example.org"));
}

TEST_F(ReportStoreTest, EachContactKeepsItsNewestOnly) {
  ReportStore store(path(), 3);
  for (int n = 1; n <= 7; ++n) store.add(report("alice@example.org", n));
  store.add(report("bob@example.org", 100));
  EXPECT_EQ(store.count("alice@example.org"), 3u);
  EXPECT_EQ(store.count("bob@example.org"), 1u);
  const auto recent = store.recent("alice@example.org", 10);
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent[0].summary, "MEDIA OK. call 7");
  EXPECT_EQ(recent[2].summary, "MEDIA OK. call 5");
}

TEST_F(ReportStoreTest, TextIsStoredAsIsQuotesAndAll) {
  ReportStore store(path());
  StoredReport tricky = report("o'brien@example.org", 1);
  tricky.summary = "it's \"fine\"; DROP TABLE reports; --";
  store.add(tricky);
  EXPECT_EQ(store.last("o'brien@example.org")->summary, tricky.summary);
}

TEST_F(ReportStoreTest, UnopenableDatabaseIsAStartupError) {
  EXPECT_THROW(ReportStore((directory_ / "no" / "such" / "dir" / "x.sqlite").string()), std::runtime_error);
}

}  // namespace
TEST_F(ReportStoreTest, FindsAReportByItsPageTokenOnly) {
  ReportStore store(path());
  const std::string token = new_report_token();
  ASSERT_TRUE(store.add(report("alice@example.org", 1), ReportPageData{token, "{\"streams\":[]}"}));
  ASSERT_TRUE(store.add(report("alice@example.org", 2)));  // no page
  const auto found = store.by_token(token);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->first.summary, "MEDIA OK. call 1");
  EXPECT_EQ(found->second.timeline, "{\"streams\":[]}");
  EXPECT_FALSE(store.by_token(new_report_token()));
  EXPECT_FALSE(store.by_token(""));  // reports without a page are not reachable
}

TEST_F(ReportStoreTest, TokensAre128RandomBitsInHex) {
  const std::string a = new_report_token();
  const std::string b = new_report_token();
  EXPECT_EQ(a.size(), 32U);
  EXPECT_TRUE(is_report_token(a));
  EXPECT_NE(a, b);
  EXPECT_FALSE(is_report_token("1"));
  EXPECT_FALSE(is_report_token(std::string(32, 'g')));
  EXPECT_FALSE(is_report_token(std::string(32, 'A')));
}

TEST_F(ReportStoreTest, AStoreFromBeforeThePagesGainsTheirColumns) {
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
  ReportStore store(path());
  EXPECT_EQ(store.last("alice@example.org")->summary, "old");
  const std::string token = new_report_token();
  ASSERT_TRUE(store.add(report("alice@example.org", 2), ReportPageData{token, ""}));
  EXPECT_EQ(store.by_token(token)->first.summary, "MEDIA OK. call 2");
  EXPECT_EQ(store.count("alice@example.org"), 2U);
}

}  // namespace parrot::bot
