// The session-accept parrot would send to Conversations' audio+video offer,
// built from the parsed offer and compared with a golden file
// (data/conversations_session_accept.xml): same content names and creator,
// every offered payload id kept, rtcp-mux, BUNDLE, fingerprint
// setup='active', parrot's own SSRC, and no <encryption>
// (docs/client-quirks.md#calls).
#include <gtest/gtest.h>

#include <algorithm>

#include "bot/jingle/answer.hpp"
#include "bot/jingle/jingle.hpp"
#include "bot/jingle/namespaces.hpp"
#include "fixture_loader.hpp"

namespace parrot::bot::jingle {
namespace {

bool parrot_handles_feedback(const RtcpFeedback& fb) {
  return (fb.type == "nack" && (fb.subtype.empty() || fb.subtype == "pli")) ||
         (fb.type == "ccm" && fb.subtype == "fir") || fb.type == "goog-remb";
}

Jingle build_answer(const Jingle& offer) {
  Jingle answer;
  answer.action = Action::kSessionAccept;
  answer.sid = offer.sid;
  answer.responder = "parrot@example.org/bot";
  answer.groups = offer.groups;
  std::uint32_t next_ssrc = 0x50415252;  // "PARR"
  for (const Content& offered : offer.contents) {
    Content content;
    content.creator = offered.creator;
    content.name = offered.name;
    content.senders = offered.senders;
    RtpDescription rtp;
    rtp.media = offered.rtp()->media;
    for (PayloadType pt : offered.rtp()->payload_types) {
      std::erase_if(pt.rtcp_fb, [](const RtcpFeedback& fb) { return !parrot_handles_feedback(fb); });
      rtp.payload_types.push_back(std::move(pt));
    }
    for (const auto& ext : offered.rtp()->header_extensions) {
      if (ext.uri == "urn:ietf:params:rtp-hdrext:sdes:mid") rtp.header_extensions.push_back(ext);
    }
    rtp.rtcp_mux = offered.rtp()->rtcp_mux;
    rtp.sources.push_back(Source{next_ssrc++, {{"cname", "parrot"}}});
    content.description = std::move(rtp);
    IceUdpTransport transport;
    transport.ufrag = "pRrT";
    transport.pwd = "echoechoechoechoecho24";
    transport.fingerprint =
        Fingerprint{"sha-256", DtlsSetup::kActive,
                    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:"
                    "BB:CC:DD:EE:FF"};
    content.transport = std::move(transport);
    answer.contents.push_back(std::move(content));
  }
  return answer;
}

std::string golden(const std::string& name) {
  // The file is one provenance comment line, then the stanza on one line.
  std::string text = test::read_file(std::string(PARROT_JINGLE_DATA_DIR) + "/" + name);
  text.erase(0, text.find('\n') + 1);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

TEST(AnswerGoldenTest, ConversationsSessionAccept) {
  const auto iq = test::load_fixture("conversations/session_initiate_audio_video.xml");
  ASSERT_NE(iq, nullptr);
  const auto offer = Jingle::parse(*test::jingle_child(*iq));
  ASSERT_TRUE(offer) << offer.error;
  const Jingle answer = build_answer(*offer.value);
  const std::string xml = answer.to_tag()->xml();
  EXPECT_EQ(xml, golden("conversations_session_accept.xml"));

  // The properties the clients check, read back from the wire form.
  const auto parsed = Jingle::parse(*test::parse_xml(xml));
  ASSERT_TRUE(parsed) << parsed.error;
  ASSERT_EQ(parsed.value->contents.size(), offer.value->contents.size());
  for (std::size_t i = 0; i < parsed.value->contents.size(); ++i) {
    const Content& a = parsed.value->contents[i];
    const Content& o = offer.value->contents[i];
    EXPECT_EQ(a.name, o.name);
    EXPECT_EQ(a.creator, o.creator);
    ASSERT_EQ(a.rtp()->payload_types.size(), o.rtp()->payload_types.size());
    for (std::size_t p = 0; p < a.rtp()->payload_types.size(); ++p) {
      EXPECT_EQ(a.rtp()->payload_types[p].id, o.rtp()->payload_types[p].id);
    }
    EXPECT_TRUE(a.rtp()->rtcp_mux);
    EXPECT_TRUE(a.rtp()->crypto.empty());
    EXPECT_EQ(a.ice_udp()->fingerprint->setup, DtlsSetup::kActive);
  }
  EXPECT_EQ(xml.find("encryption"), std::string::npos);
  EXPECT_EQ(xml.find("actpass"), std::string::npos);
  EXPECT_NE(parsed.value->bundle(), nullptr);
}

// plan_answer() itself on the same offer: what parrot negotiates for
// congestion control, as the client reads it — rtp-hdrext with the offer's
// ids (audio level, abs-send-time, transport-wide sequence, mid),
// extmap-allow-mixed, transport-cc on audio (whose offer carries the
// sequence extension), goog-remb on video (whose offer does not).
TEST(AnswerGoldenTest, PlannedConversationsAccept) {
  const auto iq = test::load_fixture("conversations/session_initiate_audio_video.xml");
  ASSERT_NE(iq, nullptr);
  const auto offer = Jingle::parse(*test::jingle_child(*iq));
  ASSERT_TRUE(offer) << offer.error;
  AnswerOptions options;
  options.responder = "parrot@example.org/bot";
  options.ice = LocalIce{"pRrT", "echoechoechoechoecho24", {}};
  options.fingerprint_sha256 =
      "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
  options.ssrc_seed = 7;
  const AnswerPlan plan = plan_answer(*offer.value, options);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan.accept.to_tag()->xml(), golden("conversations_planned_accept.xml"));
}

}  // namespace
}  // namespace parrot::bot::jingle
