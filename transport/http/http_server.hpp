// A small HTTP server on a thread of its own (opt-in, --http-listen): it
// owns the listening socket and the threads that answer, and knows nothing
// of what it serves; bot/ registers GET routes (the report pages,
// /metrics, /healthz, /readyz). Only GET (and HEAD, answered like GET
// without a body) is accepted; any other method gets 405.
//
// Threads: handlers run on the server's own threads, several at once, never
// on the control loop; whatever they touch must be safe for that.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace parrot::transport {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Extra headers, e.g. a Content-Security-Policy.
  std::vector<std::pair<std::string, std::string>> headers;
};

class HttpServer final {
 public:
  // The path's capture groups (the whole path first), as std::regex matched
  // them against the route's pattern.
  using Handler = std::function<HttpResponse(const std::vector<std::string>& matches)>;

  // Binds `host`:`port` (0: any free port) at once, so a taken port is a
  // start-up error: throws std::runtime_error naming the address. Nothing
  // is answered before start().
  HttpServer(const std::string& host, std::uint16_t port);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // A GET route; `pattern` must match the whole path (ECMAScript regex).
  // Register every route before start(). A handler that throws gets a 500.
  void get(const std::string& pattern, Handler handler);
  void start();
  // Closes the socket and joins the threads; idempotent.
  void stop();

  std::uint16_t port() const noexcept { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
};

}  // namespace parrot::transport
