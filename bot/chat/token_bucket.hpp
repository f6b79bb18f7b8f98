// Per-sender echo budget: a token bucket (rate, burst) per bare JID, with the
// time passed in so tests run without a clock.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace parrot::bot {

using Clock = std::chrono::steady_clock;

class TokenBucket {
 public:
  TokenBucket(double tokens_per_second, double burst, Clock::time_point now) noexcept
      : rate_(tokens_per_second), burst_(burst), tokens_(burst), updated_(now) {}

  bool try_take(Clock::time_point now) noexcept {
    refill(now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }
  // True when the bucket has refilled completely, so forgetting it changes nothing.
  bool is_full(Clock::time_point now) const noexcept {
    const std::chrono::duration<double> elapsed = now - updated_;
    return tokens_ + std::max(0.0, elapsed.count()) * rate_ >= burst_;
  }

 private:
  void refill(Clock::time_point now) noexcept {
    const std::chrono::duration<double> elapsed = now - updated_;
    if (elapsed.count() > 0) tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
    updated_ = std::max(updated_, now);
  }

  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point updated_;
};

class SenderRateLimiter {
 public:
  enum class Verdict { kAllow, kRefuseWithNotice, kRefuseSilently };

  SenderRateLimiter(double tokens_per_second, double burst, std::size_t max_tracked_senders = 100'000)
      : rate_(tokens_per_second), burst_(std::max(1.0, burst)), max_tracked_(max_tracked_senders) {}

  // One message from `sender`. The first refusal after a run of allowed
  // messages asks for a notice; further refusals are silent, so a flood gets
  // exactly one answer.
  Verdict check(const std::string& sender, Clock::time_point now) {
    State& state = state_for(sender, now);
    if (state.bucket.try_take(now)) {
      state.noticed = false;
      return Verdict::kAllow;
    }
    if (state.noticed) return Verdict::kRefuseSilently;
    state.noticed = true;
    return Verdict::kRefuseWithNotice;
  }

  // One token for `sender`, without the notice bookkeeping of check(): for
  // callers that queue what they cannot answer yet (ChatEcho's pacing).
  bool try_take(const std::string& sender, Clock::time_point now) { return state_for(sender, now).bucket.try_take(now); }

  double rate() const noexcept { return rate_; }
  std::size_t tracked_senders() const noexcept { return senders_.size(); }

 private:
  struct State {
    TokenBucket bucket;
    bool noticed;
  };

  State& state_for(const std::string& sender, Clock::time_point now) {
    auto it = senders_.find(sender);
    if (it == senders_.end()) {
      if (senders_.size() >= max_tracked_) forget_idle(now);
      it = senders_.emplace(sender, State{TokenBucket(rate_, burst_, now), false}).first;
    }
    return it->second;
  }

  // Buckets that are full again carry no information; drop them. If every
  // sender is busy (a flood of new JIDs), start over rather than grow.
  void forget_idle(Clock::time_point now) {
    std::erase_if(senders_, [now](const auto& entry) { return entry.second.bucket.is_full(now); });
    if (senders_.size() >= max_tracked_) senders_.clear();
  }

  double rate_;
  double burst_;
  std::size_t max_tracked_;
  std::unordered_map<std::string, State> senders_;
};

}  // namespace parrot::bot
