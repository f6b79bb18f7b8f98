// Test helpers: run a test-owned GMainContext until a condition holds, and
// wait for a worker-side event, each bounded by a generous deadline so a
// broken implementation fails instead of hanging.
#pragma once

#include <glib.h>

#include <chrono>
#include <future>

#include "transport/glib_ptr.hpp"
#include "transport/worker/timer.hpp"

namespace parrot::transport::test {

// Long enough for a loaded 2-core machine running DTLS handshakes and ICE
// checks; only a broken implementation waits this long.
inline constexpr std::chrono::milliseconds kDeadline{std::chrono::seconds{15}};

// Iterates context on the calling thread until done() or the deadline; a
// 10 ms tick keeps the blocking iteration from sleeping past the deadline.
template <typename Done>
bool iterate_until(GMainContext* context, Done done, std::chrono::milliseconds limit = kDeadline) {
  const Timer tick = Timer::repeating(context, std::chrono::milliseconds{10}, [] {});
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    g_main_context_iteration(context, TRUE);
  }
  return true;
}

// Iterates context for `duration` whatever happens: for pacing a sender, or
// for giving something that must not happen the time to happen. Never a
// wait for something that should: that is iterate_until.
inline void iterate_for(GMainContext* context, std::chrono::milliseconds duration) {
  iterate_until(context, [] { return false; }, duration);
}

template <typename T>
bool ready_in_time(const std::future<T>& future) {
  return future.wait_for(kDeadline) == std::future_status::ready;
}

inline GMainContextPtr new_context() { return GMainContextPtr{g_main_context_new()}; }

}  // namespace parrot::transport::test
