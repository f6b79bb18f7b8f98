// A file descriptor number below FD_SETSIZE, reserved at start for a socket
// that select()-based code must watch.
//
// gloox calls select()/FD_SET on its socket and Debian builds it with
// _FORTIFY_SOURCE, so a descriptor >= 1024 aborts the process ("bit out of
// range 0 - FD_SETSIZE"). Media sockets can push new descriptors past that,
// so the XMPP socket is dup2()ed onto this slot. Between connections the slot
// holds /dev/null, so no other socket can take the number.
#pragma once

#include <optional>
#include <string>

#include "transport/unique_fd.hpp"

namespace parrot::transport {

class LowFdSlot {
 public:
  // Opens /dev/null on the lowest free descriptor. Call early in main(),
  // before anything opens many descriptors. Empty if that descriptor is
  // already >= FD_SETSIZE (error says why).
  static std::optional<LowFdSlot> reserve(std::string& error);

  LowFdSlot(LowFdSlot&& other) noexcept;
  LowFdSlot& operator=(LowFdSlot&&) = delete;
  LowFdSlot(const LowFdSlot&) = delete;
  ~LowFdSlot() = default;

  int fd() const noexcept { return fd_.get(); }
  bool holds_socket() const noexcept { return holds_socket_; }

  // Moves `socket_fd` onto the slot (the original descriptor is closed) and
  // makes it blocking and close-on-exec, as gloox's send loop expects.
  bool adopt(int socket_fd, std::string& error);
  // Closes the socket by putting /dev/null back on the slot's number.
  void release() noexcept;

 private:
  explicit LowFdSlot(UniqueFd fd) noexcept : fd_(std::move(fd)) {}
  UniqueFd fd_;
  bool holds_socket_ = false;
};

}  // namespace parrot::transport
