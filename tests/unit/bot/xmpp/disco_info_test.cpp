// The disco#info parrot sends, checked as a validating client does it
// (XEP-0115 §5.4; libpurple's jabber_caps_validate): the reply is parsed
// from its wire text, refused on a duplicate identity or feature, and its
// recomputed `ver` must equal the one in parrot's presence.
#include "bot/xmpp/disco_info.hpp"

#include <gloox/parser.h>
#include <gloox/taghandler.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace parrot::bot::xmpp {
namespace {

struct FirstTag : gloox::TagHandler {
  void handleTag(gloox::Tag* tag) override {
    if (!first) first.reset(tag->clone());
  }
  std::unique_ptr<gloox::Tag> first;
};

std::unique_ptr<gloox::Tag> wire(const std::string& text) {
  FirstTag handler;
  gloox::Parser parser(&handler);
  EXPECT_EQ(parser.feed(const_cast<std::string&>(text)), -1) << text;
  return std::move(handler.first);
}

std::unique_ptr<gloox::Tag> query_iq(const std::string& node) {
  std::string text = "<iq type='get' id='q1' from='alice@example.org/pidgin' to='parrot@example.org/parrot'>"
                     "<query xmlns='http://jabber.org/protocol/disco#info'";
  if (!node.empty()) text += " node='" + node + "'";
  return wire(text + "/></iq>");
}

// What a strict client computes from a reply, or nullopt where §5.4 says
// to reject it.
std::optional<std::string> validated_ver(const gloox::Tag& reply) {
  const gloox::Tag* query = reply.findChild("query", "xmlns", "http://jabber.org/protocol/disco#info");
  if (!query) return std::nullopt;
  std::vector<DiscoIdentity> identities;
  std::vector<std::string> features;
  for (const gloox::Tag* child : query->children()) {
    if (child->name() == "identity") {
      identities.push_back({child->findAttribute("category"), child->findAttribute("type"),
                            child->findAttribute("xml:lang"), child->findAttribute("name")});
    } else if (child->name() == "feature") {
      features.push_back(child->findAttribute("var"));
    }
  }
  if (std::set<std::string>(features.begin(), features.end()).size() != features.size()) return std::nullopt;
  std::set<std::string> identity_keys;
  for (const auto& id : identities) identity_keys.insert(id.category + '/' + id.type + '/' + id.lang + '/' + id.name);
  if (identity_keys.size() != identities.size()) return std::nullopt;
  return caps_ver(identities, features);
}

TEST(DiscoInfo, CapsNodeReplyVerifiesAgainstThePresenceVer) {
  const DiscoInfo& info = parrot_disco_info();
  const auto caps = info.caps_element();
  ASSERT_EQ(caps->findAttribute("hash"), "sha-1");
  const std::string node = caps->findAttribute("node") + "#" + caps->findAttribute("ver");

  const auto asked = query_iq(node);
  ASSERT_TRUE(info.answers(*asked));
  const auto reply = wire(info.answer(*asked, "parrot@example.org/parrot")->xml());
  EXPECT_EQ(reply->findAttribute("type"), "result");
  EXPECT_EQ(reply->findAttribute("id"), "q1");
  EXPECT_EQ(reply->findAttribute("to"), "alice@example.org/pidgin");
  EXPECT_EQ(reply->findChild("query")->findAttribute("node"), node);
  EXPECT_EQ(validated_ver(*reply), caps->findAttribute("ver"));
}

TEST(DiscoInfo, NoNodeReplyListsTheSameFeatures) {
  const DiscoInfo& info = parrot_disco_info();
  const auto reply = wire(info.answer(*query_iq(""), "parrot@example.org/parrot")->xml());
  EXPECT_FALSE(reply->findChild("query")->hasAttribute("node"));
  EXPECT_EQ(validated_ver(*reply), info.ver());
}

// The features Conversations, Dino and libpurple look for before offering a
// call or a file, and the ones gloox used to add a second time.
TEST(DiscoInfo, ListsWhatClientsLookForOnce) {
  const auto& features = parrot_disco_info().features();
  for (const char* needed :
       {"http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items", "urn:xmpp:jingle:1",
        "urn:xmpp:jingle:apps:rtp:audio", "urn:xmpp:jingle:apps:rtp:video", "urn:xmpp:jingle:transports:ice-udp:1",
        "urn:xmpp:jingle:apps:dtls:0", "http://jabber.org/protocol/si/profile/file-transfer",
        "http://jabber.org/protocol/commands"}) {
    EXPECT_EQ(std::count(features.begin(), features.end(), needed), 1) << needed;
  }
}

TEST(DiscoInfo, RepeatedFeaturesAreListedOnce) {
  const DiscoInfo info({"client", "bot", "", "x"}, {"b", "a", "b", "a"}, "urn:example");
  EXPECT_EQ(info.features(), (std::vector<std::string>{"a", "b"}));
  const auto reply = wire(info.answer(*query_iq(""), "x@example.org/r")->xml());
  EXPECT_EQ(validated_ver(*reply), info.ver());
}

TEST(DiscoInfo, OtherNodesAndOtherQueriesAreLeftToGloox) {
  const DiscoInfo& info = parrot_disco_info();
  EXPECT_FALSE(info.answers(*query_iq("http://jabber.org/protocol/commands")));
  EXPECT_FALSE(info.answers(*query_iq("urn:parrot:bot#stale-ver")));
  EXPECT_FALSE(info.answers(*wire("<iq type='result' id='x'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")));
  EXPECT_FALSE(info.answers(*wire("<iq type='get' id='x'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>")));
}

}  // namespace
}  // namespace parrot::bot::xmpp
