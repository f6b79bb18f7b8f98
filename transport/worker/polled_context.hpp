// PolledContext: a private GMainContext whose file descriptors the worker's
// context watches through one shared epoll source. When one of them is
// ready, the private context runs one iteration on the spot (prepare,
// query, check, dispatch, with the readiness epoll reported: no poll()).
//
// Why: libnice gives every socket of an agent its own GSource on the
// context passed to nice_agent_attach_recv(). On the worker's context that
// made GLib's prepare and check walk every call's socket source, and poll()
// hand the kernel every call's socket, on every iteration: the cost of an
// iteration grew with the calls, and the iterations with the packets. Given
// a PolledContext instead, an agent's sockets sit in a context only
// iterated when one of them is readable, and the worker polls one epoll
// descriptor however many calls it carries.
//
// Timeouts in the private context (libnice's check pacing, keepalives,
// TURN refreshes) fire through a WakeupTimer on the worker: after each
// iteration the private context's next timeout re-arms it. So a call adds
// no GSource at all to the worker's context.
//
// One PolledContext per user (an IceAgent): it owns its private context's
// reference and its registrations; the epoll descriptor and its GSource
// are shared by every PolledContext of a worker context and go with the
// last one.
//
// Threads: created, used and destroyed on the thread running `worker`.
#pragma once

#include <glib.h>

#include <glib-object.h>

#include <memory>
#include <utility>
#include <vector>

#include "transport/glib_ptr.hpp"
#include "transport/worker/wakeup_timer.hpp"

namespace parrot::transport {

class PolledContext {
 public:
  // Throws std::invalid_argument for a null worker context,
  // std::runtime_error when epoll cannot be created.
  explicit PolledContext(GMainContext* worker);
  // Stops watching (its descriptors leave the epoll set while they are still
  // open). The private context lives on while others hold references.
  ~PolledContext();
  PolledContext(const PolledContext&) = delete;
  PolledContext& operator=(const PolledContext&) = delete;

  // The private context, for nice_agent_attach_recv() and the like.
  GMainContext* get() const noexcept { return context_.get(); }
  // Re-reads the private context's descriptors and next timeout. Needed
  // after something attached or removed a source there outside its own
  // dispatch (libnice creates an agent's sockets in gathering, its check
  // timers when candidates arrive); a dispatch does it by itself.
  void watch_descriptors();
  // Keeps the private context running until `object` is finalized, then
  // frees it: for a libnice agent whose asynchronous close (TURN
  // deallocation) runs on its timers and sockets after its owner let go.
  static void run_until_finalized(std::unique_ptr<PolledContext> context, GObject* object);
  // Descriptors watched now (tests).
  std::size_t watched() const noexcept { return watched_.size(); }

  struct Poller;  // one per worker context (polled_context.cpp)

 private:
  friend struct Poller;
  // One iteration of the private context; `fd` is the descriptor epoll
  // reported with `revents` (GIOCondition bits), or -1 for none; `now` is
  // the caller's clock read, for re-arming the next timeout.
  void iterate(int fd, unsigned revents, WakeupTimer::Clock::time_point now);
  void rewatch(int n_fds);


  GMainContextPtr context_;
  Poller* poller_;
  std::vector<GPollFD> fds_;                    // the last query, reused
  std::vector<std::pair<int, gushort>> watched_;  // descriptor, events
  WakeupTimer timeout_;      // the private context's next timeout
  bool iterating_ = false;
  bool finished_ = false;    // orphaned and its object finalized: delete after this iteration
};

}  // namespace parrot::transport
