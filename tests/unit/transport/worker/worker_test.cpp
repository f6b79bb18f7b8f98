#include "transport/worker/worker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "loop_helpers.hpp"
#include "transport/worker/callback_guard.hpp"

namespace parrot::transport {
namespace {

using test::iterate_until;
using test::ready_in_time;

TEST(Worker, TaskRunsOnTheWorkerThreadWithItsContextAsDefault) {
  Worker worker("test-worker");
  EXPECT_EQ(worker.name(), "test-worker");
  EXPECT_FALSE(worker.is_current());
  ASSERT_NE(worker.context(), nullptr);

  std::promise<std::pair<std::thread::id, bool>> seen;
  auto result = seen.get_future();
  worker.post([&] {
    seen.set_value({std::this_thread::get_id(),
                    worker.is_current() && g_main_context_get_thread_default() == worker.context()});
  });
  ASSERT_TRUE(ready_in_time(result));
  const auto [thread, on_worker] = result.get();
  EXPECT_NE(thread, std::this_thread::get_id());
  EXPECT_TRUE(on_worker);
}

TEST(Worker, ManyPostersKeepTheirOrderAndAllRunOnOneThread) {
  constexpr int kPosters = 4;
  constexpr int kTasksEach = 2000;
  Worker worker("order");
  // Touched only on the worker thread, read after stop() joined it.
  std::vector<std::vector<int>> seen(kPosters);
  std::set<std::thread::id> threads;
  bool all_current = true;

  std::vector<std::thread> posters;
  for (int p = 0; p < kPosters; ++p) {
    posters.emplace_back([&, p] {
      for (int i = 0; i < kTasksEach; ++i) {
        worker.post([&, p, i] {
          all_current = all_current && worker.is_current();
          threads.insert(std::this_thread::get_id());
          seen[static_cast<std::size_t>(p)].push_back(i);
        });
      }
    });
  }
  for (auto& t : posters) t.join();
  worker.stop();

  EXPECT_TRUE(all_current);
  ASSERT_EQ(threads.size(), 1U);
  EXPECT_NE(*threads.begin(), std::this_thread::get_id());
  for (std::size_t p = 0; p < seen.size(); ++p) {
    ASSERT_EQ(seen[p].size(), static_cast<std::size_t>(kTasksEach)) << "poster " << p;
    for (int i = 0; i < kTasksEach; ++i) ASSERT_EQ(seen[p][static_cast<std::size_t>(i)], i) << "poster " << p;
  }
  EXPECT_EQ(worker.dropped_tasks(), 0U);
}

TEST(Worker, TaskPostedFromTheWorkerRunsAfterTheCurrentOne) {
  Worker worker("self-post");
  std::vector<int> order;
  std::promise<void> done;
  worker.post([&] {
    worker.post([&] {
      order.push_back(2);
      done.set_value();
    });
    order.push_back(1);
  });
  auto future = done.get_future();
  ASSERT_TRUE(ready_in_time(future));
  worker.stop();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(Worker, StopDrainsTasksPostedBeforeItThenJoins) {
  constexpr int kQueued = 100;
  Worker worker("drain");
  std::promise<void> gate;
  std::shared_future<void> gate_open = gate.get_future().share();
  int ran = 0;  // worker-only until joined
  // Holds the worker inside a task, so the next ones are still queued (not
  // yet taken by the loop) when stop() begins.
  std::promise<void> holding;
  worker.post([gate_open, &holding] {
    holding.set_value();
    gate_open.wait();
  });
  auto held = holding.get_future();
  ASSERT_TRUE(ready_in_time(held));
  for (int i = 0; i < kQueued; ++i) worker.post([&ran] { ++ran; });

  std::thread stopper([&] { worker.stop(); });
  const auto deadline = std::chrono::steady_clock::now() + test::kDeadline;
  while (!worker.stopped() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_TRUE(worker.stopped());
  gate.set_value();
  stopper.join();

  EXPECT_EQ(ran, kQueued);
  EXPECT_EQ(worker.dropped_tasks(), 0U);
}

TEST(Worker, PostAfterStopIsDroppedCountedAndReleased) {
  Worker worker("late");
  worker.stop();
  worker.stop();  // idempotent
  EXPECT_TRUE(worker.stopped());

  auto capture = std::make_shared<int>(7);
  bool ran = false;
  worker.post([capture, &ran] { ran = true; });
  worker.post([capture, &ran] { ran = true; });
  EXPECT_FALSE(ran);
  EXPECT_EQ(worker.dropped_tasks(), 2U);
  EXPECT_EQ(capture.use_count(), 1) << "a dropped task must not keep its captures";
}

TEST(Worker, ThrowingTaskIsCountedAndTheLoopGoesOn) {
  Worker worker("throws");
  const auto failures_before = callback_failures();
  std::promise<void> after;
  worker.post([] { throw std::runtime_error("deliberate test failure"); });
  worker.post([&] { after.set_value(); });
  auto future = after.get_future();
  ASSERT_TRUE(ready_in_time(future));
  EXPECT_EQ(worker.failed_tasks(), 1U);
  EXPECT_EQ(callback_failures(), failures_before + 1);
}

TEST(Worker, RefusesMisuse) {
  Worker worker("misuse");
  EXPECT_THROW(worker.post({}), std::invalid_argument);
  std::promise<bool> threw;
  worker.post([&] {
    try {
      worker.stop();
      threw.set_value(false);
    } catch (const std::logic_error&) {
      threw.set_value(true);
    }
  });
  auto future = threw.get_future();
  ASSERT_TRUE(ready_in_time(future));
  EXPECT_TRUE(future.get()) << "stop() on the worker thread cannot join itself";
}

TEST(WorkerPin, CountsLoadAndReleasesOnDestructionAndMove) {
  Worker worker("pins");
  EXPECT_EQ(worker.load(), 0U);
  {
    Worker::Pin a = worker.pin();
    EXPECT_EQ(a.worker(), &worker);
    Worker::Pin b = worker.pin();
    EXPECT_EQ(worker.load(), 2U);
    Worker::Pin moved = std::move(a);
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): checking the moved-from state
    EXPECT_TRUE(moved);
    EXPECT_EQ(worker.load(), 2U);
    b = std::move(moved);  // b's own pin is released
    EXPECT_EQ(worker.load(), 1U);
  }
  EXPECT_EQ(worker.load(), 0U);
  Worker::Pin explicit_release = worker.pin();
  explicit_release.release();
  explicit_release.release();
  EXPECT_EQ(worker.load(), 0U);
}

TEST(PostToContext, RunsOnTheThreadThatIteratesTheContext) {
  auto context = test::new_context();
  Worker worker("post-back");
  std::thread::id ran_on;
  bool done = false;
  worker.post([&, ctx = context.get()] {
    post_to_context(ctx, [&] {
      ran_on = std::this_thread::get_id();
      done = true;
    });
  });
  ASSERT_TRUE(iterate_until(context.get(), [&] { return done; }));
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(PostToContext, KeepsOrderAndCatchesExceptions) {
  auto context = test::new_context();
  Worker worker("post-order");
  const auto failures_before = callback_failures();
  std::vector<int> order;
  worker.post([&, ctx = context.get()] {
    for (int i = 0; i < 50; ++i) {
      post_to_context(ctx, [&order, i] { order.push_back(i); });
      if (i == 10) post_to_context(ctx, [] { throw std::runtime_error("deliberate test failure"); });
    }
  });
  ASSERT_TRUE(iterate_until(context.get(), [&] { return order.size() == 50; }));
  for (std::size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], static_cast<int>(i));
  EXPECT_EQ(callback_failures(), failures_before + 1);
}

TEST(PostToContext, QueuedTaskIsFreedWithItsContext) {
  auto capture = std::make_shared<int>(1);
  {
    auto context = test::new_context();
    Worker worker("post-unrun");
    std::promise<void> posted;
    worker.post([&, ctx = context.get()] {
      post_to_context(ctx, [capture] {});
      posted.set_value();
    });
    auto future = posted.get_future();
    ASSERT_TRUE(ready_in_time(future));
    worker.stop();
    EXPECT_EQ(capture.use_count(), 2);
  }
  EXPECT_EQ(capture.use_count(), 1);
}

TEST(PostToContext, RefusesNullContextAndEmptyTask) {
  auto context = test::new_context();
  EXPECT_THROW(post_to_context(nullptr, [] {}), std::invalid_argument);
  EXPECT_THROW(post_to_context(context.get(), {}), std::invalid_argument);
}

}  // namespace
}  // namespace parrot::transport
