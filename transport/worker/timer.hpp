// A GLib timeout on a given context with one owner: destroying the Timer
// cancels it. Create, use and destroy it on the thread that iterates the
// context (for a call: its worker); the callback runs there and may destroy
// or reassign its own Timer.
#pragma once

#include <glib.h>

#include <chrono>
#include <functional>

#include "transport/glib_ptr.hpp"

namespace parrot::transport {

class Timer {
 public:
  Timer() = default;  // not armed
  // One-shot: fire runs once, delay after construction (GLib's monotonic
  // clock, millisecond resolution). Throws std::invalid_argument for a null
  // context, a negative delay or an empty fire.
  Timer(GMainContext* context, std::chrono::milliseconds delay, std::function<void()> fire);
  // Fires every interval until cancelled. Same errors as the constructor, and
  // a zero interval is refused too.
  static Timer repeating(GMainContext* context, std::chrono::milliseconds interval, std::function<void()> fire);

  Timer(Timer&&) noexcept = default;
  Timer& operator=(Timer&&) noexcept = default;  // cancels the timer it replaces
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  ~Timer() = default;  // cancels

  // Idempotent; after it the callback never runs.
  void cancel() noexcept { source_.reset(); }
  // True while the callback is still due (a one-shot that fired is not).
  bool pending() const noexcept;

 private:
  Timer(GMainContext* context, std::chrono::milliseconds delay, std::function<void()> fire, bool repeat);

  AttachedSourcePtr source_;
};

}  // namespace parrot::transport
