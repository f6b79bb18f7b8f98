// --server HOST[:PORT] as typed by a user: any bytes, never a crash, and an
// accepted value always has a host and a port in range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bot/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string host;
  std::uint16_t port = 5222;
  if (parrot::bot::split_host_port(std::string(reinterpret_cast<const char*>(data), size), host, port)) {
    if (host.empty() || port == 0) std::abort();
  }
  return 0;
}
