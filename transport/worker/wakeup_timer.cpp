#include "transport/worker/wakeup_timer.hpp"

#include <memory>
#include <stdexcept>

#include "transport/worker/callback_guard.hpp"

namespace parrot::transport {

namespace {

// A source with no file descriptor and no prepare/check: GLib dispatches it
// when its ready time passes. Dispatch disarms first, so the callback can
// re-arm it and a callback that does not leaves it idle.
gboolean dispatch_wakeup(GSource* source, GSourceFunc callback, gpointer data) {
  g_source_set_ready_time(source, -1);
  return callback != nullptr ? callback(data) : G_SOURCE_CONTINUE;
}

GSourceFuncs wakeup_funcs{nullptr, nullptr, &dispatch_wakeup, nullptr, nullptr, nullptr};

struct WakeupState {
  std::function<void()> fire;
};

gboolean fire_wakeup(gpointer data) {
  guard_callback("WakeupTimer", static_cast<WakeupState*>(data)->fire);
  return G_SOURCE_CONTINUE;
}

void delete_wakeup_state(gpointer data) { std::unique_ptr<WakeupState>{static_cast<WakeupState*>(data)}; }

}  // namespace

WakeupTimer::WakeupTimer(GMainContext* context, std::function<void()> fire) {
  if (context == nullptr) throw std::invalid_argument("WakeupTimer: null GMainContext");
  if (!fire) throw std::invalid_argument("WakeupTimer: empty callback");
  auto state = std::make_unique<WakeupState>(WakeupState{std::move(fire)});
  source_.reset(g_source_new(&wakeup_funcs, sizeof(GSource)));
  g_source_set_name(source_.get(), "parrot wakeup");
  g_source_set_ready_time(source_.get(), -1);
  g_source_set_callback(source_.get(), &fire_wakeup, state.release(), &delete_wakeup_state);
  g_source_attach(source_.get(), context);
}

void WakeupTimer::arm_in(std::chrono::microseconds delay) noexcept {
  // GLib compares ready times with its monotonic clock. Not
  // g_source_get_time(): outside an iteration its cached value can be stale.
  const gint64 now = g_get_monotonic_time();
  g_source_set_ready_time(source_.get(), delay.count() <= 0 ? 0 : now + delay.count());
}

void WakeupTimer::disarm() noexcept { g_source_set_ready_time(source_.get(), -1); }

bool WakeupTimer::armed() const noexcept { return g_source_get_ready_time(source_.get()) != -1; }

}  // namespace parrot::transport
