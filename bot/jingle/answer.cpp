#include "bot/jingle/answer.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include "bot/jingle/rtp_rules.hpp"
#include "media/rtp/header_extensions.hpp"

namespace parrot::bot::jingle {
namespace {

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::uint32_t clock_rate(const RtpDescription& rtp, const PayloadType& first) {
  if (rtp.media == "video") return 90000;  // RFC 3551 §5: every video format
  if (first.clockrate && *first.clockrate > 0) return *first.clockrate;
  // Static audio ids without clockrate: RFC 3551 Table 4 is 8000 Hz for
  // nearly all of them; a dynamic id without one is most likely Opus.
  return first.id < 96 ? 8000 : 48000;
}

// RFC 5763 §5: the answerer picks a role the offer allows; active (DTLS
// client) is what every client expects of a responder (docs/client-quirks.md#calls).
DtlsSetup answer_setup(DtlsSetup offered) {
  return offered == DtlsSetup::kActive ? DtlsSetup::kPassive : DtlsSetup::kActive;
}

struct Classified {
  const Content* offered = nullptr;
  std::optional<ReasonCondition> rejection;
  std::vector<PayloadType> payload_types;  // kept, feedback filtered
  std::vector<HeaderExtension> header_extensions;  // kept, the offer's ids
  bool transport_wide_sequence = false;  // the transport-wide-cc extension is among them
  bool bundled = false;
};

}  // namespace

bool AnswerPlan::set_local_ice(std::size_t index, const LocalIce& ice) {
  if (index >= transports.size()) return false;
  for (Content& content : accept.contents) {
    const auto& names = transports[index].contents;
    if (std::find(names.begin(), names.end(), content.name) == names.end()) continue;
    if (auto* transport = std::get_if<IceUdpTransport>(&content.transport)) {
      transport->ufrag = ice.ufrag;
      transport->pwd = ice.pwd;
      transport->candidates = ice.candidates;
    }
  }
  return true;
}

AnswerPlan plan_answer(const Jingle& offer, const AnswerOptions& options) {
  AnswerPlan plan;
  const Group* bundle = offer.bundle();
  const auto in_bundle = [&](const std::string& name) {
    return bundle && std::find(bundle->contents.begin(), bundle->contents.end(), name) != bundle->contents.end();
  };

  // Pass 1: which contents parrot can echo, and with which payload types.
  std::vector<Classified> classified;
  std::set<std::uint8_t> bundle_ids;
  std::set<std::uint32_t> taken_ssrcs;
  for (const Content& content : offer.contents) {
    Classified entry;
    entry.offered = &content;
    entry.bundled = in_bundle(content.name);
    const RtpDescription* rtp = content.rtp();
    if (!rtp || (rtp->media != "audio" && rtp->media != "video")) {
      entry.rejection = ReasonCondition::kUnsupportedApplications;
    } else if (!content.ice_udp()) {
      entry.rejection = ReasonCondition::kUnsupportedTransports;
    } else {
      for (const Source& source : rtp->sources) taken_ssrcs.insert(source.ssrc);
      std::set<std::uint8_t> content_ids;
      entry.header_extensions = handled_header_extensions(*rtp);
      entry.transport_wide_sequence =
          header_extension_id(entry.header_extensions, media::rtp::kTransportSequenceNumberUri) != 0;
      const bool transport_wide = entry.transport_wide_sequence;
      for (PayloadType pt : rtp->payload_types) {
        if (equals_ignore_case(pt.name, "rtx")) continue;
        // One payload type per id: libpurple offers MPA, MPA-ROBUST and
        // X-MP3-DRAFT-00 all as id 14; the first is kept.
        if (!content_ids.insert(pt.id).second) continue;
        if (entry.bundled && !bundle_ids.insert(pt.id).second) continue;
        std::erase_if(pt.rtcp_fb, [&](const RtcpFeedback& fb) { return !handled_feedback(fb, transport_wide); });
        pt.rtcp_fb_trr_int.reset();
        entry.payload_types.push_back(std::move(pt));
      }
      if (entry.payload_types.empty()) entry.rejection = ReasonCondition::kFailedApplication;
    }
    if (entry.rejection) {
      plan.rejected.push_back(RejectedContent{content.creator, content.name, *entry.rejection});
    }
    classified.push_back(std::move(entry));
  }

  const bool any_usable =
      std::any_of(classified.begin(), classified.end(), [](const Classified& c) { return !c.rejection; });
  if (!any_usable) {
    const auto rejected_for = [&](ReasonCondition reason) {
      return std::any_of(plan.rejected.begin(), plan.rejected.end(),
                         [&](const RejectedContent& r) { return r.reason == reason; });
    };
    // The most specific reason wins: parrot understood the application and
    // transport but could not use a single payload type, or understood the
    // application but not the transport.
    AnswerPlan failed;
    if (rejected_for(ReasonCondition::kFailedApplication)) {
      failed.error = ReasonCondition::kFailedApplication;
    } else if (rejected_for(ReasonCondition::kUnsupportedTransports)) {
      failed.error = ReasonCondition::kUnsupportedTransports;
    } else {
      failed.error = ReasonCondition::kUnsupportedApplications;
    }
    return failed;
  }

  plan.accept.action = offer.action == Action::kContentAdd ? Action::kContentAccept : Action::kSessionAccept;
  plan.accept.sid = offer.sid;
  plan.accept.responder = options.responder;

  // Pass 2: transports, answer contents and streams.
  std::optional<std::size_t> bundle_transport;
  SsrcGenerator ssrcs(options.ssrc_seed);
  Group answer_bundle{"BUNDLE", {}};
  for (Classified& entry : classified) {
    if (entry.rejection) continue;
    const Content& offered = *entry.offered;
    const RtpDescription& rtp = *offered.rtp();
    const IceUdpTransport& ice = *offered.ice_udp();

    std::size_t transport_index = 0;
    if (entry.bundled && bundle_transport) {
      // RFC 8843 §7.3.1: the bundle uses the first bundled content's
      // transport; the others' credentials and candidates are not used.
      transport_index = *bundle_transport;
    } else {
      TransportPlan transport;
      transport.components = rtp.rtcp_mux ? 1 : 2;
      transport.remote_ufrag = ice.ufrag;
      transport.remote_pwd = ice.pwd;
      for (const auto& candidate : ice.candidates) {
        if (candidate.component <= transport.components) transport.remote_candidates.push_back(candidate);
      }
      if (ice.fingerprint) {
        const auto setup = answer_setup(ice.fingerprint->setup) == DtlsSetup::kActive ? parrot::call::DtlsSetup::kActive
                                                                                      : parrot::call::DtlsSetup::kPassive;
        transport.dtls = parrot::call::NegotiatedDtls{setup, ice.fingerprint->hash, ice.fingerprint->value};
      }
      transport_index = plan.transports.size();
      plan.transports.push_back(std::move(transport));
      if (entry.bundled) bundle_transport = transport_index;
    }
    TransportPlan& transport = plan.transports[transport_index];
    transport.contents.push_back(offered.name);
    if (entry.bundled) answer_bundle.contents.push_back(offered.name);

    const std::uint32_t local_ssrc = ssrcs.next(taken_ssrcs);
    taken_ssrcs.insert(local_ssrc);

    RtpDescription description;
    description.media = rtp.media;
    description.payload_types = entry.payload_types;
    for (const RtcpFeedback& fb : rtp.rtcp_fb) {
      if (handled_feedback(fb, entry.transport_wide_sequence)) description.rtcp_fb.push_back(fb);
    }
    description.header_extensions = entry.header_extensions;
    // The echo returns the caller's extension blocks as they came, so
    // whatever form the caller may send (RFC 8285 §6), it can take back.
    description.extmap_allow_mixed = rtp.extmap_allow_mixed && !entry.header_extensions.empty();
    description.rtcp_mux = rtp.rtcp_mux;
    description.sources.push_back(Source{local_ssrc, {Parameter{"cname", options.cname}}});

    // Negotiated feedback is what the offer has and parrot kept.
    const bool nack = has_feedback(description, "nack", "");
    const bool pli = has_feedback(description, "nack", "pli");
    const bool fir = has_feedback(description, "ccm", "fir");
    const bool transport_cc = has_feedback(description, "transport-cc", "");
    const bool remb = has_feedback(description, "goog-remb", "");

    IceUdpTransport answer_ice;
    answer_ice.ufrag = options.ice.ufrag;
    answer_ice.pwd = options.ice.pwd;
    answer_ice.candidates = options.ice.candidates;
    if (ice.fingerprint) {
      answer_ice.fingerprint = Fingerprint{"sha-256", answer_setup(ice.fingerprint->setup), options.fingerprint_sha256};
    }

    Content content;
    content.creator = offered.creator;
    content.name = offered.name;
    content.senders = offered.senders;
    content.disposition = offered.disposition;
    content.description = std::move(description);
    content.transport = std::move(answer_ice);
    plan.accept.contents.push_back(std::move(content));

    // The offerer is the content's creator; if only it sends, ask for both
    // afterwards so parrot may echo (see the header).
    const Senders offerer_only = offered.creator == Creator::kInitiator ? Senders::kInitiator : Senders::kResponder;
    if (offered.senders == offerer_only) plan.modify_to_both.push_back(offered.name);

    StreamPlan stream;
    stream.content = offered.name;
    stream.transport = transport_index;
    stream.config.media = rtp.media == "video" ? StreamMedia::kVideo : StreamMedia::kAudio;
    stream.config.clock_rate_hz = clock_rate(rtp, entry.payload_types.front());
    for (const PayloadType& pt : entry.payload_types) stream.config.payload_types.push_back(pt.id);
    stream.config.remote_ssrc = primary_ssrc(rtp);
    stream.config.local_ssrc = local_ssrc;
    stream.config.nack = nack;
    stream.config.pli = pli;
    stream.config.fir = fir;
    stream.config.transport_sequence_extension_id =
        header_extension_id(entry.header_extensions, media::rtp::kTransportSequenceNumberUri);
    stream.config.abs_send_time_extension_id = header_extension_id(entry.header_extensions, media::rtp::kAbsSendTimeUri);
    stream.config.audio_level_extension_id = header_extension_id(entry.header_extensions, media::rtp::kAudioLevelUri);
    stream.config.transport_cc = transport_cc;
    stream.config.remb = remb;
    plan.streams.push_back(std::move(stream));
  }
  if (!answer_bundle.contents.empty()) plan.accept.groups.push_back(std::move(answer_bundle));
  return plan;
}

}  // namespace parrot::bot::jingle
