#include "bot/jingle/session_info.hpp"

#include <array>

#include "bot/jingle/namespaces.hpp"
#include "bot/jingle/xml_util.hpp"

namespace parrot::bot::jingle {
namespace {

constexpr std::array<std::string_view, 6> kKinds{"active", "hold", "unhold", "mute", "unmute", "ringing"};

bool has_target(SessionInfoKind kind) { return kind == SessionInfoKind::kMute || kind == SessionInfoKind::kUnmute; }

}  // namespace

std::string_view to_string(SessionInfoKind kind) noexcept { return kKinds[static_cast<std::size_t>(kind)]; }

// XEP-0167 §7: creator and name are meaningful only for mute/unmute; on
// the other payloads they are ignored so the round trip stays exact.
std::optional<SessionInfo> SessionInfo::parse(const gloox::Tag& tag) {
  if (xml::namespace_of(tag) != ns::kRtpInfo) return std::nullopt;
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    if (kKinds[i] != tag.name()) continue;
    SessionInfo info;
    info.kind = static_cast<SessionInfoKind>(i);
    if (has_target(info.kind)) {
      if (tag.hasAttribute("creator")) {
        info.creator = creator_from_string(tag.findAttribute("creator"));
        if (!info.creator) return std::nullopt;
      }
      info.name = tag.findAttribute("name");
    }
    return info;
  }
  return std::nullopt;
}

std::unique_ptr<gloox::Tag> SessionInfo::to_tag() const {
  auto tag = std::make_unique<gloox::Tag>(std::string(to_string(kind)));
  tag->setXmlns(ns::kRtpInfo);
  if (has_target(kind)) {
    if (creator) tag->addAttribute("creator", std::string(to_string(*creator)));
    tag->addAttribute("name", name);
  }
  return tag;
}

}  // namespace parrot::bot::jingle
