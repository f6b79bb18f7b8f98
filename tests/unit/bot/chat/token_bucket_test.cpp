#include "bot/chat/token_bucket.hpp"

#include <gtest/gtest.h>

namespace parrot::bot {
namespace {

using namespace std::chrono_literals;
using Verdict = SenderRateLimiter::Verdict;

TEST(TokenBucket, BurstThenRate) {
  const Clock::time_point t0{};
  TokenBucket bucket(2.0, 3.0, t0);
  EXPECT_TRUE(bucket.try_take(t0));
  EXPECT_TRUE(bucket.try_take(t0));
  EXPECT_TRUE(bucket.try_take(t0));
  EXPECT_FALSE(bucket.try_take(t0));
  EXPECT_FALSE(bucket.try_take(t0 + 400ms));  // 0.8 token
  EXPECT_TRUE(bucket.try_take(t0 + 500ms));   // 1.0 token
  EXPECT_FALSE(bucket.is_full(t0 + 500ms));
  EXPECT_TRUE(bucket.is_full(t0 + 2s));       // capped at the burst
}

TEST(SenderRateLimiter, OneNoticePerRunOfRefusals) {
  const Clock::time_point t0{};
  SenderRateLimiter limiter(1.0, 2.0);
  EXPECT_EQ(limiter.check("a@x", t0), Verdict::kAllow);
  EXPECT_EQ(limiter.check("a@x", t0), Verdict::kAllow);
  EXPECT_EQ(limiter.check("a@x", t0), Verdict::kRefuseWithNotice);
  EXPECT_EQ(limiter.check("a@x", t0), Verdict::kRefuseSilently);
  EXPECT_EQ(limiter.check("a@x", t0), Verdict::kRefuseSilently);
  EXPECT_EQ(limiter.check("b@x", t0), Verdict::kAllow);  // per sender
  EXPECT_EQ(limiter.check("a@x", t0 + 1s), Verdict::kAllow);
  EXPECT_EQ(limiter.check("a@x", t0 + 1s), Verdict::kRefuseWithNotice);  // a new run, a new notice
}

TEST(SenderRateLimiter, MemoryIsBounded) {
  const Clock::time_point t0{};
  SenderRateLimiter limiter(1.0, 1.0, 100);
  for (int i = 0; i < 1000; ++i) limiter.check("user" + std::to_string(i) + "@x", t0);
  EXPECT_LE(limiter.tracked_senders(), 100u);
  // Idle (refilled) senders are forgotten first, busy ones are kept.
  for (int i = 0; i < 50; ++i) limiter.check("busy" + std::to_string(i) + "@x", t0 + 10s);
  EXPECT_LE(limiter.tracked_senders(), 100u);
}

}  // namespace
}  // namespace parrot::bot
