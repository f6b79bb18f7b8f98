#include "transport/unique_fd.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <utility>

namespace parrot::transport {
namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

TEST(UniqueFd, ClosesWhatItOwns) {
  int raw = -1;
  {
    const UniqueFd fd(::open("/dev/null", O_RDONLY));
    ASSERT_TRUE(fd);
    raw = fd.get();
    EXPECT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFd, MoveHandsOwnershipOn) {
  UniqueFd first(::open("/dev/null", O_RDONLY));
  const int raw = first.get();
  UniqueFd second = std::move(first);
  EXPECT_FALSE(first.valid());  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(second.get(), raw);
  UniqueFd third(::open("/dev/null", O_RDONLY));
  const int replaced = third.get();
  third = std::move(second);
  EXPECT_FALSE(is_open(replaced));
  EXPECT_TRUE(is_open(raw));
}

TEST(UniqueFd, ReleaseGivesUpWithoutClosing) {
  UniqueFd fd(::open("/dev/null", O_RDONLY));
  const int raw = fd.release();
  EXPECT_FALSE(fd);
  EXPECT_TRUE(is_open(raw));
  ::close(raw);
}

TEST(UniqueFd, ResetClosesTheOldOne) {
  UniqueFd fd(::open("/dev/null", O_RDONLY));
  const int old = fd.get();
  fd.reset();
  EXPECT_FALSE(fd);
  EXPECT_FALSE(is_open(old));
}

}  // namespace
}  // namespace parrot::transport
