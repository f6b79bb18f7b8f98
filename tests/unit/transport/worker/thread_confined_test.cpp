#include "transport/worker/thread_confined.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace parrot::transport {
namespace {

TEST(ThreadConfined, KnowsItsOwnerThread) {
  ThreadConfined confined;
  EXPECT_TRUE(confined.on_owner_thread());
  bool elsewhere = true;
  std::thread([&] { elsewhere = confined.on_owner_thread(); }).join();
  EXPECT_FALSE(elsewhere);
}

TEST(ThreadConfined, RebindMovesTheOwner) {
  ThreadConfined confined;
  bool there = false;
  std::thread([&] {
    confined.rebind();
    there = confined.on_owner_thread();
  }).join();
  EXPECT_TRUE(there);
  EXPECT_FALSE(confined.on_owner_thread());
}

#ifdef PARROT_THREAD_CHECKS
TEST(ThreadConfinedDeathTest, CheckAbortsOffTheOwnerThread) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ThreadConfined confined;
  EXPECT_DEATH(std::thread([&] { confined.check("Thing::method"); }).join(), "Thing::method called off its owner");
}
#endif

TEST(ThreadConfined, CheckPassesOnTheOwnerThread) {
  const ThreadConfined confined;
  confined.check("here");  // would abort in a checking build
  EXPECT_TRUE(confined.on_owner_thread());
}

}  // namespace
}  // namespace parrot::transport
