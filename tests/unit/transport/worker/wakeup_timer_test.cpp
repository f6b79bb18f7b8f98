#include "transport/worker/wakeup_timer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

#include "loop_helpers.hpp"

namespace parrot::transport {
namespace {

using namespace std::chrono_literals;
using test::iterate_until;

TEST(WakeupTimer, FiresOnceWhenArmedThenIdles) {
  auto context = test::new_context();
  int fired = 0;
  WakeupTimer wakeup(context.get(), [&] { ++fired; });
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
  WakeupTimer wakeup(context.get(), [&] { ++fired; });
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
  WakeupTimer wakeup(context.get(), [&] {
    if (++fired < 5) self->arm_in(-1ms);  // already due: the next iteration
  });
  self = &wakeup;
  wakeup.arm_in(0us);
  ASSERT_TRUE(iterate_until(context.get(), [&] { return fired == 5; }));
  EXPECT_FALSE(wakeup.armed());
}

TEST(WakeupTimer, RefusesANullContextOrCallback) {
  auto context = test::new_context();
  EXPECT_THROW(WakeupTimer(nullptr, [] {}), std::invalid_argument);
  EXPECT_THROW(WakeupTimer(context.get(), {}), std::invalid_argument);
}

}  // namespace
}  // namespace parrot::transport
