// N media workers and the least-loaded pick that pins a call or transfer to
// one of them for life (Janus's static event loops, with load counted in
// Worker::Pin rather than in handles).
//
// Threads: any member from any thread. Release pins and tear down each
// worker's work before the pool stops.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "transport/worker/worker.hpp"

namespace parrot::transport {

class WorkerPool {
 public:
  // count 0 means std::thread::hardware_concurrency() (at least 1). Workers
  // are named "<name_prefix>-<index>".
  explicit WorkerPool(std::size_t count, const std::string& name_prefix = "media");
  ~WorkerPool();  // stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // The worker with the fewest pins; ties go round robin, so an idle pool
  // still spreads new calls.
  Worker& least_loaded();
  // least_loaded() and pin() as one step, so two concurrent picks cannot
  // both choose the same idle worker.
  Worker::Pin pin_least_loaded();

  std::size_t size() const noexcept { return workers_.size(); }
  // Throws std::out_of_range past size().
  Worker& at(std::size_t index);

  // Idempotent; each worker drains the tasks posted before, then joins.
  void stop();

 private:
  Worker& pick_locked();

  std::vector<std::unique_ptr<Worker>> workers_;
  std::mutex mutex_;  // guards next_
  std::size_t next_ = 0;
};

}  // namespace parrot::transport
