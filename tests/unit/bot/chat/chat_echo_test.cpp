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
  ChatEcho echo_{ChatPolicy{.rate_per_second = 1.0, .burst = 5.0, .max_queued_per_sender = 3,
                            .max_queued_total = 100, .max_body_bytes = 64},
                 commands_};
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

std::string body_of(const TagPtr& tag) {
  const gloox::Tag* body = tag->findChild("body");
  return body ? body->cdata() : std::string();
}

std::string numbered(int i) {
  return "<message from='alice@example.org/a' type='chat' id='m" + std::to_string(i) + "'><body>" +
         std::to_string(i) + "</body></message>";
}

// Beyond the burst, messages wait and come back in order at the rate; the
// sender is told once, when the queue starts.
TEST_F(ChatEchoTest, FastSenderIsPacedNotDropped) {
  const Clock::time_point t0{};
  for (int i = 0; i < 5; ++i) ASSERT_EQ(body_of(feed(numbered(i), t0).at(0)), std::to_string(i));
  auto first_queued = feed(numbered(5), t0);
  ASSERT_EQ(first_queued.size(), 1u);
  EXPECT_NE(body_of(first_queued[0]).find("wait in a queue: every one comes back, in order"), std::string::npos);
  EXPECT_TRUE(feed(numbered(6), t0).empty());  // queued, no second notice
  EXPECT_EQ(echo_.queued(), 2u);
  ASSERT_TRUE(echo_.next_due(t0));
  EXPECT_EQ(*echo_.next_due(t0), t0 + 1s);

  EXPECT_TRUE(echo_.on_timer(self_, t0 + 500ms).empty());  // no token yet
  auto due = echo_.on_timer(self_, t0 + 1s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(body_of(due[0]), "5");
  EXPECT_EQ(due[0]->findAttribute("to"), "alice@example.org/a");
  // A new message while others wait goes behind them, even with a token.
  EXPECT_TRUE(feed(numbered(7), t0 + 3s).empty());
  due = echo_.on_timer(self_, t0 + 3s);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(body_of(due[0]), "6");
  EXPECT_EQ(body_of(due[1]), "7");
  EXPECT_EQ(echo_.queued(), 0u);
  EXPECT_FALSE(echo_.next_due(t0 + 3s));
  EXPECT_EQ(echo_.counters().paced, 3u);
  EXPECT_EQ(echo_.counters().rate_limited, 0u);
  EXPECT_EQ(echo_.counters().echoed, 8u);
}

// Past the queue's bound a message is refused, with one notice per run of
// refusals; the queue is kept and echoed.
TEST_F(ChatEchoTest, FullQueueRefusesWithOneNoticePerRun) {
  const Clock::time_point t0{};
  for (int i = 0; i < 5; ++i) feed(numbered(i), t0);
  feed(numbered(5), t0);  // notice: queue started
  feed(numbered(6), t0);
  feed(numbered(7), t0);  // queue full (3)
  auto refused = feed(numbered(8), t0);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_NE(body_of(refused[0]).find("I already hold 3 of your messages"), std::string::npos);
  EXPECT_TRUE(feed(numbered(9), t0).empty());  // same run: counted, not told again
  EXPECT_EQ(echo_.counters().rate_limited, 2u);

  auto due = echo_.on_timer(self_, t0 + 1s);  // one leaves: room for one
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(body_of(due[0]), "5");
  EXPECT_TRUE(feed(numbered(10), t0 + 1s).empty());  // queued again: the refusal run ended
  auto again = feed(numbered(11), t0 + 1s);
  ASSERT_EQ(again.size(), 1u);  // a new run, a new notice
  EXPECT_NE(body_of(again[0]).find("I already hold 3"), std::string::npos);

  due = echo_.on_timer(self_, t0 + 10s);
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(body_of(due[0]), "6");
  EXPECT_EQ(body_of(due[1]), "7");
  EXPECT_EQ(body_of(due[2]), "10");
}

// Receipts and chat states are answered at once, even while bodies wait.
TEST_F(ChatEchoTest, ReceiptsAndChatStatesDoNotWait) {
  const Clock::time_point t0{};
  for (int i = 0; i < 6; ++i) feed(numbered(i), t0);
  auto out = feed(
      "<message from='alice@example.org/a' type='chat' id='r1'><body>later</body>"
      "<request xmlns='urn:xmpp:receipts'/></message>",
      t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0]->findChild("received", "xmlns", "urn:xmpp:receipts"), nullptr);
  out = feed("<message from='alice@example.org/a' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>", t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0]->findChild("composing"), nullptr);
}

// Each sender has its own budget and queue.
TEST_F(ChatEchoTest, OneSendersQueueDoesNotDelayAnother) {
  const Clock::time_point t0{};
  for (int i = 0; i < 7; ++i) feed(numbered(i), t0);
  auto out = feed("<message from='bob@example.org/b' type='chat'><body>hi</body></message>", t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(body_of(out[0]), "hi");
}

}  // namespace
}  // namespace parrot::bot
