#include "transport/worker/wakeup_timer.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <utility>
#include <vector>

#include "transport/worker/callback_guard.hpp"

namespace parrot::transport {

// The context's deadline heap and the one GSource that fires it. The GSource
// owns the queue (deleted by its finalize), so a queue whose last timer goes
// away during its own dispatch lives until GLib has returned from it.
struct WakeupTimer::Queue {
  // The deadline sits in the heap entry itself: comparisons stay within
  // the heap's own memory instead of visiting every timer they pass.
  struct Entry {
    Clock::time_point due;
    WakeupTimer* timer;
  };
  GMainContext* context = nullptr;
  GSource* source = nullptr;  // our reference; destroyed with the last timer
  std::size_t users = 0;
  std::vector<Entry> heap;  // min-heap on due; each timer knows its slot
  bool dispatching = false;
  Clock::time_point dispatch_now{};
  WakeupTimer* firing = nullptr;
  Fire graveyard;  // the callback of a timer destroyed while it ran

  // Four children per node: half the depth of a binary heap, and the
  // children side by side in memory. Sifting moves entries into a hole and
  // writes the moved one last, so each level costs one write to a timer.
  static constexpr std::size_t kArity = 4;

  void place(std::size_t slot, const Entry& entry) noexcept {
    heap[slot] = entry;
    entry.timer->slot_ = slot;
  }
  void sift_up(std::size_t slot) noexcept {
    const Entry moving = heap[slot];
    while (slot > 0) {
      const std::size_t parent = (slot - 1) / kArity;
      if (!(moving.due < heap[parent].due)) break;
      place(slot, heap[parent]);
      slot = parent;
    }
    place(slot, moving);
  }
  void sift_down(std::size_t slot) noexcept {
    const Entry moving = heap[slot];
    for (;;) {
      const std::size_t first = kArity * slot + 1;
      if (first >= heap.size()) break;
      std::size_t least = first;
      for (std::size_t child = first + 1; child < std::min(first + kArity, heap.size()); ++child)
        if (heap[child].due < heap[least].due) least = child;
      if (!(heap[least].due < moving.due)) break;
      place(slot, heap[least]);
      slot = least;
    }
    place(slot, moving);
  }
  static gboolean prepare(GSource* source, gint* timeout_ms);
  static gboolean check(GSource* source);
  static gboolean dispatch(GSource* source, GSourceFunc, gpointer);

