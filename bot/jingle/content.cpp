#include "bot/jingle/content.hpp"

#include "bot/jingle/namespaces.hpp"
#include "bot/jingle/xml_util.hpp"

namespace parrot::bot::jingle {
namespace {

using Result = ParseResult<Content>;

template <typename T>
std::unique_ptr<gloox::Tag> unknown_tag(const std::string& name, const T& unknown) {
  auto tag = std::make_unique<gloox::Tag>(name);
  tag->setXmlns(unknown.xmlns);
  return tag;
}

}  // namespace

ParseResult<Content> Content::parse(const gloox::Tag& tag) {
  Content content;
  content.name = tag.findAttribute("name");
  if (content.name.empty()) return Result::fail("content without name");
  const auto creator = creator_from_string(tag.findAttribute("creator"));
  if (!creator) return Result::fail("content with a missing or unknown creator");
  content.creator = *creator;
  if (const auto senders = xml::attribute(tag, "senders")) {
    const auto parsed = senders_from_string(*senders);
    if (!parsed) return Result::fail("content with unknown senders");
    content.senders = *parsed;
  }
  content.disposition = tag.findAttribute("disposition");
  // Children in other namespaces (XEP-0507 <category/>, security) are
  // ignored: they never change what parrot answers.

  for (const gloox::Tag* child : tag.children()) {
    const std::string xmlns = xml::namespace_of(*child);
    if (child->name() == "description") {
      // XEP-0166 §7.3: one application type per content.
      if (!std::holds_alternative<std::monostate>(content.description)) return Result::fail("two descriptions");
      if (xmlns == ns::kRtp) {
        auto rtp = RtpDescription::parse(*child);
        if (!rtp) return Result::fail(rtp.error);
        content.description = std::move(*rtp.value);
      } else {
        content.description = UnknownDescription{xmlns};
      }
    } else if (child->name() == "transport") {
      if (!std::holds_alternative<std::monostate>(content.transport)) return Result::fail("two transports");
      if (xmlns == ns::kIceUdp) {
        auto ice = IceUdpTransport::parse(*child);
        if (!ice) return Result::fail(ice.error);
        content.transport = std::move(*ice.value);
      } else if (xmlns == ns::kRawUdp) {
        auto raw = RawUdpTransport::parse(*child);
        if (!raw) return Result::fail(raw.error);
        content.transport = std::move(*raw.value);
      } else {
        content.transport = UnknownTransport{xmlns};
      }
    }
  }
  return Result::ok(std::move(content));
}

// XEP-0166 §7.3 order: description, then transport. Dino reads them by
// name, but libwebrtc-side mappers walk the children in order.
std::unique_ptr<gloox::Tag> Content::to_tag() const {
  auto tag = std::make_unique<gloox::Tag>("content");
  tag->addAttribute("creator", std::string(to_string(creator)));
  tag->addAttribute("name", name);
  tag->addAttribute("senders", std::string(to_string(senders)));
  tag->addAttribute("disposition", disposition);
  std::unique_ptr<gloox::Tag> description_tag;
  if (const auto* rtp_description = std::get_if<RtpDescription>(&description)) {
    description_tag = rtp_description->to_tag();
  } else if (const auto* unknown = std::get_if<UnknownDescription>(&description)) {
    description_tag = unknown_tag("description", *unknown);
  }
  if (description_tag) tag->addChild(description_tag.release());
  std::unique_ptr<gloox::Tag> transport_tag;
  if (const auto* ice = std::get_if<IceUdpTransport>(&transport)) {
    transport_tag = ice->to_tag();
  } else if (const auto* raw = std::get_if<RawUdpTransport>(&transport)) {
    transport_tag = raw->to_tag();
  } else if (const auto* unknown = std::get_if<UnknownTransport>(&transport)) {
    transport_tag = unknown_tag("transport", *unknown);
  }
  if (transport_tag) tag->addChild(transport_tag.release());
  return tag;
}

}  // namespace parrot::bot::jingle
