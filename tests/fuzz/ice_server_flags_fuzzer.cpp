// --stun and --turn values as typed: any bytes, never a crash; an accepted
// TURN server always has a host, a port and both credentials.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bot/ice_servers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string error;
  if (const auto turn = parrot::bot::parse_turn_server(text, error)) {
    if (turn->host.empty() || turn->port == 0 || turn->username.empty() || turn->password.empty()) std::abort();
    if (!parrot::bot::is_host(turn->host)) std::abort();
  } else if (error.empty()) {
    std::abort();
  }
  error.clear();
  if (const auto stun = parrot::bot::parse_stun_server(text, error)) {
    if (stun->host.empty() || stun->port == 0) std::abort();
  } else if (error.empty()) {
    std::abort();
  }
  return 0;
}
