// ProxyDiscovery's XEP-0065 §4 walk, the server's answers given by hand as
// a server words them: items, then each item's identity, then the proxy's
// streamhost. The IQs it sends are kept and answered in order.
#include "bot/xmpp/proxy_discovery.hpp"

#include <gloox/parser.h>
#include <gloox/taghandler.h>
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>

namespace parrot::bot::xmpp {
namespace {

std::unique_ptr<gloox::Tag> parse(const std::string& xml) {
  struct FirstTag : gloox::TagHandler {
    void handleTag(gloox::Tag* tag) override {
      if (!first) first.reset(tag->clone());
    }
    std::unique_ptr<gloox::Tag> first;
  } handler;
  gloox::Parser parser(&handler);
  std::string copy = xml;
  parser.feed(copy);
  return std::move(handler.first);
}

struct Sent {
  std::string to;
  std::string xmlns;
  ProxyDiscovery::Answer done;
};

class ProxyDiscoveryTest : public ::testing::Test {
 protected:
  // Answers the oldest IQ still open, which must have gone to `to` in `xmlns`.
  void answer(const std::string& to, const std::string& xmlns, const std::string& xml) {
    ASSERT_FALSE(sent_.empty());
    Sent next = std::move(sent_.front());
    sent_.pop_front();
    EXPECT_EQ(next.to, to);
    EXPECT_EQ(next.xmlns, xmlns);
    next.done(*parse(xml));
  }

  std::deque<Sent> sent_;
  ProxyDiscovery discovery_{[this](const std::string& to, const std::string& type, std::unique_ptr<gloox::Tag> child,
                                   ProxyDiscovery::Answer done) {
    EXPECT_EQ(type, "get");
    sent_.push_back(Sent{to, child->xmlns(), std::move(done)});
  }};
};

constexpr const char* kItems = "http://jabber.org/protocol/disco#items";
constexpr const char* kInfo = "http://jabber.org/protocol/disco#info";
constexpr const char* kBytestreams = "http://jabber.org/protocol/bytestreams";

TEST_F(ProxyDiscoveryTest, TheFirstProxyAmongTheItemsIsFound) {
  discovery_.start("example.org");
  answer("example.org", kItems,
         "<iq type='result'><query xmlns='http://jabber.org/protocol/disco#items'>"
         "<item jid='upload.example.org'/><item jid='proxy.example.org'/></query></iq>");
  answer("upload.example.org", kInfo,
         "<iq type='result'><query xmlns='http://jabber.org/protocol/disco#info'>"
         "<identity category='store' type='file'/></query></iq>");
  answer("proxy.example.org", kInfo,
         "<iq type='result'><query xmlns='http://jabber.org/protocol/disco#info'>"
         "<identity category='proxy' type='bytestreams'/></query></iq>");
  EXPECT_FALSE(discovery_.proxy().has_value());
  answer("proxy.example.org", kBytestreams,
         "<iq type='result'><query xmlns='http://jabber.org/protocol/bytestreams'>"
         "<streamhost jid='proxy.example.org' host='192.0.2.7' port='7777'/></query></iq>");
  ASSERT_TRUE(discovery_.proxy().has_value());
  EXPECT_EQ(*discovery_.proxy(), (Streamhost{"proxy.example.org", "192.0.2.7", 7777}));
  EXPECT_TRUE(sent_.empty());
}

TEST_F(ProxyDiscoveryTest, AComponentDoesNotAskItself) {
  discovery_.start("example.org", "echo.example.org");
  answer("example.org", kItems,
         "<iq type='result'><query xmlns='http://jabber.org/protocol/disco#items'>"
         "<item jid='echo.example.org'/><item jid='proxy.example.org'/></query></iq>");
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_.front().to, "proxy.example.org");
}

TEST_F(ProxyDiscoveryTest, AStreamhostWithoutJidIsTheItems) {
  discovery_.start("example.org");
  answer("example.org", kItems, "<iq type='result'><query><item jid='p.example.org'/></query></iq>");
  answer("p.example.org", kInfo, "<iq type='result'><query><identity category='proxy' type='bytestreams'/></query></iq>");
  answer("p.example.org", kBytestreams, "<iq type='result'><query><streamhost host='h' port='1080'/></query></iq>");
  ASSERT_TRUE(discovery_.proxy().has_value());
  EXPECT_EQ(discovery_.proxy()->jid, "p.example.org");
}

TEST_F(ProxyDiscoveryTest, BadStreamhostsAreNotOffered) {
  for (const char* host : {"<streamhost host='h' port='0'/>", "<streamhost host='h' port='65536'/>",
                           "<streamhost host='h' port='+80'/>", "<streamhost host='' port='80'/>",
                           "<streamhost host='h'/>"}) {
    SCOPED_TRACE(host);
    discovery_.start("example.org");
    answer("example.org", kItems, "<iq type='result'><query><item jid='p'/></query></iq>");
    answer("p", kInfo, "<iq type='result'><query><identity category='proxy' type='bytestreams'/></query></iq>");
    answer("p", kBytestreams, std::string("<iq type='result'><query>") + host + "</query></iq>");
    EXPECT_FALSE(discovery_.proxy().has_value());
  }
}

TEST_F(ProxyDiscoveryTest, ANewConnectionForgetsTheProxy) {
  discovery_.start("example.org");
  answer("example.org", kItems, "<iq type='result'><query><item jid='p'/></query></iq>");
  answer("p", kInfo, "<iq type='result'><query><identity category='proxy' type='bytestreams'/></query></iq>");
  answer("p", kBytestreams, "<iq type='result'><query><streamhost host='h' port='80'/></query></iq>");
  ASSERT_TRUE(discovery_.proxy().has_value());
  discovery_.start("example.org");
  EXPECT_FALSE(discovery_.proxy().has_value());
}

TEST_F(ProxyDiscoveryTest, AnErrorAnswerEndsTheWalkQuietly) {
  discovery_.start("example.org");
  answer("example.org", kItems, "<iq type='error'><error type='cancel'/></iq>");
  EXPECT_TRUE(sent_.empty());
  EXPECT_FALSE(discovery_.proxy().has_value());
}

}  // namespace
}  // namespace parrot::bot::xmpp
