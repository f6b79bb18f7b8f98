#include "call/call_facts.hpp"

namespace parrot::call {

std::string_view to_string(MediaTimeout timeout) noexcept {
  switch (timeout) {
    case MediaTimeout::kNeverConnected: return "never-connected";
    case MediaTimeout::kNoMedia: return "no-media";
  }
  return "unknown";
}

std::string_view failure_code(const EndCause& cause) noexcept {
  if (const auto* failure = std::get_if<transport::TransportFailure>(&cause)) return transport::to_string(*failure);
  if (const auto* timeout = std::get_if<MediaTimeout>(&cause)) return to_string(*timeout);
  return "";
}

}  // namespace parrot::call
