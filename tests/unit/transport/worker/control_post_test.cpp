#include "transport/worker/control_post.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "tests/unit/transport/worker/loop_helpers.hpp"

namespace parrot::transport {
namespace {

struct Owner {
  int runs = 0;
  std::thread::id ran_on;
  Liveness liveness;
};

TEST(ControlPost, RunsOnTheControlContextWhileTheOwnerLives) {
  const auto control = test::new_context();
  Owner owner;
  const ControlPost<Owner> post(control.get(), owner, owner.liveness);
  std::thread worker([&] {
    post([](Owner& o) {
      ++o.runs;
      o.ran_on = std::this_thread::get_id();
    });
  });
  worker.join();
  ASSERT_TRUE(test::iterate_until(control.get(), [&] { return owner.runs == 1; }));
  EXPECT_EQ(owner.ran_on, std::this_thread::get_id());
}

TEST(ControlPost, DropsTasksArrivingAfterTheOwnerEnded) {
  const auto control = test::new_context();
  auto owner = std::make_unique<Owner>();
  const ControlPost<Owner> post(control.get(), *owner, owner->liveness);
  std::atomic<int> reached{0};
  std::thread worker([&] { post([&](Owner&) { ++reached; }); });
  worker.join();
  owner->liveness.end();  // as the owner's destructor would, before the task runs
  bool marker = false;
  post_to_context(control.get(), [&] { marker = true; });  // queued after the task
  ASSERT_TRUE(test::iterate_until(control.get(), [&] { return marker; }));
  EXPECT_EQ(reached.load(), 0);
}

TEST(ControlPost, ADefaultPostDoesNothing) {
  const ControlPost<Owner> post;
  int runs = 0;
  post([&](Owner&) { ++runs; });
  EXPECT_EQ(runs, 0);
}

}  // namespace
}  // namespace parrot::transport
