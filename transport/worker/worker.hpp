// A media worker: one std::thread running its own GMainContext and GMainLoop.
// A call's NiceAgent, DTLS state, timers and echo engine are created, used
// and destroyed on one worker; other threads reach it only through post().
//
// Threads: every member may be called from any thread, stop() not from the
// worker itself. Tasks run on the worker, in the order of their post() calls,
// with context() pushed as the thread-default context (GIO and libnice attach
// there). Tear down what lives on the worker before stop().
#pragma once

#include <glib.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "transport/glib_ptr.hpp"
#include "transport/glib_ptr.hpp"

namespace parrot::transport {

class Worker {
 public:
  // Starts the thread; the loop is running when the constructor returns.
  explicit Worker(std::string name);
  ~Worker();  // stop()
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  Worker(Worker&&) = delete;
  Worker& operator=(Worker&&) = delete;

  // After stop() the task is dropped on the calling thread and counted. An
  // exception escaping a task is caught, logged and counted in failed_tasks().
  // Throws std::invalid_argument for an empty task.
  void post(std::function<void()> task);

  bool is_current() const noexcept;
  // For nice_agent_new_full() and GSources. Valid for the Worker's lifetime.
  GMainContext* context() const noexcept { return context_.get(); }
  const std::string& name() const noexcept { return name_; }

  // Idempotent. Runs every task posted before the call (drain), then quits the
  // loop and joins the thread. Throws std::logic_error on the worker thread.
  void stop();
  // True once stop() has begun: from then on post() drops.
  bool stopped() const noexcept;

  std::uint64_t dropped_tasks() const noexcept { return dropped_tasks_.load(std::memory_order_relaxed); }
  std::uint64_t failed_tasks() const noexcept { return failed_tasks_.load(std::memory_order_relaxed); }

  // Load accounting for WorkerPool's least-loaded pick: each call or transfer
  // holds one Pin for its life. A Pin must not outlive its Worker.
  class Pin {
   public:
    Pin() = default;
    ~Pin() { release(); }
    Pin(Pin&& other) noexcept : worker_(std::exchange(other.worker_, nullptr)) {}
    Pin& operator=(Pin&& other) noexcept;
    Pin(const Pin&) = delete;
    Pin& operator=(const Pin&) = delete;

    Worker* worker() const noexcept { return worker_; }
    explicit operator bool() const noexcept { return worker_ != nullptr; }
    void release() noexcept;

   private:
    friend class Worker;
    explicit Pin(Worker& worker) noexcept : worker_(&worker) {}
    Worker* worker_ = nullptr;
  };
  Pin pin() noexcept;
  std::size_t load() const noexcept { return load_.load(std::memory_order_relaxed); }

 private:
  struct TaskSource;

  void run(std::promise<void>& started);
  void dispatch_tasks();

  std::string name_;
  GMainContextPtr context_;
  GMainLoopPtr loop_;
  AttachedSourcePtr task_source_;

  std::mutex mutex_;  // guards tasks_ and stopping_
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::atomic<bool> tasks_ready_{false};  // lock-free hint read by the source's prepare/check
  std::atomic<bool> stopped_{false};

  std::atomic<std::uint64_t> dropped_tasks_{0};
  std::atomic<std::uint64_t> failed_tasks_{0};
  std::atomic<std::size_t> load_{0};

  std::mutex join_mutex_;  // serialises concurrent stop() calls
  std::thread thread_;
  std::thread::id thread_id_;  // written by the worker thread before the constructor returns
};

// Runs task on whichever thread iterates context (e.g. the control loop's
// g_main_context_default()) via g_main_context_invoke_full: at once if the
// caller owns context, else at its next iteration, in posting order. Escaping
// exceptions are counted in callback_failures(); a task still queued when
// context dies is destroyed unrun. Throws std::invalid_argument for a null
// context or an empty task.
void post_to_context(GMainContext* context, std::function<void()> task);

}  // namespace parrot::transport
