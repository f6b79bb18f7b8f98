#include "bot/jingle/senders.hpp"

#include <array>

namespace parrot::bot::jingle {
namespace {

constexpr std::array<std::string_view, 4> kSenders{"both", "initiator", "responder", "none"};
constexpr std::array<std::string_view, 2> kCreators{"initiator", "responder"};

}  // namespace

std::string_view to_string(Senders senders) noexcept { return kSenders[static_cast<std::size_t>(senders)]; }

std::optional<Senders> senders_from_string(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kSenders.size(); ++i) {
    if (kSenders[i] == text) return static_cast<Senders>(i);
  }
  return std::nullopt;
}

std::string_view to_string(Creator creator) noexcept { return kCreators[static_cast<std::size_t>(creator)]; }

std::optional<Creator> creator_from_string(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kCreators.size(); ++i) {
    if (kCreators[i] == text) return static_cast<Creator>(i);
  }
  return std::nullopt;
}

}  // namespace parrot::bot::jingle
