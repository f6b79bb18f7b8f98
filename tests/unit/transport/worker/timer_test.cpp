#include "transport/worker/timer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>
#include <stdexcept>
#include <thread>

#include "loop_helpers.hpp"
#include "transport/worker/callback_guard.hpp"
#include "transport/worker/worker.hpp"

namespace parrot::transport {
namespace {

using namespace std::chrono_literals;
using test::iterate_until;

TEST(Timer, OneShotFiresOnceOnItsContext) {
  auto context = test::new_context();
  int fired = 0;
  std::thread::id fired_on;
  Timer timer(context.get(), 5ms, [&] {
    ++fired;
    fired_on = std::this_thread::get_id();
  });
  EXPECT_TRUE(timer.pending());
  ASSERT_TRUE(iterate_until(context.get(), [&] { return fired > 0; }));
  EXPECT_FALSE(timer.pending());

  // A later timer on the same context bounds the wait for a second firing.
  bool later = false;
  Timer after(context.get(), 50ms, [&] { later = true; });
  ASSERT_TRUE(iterate_until(context.get(), [&] { return later; }));
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(fired_on, std::this_thread::get_id());
}

TEST(Timer, CancelAndDestructionPreventFiring) {
  auto context = test::new_context();
  bool cancelled_fired = false;
  bool destroyed_fired = false;
  Timer cancelled(context.get(), 0ms, [&] { cancelled_fired = true; });
  cancelled.cancel();
  cancelled.cancel();
  EXPECT_FALSE(cancelled.pending());
  { Timer destroyed(context.get(), 0ms, [&] { destroyed_fired = true; }); }

  bool later = false;
  Timer after(context.get(), 30ms, [&] { later = true; });
  ASSERT_TRUE(iterate_until(context.get(), [&] { return later; }));
  EXPECT_FALSE(cancelled_fired);
  EXPECT_FALSE(destroyed_fired);
}

TEST(Timer, MoveAssignmentCancelsTheReplacedTimer) {
  auto context = test::new_context();
  bool first = false;
  bool second = false;
  Timer timer(context.get(), 0ms, [&] { first = true; });
  timer = Timer(context.get(), 5ms, [&] { second = true; });
  ASSERT_TRUE(iterate_until(context.get(), [&] { return second; }));
  EXPECT_FALSE(first);
  EXPECT_FALSE(Timer{}.pending());
}

TEST(Timer, RepeatingFiresUntilItsCallbackDestroysIt) {
  auto context = test::new_context();
  int fired = 0;
  std::optional<Timer> timer;
  timer = Timer::repeating(context.get(), 2ms, [&] {
    if (++fired == 3) timer.reset();  // destroying itself from inside its callback
  });
  ASSERT_TRUE(iterate_until(context.get(), [&] { return !timer.has_value(); }));
  bool later = false;
  Timer after(context.get(), 30ms, [&] { later = true; });
  ASSERT_TRUE(iterate_until(context.get(), [&] { return later; }));
  EXPECT_EQ(fired, 3);
}

TEST(Timer, FiresOnTheWorkerThatOwnsIt) {
  Worker worker("timer-worker");
  std::optional<Timer> timer;  // created, fired and destroyed on the worker
  std::promise<bool> fired;
  worker.post([&] {
    timer.emplace(worker.context(), 5ms, [&] { fired.set_value(worker.is_current()); });
  });
  auto future = fired.get_future();
  ASSERT_TRUE(test::ready_in_time(future));
  EXPECT_TRUE(future.get());
  worker.post([&] { timer.reset(); });
  worker.stop();
  EXPECT_FALSE(timer.has_value());
}

TEST(Timer, ThrowingCallbackIsContained) {
  auto context = test::new_context();
  const auto failures_before = callback_failures();
  Timer timer(context.get(), 0ms, [] { throw std::runtime_error("deliberate test failure"); });
  ASSERT_TRUE(iterate_until(context.get(), [&] { return !timer.pending(); }));
  EXPECT_EQ(callback_failures(), failures_before + 1);
}

TEST(Timer, RefusesBadArguments) {
  auto context = test::new_context();
  EXPECT_THROW(Timer(nullptr, 1ms, [] {}), std::invalid_argument);
  EXPECT_THROW(Timer(context.get(), -1ms, [] {}), std::invalid_argument);
  EXPECT_THROW(Timer(context.get(), 1ms, {}), std::invalid_argument);
  EXPECT_THROW(Timer::repeating(context.get(), 0ms, [] {}), std::invalid_argument);
}

}  // namespace
}  // namespace parrot::transport
