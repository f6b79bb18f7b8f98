#include "bot/jingle/rtp_description.hpp"

#include "bot/jingle/namespaces.hpp"
#include "bot/jingle/xml_util.hpp"

namespace parrot::bot::jingle {
namespace {

using Result = ParseResult<RtpDescription>;

// Appends <parameter name value/> children of `tag`; false past `cap`. A
// parameter without a name (XEP-0167 §4 makes name REQUIRED) is skipped, not
// refused: SDP fmtp lines without key=value exist (RED's "111/111") and a
// mapper may turn one into a nameless parameter.
bool parse_parameters(const gloox::Tag& tag, std::vector<Parameter>& out, std::size_t cap, std::string& error) {
  for (const gloox::Tag* child : tag.children()) {
    if (child->name() != "parameter") continue;
    if (out.size() >= cap) {
      error = "too many parameters";
      return false;
    }
    Parameter parameter{child->findAttribute("name"), child->findAttribute("value")};
    if (!parameter.name.empty()) out.push_back(std::move(parameter));
  }
  return true;
}

// The XEP-0293 children of `tag` (a payload-type or the description); false
// only past the cap.
bool parse_feedback(const gloox::Tag& tag, std::vector<RtcpFeedback>& fb, std::optional<std::uint32_t>& trr_int,
                    std::string& error) {
  for (const gloox::Tag* child : tag.children()) {
    if (xml::is(*child, "rtcp-fb", ns::kRtcpFb)) {
      if (fb.size() >= RtpDescription::kMaxRtcpFeedback) {
        error = "too many rtcp-fb";
        return false;
      }
      // Feedback parrot cannot read is feedback it does not negotiate: an
      // rtcp-fb without type, or a trr-int without a number, is skipped.
      RtcpFeedback feedback{child->findAttribute("type"), child->findAttribute("subtype")};
      if (!feedback.type.empty()) fb.push_back(std::move(feedback));
    } else if (xml::is(*child, "rtcp-fb-trr-int", ns::kRtcpFb)) {
      if (const auto value = xml::parse_uint(child->findAttribute("value"), UINT32_MAX)) trr_int = value;
    }
  }
  return true;
}

// An optional numeric attribute: absent is fine, present must be valid.
bool optional_number(const gloox::Tag& tag, const std::string& name, std::uint32_t max,
                     std::optional<std::uint32_t>& out) {
  const auto text = xml::attribute(tag, name);
  if (!text) return true;
  out = xml::parse_uint(*text, max);
  return out.has_value();
}

ParseResult<PayloadType> parse_payload_type(const gloox::Tag& tag) {
  using PtResult = ParseResult<PayloadType>;
  PayloadType pt;
  const auto id = xml::parse_uint(tag.findAttribute("id"), 127);
  if (!id) return PtResult::fail("payload-type id missing or not in 0..127");
  pt.id = static_cast<std::uint8_t>(*id);
  pt.name = tag.findAttribute("name");
  std::optional<std::uint32_t> channels;
  if (!optional_number(tag, "clockrate", UINT32_MAX, pt.clockrate) ||
      !optional_number(tag, "channels", 255, channels) || !optional_number(tag, "ptime", UINT32_MAX, pt.ptime) ||
      !optional_number(tag, "maxptime", UINT32_MAX, pt.maxptime)) {
    return PtResult::fail("payload-type with a malformed number");
  }
  // channels='0' (libpurple writes it on every payload-type) means nothing
  // in RTP; read it as the default of one channel
  // (docs/client-quirks.md#libpurple-calls).
  if (channels && *channels > 0) pt.channels = static_cast<std::uint8_t>(*channels);
  std::string error;
  if (!parse_parameters(tag, pt.parameters, RtpDescription::kMaxParameters, error) ||
      !parse_feedback(tag, pt.rtcp_fb, pt.rtcp_fb_trr_int, error)) {
    return PtResult::fail(error);
  }
  return PtResult::ok(std::move(pt));
}

ParseResult<HeaderExtension> parse_header_extension(const gloox::Tag& tag) {
  using HeResult = ParseResult<HeaderExtension>;
  HeaderExtension ext;
  const auto id = xml::parse_uint(tag.findAttribute("id"), 255);
  ext.uri = tag.findAttribute("uri");
  if (!id || *id == 0 || ext.uri.empty()) return HeResult::fail("rtp-hdrext without a valid id or uri");
  ext.id = static_cast<std::uint16_t>(*id);
  if (const auto senders = xml::attribute(tag, "senders")) {
    ext.senders = senders_from_string(*senders);
    if (!ext.senders) return HeResult::fail("rtp-hdrext with unknown senders");
  }
  return HeResult::ok(std::move(ext));
}

ParseResult<SsrcGroup> parse_ssrc_group(const gloox::Tag& tag) {
  using GroupResult = ParseResult<SsrcGroup>;
  SsrcGroup group;
  group.semantics = tag.findAttribute("semantics");
  if (group.semantics.empty()) return GroupResult::fail("ssrc-group without semantics");
  for (const gloox::Tag* child : tag.children()) {
    if (child->name() != "source") continue;
    if (group.ssrcs.size() >= RtpDescription::kMaxSsrcsPerGroup) return GroupResult::fail("too many ssrcs in group");
    const auto ssrc = xml::parse_uint(child->findAttribute("ssrc"), UINT32_MAX);
    if (!ssrc) return GroupResult::fail("ssrc-group source without a valid ssrc");
    group.ssrcs.push_back(*ssrc);
  }
  return GroupResult::ok(std::move(group));
}

void add_parameters(gloox::Tag& parent, const std::vector<Parameter>& parameters) {
  for (const auto& parameter : parameters) {
    gloox::Tag* element = xml::add_child(parent, "parameter");
    element->addAttribute("name", parameter.name);
    element->addAttribute("value", parameter.value);
  }
}

void add_feedback(gloox::Tag& parent, const std::vector<RtcpFeedback>& fb, const std::optional<std::uint32_t>& trr) {
  for (const auto& feedback : fb) {
    gloox::Tag* element = xml::add_child(parent, "rtcp-fb", ns::kRtcpFb);
    element->addAttribute("type", feedback.type);
    element->addAttribute("subtype", feedback.subtype);
  }
  if (trr) xml::add_child(parent, "rtcp-fb-trr-int", ns::kRtcpFb)->addAttribute("value", std::to_string(*trr));
}

}  // namespace

void RtpDescription::ignore(std::string what, std::string why) {
  if (ignored.size() < kMaxIgnored) ignored.push_back(Ignored{std::move(what), std::move(why)});
}

// Every count is checked before the element is stored, so a stanza with
// thousands of children costs one pass and no allocation beyond the caps.
ParseResult<RtpDescription> RtpDescription::parse(const gloox::Tag& tag) {
  RtpDescription d;
  d.media = tag.findAttribute("media");
  if (d.media.empty()) return Result::fail("description without media");
  if (!optional_number(tag, "ssrc", UINT32_MAX, d.ssrc)) return Result::fail("description with a malformed ssrc");
  std::string error;
  if (!parse_feedback(tag, d.rtcp_fb, d.rtcp_fb_trr_int, error)) return Result::fail(error);
  std::size_t payload_type_elements = 0;
  for (const gloox::Tag* child : tag.children()) {
    const std::string& name = child->name();
    const std::string xmlns = xml::namespace_of(*child);
    if (name == "payload-type" && xmlns == ns::kRtp) {
      if (++payload_type_elements > kMaxPayloadTypes) return Result::fail("too many payload-types");
      auto pt = parse_payload_type(*child);
      if (!pt) {
        d.ignore(child->findAttribute("name"), pt.error);
        continue;
      }
      d.payload_types.push_back(std::move(*pt.value));
    } else if (name == "rtp-hdrext" && xmlns == ns::kRtpHdrext) {
      if (d.header_extensions.size() >= kMaxHeaderExtensions) return Result::fail("too many rtp-hdrext");
      auto ext = parse_header_extension(*child);
      if (!ext) {
        d.ignore(child->findAttribute("uri"), ext.error);
        continue;
      }
      d.header_extensions.push_back(std::move(*ext.value));
    } else if (name == "extmap-allow-mixed" && xmlns == ns::kRtpHdrext) {
      d.extmap_allow_mixed = true;
    } else if (name == "rtcp-mux" && xmlns == ns::kRtp) {
      d.rtcp_mux = true;
    } else if (name == "bandwidth" && xmlns == ns::kRtp) {
      d.bandwidth = Bandwidth{child->findAttribute("type"), child->cdata()};
    } else if (name == "encryption" && xmlns == ns::kRtp) {
      // SDES keys are only recorded: the report says SDES was offered, and
      // parrot never answers them (DTLS-SRTP only).
      d.encryption_required = child->findAttribute("required") == "1" || child->findAttribute("required") == "true";
      for (const gloox::Tag* crypto : child->children()) {
        if (crypto->name() != "crypto") continue;
        if (d.crypto.size() >= kMaxCrypto) return Result::fail("too many crypto");
        d.crypto.push_back(Crypto{crypto->findAttribute("crypto-suite"), crypto->findAttribute("key-params"),
                                  crypto->findAttribute("session-params"), crypto->findAttribute("tag")});
      }
    } else if (name == "source" && xmlns == ns::kSsma) {
      if (d.sources.size() >= kMaxSources) return Result::fail("too many sources");
      Source source;
      const auto ssrc = xml::parse_uint(child->findAttribute("ssrc"), UINT32_MAX);
      if (!ssrc) {
        d.ignore(child->findAttribute("ssrc"), "source without a valid ssrc");
        continue;
      }
      source.ssrc = *ssrc;
      if (!parse_parameters(*child, source.parameters, kMaxParameters, error)) return Result::fail(error);
      d.sources.push_back(std::move(source));
    } else if (name == "ssrc-group" && xmlns == ns::kSsma) {
      if (d.ssrc_groups.size() >= kMaxSsrcGroups) return Result::fail("too many ssrc-groups");
      auto group = parse_ssrc_group(*child);
      if (!group) {
        d.ignore(child->findAttribute("semantics"), group.error);
        continue;
      }
      d.ssrc_groups.push_back(std::move(*group.value));
    }
  }
  return Result::ok(std::move(d));
}

// Child order follows Conversations' mapper (payload-types, feedback,
// header extensions, sources, rtcp-mux): the order a libwebrtc client turns
// back into SDP, so the generated m-line reads naturally in its logs
// (docs/client-quirks.md#libwebrtc).
std::unique_ptr<gloox::Tag> RtpDescription::to_tag() const {
  auto tag = std::make_unique<gloox::Tag>("description");
  tag->setXmlns(ns::kRtp);
  tag->addAttribute("media", media);
  if (ssrc) tag->addAttribute("ssrc", std::to_string(*ssrc));
  for (const auto& pt : payload_types) {
    gloox::Tag* element = xml::add_child(*tag, "payload-type");
    element->addAttribute("id", std::to_string(pt.id));
    element->addAttribute("name", pt.name);
    if (pt.clockrate) element->addAttribute("clockrate", std::to_string(*pt.clockrate));
    // channels='1' is the default (XEP-0167 §4); clients omit it too.
    if (pt.channels != 1) element->addAttribute("channels", std::to_string(pt.channels));
    if (pt.ptime) element->addAttribute("ptime", std::to_string(*pt.ptime));
    if (pt.maxptime) element->addAttribute("maxptime", std::to_string(*pt.maxptime));
    add_parameters(*element, pt.parameters);
    add_feedback(*element, pt.rtcp_fb, pt.rtcp_fb_trr_int);
  }
  add_feedback(*tag, rtcp_fb, rtcp_fb_trr_int);
  for (const auto& ext : header_extensions) {
    gloox::Tag* element = xml::add_child(*tag, "rtp-hdrext", ns::kRtpHdrext);
    element->addAttribute("id", std::to_string(ext.id));
    element->addAttribute("uri", ext.uri);
    if (ext.senders) element->addAttribute("senders", std::string(to_string(*ext.senders)));
  }
  if (extmap_allow_mixed) xml::add_child(*tag, "extmap-allow-mixed", ns::kRtpHdrext);
  if (bandwidth) {
    gloox::Tag* element = xml::add_child(*tag, "bandwidth");
    element->addAttribute("type", bandwidth->type);
    element->setCData(bandwidth->value);
  }
  for (const auto& source : sources) {
    gloox::Tag* element = xml::add_child(*tag, "source", ns::kSsma);
    element->addAttribute("ssrc", std::to_string(source.ssrc));
    add_parameters(*element, source.parameters);
  }
  for (const auto& group : ssrc_groups) {
    gloox::Tag* element = xml::add_child(*tag, "ssrc-group", ns::kSsma);
    element->addAttribute("semantics", group.semantics);
    for (const auto member : group.ssrcs)
      xml::add_child(*element, "source")->addAttribute("ssrc", std::to_string(member));
  }
  if (rtcp_mux) xml::add_child(*tag, "rtcp-mux");
  return tag;
}

}  // namespace parrot::bot::jingle
