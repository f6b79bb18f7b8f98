#include "transport/worker/timer.hpp"

#include <limits>
#include <memory>
#include <stdexcept>

#include "transport/worker/callback_guard.hpp"

namespace parrot::transport {

namespace {

// Owned by the GSource (freed by its destroy notify), not by the Timer: GLib
// keeps the callback data alive for the whole dispatch, so a callback that
// destroys its own Timer still returns into live state.
struct TimerState {
  std::function<void()> fire;
  bool repeat;
};

gboolean fire_timer(gpointer data) {
  const auto* state = static_cast<TimerState*>(data);
  guard_callback("Timer", state->fire);
  return state->repeat ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

void delete_timer_state(gpointer data) { std::unique_ptr<TimerState>{static_cast<TimerState*>(data)}; }

}  // namespace

Timer::Timer(GMainContext* context, std::chrono::milliseconds delay, std::function<void()> fire)
    : Timer(context, delay, std::move(fire), false) {}

Timer Timer::repeating(GMainContext* context, std::chrono::milliseconds interval, std::function<void()> fire) {
  if (interval.count() == 0) throw std::invalid_argument("Timer::repeating: zero interval");
  return Timer(context, interval, std::move(fire), true);
}

Timer::Timer(GMainContext* context, std::chrono::milliseconds delay, std::function<void()> fire, bool repeat) {
  if (context == nullptr) throw std::invalid_argument("Timer: null GMainContext");
  if (delay.count() < 0) throw std::invalid_argument("Timer: negative delay");
  if (delay.count() > std::numeric_limits<guint>::max()) throw std::invalid_argument("Timer: delay too long");
  if (!fire) throw std::invalid_argument("Timer: empty callback");

  auto state = std::make_unique<TimerState>(TimerState{std::move(fire), repeat});
  source_.reset(g_timeout_source_new(static_cast<guint>(delay.count())));
  g_source_set_name(source_.get(), "parrot timer");
  g_source_set_callback(source_.get(), &fire_timer, state.release(), &delete_timer_state);
  g_source_attach(source_.get(), context);
}

bool Timer::pending() const noexcept { return source_ != nullptr && !g_source_is_destroyed(source_.get()); }

}  // namespace parrot::transport
