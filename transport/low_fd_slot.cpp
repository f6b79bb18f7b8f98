#include "transport/low_fd_slot.hpp"

#include <fcntl.h>
#include <sys/select.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace parrot::transport {
namespace {

int open_dev_null() { return ::open("/dev/null", O_RDWR | O_CLOEXEC); }

}  // namespace

std::optional<LowFdSlot> LowFdSlot::reserve(std::string& error) {
  UniqueFd fd(open_dev_null());
  if (!fd) {
    error = std::string("cannot open /dev/null: ") + std::strerror(errno);
    return std::nullopt;
  }
  if (fd.get() >= FD_SETSIZE) {
    error = "no descriptor below FD_SETSIZE is free for the XMPP socket";
    return std::nullopt;
  }
  return LowFdSlot(std::move(fd));
}

LowFdSlot::LowFdSlot(LowFdSlot&& other) noexcept
    : fd_(std::move(other.fd_)), holds_socket_(std::exchange(other.holds_socket_, false)) {}

bool LowFdSlot::adopt(int socket_fd, std::string& error) {
  const UniqueFd socket(socket_fd);  // closed on return: the slot keeps its dup
  // dup2 atomically replaces /dev/null (or a previous socket) on our number.
  if (::dup2(socket.get(), fd_.get()) < 0) {
    error = std::string("dup2: ") + std::strerror(errno);
    return false;
  }
  const int status = ::fcntl(fd_.get(), F_GETFL);
  if (status < 0 || ::fcntl(fd_.get(), F_SETFL, status & ~O_NONBLOCK) < 0 ||
      ::fcntl(fd_.get(), F_SETFD, FD_CLOEXEC) < 0) {
    error = std::string("fcntl: ") + std::strerror(errno);
    release();
    return false;
  }
  holds_socket_ = true;
  return true;
}

void LowFdSlot::release() noexcept {
  const UniqueFd null_fd(open_dev_null());
  if (null_fd) ::dup2(null_fd.get(), fd_.get());  // closes the socket and keeps the number reserved
  holds_socket_ = false;
}

}  // namespace parrot::transport
