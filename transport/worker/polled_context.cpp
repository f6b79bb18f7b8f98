#include "transport/worker/polled_context.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>

#include "transport/unique_fd.hpp"
#include "transport/worker/callback_guard.hpp"

namespace parrot::transport {

// The shared epoll set of one worker context and the GSource that drains it.
// Owned by the GSource (deleted by its finalize), so a poller whose last
// user goes during its own dispatch lives until GLib has returned from it.
struct PolledContext::Poller {
  GMainContext* worker = nullptr;
  GSource* source = nullptr;  // our reference; destroyed with the last user
  UniqueFd epoll;
  std::size_t users = 0;
  // Who watches each descriptor, by number. A descriptor libnice closed
  // leaves epoll by itself, and its number may come back for another
  // agent's socket: the newer registration takes it over, and the older
  // owner, noticing later that it is gone, must not remove it.
  std::vector<PolledContext*> owners;

  static gboolean dispatch(GSource* source);

  PolledContext*& owner(int fd) {
    if (static_cast<std::size_t>(fd) >= owners.size()) owners.resize(static_cast<std::size_t>(fd) + 1, nullptr);
    return owners[static_cast<std::size_t>(fd)];
  }
};

namespace {

// GIOCondition and epoll share the poll(2) bit values for these; spelt out
// so nothing rests on it.
std::uint32_t to_epoll(gushort events) {
  std::uint32_t out = 0;
  if ((events & G_IO_IN) != 0) out |= EPOLLIN;
  if ((events & G_IO_PRI) != 0) out |= EPOLLPRI;
  if ((events & G_IO_OUT) != 0) out |= EPOLLOUT;
  return out;
}

unsigned from_epoll(std::uint32_t events) {
  unsigned out = 0;
  if ((events & EPOLLIN) != 0) out |= G_IO_IN;
  if ((events & EPOLLPRI) != 0) out |= G_IO_PRI;
  if ((events & EPOLLOUT) != 0) out |= G_IO_OUT;
  if ((events & EPOLLERR) != 0) out |= G_IO_ERR;
  if ((events & EPOLLHUP) != 0) out |= G_IO_HUP;
  return out;
}

struct PollerSource {
  GSource base;
  PolledContext::Poller* poller;
};

// Enough for a burst of calls per dispatch; more stay ready for the next
// iteration, so timers and posted tasks get their turn in between.
constexpr int kEventsPerDispatch = 128;

gboolean dispatch_poller(GSource* source, GSourceFunc, gpointer) {
  gboolean keep = G_SOURCE_CONTINUE;
  guard_callback("PolledContext", [&] { keep = PolledContext::Poller::dispatch(source); });
  return keep;
}
void finalize_poller(GSource* source) { delete reinterpret_cast<PollerSource*>(source)->poller; }

GSourceFuncs poller_funcs{nullptr, nullptr, &dispatch_poller, &finalize_poller, nullptr, nullptr};

std::vector<PolledContext::Poller*>& pollers() {
  thread_local std::vector<PolledContext::Poller*> table;
  return table;
}

}  // namespace

gboolean PolledContext::Poller::dispatch(GSource* source) {
  auto& poller = *reinterpret_cast<PollerSource*>(source)->poller;
  std::array<epoll_event, kEventsPerDispatch> events{};
  const int n = epoll_wait(poller.epoll.get(), events.data(), kEventsPerDispatch, 0);
  // One clock read for the batch: what re-arms each context's timeout.
  const auto now = WakeupTimer::Clock::now();
  for (int i = 0; i < n; ++i) {
    const epoll_event& event = events[static_cast<std::size_t>(i)];
    const auto fd = static_cast<std::size_t>(event.data.fd);
    // Looked up per event: a dispatch may stop another context watching.
    PolledContext* owner = fd < poller.owners.size() ? poller.owners[fd] : nullptr;
    if (owner != nullptr) owner->iterate(event.data.fd, from_epoll(event.events), now);
    if (g_source_is_destroyed(source)) break;  // its last user went
  }
  return G_SOURCE_CONTINUE;
}

PolledContext::PolledContext(GMainContext* worker)
    : context_(g_main_context_new()),
      timeout_(worker, [this](WakeupTimer::Clock::time_point now) { iterate(-1, 0, now); }) {
  auto& table = pollers();
  // Not one whose context was destroyed under it (see WakeupTimer's).
  const auto found =
      std::find_if(table.begin(), table.end(), [&](const Poller* p) { return p->worker == worker && !g_source_is_destroyed(p->source); });
  if (found != table.end()) {
    poller_ = *found;
  } else {
    UniqueFd epoll(epoll_create1(EPOLL_CLOEXEC));
    if (!epoll) throw std::runtime_error(std::string("PolledContext: epoll_create1: ") + std::strerror(errno));
    auto* poller = new Poller;
    poller->worker = worker;
    poller->epoll = std::move(epoll);
    poller->source = g_source_new(&poller_funcs, sizeof(PollerSource));
    reinterpret_cast<PollerSource*>(poller->source)->poller = poller;
    g_source_set_name(poller->source, "parrot polled contexts");
    g_source_add_unix_fd(poller->source, poller->epoll.get(), G_IO_IN);
    g_source_attach(poller->source, worker);
    table.push_back(poller);
    poller_ = poller;
  }
  ++poller_->users;
}

PolledContext::~PolledContext() {
  for (const auto& [fd, events] : watched_) {
    PolledContext*& owner = poller_->owner(fd);
    if (owner != this) continue;
    owner = nullptr;
    epoll_ctl(poller_->epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
  }
  if (--poller_->users > 0) return;
  std::erase(pollers(), poller_);
  GSource* source = std::exchange(poller_->source, nullptr);
  g_source_destroy(source);
  g_source_unref(source);  // finalize (and delete the poller) now, or after its dispatch returns
}

void PolledContext::watch_descriptors() { iterate(-1, 0, WakeupTimer::Clock::now()); }

void PolledContext::iterate(int fd, unsigned revents, WakeupTimer::Clock::time_point now) {
  GMainContext* context = context_.get();
  // Always ours: only this thread ever iterates the private context.
  if (iterating_ || !g_main_context_acquire(context)) return;
  iterating_ = true;
  gint n = 0;
  gint timeout_ms = -1;
  const auto look = [&] {
    gint max_priority = 0;
    g_main_context_prepare(context, &max_priority);
    n = g_main_context_query(context, max_priority, &timeout_ms, fds_.data(), static_cast<gint>(fds_.size()));
    if (static_cast<std::size_t>(n) > fds_.size()) {
      fds_.resize(static_cast<std::size_t>(n));
      n = g_main_context_query(context, max_priority, &timeout_ms, fds_.data(), n);
    }
    for (gint i = 0; i < n; ++i) {
      GPollFD& pollfd = fds_[static_cast<std::size_t>(i)];
      pollfd.revents = pollfd.fd == fd ? static_cast<gushort>(revents & (pollfd.events | G_IO_ERR | G_IO_HUP | G_IO_NVAL)) : 0;
    }
    fd = -1;  // reported once
    return max_priority;
  };
  // The iteration, then a second look: the dispatch may have added
  // sources (libnice arms its check timer when a check arrives), and what
  // is due now (a zero timeout) runs before the worker moves on.
  constexpr int kRounds = 3;
  for (int round = 0; round < kRounds; ++round) {
    const gint max_priority = look();
    if (round > 0 && timeout_ms != 0) break;
    if (g_main_context_check(context, max_priority, fds_.data(), n)) g_main_context_dispatch(context);
    if (round == kRounds - 1) look();
  }
  g_main_context_release(context);
  iterating_ = false;
  if (finished_) {
    delete this;
    return;
  }
  rewatch(n);
  // From the time the caller read, which may be a little behind: at worst
  // the timeout fires early, the context finds nothing due and re-arms.
  if (timeout_ms < 0) {
    timeout_.disarm();
  } else {
    timeout_.arm_at(now + std::chrono::milliseconds(timeout_ms));
  }
}

void PolledContext::run_until_finalized(std::unique_ptr<PolledContext> context, GObject* object) {
  g_object_weak_ref(
      object,
      [](gpointer data, GObject*) {
        auto* orphan = static_cast<PolledContext*>(data);
        // Finalized inside the orphan's own iteration (the close finished
        // on its timer): it deletes itself when that returns.
        if (orphan->iterating_) {
          orphan->finished_ = true;
        } else {
          delete orphan;
        }
      },
      context.release());
}

// Brings the epoll set in line with the query (a handful of descriptors: a
// socket or two per component and the context's own wake-up descriptor,
// which keeps a g_main_context_wakeup() on it from going unnoticed).
void PolledContext::rewatch(int n_fds) {
  const auto queried = std::span(fds_).first(static_cast<std::size_t>(n_fds));
  const int epoll = poller_->epoll.get();
  for (std::size_t i = 0; i < watched_.size();) {
    const int fd = watched_[i].first;
    if (std::any_of(queried.begin(), queried.end(), [&](const GPollFD& p) { return p.fd == fd; })) {
      ++i;
      continue;
    }
    PolledContext*& owner = poller_->owner(fd);
    if (owner == this) {
      owner = nullptr;
      epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nullptr);
    }
    watched_.erase(watched_.begin() + static_cast<std::ptrdiff_t>(i));
  }
  for (const GPollFD& pollfd : queried) {
    gushort events = 0;
    for (const GPollFD& same : queried)
      if (same.fd == pollfd.fd) events = static_cast<gushort>(events | same.events);
    const auto known = std::find_if(watched_.begin(), watched_.end(), [&](const auto& w) { return w.first == pollfd.fd; });
    PolledContext*& owner = poller_->owner(pollfd.fd);
    if (known != watched_.end() && known->second == events && owner == this) continue;
    epoll_event event{};
    event.events = to_epoll(events);
    event.data.fd = pollfd.fd;
    // ADD, or MOD when epoll still has the number (changed events, or a
    // registration this context takes over).
    if (epoll_ctl(epoll, EPOLL_CTL_ADD, pollfd.fd, &event) != 0 && errno == EEXIST)
      epoll_ctl(epoll, EPOLL_CTL_MOD, pollfd.fd, &event);
    owner = this;
    if (known != watched_.end()) {
      known->second = events;
    } else {
      watched_.emplace_back(pollfd.fd, events);
    }
  }
}

}  // namespace parrot::transport
