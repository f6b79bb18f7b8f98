// How many video decoding windows may be open at once among the probes that
// share a budget (in parrot: the calls of one worker). A window decodes
// every frame for two seconds, 2.3 ms a frame at 1080p: a few open together
// take a fifth of a core, but calls that start together, or many calls on
// one worker, would otherwise stack them until the worker falls behind and
// every call on it loses packets. A refused window waits for a later key
// frame; the report counts its frames as not sampled, not as undecodable.
//
// Not thread-safe: the probes sharing one run on one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

namespace parrot::media::probes {

class DecodeBudget {
 public:
  explicit DecodeBudget(std::size_t windows) noexcept : free_(windows) {}
  DecodeBudget(const DecodeBudget&) = delete;
  DecodeBudget& operator=(const DecodeBudget&) = delete;

  // One open window; gives its place back when reset or destroyed. The
  // budget must outlive its leases.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept : budget_(std::exchange(other.budget_, nullptr)) {}
    Lease& operator=(Lease&& other) noexcept {
      if (this != &other) {
        reset();
        budget_ = std::exchange(other.budget_, nullptr);
      }
      return *this;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { reset(); }

    void reset() noexcept {
      if (budget_ != nullptr) ++std::exchange(budget_, nullptr)->free_;
    }
    explicit operator bool() const noexcept { return budget_ != nullptr; }

   private:
    friend class DecodeBudget;
    explicit Lease(DecodeBudget* budget) noexcept : budget_(budget) {}
    DecodeBudget* budget_ = nullptr;
  };

  // An empty lease (and a refusal counted) when every place is taken.
  Lease try_acquire() noexcept {
    if (free_ == 0) {
      ++refused_;
      return {};
    }
    --free_;
    return Lease(this);
  }
  std::size_t available() const noexcept { return free_; }
  std::uint64_t refused() const noexcept { return refused_; }

 private:
  std::size_t free_;
  std::uint64_t refused_ = 0;
};

}  // namespace parrot::media::probes
