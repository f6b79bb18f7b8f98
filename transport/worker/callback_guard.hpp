// The one place where C callbacks (GSource dispatch, libnice signals, posted
// closures) stop exceptions: nothing may unwind through GLib. A caught
// exception is a bug, not a packet-path event, so it is logged (rate-limited)
// and counted.
#pragma once

#include <cstdint>
#include <exception>
#include <string_view>

namespace parrot::transport {

// Exceptions caught by guard_callback() in this process, from any thread.
std::uint64_t callback_failures() noexcept;

namespace detail {
void report_callback_failure(std::string_view where, const char* what) noexcept;
}

// Runs body(); returns false when it threw. Safe to call from any thread.
template <typename Body>
bool guard_callback(std::string_view where, Body&& body) noexcept {
  try {
    body();
    return true;
  } catch (const std::exception& e) {
    detail::report_callback_failure(where, e.what());
  } catch (...) {
    detail::report_callback_failure(where, "non-standard exception");
  }
  return false;
}

}  // namespace parrot::transport
