#include "bot/jingle/offer.hpp"

#include <algorithm>
#include <set>

#include "bot/jingle/rtp_rules.hpp"
#include "media/rtp/header_extensions.hpp"

namespace parrot::bot::jingle {
namespace {

constexpr std::uint8_t kOpusPayloadType = 111;  // the id libwebrtc and Conversations use
constexpr std::uint8_t kVp8PayloadType = 96;
// Header extension ids, the same in every content of the BUNDLE (RFC 8843
// §9.2) and the ones Chromium and Conversations use.
constexpr std::uint8_t kAudioLevelId = 1;
constexpr std::uint8_t kAbsSendTimeId = 2;
constexpr std::uint8_t kTransportSequenceId = 3;
constexpr std::uint8_t kMidId = 4;

Content offered_content(const std::string& media, std::uint32_t ssrc, const OfferOptions& options) {
  RtpDescription description;
  description.media = media;
  PayloadType pt;
  if (media == "audio") {
    pt.id = kOpusPayloadType;
    pt.name = "opus";
    pt.clockrate = 48000;
    pt.channels = 2;  // RFC 7587 §7: always opus/48000/2
    pt.parameters = {Parameter{"minptime", "10"}, Parameter{"useinbandfec", "1"}};
    pt.rtcp_fb = {RtcpFeedback{"transport-cc", ""}};
    description.header_extensions.push_back(HeaderExtension{kAudioLevelId, media::rtp::kAudioLevelUri, {}});
  } else {
    pt.id = kVp8PayloadType;
    pt.name = "VP8";
    pt.clockrate = 90000;
    pt.rtcp_fb = {RtcpFeedback{"nack", ""}, RtcpFeedback{"nack", "pli"}, RtcpFeedback{"ccm", "fir"},
                  RtcpFeedback{"goog-remb", ""}, RtcpFeedback{"transport-cc", ""}};
  }
  // The congestion-control feedback parrot gives a caller (answer.hpp),
  // offered to a callee the way libwebrtc offers it.
  description.header_extensions.push_back(HeaderExtension{kAbsSendTimeId, media::rtp::kAbsSendTimeUri, {}});
  description.header_extensions.push_back(
      HeaderExtension{kTransportSequenceId, media::rtp::kTransportSequenceNumberUri, {}});
  description.header_extensions.push_back(HeaderExtension{kMidId, media::rtp::kMidUri, {}});
  description.payload_types.push_back(std::move(pt));
  description.rtcp_mux = true;
  description.sources.push_back(Source{ssrc, {Parameter{"cname", options.cname}}});

  IceUdpTransport ice;
  ice.fingerprint = Fingerprint{"sha-256", DtlsSetup::kActpass, options.fingerprint_sha256};

  Content content;
  content.creator = Creator::kInitiator;
  content.name = media;
  content.senders = Senders::kBoth;
  content.description = std::move(description);
  content.transport = std::move(ice);
  return content;
}

}  // namespace

std::vector<std::string> OfferPlan::contents() const {
  std::vector<std::string> names;
  for (const Content& content : initiate.contents) names.push_back(content.name);
  return names;
}

void OfferPlan::set_local_ice(const LocalIce& ice) {
  for (Content& content : initiate.contents) {
    if (auto* transport = std::get_if<IceUdpTransport>(&content.transport)) {
      transport->ufrag = ice.ufrag;
      transport->pwd = ice.pwd;
      transport->candidates = ice.candidates;
    }
  }
}

OfferPlan plan_offer(const OfferOptions& options) {
  OfferPlan plan;
  plan.initiate.action = Action::kSessionInitiate;
  plan.initiate.sid = options.sid;
  plan.initiate.initiator = options.initiator;
  SsrcGenerator ssrcs(options.ssrc_seed);
  std::set<std::uint32_t> taken;
  Group bundle{"BUNDLE", {}};
  for (const char* media : {"audio", "video"}) {
    if (std::string_view(media) == "video" && !options.video) continue;
    const std::uint32_t ssrc = ssrcs.next(taken);
    taken.insert(ssrc);
    Content content = offered_content(media, ssrc, options);
    StreamPlan stream;
    stream.content = content.name;
    stream.transport = 0;
    const bool video = content.name == "video";
    stream.config.media = video ? StreamMedia::kVideo : StreamMedia::kAudio;
    stream.config.clock_rate_hz = video ? 90000 : 48000;
    stream.config.payload_types = {video ? kVp8PayloadType : kOpusPayloadType};
    stream.config.local_ssrc = ssrc;
    stream.config.nack = stream.config.pli = stream.config.fir = video;
    stream.config.transport_sequence_extension_id = kTransportSequenceId;
    stream.config.abs_send_time_extension_id = kAbsSendTimeId;
    stream.config.audio_level_extension_id = video ? 0 : kAudioLevelId;
    stream.config.transport_cc = true;
    stream.config.remb = video;
    plan.streams.push_back(std::move(stream));
    bundle.contents.push_back(content.name);
    plan.initiate.contents.push_back(std::move(content));
  }
  plan.initiate.groups.push_back(std::move(bundle));
  return plan;
}

AcceptedOffer read_answer(const OfferPlan& offer, const Jingle& accept) {
  AcceptedOffer result;
  const auto fail = [&](ReasonCondition condition, std::string text) {
    AcceptedOffer failed;
    failed.error = AcceptedOffer::Error{condition, std::move(text)};
    return failed;
  };
  std::vector<const Content*> answered;
  for (const StreamPlan& stream : offer.streams) {
    if (const Content* content = accept.find_content(stream.content)) answered.push_back(content);
  }
  if (answered.empty()) return fail(ReasonCondition::kFailedApplication, "the answer accepted none of parrot's contents");
  if (answered.size() > 1) {
    const Group* bundle = accept.bundle();
    const bool all_bundled = bundle != nullptr && std::all_of(answered.begin(), answered.end(), [&](const Content* c) {
                               return std::find(bundle->contents.begin(), bundle->contents.end(), c->name) !=
                                      bundle->contents.end();
                             });
    if (!all_bundled)
      return fail(ReasonCondition::kIncompatibleParameters,
                  "parrot places audio+video calls on one BUNDLE transport and the answer did not bundle them");
  }

  const Content& first = *answered.front();
  const IceUdpTransport* ice = first.ice_udp();
  if (ice == nullptr) return fail(ReasonCondition::kUnsupportedTransports, "the answer has no ICE-UDP transport");
  if (!ice->fingerprint)
    return fail(ReasonCondition::kSecurityError, "the answer has no DTLS fingerprint, and parrot's calls are encrypted");
  switch (ice->fingerprint->setup) {
    case DtlsSetup::kActive:
      result.setup = parrot::call::DtlsSetup::kPassive;
      break;
    case DtlsSetup::kPassive:
      result.setup = parrot::call::DtlsSetup::kActive;
      break;
    case DtlsSetup::kActpass:
    case DtlsSetup::kHoldconn:
      return fail(ReasonCondition::kIncompatibleParameters,
                  "the answer's DTLS setup must be active or passive (RFC 5763 section 5)");
  }

  for (const StreamPlan& offered : offer.streams) {
    const Content* content = accept.find_content(offered.content);
    if (content == nullptr) continue;
    const RtpDescription* rtp = content->rtp();
    if (rtp == nullptr) return fail(ReasonCondition::kFailedApplication, "the answer's " + offered.content + " is not RTP");
    if (!rtp->rtcp_mux)
      return fail(ReasonCondition::kIncompatibleParameters, "the answer's " + offered.content + " has no rtcp-mux");
    StreamPlan stream = offered;
    std::erase_if(stream.config.payload_types, [&](std::uint8_t id) {
      return std::none_of(rtp->payload_types.begin(), rtp->payload_types.end(),
                          [id](const PayloadType& pt) { return pt.id == id; });
    });
    if (stream.config.payload_types.empty())
      return fail(ReasonCondition::kFailedApplication,
                  "the answer's " + offered.content + " kept no payload type parrot offered");
    stream.config.remote_ssrc = primary_ssrc(*rtp);
    stream.config.nack = offered.config.nack && has_feedback(*rtp, "nack", "");
    stream.config.pli = offered.config.pli && has_feedback(*rtp, "nack", "pli");
    stream.config.fir = offered.config.fir && has_feedback(*rtp, "ccm", "fir");
    // The callee's packets carry the extensions its answer kept, with the
    // answer's ids (RFC 8285 §6 has them match the offer's).
    const std::vector<HeaderExtension> extensions = handled_header_extensions(*rtp);
    stream.config.transport_sequence_extension_id =
        header_extension_id(extensions, media::rtp::kTransportSequenceNumberUri);
    stream.config.abs_send_time_extension_id = header_extension_id(extensions, media::rtp::kAbsSendTimeUri);
    stream.config.audio_level_extension_id = header_extension_id(extensions, media::rtp::kAudioLevelUri);
    stream.config.transport_cc = offered.config.transport_cc && stream.config.transport_sequence_extension_id != 0 &&
                                 has_feedback(*rtp, "transport-cc", "");
    stream.config.remb = offered.config.remb && has_feedback(*rtp, "goog-remb", "");
    result.streams.push_back(std::move(stream));
  }
  return result;
}

}  // namespace parrot::bot::jingle
