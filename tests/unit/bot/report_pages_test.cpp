#include "bot/report_pages.hpp"

#include "bot/store/sqlite_store.hpp"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

namespace parrot::bot {
namespace {

class ReportPagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("parrot-pages-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  std::string path() const { return (directory_ / "reports.sqlite").string(); }
  static std::string header(const transport::HttpResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers)
      if (key == name) return value;
    return "";
  }

  std::filesystem::path directory_;
};

TEST_F(ReportPagesTest, AStoredTokenGetsItsPageAnythingElse404) {
  SqliteStore writer(path());  // the control thread's connection
  const std::string token = new_report_token();
  ASSERT_TRUE(writer.add(StoredReport{0, "alice@example.org", "call", 1, "MEDIA OK. <b>summary</b>",
                                      R"({"verdict":"MEDIA OK","peer":"alice@example.org/<x>"})"},
                         ReportPageData{token, R"({"streams":[]})"}));
  ReportPages pages(std::make_unique<SqliteStore>(path()));  // the server's own connection, reading what the other wrote

  const auto page = pages.page(token);
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("MEDIA OK. &lt;b&gt;summary&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(page.body.find("alice@example.org/&lt;x&gt;"), std::string::npos);
  EXPECT_NE(header(page, "Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(header(page, "Referrer-Policy"), "no-referrer");

  // A report written after the pages opened the store is found too.
  const std::string later = new_report_token();
  ASSERT_TRUE(writer.add(StoredReport{0, "bob@example.org", "call", 2, "NO MEDIA.", "{}"}, ReportPageData{later, ""}));
  EXPECT_EQ(pages.page(later).status, 200);

  for (const std::string& wrong : {new_report_token(), std::string("1"), std::string(""), token + "0",
                                   std::string(token.size(), 'Z')}) {
    const auto response = pages.page(wrong);
    EXPECT_EQ(response.status, 404) << wrong;
    EXPECT_EQ(response.body, "no such report\n");
  }
}

TEST_F(ReportPagesTest, ACorruptStoredReportStillShowsItsSummary) {
  SqliteStore writer(path());
  const std::string token = new_report_token();
  ASSERT_TRUE(writer.add(StoredReport{0, "alice@example.org", "call", 1, "MEDIA OK. kept", "{not json"},
                         ReportPageData{token, "[also not"}));
  ReportPages pages(std::make_unique<SqliteStore>(path()));
  const auto page = pages.page(token);
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("MEDIA OK. kept"), std::string::npos);
}

}  // namespace
}  // namespace parrot::bot
