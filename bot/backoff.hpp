// Reconnect delays: exponential, capped, with jitter so that many bots
// dropped by one server restart do not return in lockstep.
#pragma once

#include <algorithm>
#include <chrono>
#include <random>

namespace parrot::bot {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds minimum, std::chrono::milliseconds maximum, unsigned seed = std::random_device{}())
      : minimum_(minimum), maximum_(std::max(minimum, maximum)), current_(minimum), random_(seed) {}

  // The next delay: uniformly in [d/2, d] where d doubles per call up to the
  // cap ("equal jitter"), so the wait never collapses to zero.
  std::chrono::milliseconds next() {
    const auto ceiling = current_;
    current_ = std::min(maximum_, current_ * 2);
    std::uniform_int_distribution<long long> pick(ceiling.count() / 2, ceiling.count());
    return std::chrono::milliseconds(pick(random_));
  }

  void reset() noexcept { current_ = minimum_; }

 private:
  std::chrono::milliseconds minimum_;
  std::chrono::milliseconds maximum_;
  std::chrono::milliseconds current_;
  std::mt19937 random_;
};

}  // namespace parrot::bot
