// Results from a worker thread back to their owner on the control thread,
// when the owner may be gone by the time they arrive (a call ended, a
// manager shut down). The owner keeps a Liveness; worker-side objects keep a
// ControlPost, which never touches the owner off the control thread: the
// liveness flag is read and the task run there, after the post.
#pragma once

#include <glib.h>

#include <functional>
#include <memory>
#include <utility>

#include "transport/worker/worker.hpp"

namespace parrot::transport {

// Owned by the control-thread object. Ends when destroyed or by end(); both
// on the control thread, so a posted task sees the flag it would race with
// only there.
class Liveness {
 public:
  Liveness() = default;
  Liveness(const Liveness&) = delete;
  Liveness& operator=(const Liveness&) = delete;
  ~Liveness() { end(); }

  void end() noexcept { *alive_ = false; }
  bool alive() const noexcept { return *alive_; }
  std::weak_ptr<const bool> watch() const noexcept { return alive_; }

 private:
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

template <typename Owner>
class ControlPost {
 public:
  ControlPost() = default;  // posts nothing until assigned
  ControlPost(GMainContext* control, Owner& owner, const Liveness& liveness)
      : control_(control), owner_(&owner), alive_(liveness.watch()) {}

  // Any thread. task runs on the control context, in posting order, and only
  // if the owner is still alive there; otherwise it is dropped unrun.
  void operator()(std::function<void(Owner&)> task) const {
    if (control_ == nullptr) return;
    post_to_context(control_, [alive = alive_, owner = owner_, task = std::move(task)] {
      if (const auto live = alive.lock(); live && *live) task(*owner);
    });
  }

 private:
  GMainContext* control_ = nullptr;
  Owner* owner_ = nullptr;
  std::weak_ptr<const bool> alive_;
};

}  // namespace parrot::transport
