#include "bot/chat/chat_echo.hpp"

#include <gloox/parser.h>
#include <gloox/taghandler.h>
#include <gtest/gtest.h>

namespace parrot::bot {
namespace {

using namespace std::chrono_literals;

TagPtr parse_xml(std::string xml) {
  struct Collector : gloox::TagHandler {
    void handleTag(gloox::Tag* tag) override { result.reset(tag->clone()); }
    TagPtr result;
  } collector;
  gloox::Parser parser(&collector);
  parser.feed(xml);
  return std::move(collector.result);
}

class ChatEchoTest : public ::testing::Test {
 protected:
  ChatEchoTest() {
    commands_.add("ping", "ping", "check", [](const CommandRequest&) { return std::string("pong"); });
  }
  std::vector<TagPtr> feed(const std::string& xml, Clock::time_point now = Clock::time_point{}) {
    auto tag = parse_xml(xml);
    EXPECT_TRUE(tag) << xml;
    return echo_.on_message(*tag, self_, now);
  }

  CommandTable commands_;
  ChatEcho echo_{ChatPolicy{1.0, 5.0, 64}, commands_};
  gloox::JID self_{"parrot@example.org/parrot"};
};

TEST_F(ChatEchoTest, EchoesVerbatimToTheFullJid) {
  auto out = feed(
      "<message from='alice@example.org/phone' to='parrot@example.org' type='chat' id='m1' xml:lang='de'>"
      "<body>Hallo</body><body xml:lang='en'>Hello</body><thread parent='p1'>t1</thread>"
      "<active xmlns='http://jabber.org/protocol/chatstates'/></message>");
  ASSERT_EQ(out.size(), 1u);
  const gloox::Tag& echo = *out[0];
  EXPECT_EQ(echo.findAttribute("to"), "alice@example.org/phone");
  EXPECT_EQ(echo.findAttribute("type"), "chat");
  EXPECT_NE(echo.findAttribute("id"), "m1");
  EXPECT_NE(echo.xml().find("xml:lang='de'"), std::string::npos) << echo.xml();
  EXPECT_EQ(echo.findChildren("body").size(), 2u);
  EXPECT_NE(echo.xml().find("<body xml:lang='en'>Hello</body>"), std::string::npos) << echo.xml();
  EXPECT_NE(echo.xml().find("<thread parent='p1'>t1</thread>"), std::string::npos) << echo.xml();
  EXPECT_TRUE(echo.findChild("active", "xmlns", "http://jabber.org/protocol/chatstates"));
  EXPECT_TRUE(echo.findChild("parrot", "xmlns", kEchoMarkerNs));
  EXPECT_EQ(echo_.counters().echoed, 1u);
}

TEST_F(ChatEchoTest, MissingTypeIsNormal) {
  auto out = feed("<message from='alice@example.org/a'><body>hi</body></message>");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]->findAttribute("type"), "normal");
}

TEST_F(ChatEchoTest, NeverAnswered) {
  for (const char* xml : {
           "<message from='alice@example.org/a' type='error'><body>x</body></message>",
           "<message from='room@muc.example.org/alice' type='groupchat'><body>x</body></message>",
           "<message from='news@example.org' type='headline'><body>x</body></message>",
           "<message from='parrot@example.org/other' type='chat'><body>me</body></message>",
           "<message from='bot@example.net/p' type='chat'><body>x</body><parrot xmlns='urn:parrot:echo:1'/></message>",
           "<message from='alice@example.org/a' type='chat'><x xmlns='urn:example'/></message>",
           "<message type='chat'><body>no sender</body></message>",
       }) {
    EXPECT_TRUE(feed(xml).empty()) << xml;
  }
  EXPECT_EQ(echo_.counters().echoed, 0u);
}

