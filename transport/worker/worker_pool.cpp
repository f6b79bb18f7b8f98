#include "transport/worker/worker_pool.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace parrot::transport {

WorkerPool::WorkerPool(std::size_t count, const std::string& name_prefix) {
  if (count == 0) count = std::max(1U, std::thread::hardware_concurrency());
  workers_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    workers_.push_back(std::make_unique<Worker>(name_prefix + "-" + std::to_string(i)));
  }
}

WorkerPool::~WorkerPool() { stop(); }

Worker& WorkerPool::pick_locked() {
  // Scan from the round-robin cursor so equal loads rotate.
  std::size_t best = next_ % workers_.size();
  for (std::size_t step = 1; step < workers_.size(); ++step) {
    const std::size_t candidate = (next_ + step) % workers_.size();
    if (workers_[candidate]->load() < workers_[best]->load()) best = candidate;
  }
  next_ = best + 1;
  return *workers_[best];
}

Worker& WorkerPool::least_loaded() {
  const std::lock_guard lock(mutex_);
  return pick_locked();
}

Worker::Pin WorkerPool::pin_least_loaded() {
  const std::lock_guard lock(mutex_);
  return pick_locked().pin();
}

Worker& WorkerPool::at(std::size_t index) {
  if (index >= workers_.size()) throw std::out_of_range("WorkerPool::at: no worker " + std::to_string(index));
  return *workers_[index];
}

void WorkerPool::stop() {
  for (auto& worker : workers_) worker->stop();
}

}  // namespace parrot::transport
