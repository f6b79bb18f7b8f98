// One owner for a POSIX file descriptor: closed when the owner goes, handed
// on by move. The sockets parrot accepts, connects and hands to GLib use it so
// no error path has to remember ::close().
#pragma once

#include <unistd.h>

#include <utility>

namespace parrot::transport {

class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }

  // Gives the descriptor up (e.g. to a GSocket that now closes it).
  int release() noexcept { return std::exchange(fd_, -1); }
  // Closes the descriptor held, if any, and holds fd instead.
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0 && fd_ != fd) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace parrot::transport
