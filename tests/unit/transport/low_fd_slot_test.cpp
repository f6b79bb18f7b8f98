#include "transport/low_fd_slot.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace parrot::transport {
namespace {

TEST(LowFdSlot, AdoptsASocketAndKeepsItsNumber) {
  std::string error;
  auto slot = LowFdSlot::reserve(error);
  ASSERT_TRUE(slot) << error;
  const int number = slot->fd();
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair), 0);
  ASSERT_TRUE(slot->adopt(UniqueFd(pair[0]), error)) << error;
  EXPECT_EQ(slot->fd(), number);
  EXPECT_TRUE(slot->holds_socket());
  EXPECT_EQ(::fcntl(number, F_GETFL) & O_NONBLOCK, 0);  // gloox's send loop needs a blocking socket
  EXPECT_NE(::fcntl(number, F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_EQ(::write(number, "x", 1), 1);
  char byte = 0;
  EXPECT_EQ(::read(pair[1], &byte, 1), 1);

  slot->release();
  EXPECT_FALSE(slot->holds_socket());
  struct stat info {};
  ASSERT_EQ(::fstat(number, &info), 0);  // still open, so nobody else takes the number
  EXPECT_TRUE(S_ISCHR(info.st_mode));
  EXPECT_EQ(::read(pair[1], &byte, 1), 0);  // and the socket is closed
  ::close(pair[1]);
}

}  // namespace
}  // namespace parrot::transport
