#include "bot/jingle/jingle_message.hpp"

#include <algorithm>
#include <array>

#include "bot/jingle/namespaces.hpp"
#include "bot/jingle/xml_util.hpp"

namespace parrot::bot::jingle {
namespace {

using Result = ParseResult<JingleMessage>;

constexpr std::array<std::string_view, 7> kKinds{"propose", "retract", "accept", "proceed",
                                                 "reject",  "ringing", "finish"};

std::optional<JingleMessageKind> kind_from_string(std::string_view text) {
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    if (kKinds[i] == text) return static_cast<JingleMessageKind>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(JingleMessageKind kind) noexcept { return kKinds[static_cast<std::size_t>(kind)]; }

bool JingleMessage::proposes_media(std::string_view media) const {
  return std::any_of(descriptions.begin(), descriptions.end(),
                     [&](const ProposedDescription& d) { return d.xmlns == ns::kRtp && d.media == media; });
}

ParseResult<JingleMessage> JingleMessage::parse(const gloox::Tag& tag) {
  if (xml::namespace_of(tag) != ns::kJingleMessage) return Result::fail("not a jingle-message element");
  const auto kind = kind_from_string(tag.name());
  if (!kind) return Result::fail("unknown jingle-message element");
  JingleMessage message;
  message.kind = *kind;
  message.id = tag.findAttribute("id");
  if (message.id.empty()) return Result::fail("jingle-message without id");
  for (const gloox::Tag* child : tag.children()) {
    if (child->name() == "description" && message.kind == JingleMessageKind::kPropose) {
      if (message.descriptions.size() >= kMaxDescriptions) return Result::fail("too many descriptions");
      message.descriptions.push_back(ProposedDescription{xml::namespace_of(*child), child->findAttribute("media")});
    } else if (child->name() == "reason" && xml::namespace_of(*child) == ns::kJingle) {
      // XEP-0353 §3 reuses the XEP-0166 reason element.
      auto reason = Reason::parse(*child);
      if (!reason) return Result::fail(reason.error);
      message.reason = std::move(reason.value);
    }
  }
  // XEP-0353 §3.1: a propose announces at least one application.
  if (message.kind == JingleMessageKind::kPropose && message.descriptions.empty()) {
    return Result::fail("propose without description");
  }
  return Result::ok(std::move(message));
}

// Only the first JMI element counts: XEP-0353 puts exactly one in a
// message, and acting on two (propose + retract) would be ambiguous.
std::optional<ParseResult<JingleMessage>> JingleMessage::from_message(const gloox::Tag& message) {
  for (const gloox::Tag* child : message.children()) {
    if (xml::namespace_of(*child) == ns::kJingleMessage && kind_from_string(child->name())) return parse(*child);
  }
  return std::nullopt;
}

std::unique_ptr<gloox::Tag> JingleMessage::to_tag() const {
  auto tag = std::make_unique<gloox::Tag>(std::string(to_string(kind)));
  tag->setXmlns(ns::kJingleMessage);
  tag->addAttribute("id", id);
  for (const auto& description : descriptions) {
    gloox::Tag* element = xml::add_child(*tag, "description", description.xmlns);
    element->addAttribute("media", description.media);
  }
  if (reason) tag->addChild(reason->to_tag().release());
  return tag;
}

// Only reports the delay; the age policy (Monal drops proposes older than
// 60 s) belongs to the caller, which owns the clock: a parser never reads
// the time.
std::optional<Delay> find_delay(const gloox::Tag& message) {
  for (const gloox::Tag* child : message.children()) {
    if (xml::is(*child, "delay", ns::kDelay)) return Delay{child->findAttribute("stamp"), child->findAttribute("from")};
  }
  return std::nullopt;
}

}  // namespace parrot::bot::jingle
