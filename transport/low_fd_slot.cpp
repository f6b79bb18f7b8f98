#include "transport/low_fd_slot.hpp"

#include <fcntl.h>
#include <sys/select.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace parrot::transport {
namespace {

int open_dev_null() { return ::open("/dev/null", O_RDWR | O_CLOEXEC); }

}  // namespace

std::optional<LowFdSlot> LowFdSlot::reserve(std::string& error) {
  const int fd = open_dev_null();
  if (fd < 0) {
    error = std::string("cannot open /dev/null: ") + std::strerror(errno);
    return std::nullopt;
  }
  if (fd >= FD_SETSIZE) {
    ::close(fd);
    error = "no descriptor below FD_SETSIZE is free for the XMPP socket";
    return std::nullopt;
  }
  return LowFdSlot(fd);
}

LowFdSlot::LowFdSlot(LowFdSlot&& other) noexcept : fd_(other.fd_), holds_socket_(other.holds_socket_) {
  other.fd_ = -1;
  other.holds_socket_ = false;
}

LowFdSlot::~LowFdSlot() {
  if (fd_ >= 0) ::close(fd_);
}

bool LowFdSlot::adopt(int socket_fd, std::string& error) {
  // dup2 atomically replaces /dev/null (or a previous socket) on our number.
  if (::dup2(socket_fd, fd_) < 0) {
    error = std::string("dup2: ") + std::strerror(errno);
    ::close(socket_fd);
    return false;
  }
  ::close(socket_fd);
  const int status = ::fcntl(fd_, F_GETFL);
  if (status < 0 || ::fcntl(fd_, F_SETFL, status & ~O_NONBLOCK) < 0 || ::fcntl(fd_, F_SETFD, FD_CLOEXEC) < 0) {
    error = std::string("fcntl: ") + std::strerror(errno);
    release();
    return false;
  }
  holds_socket_ = true;
  return true;
}

void LowFdSlot::release() noexcept {
  const int null_fd = open_dev_null();
  if (null_fd >= 0) {
    ::dup2(null_fd, fd_);  // closes the socket and keeps the number reserved
    ::close(null_fd);
  }
  holds_socket_ = false;
}

}  // namespace parrot::transport
