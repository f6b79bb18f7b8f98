// Non-blocking TCP connect on a GLib main context: DNS SRV lookup (RFC 2782)
// with fallback, then each target in order, each with a timeout. The control
// loop keeps running while a connection is being set up.
#pragma once

#include <gio/gio.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "transport/unique_fd.hpp"

namespace parrot::transport {

struct TcpConnectResult {
  UniqueFd fd;          // the connected socket; empty on failure
  std::string peer;     // "host:port" that answered, or the last one tried
  std::string error;    // why it failed, for the log
};

class TcpConnector {
 public:
  using Done = std::function<void(TcpConnectResult)>;

  TcpConnector(GMainContext* context, std::chrono::seconds per_target_timeout);
  ~TcpConnector();
  TcpConnector(const TcpConnector&) = delete;
  TcpConnector& operator=(const TcpConnector&) = delete;

  // Looks up _<service>._tcp.<domain>; when there is no such record, connects
  // to domain:fallback_port (RFC 6120 §3.2.2).
  void connect_service(const std::string& service, const std::string& domain, std::uint16_t fallback_port,
                       Done done);
  void connect_host(const std::string& host, std::uint16_t port, Done done);

  // Abandons the attempt in flight; its Done is never called.
  void cancel();

 private:
  struct Attempt;
  friend struct Attempt;

  GMainContext* context_;
  std::chrono::seconds timeout_;
  Attempt* attempt_ = nullptr;
};

}  // namespace parrot::transport
