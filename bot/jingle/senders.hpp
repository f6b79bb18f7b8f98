// XEP-0166 §7.3 `senders` and `creator` values, shared by <content/>, the
// XEP-0294 <rtp-hdrext/> and the XEP-0167 mute/unmute session-info.
#pragma once

#include <optional>
#include <string_view>

namespace parrot::bot::jingle {

enum class Senders { kBoth, kInitiator, kResponder, kNone };
enum class Creator { kInitiator, kResponder };

std::string_view to_string(Senders senders) noexcept;
std::optional<Senders> senders_from_string(std::string_view text) noexcept;
std::string_view to_string(Creator creator) noexcept;
std::optional<Creator> creator_from_string(std::string_view text) noexcept;

}  // namespace parrot::bot::jingle
