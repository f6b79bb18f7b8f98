#include "bot/jingle/reason.hpp"

#include <array>

#include "bot/jingle/namespaces.hpp"
#include "bot/jingle/xml_util.hpp"

namespace parrot::bot::jingle {
namespace {

constexpr std::array<std::string_view, 17> kConditions{"alternative-session",
                                                       "busy",
                                                       "cancel",
                                                       "connectivity-error",
                                                       "decline",
                                                       "expired",
                                                       "failed-application",
                                                       "failed-transport",
                                                       "general-error",
                                                       "gone",
                                                       "incompatible-parameters",
                                                       "media-error",
                                                       "security-error",
                                                       "success",
                                                       "timeout",
                                                       "unsupported-applications",
                                                       "unsupported-transports"};

}  // namespace

std::string_view to_string(ReasonCondition condition) noexcept {
  return kConditions[static_cast<std::size_t>(condition)];
}

std::optional<ReasonCondition> reason_condition_from_string(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kConditions.size(); ++i) {
    if (kConditions[i] == text) return static_cast<ReasonCondition>(i);
  }
  return std::nullopt;
}

// The first known condition wins; later ones are ignored rather than
// refused, since a terminate must always end the session.
ParseResult<Reason> Reason::parse(const gloox::Tag& tag) {
  Reason reason;
  bool have_condition = false;
  for (const gloox::Tag* child : tag.children()) {
    // Conditions and <text/> inherit the jingle namespace; anything in
    // another namespace is an application-specific detail (e.g. rtp:errors).
    if (xml::namespace_of(*child) != ns::kJingle) continue;
    if (child->name() == "text") {
      reason.text = child->cdata();
    } else if (const auto condition = reason_condition_from_string(child->name()); condition && !have_condition) {
      reason.condition = *condition;
      have_condition = true;
      if (const gloox::Tag* sid = child->findChild("sid"); sid && *condition == ReasonCondition::kAlternativeSession) {
        reason.alternative_sid = sid->cdata();
      }
    }
  }
  if (!have_condition) return ParseResult<Reason>::fail("reason without a known condition");
  return ParseResult<Reason>::ok(std::move(reason));
}

std::unique_ptr<gloox::Tag> Reason::to_tag() const {
  auto tag = std::make_unique<gloox::Tag>("reason");
  tag->setXmlns(ns::kJingle);
  gloox::Tag* condition_tag = xml::add_child(*tag, std::string(to_string(condition)));
  if (condition == ReasonCondition::kAlternativeSession && !alternative_sid.empty()) {
    new gloox::Tag(condition_tag, "sid", alternative_sid);  // owned by condition_tag
  }
  if (!text.empty()) new gloox::Tag(tag.get(), "text", text);  // owned by tag
  return tag;
}

}  // namespace parrot::bot::jingle
