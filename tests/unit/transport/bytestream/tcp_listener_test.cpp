// TcpListener on real loopback sockets: ports from a range, a taken range,
// connections handed over (IPv4 into the dual-stack socket), and a
// listener destroyed from inside its own Accepted.
#include "transport/bytestream/tcp_listener.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "../worker/loop_helpers.hpp"
#include "tests/unit/loopback_socket.hpp"

namespace parrot::transport::bytestream {
namespace {

using parrot::test::connect_loopback;
using parrot::test::local_port;
using parrot::test::peer_port;

TEST(TcpListener, KernelPicksAPortWhenNoRangeIsGiven) {
  const auto listener = TcpListener::open(0, 0);
  EXPECT_NE(listener->port(), 0);
}

TEST(TcpListener, BindsInsideTheRangeAndFailsWhenItIsTaken) {
  // A port the kernel just handed out is free to use as a range of one
  // once its probe listener is gone.
  std::uint16_t port = 0;
  {
    const auto probe = TcpListener::open(0, 0);
    port = probe->port();
  }
  const auto first = TcpListener::open(port, port);
  EXPECT_EQ(first->port(), port);
  EXPECT_THROW(TcpListener::open(port, port), std::runtime_error);
}

TEST(TcpListener, RefusesSomethingThatIsNotARange) {
  EXPECT_THROW(TcpListener::open(2000, 1000), std::invalid_argument);
  EXPECT_THROW(TcpListener::open(0, 1000), std::invalid_argument);
}

TEST(TcpListener, HandsEachConnectionOverOnItsContext) {
  const auto context = test::new_context();
  const auto listener = TcpListener::open(0, 0);
  std::vector<UniqueFd> accepted;
  listener->start(context.get(), [&](UniqueFd fd) { accepted.push_back(std::move(fd)); });
  const int a = connect_loopback(listener->port());
  const int b = connect_loopback(listener->port());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  ASSERT_TRUE(test::iterate_until(context.get(), [&] { return accepted.size() == 2; }));
  // Each handed-over socket is the far end of one client: bytes go through.
  ASSERT_EQ(::send(a, "x", 1, 0), 1);
  const int peer_of_a = local_port(a) == peer_port(accepted[0].get()) ? accepted[0].get() : accepted[1].get();
  EXPECT_EQ(local_port(a), peer_port(peer_of_a));
  pollfd wait{peer_of_a, POLLIN, 0};
  ASSERT_EQ(::poll(&wait, 1, 10000), 1);
  char byte = 0;
  EXPECT_EQ(::recv(peer_of_a, &byte, 1, 0), 1);
  EXPECT_EQ(byte, 'x');
  ::close(a);
  ::close(b);
}

TEST(TcpListener, MayBeDestroyedFromItsOwnCallback) {
  const auto context = test::new_context();
  auto listener = TcpListener::open(0, 0);
  const std::uint16_t port = listener->port();
  UniqueFd taken;
  listener->start(context.get(), [&](UniqueFd fd) {
    taken = std::move(fd);
    listener.reset();
  });
  const int client = connect_loopback(port);
  ASSERT_GE(client, 0);
  ASSERT_TRUE(test::iterate_until(context.get(), [&] { return taken.valid(); }));
  EXPECT_EQ(listener, nullptr);
  // The port is closed: a new connection is refused.
  EXPECT_EQ(connect_loopback(port), -1);
  ::close(client);
}

TEST(TcpListener, LocalAddressesLeaveOutLoopbackAndLinkLocal) {
  for (const auto& address : local_addresses()) {
    EXPECT_NE(address.rfind("127.", 0), 0u) << address;
    EXPECT_NE(address, "::1");
    EXPECT_NE(address.rfind("fe80:", 0), 0u) << address;
    EXPECT_NE(address.rfind("169.254.", 0), 0u) << address;
  }
}

}  // namespace
}  // namespace parrot::transport::bytestream
