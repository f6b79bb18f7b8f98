// WakeupTimer: one GSource made once and re-armed for each next wake-up, for
// loops that reschedule on every packet (an echo engine's next_wakeup()).
// A Timer per wake-up would create, attach and destroy a GSource each time;
// this one only moves its ready time, with microsecond resolution.
//
// Threads: created, armed and destroyed on the thread running `context`.
#pragma once

#include <glib.h>

#include <chrono>
#include <functional>

#include "transport/glib_ptr.hpp"

namespace parrot::transport {

class WakeupTimer {
 public:
  // Not armed. Throws std::invalid_argument for a null context or an empty
  // callback.
  WakeupTimer(GMainContext* context, std::function<void()> fire);
  ~WakeupTimer() = default;  // destroys the source; the callback never runs after
  WakeupTimer(const WakeupTimer&) = delete;
  WakeupTimer& operator=(const WakeupTimer&) = delete;

  // Fires once, `delay` from now (negative: at the next iteration);
  // replaces any earlier arming. The callback may re-arm it.
  void arm_in(std::chrono::microseconds delay) noexcept;
  void disarm() noexcept;
  bool armed() const noexcept;

 private:
  AttachedSourcePtr source_;
};

}  // namespace parrot::transport
