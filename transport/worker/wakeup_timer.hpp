// WakeupTimer: a wake-up that is re-armed for every next deadline, for loops
// that reschedule on every packet (an echo engine's next_wakeup(), a consent
// check). All the WakeupTimers of one GMainContext share one GSource and one
// deadline heap: arming moves an entry in the heap, with no GLib call and no
// system call, and the context's iteration sees one source however many
// calls it carries. (A GSource per timer made GLib's prepare and check walk
// every call's timer on every iteration, and g_source_set_ready_time()
// writes the context's wake-up eventfd on every re-arm.)
//
// Threads: created, armed and destroyed on the thread running `context`.
#pragma once

#include <glib.h>

#include <chrono>
#include <cstddef>
#include <functional>

namespace parrot::transport {

class WakeupTimer {
 public:
  // The monotonic clock; GLib's g_get_monotonic_time() reads the same one
  // (CLOCK_MONOTONIC) on Linux.
  using Clock = std::chrono::steady_clock;
  // `now` is the time the queue read once for every timer it fires in one
  // dispatch: a callback needs no clock read of its own.
  using Fire = std::function<void(Clock::time_point now)>;

  // Not armed. Throws std::invalid_argument for a null context or an empty
  // callback.
  WakeupTimer(GMainContext* context, Fire fire);
  // Cancels; the callback never runs after. It may not destroy its own
  // timer from inside the callback.
  ~WakeupTimer();
  WakeupTimer(const WakeupTimer&) = delete;
  WakeupTimer& operator=(const WakeupTimer&) = delete;

  // Fires once at `due` (already past: at the next iteration); replaces any
  // earlier arming. The callback may re-arm it; armed again for a time that
  // has passed, it fires at the next iteration, not in the same dispatch.
  void arm_at(Clock::time_point due) noexcept;
  // arm_at(now + delay); reads the clock.
  void arm_in(std::chrono::microseconds delay) noexcept;
  void disarm() noexcept;
  bool armed() const noexcept { return slot_ != kNotArmed; }

  struct Queue;  // one per context, shared (wakeup_timer.cpp)

 private:
  friend struct Queue;
  static constexpr std::size_t kNotArmed = static_cast<std::size_t>(-1);

  Queue* queue_;
  Fire fire_;
  std::size_t slot_ = kNotArmed;  // index in the queue's heap
};

}  // namespace parrot::transport
