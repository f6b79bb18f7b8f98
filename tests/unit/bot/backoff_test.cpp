#include "bot/backoff.hpp"

#include <gtest/gtest.h>

namespace parrot::bot {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesWithJitterUpToTheCapAndResets) {
  Backoff backoff(milliseconds(1000), milliseconds(8000), 42);
  const long long ceilings[] = {1000, 2000, 4000, 8000, 8000, 8000};
  for (long long ceiling : ceilings) {
    const auto delay = backoff.next().count();
    EXPECT_GE(delay, ceiling / 2);
    EXPECT_LE(delay, ceiling);
  }
  backoff.reset();
  EXPECT_LE(backoff.next().count(), 1000);
}

}  // namespace
}  // namespace parrot::bot
