#include "bot/jingle/jingle.hpp"

#include <algorithm>
#include <array>

#include "bot/jingle/namespaces.hpp"
#include "bot/jingle/xml_util.hpp"

namespace parrot::bot::jingle {
namespace {

using Result = ParseResult<Jingle>;

constexpr std::array<std::string_view, 15> kActions{
    "content-accept",    "content-add",      "content-modify", "content-reject",   "content-remove",
    "description-info",  "security-info",    "session-accept", "session-info",     "session-initiate",
    "session-terminate", "transport-accept", "transport-info", "transport-reject", "transport-replace"};

constexpr std::array<std::string_view, 4> kErrors{"out-of-order", "tie-break", "unknown-session", "unsupported-info"};

// RFC 6120 §8.3.2: <error type> with the defined condition first, then an
// optional <text/>; the application-specific condition (XEP-0166 §10) comes
// last, added by the caller.
std::unique_ptr<gloox::Tag> stanza_error(const std::string& type, const std::string& condition,
                                         const std::string& text) {
  auto error = std::make_unique<gloox::Tag>("error");
  error->addAttribute("type", type);
  xml::add_child(*error, condition, ns::kStanzas);
  if (!text.empty()) {
    auto* text_tag = new gloox::Tag(error.get(), "text", text);  // owned by error
    text_tag->setXmlns(ns::kStanzas);
  }
  return error;
}

}  // namespace

std::string_view to_string(Action action) noexcept { return kActions[static_cast<std::size_t>(action)]; }

std::optional<Action> action_from_string(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kActions.size(); ++i) {
    if (kActions[i] == text) return static_cast<Action>(i);
  }
  return std::nullopt;
}

std::string_view to_string(JingleError error) noexcept { return kErrors[static_cast<std::size_t>(error)]; }

const Content* Jingle::find_content(std::string_view name) const {
  const auto it = std::find_if(contents.begin(), contents.end(), [&](const Content& c) { return c.name == name; });
  return it == contents.end() ? nullptr : &*it;
}

const Group* Jingle::bundle() const {
  const auto it = std::find_if(groups.begin(), groups.end(), [](const Group& g) { return g.semantics == "BUNDLE"; });
  return it == groups.end() ? nullptr : &*it;
}

ParseResult<Jingle> Jingle::parse(const gloox::Tag& tag) {
  if (tag.name() != "jingle" || xml::namespace_of(tag) != ns::kJingle) return Result::fail("not a jingle element");
  Jingle jingle;
  const auto action = action_from_string(tag.findAttribute("action"));
  if (!action) return Result::fail("jingle with a missing or unknown action");
  jingle.action = *action;
  jingle.sid = tag.findAttribute("sid");
  if (jingle.sid.empty()) return Result::fail("jingle without sid");
  // initiator/responder are only RECOMMENDED since XEP-0166 1.1 and Movim
  // puts a bare JID there: kept as sent, the session layer trusts the IQ's
  // from, never these (docs/client-quirks.md#movim-calls).
  jingle.initiator = tag.findAttribute("initiator");
  jingle.responder = tag.findAttribute("responder");

  for (const gloox::Tag* child : tag.children()) {
    const std::string xmlns = xml::namespace_of(*child);
    if (child->name() == "content" && xmlns == ns::kJingle) {
      if (jingle.contents.size() >= kMaxContents) return Result::fail("too many contents");
      auto content = Content::parse(*child);
      if (!content) return Result::fail(content.error);
      // Contents are addressed by name (XEP-0166 §7.3); a duplicate makes
      // every later content-* and transport-info ambiguous.
      if (jingle.find_content(content.value->name)) return Result::fail("two contents with one name");
      jingle.contents.push_back(std::move(*content.value));
    } else if (child->name() == "group" && xmlns == ns::kGrouping) {
      if (jingle.groups.size() >= kMaxGroups) return Result::fail("too many groups");
      auto group = Group::parse(*child);
      if (!group) return Result::fail(group.error);
      jingle.groups.push_back(std::move(*group.value));
    } else if (child->name() == "reason" && xmlns == ns::kJingle) {
      auto reason = Reason::parse(*child);
      if (!reason) return Result::fail(reason.error);
      jingle.reason = std::move(reason.value);
    } else if (jingle.action == Action::kSessionInfo) {
      // XEP-0166 §7.2.16: any other child of session-info is an
      // informational payload; unknown ones are refused by the caller.
      if (auto info = SessionInfo::parse(*child); info && jingle.session_info.size() < kMaxSessionInfo) {
        jingle.session_info.push_back(*info);
      } else {
        jingle.unsupported_session_info = true;
      }
    }
  }
  return Result::ok(std::move(jingle));
}

// Groups come before the contents, as Conversations and Movim write them;
// XEP-0338 sets no order, but libwebrtc-based mappers read the group first
// to decide which transport the bundled contents share
// (docs/client-quirks.md#libwebrtc).
std::unique_ptr<gloox::Tag> Jingle::to_tag() const {
  auto tag = std::make_unique<gloox::Tag>("jingle");
  tag->setXmlns(ns::kJingle);
  tag->addAttribute("action", std::string(to_string(action)));
  tag->addAttribute("initiator", initiator);
  tag->addAttribute("responder", responder);
  tag->addAttribute("sid", sid);
  for (const auto& group : groups) tag->addChild(group.to_tag().release());
  for (const auto& content : contents) tag->addChild(content.to_tag().release());
  if (reason) tag->addChild(reason->to_tag().release());
  for (const auto& info : session_info) tag->addChild(info.to_tag().release());
  return tag;
}

std::unique_ptr<gloox::Tag> jingle_error(JingleError error, const std::string& text) {
  // XEP-0166 §10 table: the stanza error that accompanies each condition.
  static constexpr std::array<std::pair<const char*, const char*>, 4> kStanzaErrors{{
      {"wait", "unexpected-request"},
      {"cancel", "conflict"},
      {"cancel", "item-not-found"},
      {"modify", "feature-not-implemented"},
  }};
  const auto& [type, condition] = kStanzaErrors[static_cast<std::size_t>(error)];
  auto tag = stanza_error(type, condition, text);
  xml::add_child(*tag, std::string(to_string(error)), ns::kJingleErrors);
  return tag;
}

std::unique_ptr<gloox::Tag> bad_request_error(const std::string& text) {
  return stanza_error("modify", "bad-request", text);
}

}  // namespace parrot::bot::jingle
