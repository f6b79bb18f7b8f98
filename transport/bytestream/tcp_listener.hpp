// A listening TCP socket for parrot's own XEP-0260 direct candidates (a
// bot in a datacenter is often reachable where a phone's LAN addresses are
// not). It binds the wildcard address, dual-stack where the host has IPv6,
// at a free port of the operator's range so a firewall can open exactly
// that range. open() binds on the calling thread, so the port can go into
// session-accept at once; start() then watches the socket on the
// GMainContext that owns it from there on, and hands each accepted
// connection (non-blocking, close-on-exec) to Accepted on that thread.
// ByteStreamReader::accept() takes it from there.
#pragma once

#include <glib.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "transport/glib_ptr.hpp"
#include "transport/unique_fd.hpp"

namespace parrot::transport::bytestream {

class TcpListener {
 public:
  // Owns fd from here on.
  using Accepted = std::function<void(int fd)>;

  // A port of [port_min, port_max], tried from a random one on so that
  // transfers at once spread over the range; (0, 0) lets the kernel pick.
  // Throws std::runtime_error (no free port, no socket) or
  // std::invalid_argument (port_min > port_max, or only one bound 0).
  static std::unique_ptr<TcpListener> open(std::uint16_t port_min, std::uint16_t port_max);

  ~TcpListener();  // closes the socket; no Accepted after it
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
  TcpListener(TcpListener&&) = delete;
  TcpListener& operator=(TcpListener&&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  // Call once, on the thread that iterates context; destroy it there too.
  void start(GMainContext* context, Accepted accepted);

 private:
  TcpListener(UniqueFd fd, std::uint16_t port) : fd_(std::move(fd)), port_(port) {}
  static gboolean on_readable(gint fd, GIOCondition condition, gpointer data);

  UniqueFd fd_;
  std::uint16_t port_;
  AttachedSourcePtr source_;
  Accepted accepted_;
};

// The addresses a sender could reach parrot's listener on: every up
// interface's IPv4 and IPv6 address except loopback and link-local (a
// link-local candidate needs a scope no peer can know), in the system's
// order.
std::vector<std::string> local_addresses();

}  // namespace parrot::transport::bytestream
