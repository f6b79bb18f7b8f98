// plan_answer() on the real-client offers in tests/interop/fixtures/: the
// session-accept each client gets, the transports and the echo streams.
#include "bot/jingle/answer.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "fixture_loader.hpp"

namespace parrot::bot::jingle {
namespace {

const std::string kFingerprint =
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";

Jingle fixture(const std::string& path) {
  const auto iq = test::load_fixture(path);
  EXPECT_NE(iq, nullptr) << path;
  if (!iq || !test::jingle_child(*iq)) return {};
  auto parsed = Jingle::parse(*test::jingle_child(*iq));
  EXPECT_TRUE(parsed) << path << ": " << parsed.error;
  return parsed ? *parsed.value : Jingle{};
}

AnswerOptions options() {
  AnswerOptions result;
  result.responder = "parrot@example.org/bot";
  result.ice = LocalIce{"pRrT", "echoechoechoechoecho24", {}};
  result.fingerprint_sha256 = kFingerprint;
  result.ssrc_seed = 7;
  return result;
}

std::vector<std::uint8_t> ids(const Content& content) {
  std::vector<std::uint8_t> result;
  for (const PayloadType& pt : content.rtp()->payload_types) result.push_back(pt.id);
  return result;
}

// The answer as the peer reads it: serialized and parsed again.
Jingle wire(const AnswerPlan& plan) {
  auto parsed = Jingle::parse(*test::parse_xml(plan.accept.to_tag()->xml()));
  EXPECT_TRUE(parsed) << parsed.error;
  return parsed ? *parsed.value : Jingle{};
}

TEST(AnswerTest, ConversationsBundleMuxDtls) {
  const Jingle offer = fixture("conversations/session_initiate_audio_video.xml");
  const AnswerPlan plan = plan_answer(offer, options());
  ASSERT_TRUE(plan.ok());
  const Jingle accept = wire(plan);
  EXPECT_EQ(accept.action, Action::kSessionAccept);
  EXPECT_EQ(accept.sid, offer.sid);
  EXPECT_EQ(accept.responder, "parrot@example.org/bot");
  ASSERT_EQ(accept.contents.size(), 2u);
  EXPECT_EQ(accept.contents[0].name, "0");
  EXPECT_EQ(accept.contents[1].name, "1");
  EXPECT_EQ(accept.contents[0].creator, Creator::kInitiator);
  EXPECT_EQ(accept.contents[0].senders, Senders::kBoth);
  // Audio: every offered id kept; video: the three rtx ids dropped.
  EXPECT_EQ(ids(accept.contents[0]), (std::vector<std::uint8_t>{111, 63, 9, 0, 8, 13, 110, 126}));
  EXPECT_EQ(ids(accept.contents[1]), (std::vector<std::uint8_t>{96, 98, 100, 102}));
  // rtcp-fb: audio keeps transport-cc (its transport-wide sequence extension
  // is answered); video offers transport-cc without that extension, so only
  // goog-remb, fir, nack and pli stay.
  EXPECT_EQ(accept.contents[0].rtp()->payload_types[0].rtcp_fb, (std::vector<RtcpFeedback>{{"transport-cc", ""}}));
  EXPECT_EQ(accept.contents[1].rtp()->payload_types[0].rtcp_fb,
            (std::vector<RtcpFeedback>{{"goog-remb", ""}, {"ccm", "fir"}, {"nack", ""}, {"nack", "pli"}}));
  // Header extensions parrot understands, with the offer's ids; video's
  // toffset and video-orientation are not among them.
  EXPECT_EQ(accept.contents[0].rtp()->header_extensions,
            (std::vector<HeaderExtension>{{1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level", {}},
                                          {2, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", {}},
                                          {3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", {}},
                                          {4, "urn:ietf:params:rtp-hdrext:sdes:mid", {}}}));
  EXPECT_EQ(accept.contents[1].rtp()->header_extensions,
            (std::vector<HeaderExtension>{{2, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", {}},
                                          {4, "urn:ietf:params:rtp-hdrext:sdes:mid", {}}}));
  for (const Content& content : accept.contents) {
    const RtpDescription& rtp = *content.rtp();
    EXPECT_TRUE(rtp.rtcp_mux);
    EXPECT_TRUE(rtp.extmap_allow_mixed);
    EXPECT_TRUE(rtp.crypto.empty());
    EXPECT_TRUE(rtp.ssrc_groups.empty());
    ASSERT_EQ(rtp.sources.size(), 1u);
    EXPECT_EQ(rtp.sources[0].parameters, (std::vector<Parameter>{{"cname", "parrot"}}));
    const IceUdpTransport& ice = *content.ice_udp();
    EXPECT_EQ(ice.ufrag, "pRrT");
    ASSERT_TRUE(ice.fingerprint);
    EXPECT_EQ(ice.fingerprint->setup, DtlsSetup::kActive);
    EXPECT_EQ(ice.fingerprint->hash, "sha-256");
    EXPECT_EQ(ice.fingerprint->value, kFingerprint);
  }
  EXPECT_NE(accept.contents[0].rtp()->sources[0].ssrc, accept.contents[1].rtp()->sources[0].ssrc);
  ASSERT_NE(accept.bundle(), nullptr);
  EXPECT_EQ(accept.bundle()->contents, (std::vector<std::string>{"0", "1"}));

  ASSERT_EQ(plan.transports.size(), 1u);  // BUNDLE: one transport
  const TransportPlan& transport = plan.transports[0];
  EXPECT_EQ(transport.contents, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(transport.components, 1u);
  ASSERT_TRUE(transport.dtls);
  EXPECT_EQ(transport.dtls->setup, parrot::call::DtlsSetup::kActive);
  EXPECT_EQ(transport.dtls->peer_hash, "sha-256");
  EXPECT_EQ(transport.dtls->peer_fingerprint.substr(0, 5), "4A:B0");
  EXPECT_EQ(transport.remote_ufrag, "tZ0b");
  EXPECT_EQ(transport.remote_pwd, "N8x2bKwGQ1tC3u1vC4l3kYzz");
  EXPECT_TRUE(transport.remote_candidates.empty());  // Conversations trickles
  EXPECT_TRUE(plan.rejected.empty());
  EXPECT_TRUE(plan.modify_to_both.empty());

  ASSERT_EQ(plan.streams.size(), 2u);
  const NegotiatedStream& audio = plan.streams[0].config;
  EXPECT_EQ(audio.media, StreamMedia::kAudio);
  EXPECT_EQ(audio.clock_rate_hz, 48000u);
  EXPECT_EQ(audio.payload_types, ids(accept.contents[0]));
  EXPECT_EQ(audio.remote_ssrc, 1573913341u);
  EXPECT_EQ(audio.local_ssrc, accept.contents[0].rtp()->sources[0].ssrc);
  EXPECT_FALSE(audio.nack);
  EXPECT_FALSE(audio.pli);
  EXPECT_EQ(audio.transport_sequence_extension_id, 3);
  EXPECT_EQ(audio.abs_send_time_extension_id, 2);
  EXPECT_EQ(audio.audio_level_extension_id, 1);  // answered, and read for the probe
  EXPECT_TRUE(audio.transport_cc);
  EXPECT_FALSE(audio.remb);
  const NegotiatedStream& video = plan.streams[1].config;
  EXPECT_EQ(video.media, StreamMedia::kVideo);
  EXPECT_EQ(video.clock_rate_hz, 90000u);
  EXPECT_EQ(video.remote_ssrc, 2231627014u);  // the FID primary, not the rtx 632943048
  EXPECT_TRUE(video.nack);
  EXPECT_TRUE(video.pli);
  EXPECT_TRUE(video.fir);
  EXPECT_EQ(video.transport_sequence_extension_id, 0);
  EXPECT_EQ(video.abs_send_time_extension_id, 2);
  EXPECT_EQ(video.audio_level_extension_id, 0);
  EXPECT_FALSE(video.transport_cc);
  EXPECT_TRUE(video.remb);
  EXPECT_EQ(plan.streams[1].transport, 0u);
}

TEST(AnswerTest, DinoNoBundleSdesDropped) {
  const AnswerPlan plan = plan_answer(fixture("dino/session_initiate_audio_video.xml"), options());
  ASSERT_TRUE(plan.ok());
  const Jingle accept = wire(plan);
  EXPECT_EQ(accept.bundle(), nullptr);
  ASSERT_EQ(accept.contents.size(), 2u);
  EXPECT_EQ(ids(accept.contents[0]), (std::vector<std::uint8_t>{111, 112, 113, 114, 9, 0, 8}));
  EXPECT_EQ(ids(accept.contents[1]), (std::vector<std::uint8_t>{98}));
  const std::string xml = plan.accept.to_tag()->xml();
  EXPECT_EQ(xml.find("crypto"), std::string::npos);  // docs/client-quirks.md#dino-calls
  EXPECT_NE(xml.find("goog-remb"), std::string::npos);  // parrot sends REMB now
  EXPECT_EQ(xml.find("video-orientation"), std::string::npos);  // an extension parrot does not handle
  EXPECT_TRUE(plan.streams[1].config.remb);
  EXPECT_FALSE(plan.streams[1].config.transport_cc);

  // Dino offers rtcp-mux, so it is accepted and each content's transport
  // has one component; the offered component-2 candidates are left out.
  ASSERT_EQ(plan.transports.size(), 2u);
  EXPECT_EQ(plan.transports[0].contents, std::vector<std::string>{"audio"});
  EXPECT_EQ(plan.transports[1].contents, std::vector<std::string>{"video"});
  EXPECT_EQ(plan.transports[0].components, 1u);
  EXPECT_EQ(plan.transports[0].remote_ufrag, "Vh3c");
  EXPECT_EQ(plan.transports[1].remote_ufrag, "P9kq");
  EXPECT_EQ(plan.transports[0].remote_candidates.size(), 2u);
  EXPECT_EQ(plan.transports[1].remote_candidates.size(), 1u);
  EXPECT_TRUE(plan.transports[1].dtls);
  EXPECT_EQ(plan.streams[1].transport, 1u);
  EXPECT_FALSE(plan.streams[0].config.remote_ssrc);  // Dino announces no XEP-0339 source
  EXPECT_TRUE(plan.streams[1].config.nack);

  // Without BUNDLE each transport gets its own agent's credentials.
  AnswerPlan mutable_plan = plan;
  ASSERT_TRUE(mutable_plan.set_local_ice(1, LocalIce{"v1d0", "videovideovideovideo24", {}}));
  EXPECT_FALSE(mutable_plan.set_local_ice(2, LocalIce{}));
  EXPECT_EQ(mutable_plan.accept.contents[0].ice_udp()->ufrag, "pRrT");
  EXPECT_EQ(mutable_plan.accept.contents[1].ice_udp()->ufrag, "v1d0");
}

TEST(AnswerTest, GajimPlainRtpTwoComponents) {
  const AnswerPlan plan = plan_answer(fixture("gajim/session_initiate.xml"), options());
  ASSERT_TRUE(plan.ok());
  const Jingle accept = wire(plan);
  ASSERT_EQ(accept.contents.size(), 1u);
  EXPECT_EQ(accept.contents[0].name, "voice");
  EXPECT_FALSE(accept.contents[0].rtp()->rtcp_mux);
  EXPECT_FALSE(accept.contents[0].ice_udp()->fingerprint);  // no DTLS offered, none answered
  ASSERT_EQ(plan.transports.size(), 1u);
  EXPECT_FALSE(plan.transports[0].dtls);
  EXPECT_EQ(plan.transports[0].components, 2u);
  EXPECT_EQ(plan.transports[0].remote_candidates.size(), 2u);
  EXPECT_EQ(plan.streams[0].config.clock_rate_hz, 48000u);
  EXPECT_EQ(plan.streams[0].config.payload_types, (std::vector<std::uint8_t>{96, 97, 98, 9, 8, 0}));
}

// libpurple 2.14's real offer: channels='0' on all but the first
// payload-type, three payload-types sharing id 14, no DTLS, no rtcp-mux.
// Answered with each id once, clock rate from Speex's 16 kHz.
TEST(AnswerTest, PidginChannelsZeroAndSharedIds) {
  const Jingle offer = fixture("pidgin/session_initiate_audio.xml");
  ASSERT_TRUE(offer.contents[0].rtp()->ignored.empty());
  const AnswerPlan plan = plan_answer(offer, options());
  ASSERT_TRUE(plan.ok());
  const Jingle accept = wire(plan);
  ASSERT_EQ(accept.contents.size(), 1u);
  const auto& pts = accept.contents[0].rtp()->payload_types;
  ASSERT_FALSE(pts.empty());
  EXPECT_EQ(pts[0].name, "SPEEX");
  EXPECT_EQ(std::count_if(pts.begin(), pts.end(), [](const PayloadType& pt) { return pt.id == 14; }), 1);
  for (const auto& pt : pts) EXPECT_GE(pt.channels, 1) << pt.name;
  EXPECT_EQ(plan.streams[0].config.clock_rate_hz, 16000u);
  EXPECT_FALSE(accept.contents[0].ice_udp()->fingerprint);
  EXPECT_EQ(plan.transports[0].components, 2u);
}

TEST(AnswerTest, MovimVideoFirstBundle) {
  const AnswerPlan plan = plan_answer(fixture("movim/session_initiate.xml"), options());
  ASSERT_TRUE(plan.ok());
  const Jingle accept = wire(plan);
  ASSERT_NE(accept.bundle(), nullptr);  // max-bundle needs it (docs/client-quirks.md#libwebrtc)
  EXPECT_EQ(ids(accept.contents[0]), (std::vector<std::uint8_t>{102, 96}));
  EXPECT_EQ(ids(accept.contents[1]), (std::vector<std::uint8_t>{111, 0}));
  EXPECT_TRUE(accept.contents[0].rtp()->rtcp_mux);
  EXPECT_TRUE(accept.contents[1].rtp()->rtcp_mux);
  ASSERT_EQ(plan.transports.size(), 1u);
  EXPECT_EQ(plan.streams[0].config.media, StreamMedia::kVideo);
  EXPECT_EQ(plan.streams[0].config.remote_ssrc, 3735928559u);
  EXPECT_TRUE(plan.streams[0].config.fir);  // only VP8 offers FIR, and any payload type counts
  EXPECT_EQ(plan.streams[1].config.remote_ssrc, 287454020u);
}

TEST(AnswerTest, AiortcOfferHasCandidatesInBundle) {
  const AnswerPlan plan = plan_answer(fixture("aiortc/session-initiate.xml"), options());
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan.transports.size(), 1u);
  // The bundle's transport is the first content's: its ufrag and candidate.
  EXPECT_EQ(plan.transports[0].remote_ufrag, "oxGp");
  ASSERT_EQ(plan.transports[0].remote_candidates.size(), 1u);
  EXPECT_EQ(plan.transports[0].remote_candidates[0].port, 57967);
  EXPECT_EQ(plan.streams[1].config.payload_types, (std::vector<std::uint8_t>{97, 99, 101}));
  EXPECT_TRUE(plan.streams[1].config.pli);
  EXPECT_FALSE(plan.streams[1].config.fir);
  EXPECT_EQ(plan.streams[1].config.remote_ssrc, 2910559949u);
}

TEST(AnswerTest, PassiveOfferGetsActiveAndActiveGetsPassive) {
  Jingle offer = fixture("conversations/session_initiate_audio_video.xml");
  for (Content& content : offer.contents) std::get<IceUdpTransport>(content.transport).fingerprint->setup = DtlsSetup::kActive;
  AnswerPlan plan = plan_answer(offer, options());
  EXPECT_EQ(plan.accept.contents[0].ice_udp()->fingerprint->setup, DtlsSetup::kPassive);
  EXPECT_EQ(plan.transports[0].dtls->setup, parrot::call::DtlsSetup::kPassive);
  for (Content& content : offer.contents) std::get<IceUdpTransport>(content.transport).fingerprint->setup = DtlsSetup::kPassive;
  plan = plan_answer(offer, options());
  EXPECT_EQ(plan.accept.contents[0].ice_udp()->fingerprint->setup, DtlsSetup::kActive);
}

TEST(AnswerTest, OneWayVideoKeepsSendersAndAsksForBoth) {
  Jingle offer = fixture("dino/session_initiate_audio_video.xml");
  offer.contents[1].senders = Senders::kInitiator;  // Dino's one-way video (docs/client-quirks.md#dino-calls)
  const AnswerPlan plan = plan_answer(offer, options());
  EXPECT_EQ(plan.accept.contents[1].senders, Senders::kInitiator);
  EXPECT_EQ(plan.modify_to_both, std::vector<std::string>{"video"});
}

TEST(AnswerTest, UnusableContentsAreRejectedOrTerminate) {
  Jingle offer = fixture("conversations/session_initiate_audio_video.xml");
  offer.contents[1].description = UnknownDescription{"urn:xmpp:jingle:apps:file-transfer:5"};
  AnswerPlan plan = plan_answer(offer, options());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan.accept.contents.size(), 1u);
  EXPECT_EQ(plan.rejected, (std::vector<RejectedContent>{
                               {Creator::kInitiator, "1", ReasonCondition::kUnsupportedApplications}}));
  EXPECT_EQ(plan.accept.bundle()->contents, std::vector<std::string>{"0"});

  Jingle only_rtx = fixture("conversations/session_initiate_audio_video.xml");
  only_rtx.contents.resize(1);
  only_rtx.groups.clear();
  auto& pts = std::get<RtpDescription>(only_rtx.contents[0].description).payload_types;
  pts.resize(1);
  pts[0].name = "rtx";
  plan = plan_answer(only_rtx, options());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(*plan.error, ReasonCondition::kFailedApplication);
  EXPECT_TRUE(plan.accept.contents.empty());
  EXPECT_TRUE(plan.transports.empty());

  Jingle raw_udp = fixture("gajim/session_initiate.xml");
  raw_udp.contents[0].transport = RawUdpTransport{};
  plan = plan_answer(raw_udp, options());
  EXPECT_EQ(plan.error, ReasonCondition::kUnsupportedTransports);

  Jingle application = fixture("gajim/session_initiate.xml");
  std::get<RtpDescription>(application.contents[0].description).media = "application";
  plan = plan_answer(application, options());
  EXPECT_EQ(plan.error, ReasonCondition::kUnsupportedApplications);
}

TEST(AnswerTest, BundledDuplicatePayloadIdIsClaimedOnce) {
  Jingle offer = fixture("movim/session_initiate.xml");
  std::get<RtpDescription>(offer.contents[1].description).payload_types[1].id = 96;  // PCMU as 96, VP8's id
  const AnswerPlan plan = plan_answer(offer, options());
  EXPECT_EQ(plan.streams[1].config.payload_types, std::vector<std::uint8_t>{111});
}

TEST(AnswerTest, SsrcsAvoidTheOffersAndFollowTheSeed) {
  const Jingle offer = fixture("conversations/session_initiate_audio_video.xml");
  const AnswerPlan a = plan_answer(offer, options());
  const AnswerPlan b = plan_answer(offer, options());
  AnswerOptions other = options();
  other.ssrc_seed = 8;
  const AnswerPlan c = plan_answer(offer, other);
  EXPECT_EQ(a.streams[0].config.local_ssrc, b.streams[0].config.local_ssrc);
  EXPECT_NE(a.streams[0].config.local_ssrc, c.streams[0].config.local_ssrc);
  for (const AnswerPlan* plan : {&a, &c}) {
    for (const StreamPlan& stream : plan->streams) {
      EXPECT_NE(stream.config.local_ssrc, 0u);
      EXPECT_NE(stream.config.local_ssrc, 1573913341u);
      EXPECT_NE(stream.config.local_ssrc, 2231627014u);
    }
  }
}

TEST(AnswerTest, AiortcGetsRembAndItsOwnIdsPerContent) {
  // aiortc offers goog-remb and abs-send-time, no transport-cc; its ids
  // differ per content (2 is audio level in audio, abs-send-time in video).
  const AnswerPlan plan = plan_answer(fixture("aiortc/session-initiate.xml"), options());
  ASSERT_TRUE(plan.ok());
  const Jingle accept = wire(plan);
  EXPECT_EQ(accept.contents[0].rtp()->header_extensions,
            (std::vector<HeaderExtension>{{1, "urn:ietf:params:rtp-hdrext:sdes:mid", {}},
                                          {2, "urn:ietf:params:rtp-hdrext:ssrc-audio-level", {}}}));
  EXPECT_EQ(accept.contents[1].rtp()->header_extensions,
            (std::vector<HeaderExtension>{{1, "urn:ietf:params:rtp-hdrext:sdes:mid", {}},
                                          {2, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", {}}}));
  EXPECT_FALSE(accept.contents[1].rtp()->extmap_allow_mixed);  // not offered
  for (const PayloadType& pt : accept.contents[1].rtp()->payload_types) {
    if (pt.name == "rtx") continue;
    EXPECT_NE(std::find(pt.rtcp_fb.begin(), pt.rtcp_fb.end(), RtcpFeedback{"goog-remb", ""}), pt.rtcp_fb.end()) << pt.name;
  }
  const NegotiatedStream& audio = plan.streams[0].config;
  const NegotiatedStream& video = plan.streams[1].config;
  EXPECT_EQ(audio.abs_send_time_extension_id, 0);  // id 2 in audio is the level: left alone
  EXPECT_FALSE(audio.remb);
  EXPECT_EQ(video.abs_send_time_extension_id, 2);
  EXPECT_EQ(video.transport_sequence_extension_id, 0);
  EXPECT_TRUE(video.remb);
  EXPECT_FALSE(video.transport_cc);
}

TEST(AnswerTest, HeaderExtensionsOnlyKnownOnesOncePerIdAndUri) {
  Jingle offer = fixture("conversations/session_initiate_audio_video.xml");
  RtpDescription& video = std::get<RtpDescription>(offer.contents[1].description);
  video.header_extensions = {
      {3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", {}},
      {5, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", {}},      // not understood
      {6, "urn:ietf:params:rtp-hdrext:sdes:mid", Senders::kInitiator},  // senders kept
      {7, "urn:ietf:params:rtp-hdrext:sdes:mid", {}},                 // the same uri again
      {6, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", {}},  // the same id again
      {300, "urn:ietf:params:rtp-hdrext:ssrc-audio-level", {}},       // no RTP id
  };
  video.extmap_allow_mixed = false;
  const AnswerPlan plan = plan_answer(offer, options());
  ASSERT_TRUE(plan.ok());
  const Jingle accept = wire(plan);
  EXPECT_EQ(accept.contents[1].rtp()->header_extensions,
            (std::vector<HeaderExtension>{{3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", {}},
                                          {6, "urn:ietf:params:rtp-hdrext:sdes:mid", Senders::kInitiator}}));
  EXPECT_FALSE(accept.contents[1].rtp()->extmap_allow_mixed);
  // With the sequence extension, video's transport-cc is kept now.
  const auto& fb = accept.contents[1].rtp()->payload_types[0].rtcp_fb;
  EXPECT_NE(std::find(fb.begin(), fb.end(), RtcpFeedback{"transport-cc", ""}), fb.end());
  EXPECT_TRUE(plan.streams[1].config.transport_cc);
  EXPECT_EQ(plan.streams[1].config.transport_sequence_extension_id, 3);
  EXPECT_EQ(plan.streams[1].config.abs_send_time_extension_id, 0);
}

TEST(AnswerTest, TransportCcWithoutTheSequenceExtensionIsDropped) {
  Jingle offer = fixture("conversations/session_initiate_audio_video.xml");
  RtpDescription& audio = std::get<RtpDescription>(offer.contents[0].description);
  std::erase_if(audio.header_extensions, [](const HeaderExtension& e) { return e.id == 3; });
  audio.rtcp_fb.push_back(RtcpFeedback{"transport-cc", ""});  // at description level too
  const AnswerPlan plan = plan_answer(offer, options());
  ASSERT_TRUE(plan.ok());
  const Jingle accept = wire(plan);
  EXPECT_TRUE(accept.contents[0].rtp()->payload_types[0].rtcp_fb.empty());
  EXPECT_TRUE(accept.contents[0].rtp()->rtcp_fb.empty());
  EXPECT_FALSE(plan.streams[0].config.transport_cc);
  EXPECT_EQ(plan.streams[0].config.transport_sequence_extension_id, 0);
}

}  // namespace
}  // namespace parrot::bot::jingle
