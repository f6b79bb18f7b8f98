// XEP-0166 envelope parsed from real client stanzas (tests/interop/fixtures),
// field by field, then serialized and parsed again.
#include "bot/jingle/jingle.hpp"

#include <gtest/gtest.h>

#include "bot/jingle/namespaces.hpp"
#include "fixture_loader.hpp"

namespace parrot::bot::jingle {
namespace {

using test::jingle_child;
using test::load_fixture;

Jingle parse_fixture(const std::string& path) {
  const auto iq = load_fixture(path);
  EXPECT_NE(iq, nullptr) << path;
  if (!iq || !jingle_child(*iq)) return {};
  auto parsed = Jingle::parse(*jingle_child(*iq));
  EXPECT_TRUE(parsed) << path << ": " << parsed.error;
  return parsed ? *parsed.value : Jingle{};
}

// Crypto is parse-only, skipped candidates are only counted and
// unsupported_session_info is not an element, so
// a round trip drops both by design.
Jingle without_parse_only_fields(Jingle jingle) {
  jingle.unsupported_session_info = false;
  for (auto& content : jingle.contents) {
    if (auto* rtp = std::get_if<RtpDescription>(&content.description)) {
      rtp->crypto.clear();
      rtp->encryption_required = false;
    }
    if (auto* ice = std::get_if<IceUdpTransport>(&content.transport)) ice->skipped_candidates = 0;
  }
  return jingle;
}

void expect_round_trip(const Jingle& jingle) {
  const auto tag = jingle.to_tag();
  const auto reparsed = test::parse_xml(tag->xml());
  ASSERT_NE(reparsed, nullptr) << tag->xml();
  const auto again = Jingle::parse(*reparsed);
  ASSERT_TRUE(again) << again.error;
  EXPECT_EQ(*again.value, without_parse_only_fields(jingle)) << tag->xml();
}

TEST(JingleTest, ConversationsAudioVideoBundle) {
  const Jingle j = parse_fixture("conversations/session_initiate_audio_video.xml");
  EXPECT_EQ(j.action, Action::kSessionInitiate);
  EXPECT_EQ(j.sid, "eCo2CGR4FhcsTm1ygKdkWw");
  EXPECT_EQ(j.initiator, "");
  ASSERT_EQ(j.groups.size(), 1u);
  ASSERT_NE(j.bundle(), nullptr);
  EXPECT_EQ(j.bundle()->contents, (std::vector<std::string>{"0", "1"}));
  ASSERT_EQ(j.contents.size(), 2u);

  const Content& audio = j.contents[0];
  EXPECT_EQ(audio.creator, Creator::kInitiator);
  EXPECT_EQ(audio.name, "0");
  EXPECT_EQ(audio.senders, Senders::kBoth);
  ASSERT_NE(audio.rtp(), nullptr);
  const RtpDescription& a = *audio.rtp();
  EXPECT_EQ(a.media, "audio");
  ASSERT_EQ(a.payload_types.size(), 8u);
  const PayloadType& opus = a.payload_types[0];
  EXPECT_EQ(opus.id, 111);
  EXPECT_EQ(opus.name, "opus");
  EXPECT_EQ(opus.clockrate, 48000u);
  EXPECT_EQ(opus.channels, 2);
  EXPECT_EQ(opus.parameters, (std::vector<Parameter>{{"minptime", "10"}, {"useinbandfec", "1"}}));
  EXPECT_EQ(opus.rtcp_fb, (std::vector<RtcpFeedback>{{"transport-cc", ""}}));
  EXPECT_EQ(a.payload_types[2].id, 9);
  EXPECT_EQ(a.payload_types[2].channels, 1) << "channels defaults to 1";
  EXPECT_EQ(a.payload_types[7].id, 126);
  EXPECT_EQ(a.payload_types[7].clockrate, 8000u);
  ASSERT_EQ(a.header_extensions.size(), 4u);
  EXPECT_EQ(a.header_extensions[0].id, 1);
  EXPECT_EQ(a.header_extensions[0].uri, "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
  EXPECT_FALSE(a.header_extensions[0].senders.has_value());
  EXPECT_TRUE(a.extmap_allow_mixed);
  EXPECT_TRUE(a.rtcp_mux);
  EXPECT_TRUE(a.crypto.empty());
  ASSERT_EQ(a.sources.size(), 1u);
  EXPECT_EQ(a.sources[0].ssrc, 1573913341u);
  EXPECT_EQ(a.sources[0].parameters[1], (Parameter{"msid", "my-media-stream my-audio-track"}));

  ASSERT_NE(audio.ice_udp(), nullptr);
  const IceUdpTransport& t = *audio.ice_udp();
  EXPECT_EQ(t.ufrag, "tZ0b");
  EXPECT_EQ(t.pwd, "N8x2bKwGQ1tC3u1vC4l3kYzz");
  EXPECT_TRUE(t.candidates.empty()) << "Conversations trickles";
  ASSERT_TRUE(t.fingerprint.has_value());
  EXPECT_EQ(t.fingerprint->hash, "sha-256");
  EXPECT_EQ(t.fingerprint->setup, DtlsSetup::kActpass);
  EXPECT_EQ(t.fingerprint->value.substr(0, 8), "4A:B0:76");
  EXPECT_EQ(t.ice_options, (std::vector<std::string>{"trickle"}));

  const RtpDescription& v = *j.contents[1].rtp();
  EXPECT_EQ(v.media, "video");
  ASSERT_EQ(v.payload_types.size(), 7u);
  EXPECT_EQ(v.payload_types[0].name, "VP8");
  EXPECT_EQ(v.payload_types[0].rtcp_fb.size(), 5u);
  EXPECT_EQ(v.payload_types[0].rtcp_fb[4], (RtcpFeedback{"nack", "pli"}));
  EXPECT_EQ(v.payload_types[1].parameters, (std::vector<Parameter>{{"apt", "96"}}));
  ASSERT_EQ(v.sources.size(), 2u);
  ASSERT_EQ(v.ssrc_groups.size(), 1u);
  EXPECT_EQ(v.ssrc_groups[0].semantics, "FID");
  EXPECT_EQ(v.ssrc_groups[0].ssrcs, (std::vector<std::uint32_t>{2231627014u, 632943048u}));
  expect_round_trip(j);
}

TEST(JingleTest, ConversationsTrickledCandidate) {
  const Jingle j = parse_fixture("conversations/transport_info_candidate.xml");
  EXPECT_EQ(j.action, Action::kTransportInfo);
  ASSERT_EQ(j.contents.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(j.contents[0].description));
  const IceUdpTransport* t = j.contents[0].ice_udp();
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->candidates.size(), 1u);
  const auto& c = t->candidates[0];
  EXPECT_EQ(c.foundation, "2842448405");
  EXPECT_EQ(c.ip, "203.0.113.7");
  EXPECT_EQ(c.port, 41230);
  EXPECT_EQ(c.type, transport::IceCandidateType::kServerReflexive);
  EXPECT_EQ(c.rel_addr, "192.0.2.10");
  EXPECT_EQ(c.network, 0u) << "Conversations omits network";
  EXPECT_EQ(t->skipped_candidates, 0u);
  expect_round_trip(j);
}

TEST(JingleTest, DinoCryptoAndTwoComponents) {
  const Jingle j = parse_fixture("dino/session_initiate_audio_video.xml");
  EXPECT_EQ(j.initiator, "bob@example.org/dino.1a2b");
  EXPECT_TRUE(j.groups.empty()) << "Dino never bundles";
  ASSERT_EQ(j.contents.size(), 2u);
  const RtpDescription& a = *j.contents[0].rtp();
  EXPECT_EQ(j.contents[0].name, "audio");
  ASSERT_EQ(a.payload_types.size(), 7u);
  EXPECT_EQ(a.payload_types[1].name, "speex");
  EXPECT_EQ(a.payload_types[1].clockrate, 32000u);
  ASSERT_EQ(a.crypto.size(), 1u);
  EXPECT_EQ(a.crypto[0].crypto_suite, "AES_CM_128_HMAC_SHA1_80");
  EXPECT_EQ(a.crypto[0].tag, "1");
  EXPECT_TRUE(a.rtcp_mux);
  const IceUdpTransport& t = *j.contents[0].ice_udp();
  ASSERT_EQ(t.candidates.size(), 4u);
  EXPECT_EQ(t.candidates[0].component, 1);
  EXPECT_EQ(t.candidates[1].component, 2);
  EXPECT_EQ(t.candidates[3].rel_port, 51001);
  EXPECT_EQ(t.fingerprint->setup, DtlsSetup::kActpass);

  const RtpDescription& v = *j.contents[1].rtp();
  ASSERT_EQ(v.payload_types.size(), 1u);
  EXPECT_EQ(v.payload_types[0].id, 98);
  EXPECT_EQ(v.payload_types[0].rtcp_fb,
            (std::vector<RtcpFeedback>{{"goog-remb", ""}, {"ccm", "fir"}, {"nack", ""}, {"nack", "pli"}}));
  ASSERT_EQ(v.header_extensions.size(), 1u);
  EXPECT_EQ(v.header_extensions[0].uri, "urn:3gpp:video-orientation");

  // parrot never answers SDES (docs/client-quirks.md#dino-calls).
  const std::string xml = j.to_tag()->xml();
  EXPECT_EQ(xml.find("crypto"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("encryption"), std::string::npos) << xml;
  expect_round_trip(j);
}

TEST(JingleTest, DinoMuteSessionInfo) {
  const Jingle j = parse_fixture("dino/session_info_mute.xml");
  EXPECT_EQ(j.action, Action::kSessionInfo);
  ASSERT_EQ(j.session_info.size(), 1u);
  EXPECT_EQ(j.session_info[0].kind, SessionInfoKind::kMute);
  EXPECT_EQ(j.session_info[0].creator, Creator::kInitiator);
  EXPECT_EQ(j.session_info[0].name, "video");
  EXPECT_FALSE(j.unsupported_session_info);
  expect_round_trip(j);
}

TEST(JingleTest, MovimBundleVideoFirst) {
  const Jingle j = parse_fixture("movim/session_initiate.xml");
  EXPECT_EQ(j.initiator, "carol@example.org") << "Movim sends a bare JID";
  EXPECT_EQ(j.responder, "parrot@example.org/bot");
  ASSERT_NE(j.bundle(), nullptr);
  ASSERT_EQ(j.contents.size(), 2u);
  EXPECT_EQ(j.contents[0].rtp()->media, "video");
  EXPECT_EQ(j.contents[1].rtp()->media, "audio");
  EXPECT_EQ(j.contents[0].rtp()->payload_types[0].name, "H264");
  EXPECT_EQ(j.contents[0].rtp()->payload_types[0].parameters.size(), 3u);
  EXPECT_TRUE(j.contents[0].rtp()->rtcp_mux);
  EXPECT_TRUE(j.contents[1].rtp()->rtcp_mux);
  EXPECT_EQ(j.contents[0].rtp()->sources[0].ssrc, 3735928559u);
  EXPECT_EQ(j.find_content("1"), &j.contents[1]);
  EXPECT_EQ(j.find_content("2"), nullptr);
  expect_round_trip(j);
}

TEST(JingleTest, MovimTrickleSkipsTcpAndMdns) {
  const Jingle j = parse_fixture("movim/transport_info_candidates.xml");
  const IceUdpTransport& t = *j.contents[0].ice_udp();
  EXPECT_EQ(t.ufrag, "mV1x");
  EXPECT_EQ(t.pwd, "");
  ASSERT_EQ(t.candidates.size(), 1u) << "unknown attributes tolerated, tcp and .local skipped";
  EXPECT_EQ(t.candidates[0].ip, "2001:db8::7");
  EXPECT_EQ(t.candidates[0].network, 1u);
  EXPECT_EQ(t.skipped_candidates, 2u);
  expect_round_trip(j);
}

TEST(JingleTest, GajimPlainRtpWithoutDtls) {
  const Jingle j = parse_fixture("gajim/session_initiate.xml");
  ASSERT_EQ(j.contents.size(), 1u);
  EXPECT_EQ(j.contents[0].name, "voice");
  const RtpDescription& a = *j.contents[0].rtp();
  EXPECT_FALSE(a.rtcp_mux);
  EXPECT_EQ(a.payload_types[0].name, "OPUS");
  const IceUdpTransport& t = *j.contents[0].ice_udp();
  EXPECT_FALSE(t.fingerprint.has_value());
  ASSERT_EQ(t.candidates.size(), 2u);
  EXPECT_EQ(t.candidates[0].foundation, "1");
  EXPECT_EQ(t.candidates[1].foundation, "1");
  EXPECT_EQ(t.candidates[1].component, 2);
  expect_round_trip(j);
}

TEST(JingleTest, EveryActionAndReasonRoundTrips) {
  for (int a = 0; a <= static_cast<int>(Action::kTransportReplace); ++a) {
    const auto action = static_cast<Action>(a);
    EXPECT_EQ(action_from_string(to_string(action)), action);
  }
  EXPECT_FALSE(action_from_string("session-initiated"));
  for (int c = 0; c <= static_cast<int>(ReasonCondition::kUnsupportedTransports); ++c) {
    Jingle j;
    j.action = Action::kSessionTerminate;
    j.sid = "s1";
    j.reason = Reason{static_cast<ReasonCondition>(c), "why", ""};
    if (j.reason->condition == ReasonCondition::kAlternativeSession) j.reason->alternative_sid = "other";
    expect_round_trip(j);
  }
}

TEST(JingleTest, SessionTerminateXml) {
  Jingle j;
  j.action = Action::kSessionTerminate;
  j.sid = "abc";
  j.reason = Reason{ReasonCondition::kBusy, "", ""};
  EXPECT_EQ(j.to_tag()->xml(),
            "<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' sid='abc'>"
            "<reason xmlns='urn:xmpp:jingle:1'><busy/></reason></jingle>");
}

TEST(JingleTest, SessionInfoKindsAndUnknownPayload) {
  const auto tag = test::parse_xml(
      "<jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='s'>"
      "<ringing xmlns='urn:xmpp:jingle:apps:rtp:info:1'/><active xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>"
      "<hold xmlns='urn:xmpp:jingle:apps:rtp:info:1'/><unhold xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>"
      "<unmute xmlns='urn:xmpp:jingle:apps:rtp:info:1' creator='responder' name='a'/>"
      "<checksum xmlns='urn:xmpp:jingle:apps:file-transfer:5'/></jingle>");
  const auto j = Jingle::parse(*tag);
  ASSERT_TRUE(j) << j.error;
  ASSERT_EQ(j.value->session_info.size(), 5u);
  EXPECT_EQ(j.value->session_info[0].kind, SessionInfoKind::kRinging);
  EXPECT_EQ(j.value->session_info[3].kind, SessionInfoKind::kUnhold);
  EXPECT_EQ(j.value->session_info[4].creator, Creator::kResponder);
  EXPECT_TRUE(j.value->unsupported_session_info);
}

TEST(JingleTest, JingleErrors) {
  EXPECT_EQ(jingle_error(JingleError::kUnknownSession)->xml(),
            "<error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            "<unknown-session xmlns='urn:xmpp:jingle:errors:1'/></error>");
  EXPECT_EQ(jingle_error(JingleError::kOutOfOrder)->xml(),
            "<error type='wait'><unexpected-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            "<out-of-order xmlns='urn:xmpp:jingle:errors:1'/></error>");
  EXPECT_EQ(jingle_error(JingleError::kTieBreak)->xml(),
            "<error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            "<tie-break xmlns='urn:xmpp:jingle:errors:1'/></error>");
  EXPECT_EQ(jingle_error(JingleError::kUnsupportedInfo, "no")->xml(),
            "<error type='modify'><feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no</text>"
            "<unsupported-info xmlns='urn:xmpp:jingle:errors:1'/></error>");
  EXPECT_EQ(bad_request_error()->xml(),
            "<error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>");
}

}  // namespace
}  // namespace parrot::bot::jingle
