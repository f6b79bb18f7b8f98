// plan_offer() and read_answer(): the session-initiate parrot sends for
// "!callme" and what it takes from the callee's session-accept.
#include "bot/jingle/offer.hpp"

#include <gtest/gtest.h>

namespace parrot::bot::jingle {
namespace {

const std::string kFingerprint =
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";

OfferPlan video_offer() {
  OfferOptions options;
  options.sid = "callme-1";
  options.initiator = "parrot@example.org/bot";
  options.video = true;
  options.fingerprint_sha256 = kFingerprint;
  options.ssrc_seed = 9;
  OfferPlan plan = plan_offer(options);
  plan.set_local_ice(LocalIce{"pRrT", "echoechoechoechoecho24", {}});
  return plan;
}

// The callee's session-accept as Conversations writes one: the offered
// contents, its own SSRC, setup='active', rtcp-mux, BUNDLE.
Jingle answer_to(const OfferPlan& offer, DtlsSetup setup = DtlsSetup::kActive) {
  Jingle accept;
  accept.action = Action::kSessionAccept;
  accept.sid = offer.initiate.sid;
  accept.responder = "alice@example.org/phone";
  Group bundle{"BUNDLE", {}};
  std::uint32_t ssrc = 1000;
  for (const Content& offered : offer.initiate.contents) {
    Content content = offered;
    RtpDescription rtp = *offered.rtp();
    rtp.sources = {Source{++ssrc, {Parameter{"cname", "alice"}}}};
    content.description = rtp;
    IceUdpTransport ice;
    ice.ufrag = "aLiC";
    ice.pwd = "alicealicealicealice24";
    ice.fingerprint = Fingerprint{"sha-256", setup, kFingerprint};
    content.transport = ice;
    accept.contents.push_back(content);
    bundle.contents.push_back(content.name);
  }
  accept.groups.push_back(bundle);
  return accept;
}

TEST(Offer, OffersOpusAndVp8InOneBundleWithActpass) {
  const OfferPlan plan = video_offer();
  const Jingle& offer = plan.initiate;
  EXPECT_EQ(offer.action, Action::kSessionInitiate);
  EXPECT_EQ(offer.sid, "callme-1");
  EXPECT_EQ(offer.initiator, "parrot@example.org/bot");
  ASSERT_EQ(plan.contents(), (std::vector<std::string>{"audio", "video"}));
  ASSERT_NE(offer.bundle(), nullptr);
  EXPECT_EQ(offer.bundle()->contents, plan.contents());
  const RtpDescription& audio = *offer.contents[0].rtp();
  ASSERT_EQ(audio.payload_types.size(), 1u);
  EXPECT_EQ(audio.payload_types[0].id, 111);
  EXPECT_EQ(audio.payload_types[0].name, "opus");
  EXPECT_EQ(audio.payload_types[0].channels, 2);  // RFC 7587 §7
  EXPECT_TRUE(audio.rtcp_mux);
  const RtpDescription& video = *offer.contents[1].rtp();
  EXPECT_EQ(video.payload_types[0].name, "VP8");
  // nack, nack pli, ccm fir, and the congestion-control feedback parrot gives.
  EXPECT_EQ(video.payload_types[0].rtcp_fb,
            (std::vector<RtcpFeedback>{{"nack", ""}, {"nack", "pli"}, {"ccm", "fir"}, {"goog-remb", ""}, {"transport-cc", ""}}));
  EXPECT_EQ(audio.payload_types[0].rtcp_fb, (std::vector<RtcpFeedback>{{"transport-cc", ""}}));
  EXPECT_EQ(audio.header_extensions.size(), 4u);  // audio level, abs-send-time, transport-wide sequence, mid
  ASSERT_EQ(video.header_extensions.size(), 3u);
  EXPECT_EQ(video.header_extensions[1],
            (HeaderExtension{3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", {}}));
  for (const Content& content : offer.contents) {
    const IceUdpTransport& ice = *content.ice_udp();
    EXPECT_EQ(ice.ufrag, "pRrT");
    ASSERT_TRUE(ice.fingerprint);
    EXPECT_EQ(ice.fingerprint->setup, DtlsSetup::kActpass);
    ASSERT_EQ(content.rtp()->sources.size(), 1u);
  }
  // parrot's streams carry the SSRCs it announced, distinct and non-zero.
  ASSERT_EQ(plan.streams.size(), 2u);
  EXPECT_EQ(plan.streams[0].config.local_ssrc, audio.sources[0].ssrc);
  EXPECT_EQ(plan.streams[1].config.local_ssrc, video.sources[0].ssrc);
  EXPECT_NE(plan.streams[0].config.local_ssrc, plan.streams[1].config.local_ssrc);
  EXPECT_TRUE(plan.streams[1].config.nack && plan.streams[1].config.pli && plan.streams[1].config.fir);
  // What goes on the wire parses back to the same offer.
  const auto tag = offer.to_tag();
  const auto parsed = Jingle::parse(*tag);
  ASSERT_TRUE(parsed) << parsed.error;
  EXPECT_EQ(*parsed.value, offer);
}

TEST(Offer, AudioOnlyOffersOneContent) {
  OfferOptions options;
  options.sid = "a";
  options.fingerprint_sha256 = kFingerprint;
  const OfferPlan plan = plan_offer(options);
  EXPECT_EQ(plan.contents(), (std::vector<std::string>{"audio"}));
  EXPECT_FALSE(plan.streams[0].config.nack);
}

TEST(Offer, AnswerSetsTheDtlsRoleAndTheCalleesSsrcs) {
  const OfferPlan plan = video_offer();
  const AcceptedOffer active = read_answer(plan, answer_to(plan, DtlsSetup::kActive));
  ASSERT_FALSE(active.error) << active.error->text;
  EXPECT_EQ(active.setup, parrot::call::DtlsSetup::kPassive);  // the callee is the DTLS client
  ASSERT_EQ(active.streams.size(), 2u);
  EXPECT_EQ(active.streams[0].config.remote_ssrc, 1001u);
  EXPECT_EQ(active.streams[1].config.remote_ssrc, 1002u);
  EXPECT_TRUE(active.streams[1].config.pli);
  // The callee kept everything: transport-cc on both, REMB offered on video.
  EXPECT_TRUE(active.streams[0].config.transport_cc);
  EXPECT_TRUE(active.streams[1].config.transport_cc);
  EXPECT_EQ(active.streams[1].config.transport_sequence_extension_id, 3);
  EXPECT_EQ(active.streams[1].config.abs_send_time_extension_id, 2);
  EXPECT_EQ(active.streams[0].config.audio_level_extension_id, 1);
  EXPECT_EQ(active.streams[1].config.audio_level_extension_id, 0);
  EXPECT_TRUE(active.streams[1].config.remb);
  EXPECT_FALSE(active.streams[0].config.remb);
  const AcceptedOffer passive = read_answer(plan, answer_to(plan, DtlsSetup::kPassive));
  ASSERT_FALSE(passive.error);
  EXPECT_EQ(passive.setup, parrot::call::DtlsSetup::kActive);
}

TEST(Offer, AnswerThatDropsFeedbackOrAContentNarrowsTheStreams) {
  const OfferPlan plan = video_offer();
  Jingle accept = answer_to(plan);
  auto rtp = *accept.contents[1].rtp();
  rtp.payload_types[0].rtcp_fb = {RtcpFeedback{"nack", ""}};
  accept.contents[1].description = rtp;
  AcceptedOffer accepted = read_answer(plan, accept);
  ASSERT_FALSE(accepted.error);
  EXPECT_TRUE(accepted.streams[1].config.nack);
  EXPECT_FALSE(accepted.streams[1].config.pli);
  EXPECT_FALSE(accepted.streams[1].config.fir);
  EXPECT_FALSE(accepted.streams[1].config.transport_cc);  // dropped with the feedback
  EXPECT_FALSE(accepted.streams[1].config.remb);
  // An answer without the sequence extension gets no transport-cc either.
  auto audio = *accept.contents[0].rtp();
  std::erase_if(audio.header_extensions, [](const HeaderExtension& e) { return e.id == 3; });
  accept.contents[0].description = audio;
  accepted = read_answer(plan, accept);
  ASSERT_FALSE(accepted.error);
  EXPECT_FALSE(accepted.streams[0].config.transport_cc);
  EXPECT_EQ(accepted.streams[0].config.transport_sequence_extension_id, 0);
  accept.contents.pop_back();  // audio only
  accept.groups[0].contents.pop_back();
  accepted = read_answer(plan, accept);
  ASSERT_FALSE(accepted.error);
  ASSERT_EQ(accepted.streams.size(), 1u);
  EXPECT_EQ(accepted.streams[0].content, "audio");
}

TEST(Offer, UnusableAnswersSayWhy) {
  const OfferPlan plan = video_offer();
  const auto error_of = [&](Jingle accept) {
    const AcceptedOffer accepted = read_answer(plan, accept);
    return accepted.error ? accepted.error->condition : ReasonCondition::kSuccess;
  };
  Jingle unbundled = answer_to(plan);  // Dino answers without BUNDLE
  unbundled.groups.clear();
  EXPECT_EQ(error_of(unbundled), ReasonCondition::kIncompatibleParameters);
  EXPECT_EQ(error_of(answer_to(plan, DtlsSetup::kActpass)), ReasonCondition::kIncompatibleParameters);
  Jingle plain = answer_to(plan);
  for (Content& content : plain.contents) std::get<IceUdpTransport>(content.transport).fingerprint.reset();
  EXPECT_EQ(error_of(plain), ReasonCondition::kSecurityError);
  Jingle no_mux = answer_to(plan);
  auto rtp = *no_mux.contents[0].rtp();
  rtp.rtcp_mux = false;
  no_mux.contents[0].description = rtp;
  EXPECT_EQ(error_of(no_mux), ReasonCondition::kIncompatibleParameters);
  Jingle other_codec = answer_to(plan);
  rtp = *other_codec.contents[0].rtp();
  rtp.payload_types[0].id = 0;  // PCMU, never offered
  other_codec.contents[0].description = rtp;
  EXPECT_EQ(error_of(other_codec), ReasonCondition::kFailedApplication);
  Jingle strangers = answer_to(plan);
  for (Content& content : strangers.contents) content.name += "-x";
  EXPECT_EQ(error_of(strangers), ReasonCondition::kFailedApplication);
}

}  // namespace
}  // namespace parrot::bot::jingle
