#include "transport/worker/wakeup_timer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <chrono>
#include <memory>
#include <vector>
#include <stdexcept>

#include "loop_helpers.hpp"

namespace parrot::transport {
namespace {

using namespace std::chrono_literals;
using test::iterate_for;
using test::iterate_until;

TEST(WakeupTimer, FiresOnceWhenArmedThenIdles) {
  auto context = test::new_context();
  int fired = 0;
  WakeupTimer wakeup(context.get(), [&](auto) { ++fired; });
  EXPECT_FALSE(wakeup.armed());
  wakeup.arm_in(2ms);
  EXPECT_TRUE(wakeup.armed());
  ASSERT_TRUE(iterate_until(context.get(), [&] { return fired == 1; }));
  EXPECT_FALSE(wakeup.armed());
  // Idle after firing: a 100 ms tick passes without a second call.
  bool later = false;
  const Timer after(context.get(), 100ms, [&] { later = true; });
  ASSERT_TRUE(iterate_until(context.get(), [&] { return later; }));
  EXPECT_EQ(fired, 1);
}

TEST(WakeupTimer, RearmingReplacesAndDisarmingCancels) {
  auto context = test::new_context();
  int fired = 0;
  WakeupTimer wakeup(context.get(), [&](auto) { ++fired; });
  wakeup.arm_in(10s);
  wakeup.arm_in(1ms);  // the later arming wins: fires soon, once
  ASSERT_TRUE(iterate_until(context.get(), [&] { return fired == 1; }));
  wakeup.arm_in(1ms);
  wakeup.disarm();
  bool later = false;
  const Timer after(context.get(), 50ms, [&] { later = true; });
  ASSERT_TRUE(iterate_until(context.get(), [&] { return later; }));
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(wakeup.armed());
}

TEST(WakeupTimer, CallbackMayRearmItselfAndPastDelaysFireAtOnce) {
  auto context = test::new_context();
  int fired = 0;
  WakeupTimer* self = nullptr;
  WakeupTimer wakeup(context.get(), [&](auto) {
    if (++fired < 5) self->arm_in(-1ms);  // already due: the next iteration
  });
  self = &wakeup;
  wakeup.arm_in(0us);
  ASSERT_TRUE(iterate_until(context.get(), [&] { return fired == 5; }));
  EXPECT_FALSE(wakeup.armed());
}

// Many timers share the context's one source and heap: they fire in the
// order of their deadlines, whatever the order they were armed and
// re-armed in, each with a time at or after its deadline.
TEST(WakeupTimer, ManyTimersFireInDeadlineOrder) {
  auto context = test::new_context();
  std::vector<int> order;
  std::vector<std::unique_ptr<WakeupTimer>> timers;
  std::vector<WakeupTimer::Clock::time_point> due(8);
  bool late = false;
  for (int i = 0; i < 8; ++i) {
    timers.push_back(std::make_unique<WakeupTimer>(context.get(), [&, i](WakeupTimer::Clock::time_point now) {
      order.push_back(i);
      late = late || now < due[static_cast<std::size_t>(i)];
    }));
  }
  const auto start = WakeupTimer::Clock::now();
  // Armed out of order, then two moved: 5 earlier, 0 later.
  const std::array<int, 8> delays_ms{3, 8, 1, 6, 2, 7, 4, 5};
  for (std::size_t i = 0; i < 8; ++i) {
    due[i] = start + std::chrono::milliseconds(delays_ms[i]) * 4;
    timers[i]->arm_at(due[i]);
  }
  due[5] = start + 1ms;
  timers[5]->arm_at(due[5]);
  due[0] = start + 60ms;
  timers[0]->arm_at(due[0]);
  ASSERT_TRUE(iterate_until(context.get(), [&] { return order.size() == 8; }));
  EXPECT_EQ(order, (std::vector<int>{5, 2, 4, 6, 7, 3, 1, 0}));
  EXPECT_FALSE(late);
}

// Hundreds of timers armed, re-armed and disarmed at random: exactly the
// armed ones fire, once each, in the order of their last deadlines.
TEST(WakeupTimer, RandomArmsRearmsAndDisarmsFireInDeadlineOrder) {
  auto context = test::new_context();
  constexpr std::size_t kTimers = 300;
  std::vector<WakeupTimer::Clock::time_point> due(kTimers);
  std::vector<bool> armed(kTimers, false);
  std::vector<std::size_t> fired;
  std::vector<std::unique_ptr<WakeupTimer>> timers;
  for (std::size_t i = 0; i < kTimers; ++i)
    timers.push_back(std::make_unique<WakeupTimer>(context.get(), [&, i](auto) { fired.push_back(i); }));
  std::uint32_t seed = 12345;
  const auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  const auto start = WakeupTimer::Clock::now() + 30ms;  // nothing due while arming
  for (int step = 0; step < 2000; ++step) {
    const std::size_t i = next() % kTimers;
    if (next() % 4 == 0) {
      timers[i]->disarm();
      armed[i] = false;
    } else {
      due[i] = start + std::chrono::microseconds(next() % 40'000);
      timers[i]->arm_at(due[i]);
      armed[i] = true;
    }
    EXPECT_EQ(timers[i]->armed(), armed[i]);
  }
  const auto expected = static_cast<std::size_t>(std::count(armed.begin(), armed.end(), true));
  ASSERT_TRUE(iterate_until(context.get(), [&] { return fired.size() >= expected; }));
  iterate_for(context.get(), 20ms);
  ASSERT_EQ(fired.size(), expected);
  for (std::size_t k = 0; k < fired.size(); ++k) {
    EXPECT_TRUE(armed[fired[k]]) << "timer " << fired[k] << " was disarmed";
    if (k > 0) {
      EXPECT_LE(due[fired[k - 1]], due[fired[k]]) << "out of order at " << k;
    }
  }
}

// A callback may disarm or destroy another timer, even one due in the same
// dispatch: it does not fire.
TEST(WakeupTimer, ACallbackMayDestroyAnotherTimerDueInTheSameDispatch) {
  auto context = test::new_context();
  int second_fired = 0;
  auto second = std::make_unique<WakeupTimer>(context.get(), [&](auto) { ++second_fired; });
  bool first_fired = false;
  WakeupTimer first(context.get(), [&](auto) {
    first_fired = true;
    second.reset();
  });
  const auto at = WakeupTimer::Clock::now();
  first.arm_at(at);
  second->arm_at(at + 1us);
  ASSERT_TRUE(iterate_until(context.get(), [&] { return first_fired; }));
  iterate_for(context.get(), 20ms);
  EXPECT_EQ(second_fired, 0);
}

TEST(WakeupTimer, RefusesANullContextOrCallback) {
  auto context = test::new_context();
  EXPECT_THROW(WakeupTimer(nullptr, [](auto) {}), std::invalid_argument);
  EXPECT_THROW(WakeupTimer(context.get(), {}), std::invalid_argument);
}

}  // namespace
}  // namespace parrot::transport
