// The XEP-0050 answer of the "report" command, as XML: completed with the
// report in a data form, or completed with a note when there is none.
#include "bot/xmpp/report_command.hpp"

#include <gloox/tag.h>
#include <gtest/gtest.h>

namespace parrot::bot::xmpp {
namespace {

std::unique_ptr<gloox::Tag> reply_tag(const std::optional<StoredReport>& report, bool cancelled = false) {
  const auto reply = ReportCommand::make_reply("sess-1", report, cancelled);
  return std::unique_ptr<gloox::Tag>(reply->tag());
}

TEST(ReportCommand, NoReportYetIsCompletedWithANote) {
  const auto tag = reply_tag(std::nullopt);
  EXPECT_EQ(tag->name(), "command");
  EXPECT_EQ(tag->xmlns(), "http://jabber.org/protocol/commands");
  EXPECT_EQ(tag->findAttribute("node"), "report");
  EXPECT_EQ(tag->findAttribute("sessionid"), "sess-1");
  EXPECT_EQ(tag->findAttribute("status"), "completed");
  const gloox::Tag* note = tag->findChild("note");
  ASSERT_NE(note, nullptr);
  EXPECT_EQ(note->findAttribute("type"), "info");
  EXPECT_NE(note->cdata().find("No report yet"), std::string::npos);
  EXPECT_EQ(tag->findChild("x", "xmlns", "jabber:x:data"), nullptr);
}

TEST(ReportCommand, ReportInAResultForm) {
  StoredReport report;
  report.kind = "call";
  report.summary = "MEDIA OK\nAudio opus 48 kHz: 150 packets";
  report.json = R"({"kind":"call","id":"abc","verdict":"MEDIA OK"})";
  const auto tag = reply_tag(report);
  EXPECT_EQ(tag->findAttribute("status"), "completed");
  const gloox::Tag* form = tag->findChild("x", "xmlns", "jabber:x:data");
  ASSERT_NE(form, nullptr);
  EXPECT_EQ(form->findAttribute("type"), "result");
  std::map<std::string, std::vector<std::string>> fields;
  for (const gloox::Tag* field : form->findChildren("field")) {
    for (const gloox::Tag* value : field->findChildren("value")) fields[field->findAttribute("var")].push_back(value->cdata());
  }
  EXPECT_EQ(fields["FORM_TYPE"], std::vector<std::string>{"urn:parrot:report:1"});
  EXPECT_EQ(fields["report"], std::vector<std::string>{report.json});
  EXPECT_EQ(fields["summary"], (std::vector<std::string>{"MEDIA OK", "Audio opus 48 kHz: 150 packets"}));
  ASSERT_NE(tag->findChild("note"), nullptr);
}

TEST(ReportCommand, CancelEndsTheSession) {
  const auto tag = reply_tag(std::nullopt, true);
  EXPECT_EQ(tag->findAttribute("status"), "canceled");
  EXPECT_EQ(tag->findChild("note"), nullptr);
}

}  // namespace
}  // namespace parrot::bot::xmpp