TEST_F(ChatEchoTest, StandaloneChatStateIsMirrored) {
  auto out = feed("<message from='alice@example.org/a' type='chat'>"
                  "<composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0]->findChild("composing", "xmlns", "http://jabber.org/protocol/chatstates"));
  EXPECT_FALSE(out[0]->findChild("body"));
}

TEST_F(ChatEchoTest, CorrectionBecomesCorrectionOfTheEcho) {
  auto first = feed("<message from='alice@example.org/a' type='chat' id='orig'><body>helo</body></message>");
  ASSERT_EQ(first.size(), 1u);
  const std::string echo_id = first[0]->findAttribute("id");
  auto fixed = feed("<message from='alice@example.org/b' type='chat' id='fix'><body>hello</body>"
                    "<replace id='orig' xmlns='urn:xmpp:message-correct:0'/></message>");
  ASSERT_EQ(fixed.size(), 1u);
  const gloox::Tag* replace = fixed[0]->findChild("replace", "xmlns", "urn:xmpp:message-correct:0");
  ASSERT_TRUE(replace);
  EXPECT_EQ(replace->findAttribute("id"), echo_id);
  // A correction of something parrot never echoed is echoed as a plain message.
  auto unknown = feed("<message from='alice@example.org/a' type='chat' id='x2'><body>y</body>"
                      "<replace id='never-seen' xmlns='urn:xmpp:message-correct:0'/></message>");
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_FALSE(unknown[0]->findChild("replace"));
}

TEST_F(ChatEchoTest, ReceiptRequestAnswered) {
  auto out = feed("<message from='alice@example.org/a' type='chat' id='r1'><body>hi</body>"
                  "<request xmlns='urn:xmpp:receipts'/></message>");
  ASSERT_EQ(out.size(), 2u);
  const gloox::Tag* received = out[0]->findChild("received", "xmlns", "urn:xmpp:receipts");
  ASSERT_TRUE(received);
  EXPECT_EQ(received->findAttribute("id"), "r1");
  EXPECT_FALSE(out[1]->findChild("request"));
}

TEST_F(ChatEchoTest, OfflineDelayIsCarriedOver) {
  auto out = feed("<message from='alice@example.org/a' type='chat'><body>late</body>"
                  "<delay xmlns='urn:xmpp:delay' from='example.org' stamp='2026-01-02T03:04:05Z'/></message>");
  ASSERT_EQ(out.size(), 1u);
  const gloox::Tag* delay = out[0]->findChild("delay", "xmlns", "urn:xmpp:delay");
  ASSERT_TRUE(delay);
  EXPECT_EQ(delay->findAttribute("stamp"), "2026-01-02T03:04:05Z");
  EXPECT_EQ(delay->findAttribute("from"), "parrot@example.org");
}

TEST_F(ChatEchoTest, CommandsAnsweredNotEchoed) {
  auto out = feed("<message from='alice@example.org/a' type='chat'><body>!ping</body></message>");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]->findChild("body")->cdata(), "pong");
  EXPECT_EQ(echo_.counters().commands, 1u);
  EXPECT_EQ(echo_.counters().echoed, 0u);
}

TEST_F(ChatEchoTest, OversizedBodyRefused) {
  auto out = feed("<message from='alice@example.org/a' type='chat'><body>" + std::string(65, 'x') +
                  "</body></message>");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0]->findChild("body")->cdata().find("65 bytes"), std::string::npos);
  EXPECT_EQ(echo_.counters().too_large, 1u);
}

TEST_F(ChatEchoTest, RateLimitGivesOneNotice) {
  const std::string xml = "<message from='alice@example.org/a' type='chat'><body>x</body></message>";
  for (int i = 0; i < 5; ++i) ASSERT_EQ(feed(xml).size(), 1u);
  auto notice = feed(xml);
  ASSERT_EQ(notice.size(), 1u);
  EXPECT_NE(notice[0]->findChild("body")->cdata().find("faster"), std::string::npos);
  EXPECT_TRUE(feed(xml).empty());
  EXPECT_TRUE(feed(xml).empty());
  EXPECT_EQ(feed(xml, Clock::time_point{} + 1s).size(), 1u);  // refilled
  EXPECT_EQ(echo_.counters().rate_limited, 3u);
}

}  // namespace
}  // namespace parrot::bot