  void remove(WakeupTimer* timer) noexcept {
    const std::size_t slot = timer->slot_;
    timer->slot_ = kNotArmed;
    const Entry last = heap.back();
    heap.pop_back();
    if (last.timer == timer) return;
    place(slot, last);
    sift_up(slot);
    sift_down(last.timer->slot_);
  }
};

namespace {

struct QueueSource {
  GSource base;
  WakeupTimer::Queue* queue;
};

WakeupTimer::Queue& queue_of(GSource* source) { return *reinterpret_cast<QueueSource*>(source)->queue; }

// GLib's per-iteration time (g_get_monotonic_time, the same clock) for the
// poll timeout; check and dispatch read the clock themselves, once each.
}  // namespace

gboolean WakeupTimer::Queue::prepare(GSource* source, gint* timeout_ms) {
  const auto& queue = queue_of(source);
  *timeout_ms = -1;
  if (queue.heap.empty()) return FALSE;
  const WakeupTimer::Clock::time_point now{std::chrono::microseconds{g_source_get_time(source)}};
  const auto left = queue.heap.front().due - now;
  if (left <= WakeupTimer::Clock::duration::zero()) return TRUE;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  *timeout_ms = static_cast<gint>(std::min<std::int64_t>(ms, INT_MAX));
  return FALSE;
}

gboolean WakeupTimer::Queue::check(GSource* source) {
  const auto& queue = queue_of(source);
  return !queue.heap.empty() && queue.heap.front().due <= WakeupTimer::Clock::now();
}

gboolean WakeupTimer::Queue::dispatch(GSource* source, GSourceFunc, gpointer) {
  auto& queue = queue_of(source);
  const auto now = WakeupTimer::Clock::now();
  queue.dispatching = true;
  queue.dispatch_now = now;
  while (!queue.heap.empty() && queue.heap.front().due <= now) {
    WakeupTimer* timer = queue.heap.front().timer;
    queue.remove(timer);
    queue.firing = timer;
    guard_callback("WakeupTimer", [&] { timer->fire_(now); });
    queue.firing = nullptr;
    queue.graveyard = nullptr;
    if (g_source_is_destroyed(source)) break;  // its last timer went; the queue is finalized after us
  }
  queue.dispatching = false;
  return G_SOURCE_CONTINUE;
}

namespace {

void finalize_queue(GSource* source) { delete reinterpret_cast<QueueSource*>(source)->queue; }

GSourceFuncs queue_funcs{&WakeupTimer::Queue::prepare, &WakeupTimer::Queue::check, &WakeupTimer::Queue::dispatch, &finalize_queue,
                         nullptr, nullptr};

// Each timer lives on the thread iterating its context, so the queues are
// found per thread: one entry per context this thread runs (usually one).
std::vector<WakeupTimer::Queue*>& queues() {
  thread_local std::vector<WakeupTimer::Queue*> table;
  return table;
}

WakeupTimer::Queue* join_queue(GMainContext* context) {
  auto& table = queues();
  // A queue whose context was destroyed under it (a test's context going
  // first) is not reused, even when a new context gets the same address.
  const auto found = std::find_if(table.begin(), table.end(),
                                  [&](const auto* q) { return q->context == context && !g_source_is_destroyed(q->source); });
  if (found != table.end()) {
    ++(*found)->users;
    return *found;
  }
  auto* queue = new WakeupTimer::Queue;
  queue->context = context;
  queue->users = 1;
  queue->source = g_source_new(&queue_funcs, sizeof(QueueSource));
  reinterpret_cast<QueueSource*>(queue->source)->queue = queue;
  g_source_set_name(queue->source, "parrot wakeups");
  g_source_attach(queue->source, context);
  table.push_back(queue);
  return queue;
}

void leave_queue(WakeupTimer::Queue* queue) {
  if (--queue->users > 0) return;
  std::erase(queues(), queue);
  GSource* source = std::exchange(queue->source, nullptr);
  g_source_destroy(source);
  g_source_unref(source);  // finalize (and delete queue) now, or after its dispatch returns
}

}  // namespace

WakeupTimer::WakeupTimer(GMainContext* context, Fire fire) : fire_(std::move(fire)) {
  if (context == nullptr) throw std::invalid_argument("WakeupTimer: null GMainContext");
  if (!fire_) throw std::invalid_argument("WakeupTimer: empty callback");
  queue_ = join_queue(context);
}

WakeupTimer::~WakeupTimer() {
  disarm();
  // Destroyed from another timer's callback in the same dispatch is fine;
  // this one's own callback is still on the stack if it is firing.
  if (queue_->firing == this) {
    queue_->graveyard = std::move(fire_);
    queue_->firing = nullptr;
  }
  leave_queue(queue_);
}

void WakeupTimer::arm_at(Clock::time_point due) noexcept {
  // Re-armed for a time already past while the queue fires: the next
  // iteration, so a callback that keeps re-arming cannot hold the loop.
  if (queue_->dispatching && due <= queue_->dispatch_now) due = queue_->dispatch_now + Clock::duration{1};
  auto& heap = queue_->heap;
  if (slot_ == kNotArmed) {
    heap.push_back({due, this});  // grows to the number of timers once, then never allocates
    slot_ = heap.size() - 1;
  } else {
    heap[slot_].due = due;
  }
  queue_->sift_up(slot_);
  queue_->sift_down(slot_);
}

void WakeupTimer::arm_in(std::chrono::microseconds delay) noexcept { arm_at(Clock::now() + delay); }

void WakeupTimer::disarm() noexcept {
  if (slot_ != kNotArmed) queue_->remove(this);
}

}  // namespace parrot::transport
