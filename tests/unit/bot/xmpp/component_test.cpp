// Component mode's stanza logic: subscriptions answered by the component
// itself, and the `from` every outgoing stanza must carry.
#include <gloox/parser.h>
#include <gloox/taghandler.h>
#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "bot/chat/chat_echo.hpp"
#include "bot/chat/command_table.hpp"
#include "bot/xmpp/component_addressing.hpp"
#include "bot/xmpp/component_presence.hpp"

namespace parrot::bot::xmpp {
namespace {

std::unique_ptr<gloox::Tag> parse_xml(std::string xml) {
  struct Collector : gloox::TagHandler {
    void handleTag(gloox::Tag* tag) override { result.reset(tag->clone()); }
    std::unique_ptr<gloox::Tag> result;
  } collector;
  gloox::Parser parser(&collector);
  parser.feed(xml);
  return std::move(collector.result);
}

// The ContactBook's contract, in memory (the store's are tested with it).
class MemoryContactBook final : public ContactBook {
 public:
  bool add_subscriber(const std::string& self, const std::string& peer) override {
    entries.insert({self, peer});
    return true;
  }
  bool remove_subscriber(const std::string& self, const std::string& peer) override {
    entries.erase({self, peer});
    return true;
  }
  bool is_subscriber(const std::string& self, const std::string& peer) override {
    return entries.contains({self, peer});
  }
  std::vector<Subscriber> subscribers() override {
    std::vector<Subscriber> all;
    for (const auto& [self, peer] : entries) all.push_back({self, peer});
    return all;
  }
  std::size_t subscriber_count() override { return entries.size(); }
  std::set<std::pair<std::string, std::string>> entries;
};

class ComponentPresenceTest : public ::testing::Test {
 protected:
  PresenceStanzas feed(const std::string& xml) { return presence_.on_presence(*parse_xml(xml)); }
  static std::string describe(const PresenceStanzas& out) {
    std::string text;
    for (const auto& tag : out) {
      text += tag->name() + ":" + tag->findAttribute("type") + ":" + tag->findAttribute("from") + ">" +
              tag->findAttribute("to") + " ";
    }
    return text;
  }
  MemoryContactBook book_;
  std::set<std::string> welcomed_;
  bool allow_ = true;
  ComponentPresence presence_{"parrot", "status", "welcome", &book_,
                              ComponentPresence::Hooks{[this](const std::string&) { return allow_; },
                                                       [this](const std::string& peer) {
                                                         return welcomed_.insert(peer).second;
                                                       }}};
};

TEST_F(ComponentPresenceTest, SubscribeIsApprovedAskedBackAnsweredWithCapsAndWelcomedOnce) {
  const auto out = feed("<presence from='Alice@Example.org/phone' to='bob@echo.example.org' type='subscribe'/>");
  EXPECT_EQ(describe(out),
            "presence:subscribed:bob@echo.example.org>alice@example.org "
            "presence:subscribe:bob@echo.example.org>alice@example.org "
            "presence::bob@echo.example.org/parrot>alice@example.org "
            "message:chat:bob@echo.example.org>alice@example.org ");
  EXPECT_NE(out[2]->findChild("c", "xmlns", "http://jabber.org/protocol/caps"), nullptr);
  EXPECT_TRUE(book_.is_subscriber("bob@echo.example.org", "alice@example.org"));
  // Asked again (a lost roster): approved again, not welcomed again.
  EXPECT_EQ(feed("<presence from='alice@example.org' to='bob@echo.example.org' type='subscribe'/>").size(), 3u);
}

TEST_F(ComponentPresenceTest, RefusedByPolicy) {
  allow_ = false;
  const auto out = feed("<presence from='eve@evil.example' to='echo.example.org' type='subscribe'/>");
  EXPECT_EQ(describe(out), "presence:unsubscribed:echo.example.org>eve@evil.example ");
  EXPECT_EQ(book_.subscriber_count(), 0u);
}

TEST_F(ComponentPresenceTest, UnsubscribeIsConfirmedAndForgotten) {
  feed("<presence from='alice@example.org' to='echo.example.org' type='subscribe'/>");
  const auto out = feed("<presence from='alice@example.org/x' to='echo.example.org' type='unsubscribe'/>");
  EXPECT_EQ(describe(out),
            "presence:unsubscribed:echo.example.org>alice@example.org "
            "presence:unsubscribe:echo.example.org>alice@example.org ");
  EXPECT_EQ(book_.subscriber_count(), 0u);
}

TEST_F(ComponentPresenceTest, ProbeFromAnUnknownContactStillGetsPresence) {
  const auto out = feed("<presence from='alice@example.org' to='echo.example.org' type='probe'/>");
  EXPECT_EQ(describe(out), "presence::echo.example.org/parrot>alice@example.org ");
}

TEST_F(ComponentPresenceTest, ContactsPresenceAndGarbageGetNothing) {
  for (const char* xml : {"<presence from='alice@example.org/x' to='echo.example.org'/>",
                          "<presence from='alice@example.org/x' to='echo.example.org' type='unavailable'/>",
                          "<presence from='alice@example.org' to='echo.example.org' type='error'/>",
                          "<presence to='echo.example.org' type='subscribe'/>",
                          "<presence from='alice@example.org' type='subscribe'/>",
                          "<presence from='@@' to='echo.example.org' type='subscribe'/>"}) {
    EXPECT_TRUE(feed(xml).empty()) << xml;
  }
  EXPECT_EQ(book_.subscriber_count(), 0u);
}

TEST(ComponentAddressingTest, AnswersComeFromTheJidAskedOtherStanzasFromTheJidLastAddressed) {
  ComponentAddressing addressing("echo.example.org", "parrot");
  addressing.on_incoming(*parse_xml("<iq from='alice@example.org/a' to='bob@echo.example.org' id='1' type='get'/>"));
  auto answer = parse_xml("<iq to='alice@example.org/a' id='1' type='result'/>");
  addressing.stamp(*answer);
  EXPECT_EQ(answer->findAttribute("from"), "bob@echo.example.org");
  // A stanza parrot starts itself: the JID alice last addressed, with the resource.
  auto message = parse_xml("<message to='alice@example.org/a'/>");
  addressing.stamp(*message);
  EXPECT_EQ(message->findAttribute("from"), "bob@echo.example.org/parrot");
  // Someone parrot never heard from: the domain's full JID.
  auto unknown = parse_xml("<iq to='example.org' id='x' type='get'/>");
  addressing.stamp(*unknown);
  EXPECT_EQ(unknown->findAttribute("from"), "echo.example.org/parrot");
  // A from already set stays.
  auto set = parse_xml("<message from='echo.example.org' to='alice@example.org'/>");
  addressing.stamp(*set);
  EXPECT_EQ(set->findAttribute("from"), "echo.example.org");
  // Stanzas to another domain are not parrot's addressing.
  addressing.on_incoming(*parse_xml("<message from='carol@example.org' to='carol@elsewhere.org'/>"));
  auto to_carol = parse_xml("<message to='carol@example.org'/>");
  addressing.stamp(*to_carol);
  EXPECT_EQ(to_carol->findAttribute("from"), "echo.example.org/parrot");
}

TEST(ComponentAddressingTest, SelfForCallsHasAResource) {
  ComponentAddressing addressing("echo.example.org", "parrot");
  EXPECT_EQ(addressing.self_for(*parse_xml("<iq to='echo.example.org'/>")), "echo.example.org/parrot");
  EXPECT_EQ(addressing.self_for(*parse_xml("<iq to='bob@echo.example.org/parrot'/>")), "bob@echo.example.org/parrot");
  EXPECT_EQ(addressing.self_for(*parse_xml("<iq to='elsewhere.org'/>")), "echo.example.org/parrot");
  EXPECT_TRUE(addressing.serves("x@echo.example.org/y"));
  EXPECT_FALSE(addressing.serves("echo.example.org.evil"));
}

TEST(ComponentChatEchoTest, EveryReplyComesFromTheJidAddressedAndNamesTheInstance) {
  CommandTable commands;
  commands.add("ping", "ping", "check", [](const CommandRequest&) { return std::string("pong"); });
  ChatEcho echo(ChatPolicy{}, commands);
  echo.set_reply_from_addressed(true);
  echo.set_instance_name("node-a:42");
  const auto message = parse_xml(
      "<message from='alice@example.org/a' to='bob@echo.example.org' type='chat' id='m1'>"
      "<body>hi</body><request xmlns='urn:xmpp:receipts'/><active xmlns='http://jabber.org/protocol/chatstates'/>"
      "</message>");
  const auto replies = echo.on_message(*message, gloox::JID("bob@echo.example.org"), Clock::time_point{});
  ASSERT_EQ(replies.size(), 2u);  // the receipt and the echo
  for (const auto& reply : replies) {
    EXPECT_EQ(reply->findAttribute("from"), "bob@echo.example.org") << reply->xml();
    const gloox::Tag* marker = reply->findChild("parrot");
    ASSERT_NE(marker, nullptr);
    EXPECT_EQ(marker->findAttribute("instance"), "node-a:42");
  }
  const auto command = parse_xml("<message from='alice@example.org/a' to='echo.example.org' type='chat'>"
                                 "<body>!ping</body></message>");
  const auto answer = echo.on_message(*command, gloox::JID("echo.example.org"), Clock::time_point{});
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_EQ(answer[0]->findAttribute("from"), "echo.example.org");
}

}  // namespace
}  // namespace parrot::bot::xmpp
