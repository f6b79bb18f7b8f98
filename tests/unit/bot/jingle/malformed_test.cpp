// Malformed and hostile <jingle/> elements: each is an error result (the
// caller answers bad-request), never a crash or an exception.
#include <gtest/gtest.h>

#include "bot/jingle/jingle.hpp"
#include "fixture_loader.hpp"

namespace parrot::bot::jingle {
namespace {

const std::string kOpen = "<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='s1'>";

std::string content(const std::string& name, const std::string& inner = {}) {
  return "<content creator='initiator' name='" + name + "'>" + inner + "</content>";
}

ParseResult<Jingle> parse(const std::string& xml) {
  const auto tag = test::parse_xml(xml);
  if (!tag) return ParseResult<Jingle>::fail("not xml");
  return Jingle::parse(*tag);
}

struct Case {
  const char* what;
  std::string xml;
};

TEST(MalformedTest, EachIsAnError) {
  const std::string rtp = "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>";
  std::string too_many = kOpen;
  for (int i = 0; i < 17; ++i) too_many += content("c" + std::to_string(i));
  const Case cases[] = {
      {"missing sid", "<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate'/>"},
      {"missing action", "<jingle xmlns='urn:xmpp:jingle:1' sid='s1'/>"},
      {"unknown action", "<jingle xmlns='urn:xmpp:jingle:1' action='session-start' sid='s1'/>"},
      {"wrong namespace", "<jingle xmlns='urn:xmpp:jingle:0' action='session-initiate' sid='s1'/>"},
      {"content without name", kOpen + "<content creator='initiator'/></jingle>"},
      {"content without creator", kOpen + "<content name='a'/></jingle>"},
      {"content with bad senders", kOpen + "<content creator='initiator' name='a' senders='all'/></jingle>"},
      {"duplicate content name", kOpen + content("a") + content("a") + "</jingle>"},
      {"candidate port abc is skipped, not an error, but a bad remote-candidate port is",
       kOpen +
           content("a",
                   "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'>"
                   "<remote-candidate component='1' ip='192.0.2.1' port='abc'/></transport>") +
           "</jingle>"},
      {"too many contents", too_many + "</jingle>"},
      {"two descriptions", kOpen + content("a", rtp + "</description>" + rtp + "</description>") + "</jingle>"},
      {"reason without condition",
       "<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' "
       "sid='s1'><reason><text>x</text></reason></jingle>"},
      {"group without semantics", kOpen + "<group xmlns='urn:xmpp:jingle:apps:grouping:0'/></jingle>"},
  };
  for (const auto& c : cases) {
    const auto result = parse(c.xml);
    EXPECT_FALSE(result) << c.what;
    EXPECT_FALSE(result.error.empty()) << c.what;
  }
}

TEST(MalformedTest, CandidatePortAbcIsSkippedAndCounted) {
  const auto result = parse(kOpen +
                            content("a",
                                    "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='u' pwd='p'>"
                                    "<candidate component='1' foundation='1' generation='0' id='i' ip='192.0.2.1'"
                                    " port='abc' priority='1' protocol='udp' type='host'/></transport>") +
                            "</jingle>");
  ASSERT_TRUE(result) << result.error;
  EXPECT_TRUE(result.value->contents[0].ice_udp()->candidates.empty());
  EXPECT_EQ(result.value->contents[0].ice_udp()->skipped_candidates, 1u);
}

TEST(MalformedTest, SixteenContentsStillParse) {
  std::string xml = kOpen;
  for (int i = 0; i < 16; ++i) xml += content("c" + std::to_string(i));
  EXPECT_TRUE(parse(xml + "</jingle>"));
}

TEST(MalformedTest, UnknownApplicationAndTransportAreKept) {
  const auto result = parse(kOpen +
                            content("f",
                                    "<description xmlns='urn:xmpp:jingle:apps:file-transfer:5'/>"
                                    "<transport xmlns='urn:xmpp:jingle:transports:s5b:1'/>") +
                            "</jingle>");
  ASSERT_TRUE(result) << result.error;
  const Content& c = result.value->contents[0];
  ASSERT_TRUE(std::holds_alternative<UnknownDescription>(c.description));
  EXPECT_EQ(std::get<UnknownDescription>(c.description).xmlns, "urn:xmpp:jingle:apps:file-transfer:5");
  ASSERT_TRUE(std::holds_alternative<UnknownTransport>(c.transport));
  EXPECT_EQ(std::get<UnknownTransport>(c.transport).xmlns, "urn:xmpp:jingle:transports:s5b:1");
}

}  // namespace
}  // namespace parrot::bot::jingle
