#include "bot/jingle/rtp_rules.hpp"

#include <algorithm>

#include "media/rtp/header_extensions.hpp"

namespace parrot::bot::jingle {

bool handled_feedback(const RtcpFeedback& fb, bool transport_wide_sequence) {
  if (fb.type == "transport-cc") return fb.subtype.empty() && transport_wide_sequence;
  if (fb.type == "goog-remb") return fb.subtype.empty();
  return (fb.type == "nack" && (fb.subtype.empty() || fb.subtype == "pli")) || (fb.type == "ccm" && fb.subtype == "fir");
}

std::vector<HeaderExtension> handled_header_extensions(const RtpDescription& rtp) {
  namespace rtp_uri = media::rtp;
  static constexpr std::string_view kHandled[] = {rtp_uri::kAudioLevelUri, rtp_uri::kAbsSendTimeUri,
                                                  rtp_uri::kTransportSequenceNumberUri, rtp_uri::kMidUri};
  std::vector<HeaderExtension> out;
  for (const HeaderExtension& ext : rtp.header_extensions) {
    if (ext.id == 0 || ext.id > 255) continue;
    if (std::find(std::begin(kHandled), std::end(kHandled), ext.uri) == std::end(kHandled)) continue;
    // One id per extension and one extension per id (RFC 8285 §5).
    const bool taken = std::any_of(out.begin(), out.end(),
                                   [&](const HeaderExtension& e) { return e.id == ext.id || e.uri == ext.uri; });
    if (!taken) out.push_back(ext);
  }
  return out;
}

std::uint8_t header_extension_id(const std::vector<HeaderExtension>& extensions, std::string_view uri) {
  for (const HeaderExtension& ext : extensions) {
    if (ext.uri == uri) return static_cast<std::uint8_t>(ext.id);
  }
  return 0;
}

bool has_feedback(const RtpDescription& rtp, std::string_view type, std::string_view subtype) {
  const auto matches = [&](const RtcpFeedback& fb) { return fb.type == type && fb.subtype == subtype; };
  if (std::any_of(rtp.rtcp_fb.begin(), rtp.rtcp_fb.end(), matches)) return true;
  return std::any_of(rtp.payload_types.begin(), rtp.payload_types.end(),
                     [&](const PayloadType& pt) { return std::any_of(pt.rtcp_fb.begin(), pt.rtcp_fb.end(), matches); });
}

std::uint32_t SsrcGenerator::next(const std::set<std::uint32_t>& taken) {
  for (;;) {
    state_ += 0x9E3779B9u;
    std::uint32_t z = state_;
    z = (z ^ (z >> 16)) * 0x85EBCA6Bu;
    z = (z ^ (z >> 13)) * 0xC2B2AE35u;
    z ^= z >> 16;
    if (z != 0 && !taken.contains(z)) return z;
  }
}

std::optional<std::uint32_t> primary_ssrc(const RtpDescription& rtp) {
  std::set<std::uint32_t> repair;
  for (const SsrcGroup& group : rtp.ssrc_groups) {
    if (group.semantics != "FID" && group.semantics != "FEC-FR") continue;
    for (std::size_t i = 1; i < group.ssrcs.size(); ++i) repair.insert(group.ssrcs[i]);
  }
  for (const Source& source : rtp.sources) {
    if (!repair.contains(source.ssrc)) return source.ssrc;
  }
  return rtp.ssrc;
}

}  // namespace parrot::bot::jingle
