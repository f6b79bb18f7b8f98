// One STUN Binding request (RFC 5389 §7) from a socket of parrot's own to
// a STUN server: the address the server saw, or nothing after the
// retransmissions ran out. For the operator's start-up check that parrot
// is not behind an undeclared NAT; libnice cannot answer that, since it
// drops a server-reflexive candidate equal to a host one. Messages are
// built and checked with libnice's STUN library.
//
// Thread confinement: constructed, run and destroyed on the thread that
// iterates `context`; the callback runs there once, and may destroy the
// StunBinding.
#pragma once

#include <glib.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "transport/glib_ptr.hpp"

namespace parrot::transport {

struct MappedAddress {
  std::string ip;
  std::uint16_t port = 0;
};

class StunBinding {
 public:
  using Done = std::function<void(std::optional<MappedAddress>)>;

  // Sends from `local_ip` (empty: any address of the server's family, port
  // chosen by the kernel) to server_ip:server_port (IP literals). Throws
  // std::invalid_argument for a bad address, std::runtime_error when the
  // socket cannot be made.
  StunBinding(GMainContext* context, const std::string& local_ip, const std::string& server_ip,
              std::uint16_t server_port, Done done);
  ~StunBinding();
  StunBinding(const StunBinding&) = delete;
  StunBinding& operator=(const StunBinding&) = delete;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace parrot::transport
