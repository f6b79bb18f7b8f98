#include "transport/bytestream/tcp_listener.hpp"

#include <arpa/inet.h>
#include <glib-unix.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace parrot::transport::bytestream {
namespace {

// Accepts per wake-up, so one flood of connections cannot hold the worker.
constexpr int kAcceptBurst = 16;
constexpr int kBacklog = 16;

// A dual-stack socket where the host has IPv6 (IPv4 peers arrive as
// ::ffff:a.b.c.d), else IPv4 only.
UniqueFd bind_port(std::uint16_t port, int& error) {
  UniqueFd socket(::socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const bool v6 = socket.valid();
  if (!v6) socket.reset(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!socket) {
    error = errno;
    return {};
  }
  const int fd = socket.get();
  const int on = 1;
  const int off = 0;
  // A port left in TIME_WAIT by the previous transfer is free to listen on.
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  int bound = -1;
  if (v6) {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_addr = in6addr_any;
    address.sin6_port = htons(port);
    bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  } else {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    address.sin_port = htons(port);
    bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  }
  if (bound != 0 || ::listen(fd, kBacklog) != 0) {
    error = errno;
    return {};
  }
  return socket;
}

std::uint16_t bound_port(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
}

}  // namespace

std::unique_ptr<TcpListener> TcpListener::open(std::uint16_t port_min, std::uint16_t port_max) {
  if ((port_min == 0) != (port_max == 0) || port_min > port_max) {
    throw std::invalid_argument("listener port range " + std::to_string(port_min) + "-" + std::to_string(port_max) +
                                " is not a range");
  }
  const std::uint32_t count = port_min == 0 ? 1 : std::uint32_t{port_max} - port_min + 1;
  const std::uint32_t first = count == 1 ? 0 : static_cast<std::uint32_t>(g_random_int_range(0, static_cast<gint32>(count)));
  int error = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto port = static_cast<std::uint16_t>(port_min == 0 ? 0 : port_min + (first + i) % count);
    UniqueFd fd = bind_port(port, error);
    if (!fd) {
      if (error == EADDRINUSE) continue;
      break;
    }
    const std::uint16_t bound = bound_port(fd.get());
    return std::unique_ptr<TcpListener>(new TcpListener(std::move(fd), bound));
  }
  if (error == EADDRINUSE) {
    throw std::runtime_error("no free TCP port in " + std::to_string(port_min) + "-" + std::to_string(port_max));
  }
  throw std::runtime_error(std::string("cannot listen: ") + std::strerror(error));
}

TcpListener::~TcpListener() {
  source_.reset();  // before the socket it watches closes
}

void TcpListener::start(GMainContext* context, Accepted accepted) {
  accepted_ = std::move(accepted);
  source_.reset(g_unix_fd_source_new(fd_.get(), G_IO_IN));
  g_source_set_name(source_.get(), "parrot s5b listener");
  g_source_set_callback(source_.get(), reinterpret_cast<GSourceFunc>(reinterpret_cast<void (*)()>(&on_readable)),
                        this, nullptr);
  g_source_attach(source_.get(), context);
}

gboolean TcpListener::on_readable(gint fd, GIOCondition, gpointer data) {
  auto* self = static_cast<TcpListener*>(data);
  for (int i = 0; i < kAcceptBurst; ++i) {
    const int connection = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    // EAGAIN: drained; anything else (ECONNABORTED, EMFILE) concerns one
    // connection, and the listener stays for the next.
    if (connection < 0) break;
    // Accepted may destroy the listener (the transfer got its connection);
    // a reference of our own keeps the source readable to find out.
    GSource* source = g_source_ref(self->source_.get());
    self->accepted_(connection);
    const bool destroyed = g_source_is_destroyed(source);
    g_source_unref(source);
    if (destroyed) return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

std::vector<std::string> local_addresses() {
  std::vector<std::string> addresses;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return addresses;
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || (entry->ifa_flags & IFF_UP) == 0 || (entry->ifa_flags & IFF_LOOPBACK) != 0) {
      continue;
    }
    char text[INET6_ADDRSTRLEN] = {};
    if (entry->ifa_addr->sa_family == AF_INET) {
      const auto& address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr)->sin_addr;
      const std::uint32_t host = ntohl(address.s_addr);
      if ((host >> 16) == 0xa9fe || (host >> 24) == 127) continue;  // 169.254/16, 127/8
      ::inet_ntop(AF_INET, &address, text, sizeof text);
    } else if (entry->ifa_addr->sa_family == AF_INET6) {
      const auto& address = reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr)->sin6_addr;
      if (IN6_IS_ADDR_LINKLOCAL(&address) || IN6_IS_ADDR_LOOPBACK(&address)) continue;
      ::inet_ntop(AF_INET6, &address, text, sizeof text);
    } else {
      continue;
    }
    addresses.emplace_back(text);
  }
  ::freeifaddrs(list);
  return addresses;
}

}  // namespace parrot::transport::bytestream
