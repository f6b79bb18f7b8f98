#include "transport/worker/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace parrot::transport {
namespace {

TEST(WorkerPool, ZeroMeansOnePerCore) {
  WorkerPool pool(0);
  EXPECT_EQ(pool.size(), std::max(1U, std::thread::hardware_concurrency()));
}

TEST(WorkerPool, WorkersAreNamedAndDistinct) {
  WorkerPool pool(3, "media");
  EXPECT_EQ(pool.at(0).name(), "media-0");
  EXPECT_EQ(pool.at(2).name(), "media-2");
  EXPECT_NE(pool.at(0).context(), pool.at(1).context());
  EXPECT_THROW(pool.at(3), std::out_of_range);
}

TEST(WorkerPool, IdlePoolRoundRobins) {
  WorkerPool pool(3);
  std::set<Worker*> picked;
  for (int i = 0; i < 3; ++i) picked.insert(&pool.least_loaded());
  EXPECT_EQ(picked.size(), 3U);
}

TEST(WorkerPool, PicksTheLeastPinnedAndPinsReleaseOnDestruction) {
  WorkerPool pool(3);
  {
    auto a0 = pool.at(0).pin();
    auto a1 = pool.at(0).pin();
    auto b0 = pool.at(1).pin();
    EXPECT_EQ(&pool.least_loaded(), &pool.at(2));
    EXPECT_EQ(&pool.least_loaded(), &pool.at(2)) << "load, not rotation, decides while loads differ";
    auto c0 = pool.at(2).pin();
    auto c1 = pool.at(2).pin();
    EXPECT_EQ(&pool.least_loaded(), &pool.at(1));
  }
  for (std::size_t i = 0; i < pool.size(); ++i) EXPECT_EQ(pool.at(i).load(), 0U);
}

TEST(WorkerPool, PinLeastLoadedSpreadsPins) {
  WorkerPool pool(2);
  std::vector<Worker::Pin> pins;
  for (int i = 0; i < 6; ++i) pins.push_back(pool.pin_least_loaded());
  EXPECT_EQ(pool.at(0).load(), 3U);
  EXPECT_EQ(pool.at(1).load(), 3U);
  pins.clear();
  EXPECT_EQ(pool.at(0).load() + pool.at(1).load(), 0U);
}

TEST(WorkerPool, ConcurrentPinsBalance) {
  WorkerPool pool(2);
  std::vector<std::vector<Worker::Pin>> held(4);
  std::vector<std::thread> pickers;
  for (auto& mine : held) {
    pickers.emplace_back([&pool, &mine] {
      for (int i = 0; i < 50; ++i) mine.push_back(pool.pin_least_loaded());
    });
  }
  for (auto& t : pickers) t.join();
  EXPECT_EQ(pool.at(0).load(), 100U);
  EXPECT_EQ(pool.at(1).load(), 100U);
}

TEST(WorkerPool, DestroyingABusyPoolDrainsEveryWorker) {
  constexpr int kTasksPerWorker = 5000;
  std::atomic<int> ran{0};
  {
    WorkerPool pool(3);
    for (int i = 0; i < kTasksPerWorker; ++i) {
      for (std::size_t w = 0; w < pool.size(); ++w) {
        Worker& worker = pool.at(w);
        // Each task re-posts onto the same worker until the pool stops,
        // so the loops are busy when the destructor runs.
        worker.post([&ran, &worker] {
          ran.fetch_add(1, std::memory_order_relaxed);
          worker.post([] {});
        });
      }
    }
  }
  EXPECT_EQ(ran.load(), 3 * kTasksPerWorker);
}

TEST(WorkerPool, StopIsIdempotentAndDropsLaterPosts) {
  WorkerPool pool(2);
  pool.stop();
  pool.stop();
  pool.at(1).post([] {});
  EXPECT_EQ(pool.at(1).dropped_tasks(), 1U);
}

}  // namespace
}  // namespace parrot::transport
