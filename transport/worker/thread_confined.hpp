// Objects confined to one thread (the control loop's managers, a call's
// media on its worker) say so with a ThreadConfined member and check() at
// their entry points. The test build defines PARROT_THREAD_CHECKS, where a
// call from the wrong thread aborts with the place named; a release build
// pays nothing (the bot must not abort a live service over a check).
#pragma once

#include <thread>

#ifdef PARROT_THREAD_CHECKS
#include <cstdio>
#include <cstdlib>
#endif

namespace parrot::transport {

class ThreadConfined {
 public:
  ThreadConfined() noexcept : owner_(std::this_thread::get_id()) {}

  // For an object built on one thread and handed to another before first
  // use (a call's media is built on the control thread, then lives on its
  // worker): call on the new thread.
  void rebind() noexcept { owner_ = std::this_thread::get_id(); }

  bool on_owner_thread() const noexcept { return std::this_thread::get_id() == owner_; }

  void check([[maybe_unused]] const char* where) const noexcept {
#ifdef PARROT_THREAD_CHECKS
    if (!on_owner_thread()) {
      std::fprintf(stderr, "thread confinement broken: %s called off its owner thread\n", where);
      std::abort();
    }
#endif
  }

 private:
  std::thread::id owner_;
};

}  // namespace parrot::transport
