// XEP-0167 description details not covered by the client fixtures.
#include "bot/jingle/rtp_description.hpp"

#include <gtest/gtest.h>

#include "fixture_loader.hpp"

namespace parrot::bot::jingle {
namespace {

ParseResult<RtpDescription> parse(const std::string& xml) {
  const auto tag = test::parse_xml(xml);
  if (!tag) return ParseResult<RtpDescription>::fail("xml");
  return RtpDescription::parse(*tag);
}

TEST(RtpDescriptionTest, FeedbackHdrextAndAttributes) {
  const auto d = parse(
      "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='video' ssrc='42'>"
      "<payload-type id='96' name='VP8' clockrate='90000' ptime='20' maxptime='40'>"
      "<rtcp-fb-trr-int xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' value='100'/></payload-type>"
      "<rtcp-fb xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' type='nack'/>"
      "<rtcp-fb-trr-int xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' value='5000'/>"
      "<rtp-hdrext xmlns='urn:xmpp:jingle:apps:rtp:rtp-hdrext:0' id='3' uri='urn:x' senders='initiator'/>"
      "<bandwidth type='AS'>512</bandwidth><unknown-child/></description>");
  ASSERT_TRUE(d) << d.error;
  EXPECT_EQ(d.value->ssrc, 42u);
  EXPECT_EQ(d.value->payload_types[0].ptime, 20u);
  EXPECT_EQ(d.value->payload_types[0].maxptime, 40u);
  EXPECT_EQ(d.value->payload_types[0].rtcp_fb_trr_int, 100u);
  EXPECT_EQ(d.value->rtcp_fb, (std::vector<RtcpFeedback>{{"nack", ""}}));
  EXPECT_EQ(d.value->rtcp_fb_trr_int, 5000u);
  EXPECT_EQ(d.value->header_extensions[0].senders, Senders::kInitiator);
  EXPECT_EQ(d.value->bandwidth, (Bandwidth{"AS", "512"}));
  EXPECT_FALSE(d.value->rtcp_mux);

  const auto again = RtpDescription::parse(*test::parse_xml(d.value->to_tag()->xml()));
  ASSERT_TRUE(again) << again.error;
  EXPECT_EQ(*again.value, *d.value);
}

TEST(RtpDescriptionTest, ChannelsOneIsNotWritten) {
  RtpDescription d;
  d.media = "audio";
  d.payload_types.push_back(PayloadType{0, "PCMU", 8000, 1, {}, {}, {}, {}, {}});
  d.rtcp_mux = true;
  EXPECT_EQ(d.to_tag()->xml(),
            "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>"
            "<payload-type id='0' name='PCMU' clockrate='8000'/><rtcp-mux/></description>");
}

TEST(RtpDescriptionTest, Caps) {
  std::string many = "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>";
  for (int i = 0; i <= 128; ++i) many += "<payload-type id='" + std::to_string(i % 128) + "'/>";
  EXPECT_FALSE(parse(many + "</description>"));

  std::string params = "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'><payload-type id='1'>";
  for (int i = 0; i < 33; ++i) params += "<parameter name='p' value='v'/>";
  // Too many parameters cost that payload-type, not the description.
  const auto d = parse(params + "</payload-type></description>");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d.value->payload_types.empty());
  ASSERT_EQ(d.value->ignored.size(), 1u);
  EXPECT_EQ(d.value->ignored[0].why, "too many parameters");

  std::string sources = "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>";
  for (int i = 1; i <= 65; ++i)
    sources += "<source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='" + std::to_string(i) + "'/>";
  EXPECT_FALSE(parse(sources + "</description>"));
  // 64 sources is still fine.
  EXPECT_TRUE(parse(sources.substr(0, sources.rfind("<source")) + "</description>"));
}

TEST(RtpDescriptionTest, BadDescriptionIsAnError) {
  EXPECT_FALSE(parse("<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio' ssrc='4294967296'/>"));
  EXPECT_FALSE(parse("<description xmlns='urn:xmpp:jingle:apps:rtp:1'/>"));
  EXPECT_TRUE(
      parse("<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio' ssrc='4294967295'>"
            "<payload-type id='127'/></description>"));
}

// One odd element never refuses the offer: it is left out and noted, and
// the rest of the description stands (XEP-0166 §7.3's liberal responder).
TEST(RtpDescriptionTest, OddElementsAreLeftOutAndNoted) {
  const std::string open = "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>";
  const std::string opus = "<payload-type id='111' name='opus' clockrate='48000' channels='2'/>";
  struct Case {
    const char* element;
    const char* why;
  };
  const Case cases[] = {
      {"<payload-type id='300' name='x'/>", "payload-type id missing or not in 0..127"},
      {"<payload-type id='-1' name='x'/>", "payload-type id missing or not in 0..127"},
      {"<payload-type name='x'/>", "payload-type id missing or not in 0..127"},
      {"<payload-type id='1' name='x' clockrate='x'/>", "payload-type with a malformed number"},
      {"<rtp-hdrext xmlns='urn:xmpp:jingle:apps:rtp:rtp-hdrext:0' id='0' uri='u'/>",
       "rtp-hdrext without a valid id or uri"},
      {"<source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='x'/>", "source without a valid ssrc"},
      {"<ssrc-group xmlns='urn:xmpp:jingle:apps:rtp:ssma:0'/>", "ssrc-group without semantics"},
  };
  for (const auto& c : cases) {
    const auto d = parse(open + c.element + opus + "</description>");
    ASSERT_TRUE(d) << c.element << ": " << d.error;
    ASSERT_EQ(d.value->payload_types.size(), 1u) << c.element;
    EXPECT_EQ(d.value->payload_types[0].name, "opus");
    ASSERT_EQ(d.value->ignored.size(), 1u) << c.element;
    EXPECT_EQ(d.value->ignored[0].why, c.why) << c.element;
  }
}

// libpurple 2.14 writes channels='0' on every payload-type.
TEST(RtpDescriptionTest, ChannelsZeroIsOneChannel) {
  const auto d = parse(
      "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>"
      "<payload-type id='0' name='PCMU' clockrate='8000' channels='0'/></description>");
  ASSERT_TRUE(d) << d.error;
  EXPECT_EQ(d.value->payload_types[0].channels, 1);
  EXPECT_TRUE(d.value->ignored.empty());
}

TEST(RtpDescriptionTest, UnreadableFeedbackIsSkipped) {
  const auto d = parse(
      "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='video'>"
      "<payload-type id='96' name='VP8' clockrate='90000'>"
      "<rtcp-fb xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0'/>"
      "<rtcp-fb xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' type='nack'/>"
      "<rtcp-fb-trr-int xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' value='soon'/></payload-type></description>");
  ASSERT_TRUE(d) << d.error;
  ASSERT_EQ(d.value->payload_types[0].rtcp_fb.size(), 1u);
  EXPECT_EQ(d.value->payload_types[0].rtcp_fb[0].type, "nack");
  EXPECT_FALSE(d.value->payload_types[0].rtcp_fb_trr_int);
}

TEST(RtpDescriptionTest, IgnoredNotesAreCapped) {
  std::string xml = "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>";
  for (int i = 0; i < 20; ++i) xml += "<payload-type id='999'/>";
  const auto d = parse(xml + "</description>");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d.value->payload_types.empty());
  EXPECT_EQ(d.value->ignored.size(), RtpDescription::kMaxIgnored);
}

}  // namespace
}  // namespace parrot::bot::jingle
