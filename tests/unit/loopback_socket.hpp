// Real loopback peers for unit tests and benchmarks: blocking POSIX sockets
// on kernel-picked ports, never fixed ones. Failures come back as -1, false
// or "" for the test to assert on; no timeouts are set here (a peer that
// must give up sets SO_RCVTIMEO/SO_SNDTIMEO on its own sockets).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace parrot::test {

// One owned socket descriptor, closed on destruction or reset().
class Fd {
 public:
  explicit Fd(int fd = -1) noexcept : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const noexcept { return fd_; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// The port of an IPv4 or (dual-stack) IPv6 address.
inline std::uint16_t port_of(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
}

// The port a bound socket has; 0 when unknown.
inline std::uint16_t local_port(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  return ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0 ? port_of(address) : 0;
}

// The connected peer's port; 0 when unknown.
inline std::uint16_t peer_port(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  return ::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0 ? port_of(address) : 0;
}

// A listening TCP socket on a kernel-picked port of 127.0.0.1 (or the
// given IPv4 address); fd() is -1 and port() 0 when bind or listen failed.
class ListeningSocket {
 public:
  explicit ListeningSocket(in_addr_t address_host_order = INADDR_LOOPBACK)
      : socket_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(address_host_order);
    if (socket_.get() >= 0 && ::bind(socket_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
        ::listen(socket_.get(), 8) == 0) {
      port_ = local_port(socket_.get());
    }
    if (port_ == 0) socket_.reset();
  }

  int fd() const noexcept { return socket_.get(); }
  std::uint16_t port() const noexcept { return port_; }
  // Blocks for the next connection; the caller owns the result (-1 on error).
  int accept_one() const { return ::accept(socket_.get(), nullptr, nullptr); }

 private:
  Fd socket_;
  std::uint16_t port_ = 0;
};

// A loopback port nobody listens on: bound, then closed again.
inline std::uint16_t closed_port() { return ListeningSocket().port(); }

// A blocking client socket connected to 127.0.0.1:port, or -1.
inline int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// All `size` bytes sent, or false: MSG_NOSIGNAL makes a gone peer false, not SIGPIPE.
inline bool write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = ::send(fd, p, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Exactly `size` bytes, or "" when the peer closes or a timeout hits first.
inline std::string read_exact(int fd, std::size_t size) {
  std::string out(size, '\0');
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::recv(fd, out.data() + got, size - got, 0);
    if (n <= 0) return {};
    got += static_cast<std::size_t>(n);
  }
  return out;
}

// Blocks until the peer closes (or the socket fails), discarding what arrives.
inline void wait_for_close(int fd) {
  char byte = 0;
  while (::recv(fd, &byte, 1, 0) > 0) {
  }
}

}  // namespace parrot::test
