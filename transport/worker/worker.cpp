#include "transport/worker/worker.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <bit>
#include <memory>
#include <stdexcept>

#include "transport/worker/callback_guard.hpp"

namespace parrot::transport {

namespace {

std::atomic<std::uint64_t> g_callback_failures{0};

// A closure handed to another thread through GLib. GLib's context lock is a
// bare futex that ThreadSanitizer cannot see; the release/acquire pair on
// `published` states the hand-off in terms it can check (one uncontended
// atomic per post).
struct ContextTask {
  explicit ContextTask(std::function<void()> body) : run(std::move(body)) {}
  std::function<void()> run;
  std::atomic<bool> published{false};
};

gboolean run_context_task(gpointer data) {
  auto* task = static_cast<ContextTask*>(data);
  if (task->published.load(std::memory_order_acquire)) guard_callback("post_to_context", task->run);
  return G_SOURCE_REMOVE;
}

void delete_context_task(gpointer data) {
  std::unique_ptr<ContextTask> task{static_cast<ContextTask*>(data)};
  task->published.load(std::memory_order_acquire);
}

gboolean signal_started(gpointer data) {
  static_cast<std::promise<void>*>(data)->set_value();
  return G_SOURCE_REMOVE;
}

}  // namespace

std::uint64_t callback_failures() noexcept { return g_callback_failures.load(std::memory_order_relaxed); }

void detail::report_callback_failure(std::string_view where, const char* what) noexcept {
  const std::uint64_t n = g_callback_failures.fetch_add(1, std::memory_order_relaxed) + 1;
  // The first ten, then every power of two: a looping bug cannot flood the log.
  if (n > 10 && !std::has_single_bit(n)) return;
  try {
    spdlog::error("transport: exception escaped a callback in {}: {} ({} so far)", where, what, n);
  } catch (...) {
    return;
  }
}

// The worker's task queue as a GSource: ready whenever post() or stop() set
// tasks_ready_; g_main_context_wakeup() interrupts a poll in progress.
struct Worker::TaskSource {
  GSource base;
  Worker* worker;

  static gboolean prepare(GSource* source, gint* timeout_ms) {
    *timeout_ms = -1;
    return check(source);
  }
  static gboolean check(GSource* source) {
    return reinterpret_cast<TaskSource*>(source)->worker->tasks_ready_.load(std::memory_order_acquire);
  }
  static gboolean dispatch(GSource* source, GSourceFunc, gpointer) {
    Worker* worker = reinterpret_cast<TaskSource*>(source)->worker;
    guard_callback("worker task source", [worker] { worker->dispatch_tasks(); });
    return G_SOURCE_CONTINUE;
  }
  static GSourceFuncs funcs;
};

GSourceFuncs Worker::TaskSource::funcs{&prepare, &check, &dispatch, nullptr, nullptr, nullptr};

Worker::Worker(std::string name)
    : name_(std::move(name)),
      context_(g_main_context_new()),
      loop_(g_main_loop_new(context_.get(), FALSE)),
      task_source_(g_source_new(&TaskSource::funcs, sizeof(TaskSource))) {
  reinterpret_cast<TaskSource*>(task_source_.get())->worker = this;
  g_source_set_name(task_source_.get(), "parrot worker tasks");
  g_source_attach(task_source_.get(), context_.get());

  std::promise<void> started;
  std::future<void> running = started.get_future();
  thread_ = std::thread([this, started = std::move(started)]() mutable { run(started); });
  running.get();
}

Worker::~Worker() { stop(); }

void Worker::run(std::promise<void>& started) {
  // Linux limits thread names to 15 bytes; the name is for ps/gdb only.
  pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
  g_main_context_push_thread_default(context_.get());
  thread_id_ = std::this_thread::get_id();

  // Fulfilled from inside g_main_loop_run(), so the constructor returns only
  // once the loop is really dispatching.
  const SourceRefPtr idle{g_idle_source_new()};
  g_source_set_callback(idle.get(), &signal_started, &started, nullptr);
  g_source_attach(idle.get(), context_.get());

  g_main_loop_run(loop_.get());

  // Detached here so the queue's source never dispatches on another thread.
  task_source_.reset();
  g_main_context_pop_thread_default(context_.get());
}

void Worker::post(std::function<void()> task) {
  if (!task) throw std::invalid_argument("Worker::post: empty task");
  std::function<void()> dropped;  // destroyed after the lock is released
  bool wake = false;
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) {
      dropped = std::move(task);
    } else {
      tasks_.push_back(std::move(task));
      // Only the post that makes the queue non-empty has to wake the loop;
      // later ones find the source already ready.
      wake = !tasks_ready_.exchange(true, std::memory_order_acq_rel);
    }
  }
  if (dropped) {
    dropped_tasks_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (wake) g_main_context_wakeup(context_.get());
}

void Worker::dispatch_tasks() {
  std::deque<std::function<void()>> batch;
  bool quit = false;
  {
    const std::lock_guard lock(mutex_);
    batch.swap(tasks_);
    tasks_ready_.store(false, std::memory_order_release);
    quit = stopping_;
  }
  for (auto& task : batch) {
    if (!guard_callback(name_, task)) failed_tasks_.fetch_add(1, std::memory_order_relaxed);
    // Captures are released here, on the worker, in posting order.
    task = nullptr;
  }
  // stopping_ was already set when this batch was taken and post() refuses
  // everything since, so the batch held every task posted before stop().
  if (quit) g_main_loop_quit(loop_.get());
}

bool Worker::is_current() const noexcept { return std::this_thread::get_id() == thread_id_; }

bool Worker::stopped() const noexcept { return stopped_.load(std::memory_order_acquire); }

void Worker::stop() {
  if (is_current()) throw std::logic_error("Worker::stop called on the worker's own thread: " + name_);
  const std::lock_guard join_lock(join_mutex_);
  {
    const std::lock_guard lock(mutex_);
    if (!stopping_) {
      stopping_ = true;
      stopped_.store(true, std::memory_order_release);
      tasks_ready_.store(true, std::memory_order_release);
    }
  }
  g_main_context_wakeup(context_.get());
  if (thread_.joinable()) thread_.join();
}

Worker::Pin& Worker::Pin::operator=(Pin&& other) noexcept {
  if (this != &other) {
    release();
    worker_ = std::exchange(other.worker_, nullptr);
  }
  return *this;
}

void Worker::Pin::release() noexcept {
  if (worker_ != nullptr) std::exchange(worker_, nullptr)->load_.fetch_sub(1, std::memory_order_relaxed);
}

Worker::Pin Worker::pin() noexcept {
  load_.fetch_add(1, std::memory_order_relaxed);
  return Pin{*this};
}

void post_to_context(GMainContext* context, std::function<void()> task) {
  if (context == nullptr) throw std::invalid_argument("post_to_context: null GMainContext");
  if (!task) throw std::invalid_argument("post_to_context: empty task");
  // GLib owns the closure from here: delete_context_task runs once the task
  // has run, or when the context is destroyed with the task still queued.
  auto closure = std::make_unique<ContextTask>(std::move(task));
  closure->published.store(true, std::memory_order_release);
  g_main_context_invoke_full(context, G_PRIORITY_DEFAULT, &run_context_task, closure.release(), &delete_context_task);
}

}  // namespace parrot::transport
