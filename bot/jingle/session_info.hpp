// XEP-0167 §7 session-info payloads (urn:xmpp:jingle:apps:rtp:info:1):
// active, hold, unhold, mute, unmute (with creator and content name),
// ringing. Dino sends ringing and mute/unmute; parrot acknowledges them
// (docs/client-quirks.md#dino-calls).
#pragma once

#include <gloox/tag.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bot/jingle/parse_result.hpp"
#include "bot/jingle/senders.hpp"

namespace parrot::bot::jingle {

enum class SessionInfoKind { kActive, kHold, kUnhold, kMute, kUnmute, kRinging };

std::string_view to_string(SessionInfoKind kind) noexcept;

struct SessionInfo {
  SessionInfoKind kind = SessionInfoKind::kRinging;
  std::optional<Creator> creator;  // mute/unmute only (XEP-0167 §7.3)
  std::string name;                // mute/unmute: the content; empty = all

  // nullopt when `tag` is not an rtp:info:1 payload parrot knows (the caller
  // answers <unsupported-info/>, XEP-0166 §7.2.16). A mute with an unknown
  // creator value is refused too.
  static std::optional<SessionInfo> parse(const gloox::Tag& tag);
  std::unique_ptr<gloox::Tag> to_tag() const;  // new root, owned by the caller

  friend bool operator==(const SessionInfo&, const SessionInfo&) = default;
};

}  // namespace parrot::bot::jingle
