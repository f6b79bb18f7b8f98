#include "transport/http/http_server.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <stdexcept>
#include <thread>

namespace parrot::transport {

namespace {

// Threads answering at once: the pages and scrapes are small, and the media
// workers need the cores. httplib keeps a thread on a kept-alive connection
// until it idles out, so four threads and a one-second keep-alive leave
// room for a health probe (kubelet's default timeout is 1 s) beside a
// Prometheus scraper and a browser.
constexpr std::size_t kAnsweringThreads = 4;
constexpr time_t kKeepAliveSeconds = 1;
// Nothing parrot serves takes a request body; a client that trickles its
// request is cut off rather than holding a thread.
constexpr std::size_t kMaxRequestBody = 0;
constexpr int kReadTimeoutSeconds = 5;
constexpr int kWriteTimeoutSeconds = 5;

void send(const HttpResponse& from, httplib::Response& to) {
  to.status = from.status;
  for (const auto& [name, value] : from.headers) to.set_header(name, value);
  to.set_content(from.body, from.content_type);
}

}  // namespace

struct HttpServer::Impl {
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> listen_returned{false};
  bool started = false;
  bool stopped = false;
};

HttpServer::HttpServer(const std::string& host, std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  auto& server = impl_->server;
  server.new_task_queue = [] { return new httplib::ThreadPool(kAnsweringThreads); };
  server.set_payload_max_length(kMaxRequestBody);
  // httplib's default adds SO_REUSEPORT, which would let a second parrot
  // bind the same port and silently take half the requests; SO_REUSEADDR
  // alone still allows a restart while old connections linger.
  server.set_socket_options([](socket_t socket) {
    const int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.set_read_timeout(kReadTimeoutSeconds, 0);
  server.set_write_timeout(kWriteTimeoutSeconds, 0);
  server.set_keep_alive_timeout(kKeepAliveSeconds);
  // Only GET and HEAD: anything else is refused before routing (RFC 9110
  // §15.5.6 asks for the Allow header with a 405).
  server.set_pre_routing_handler([](const httplib::Request& request, httplib::Response& response) {
    if (request.method == "GET" || request.method == "HEAD") return httplib::Server::HandlerResponse::Unhandled;
    response.status = 405;
    response.set_header("Allow", "GET, HEAD");
    response.set_content("only GET\n", "text/plain; charset=utf-8");
    return httplib::Server::HandlerResponse::Handled;
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
    response.status = 500;
    response.set_content("internal error\n", "text/plain; charset=utf-8");
  });
  if (port == 0) {
    const int bound = server.bind_to_any_port(host);
    if (bound <= 0) throw std::runtime_error("http: cannot listen on " + host + " (any port)");
    port_ = static_cast<std::uint16_t>(bound);
  } else {
    if (!server.bind_to_port(host, port))
      throw std::runtime_error("http: cannot listen on " + host + ":" + std::to_string(port));
    port_ = port;
  }
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::get(const std::string& pattern, Handler handler) {
  impl_->server.Get(pattern, [handler = std::move(handler)](const httplib::Request& request, httplib::Response& response) {
    std::vector<std::string> matches;
    for (const auto& match : request.matches) matches.push_back(match.str());
    send(handler(matches), response);
  });
}

void HttpServer::start() {
  if (impl_->started) return;
  impl_->started = true;
  impl_->thread = std::thread([impl = impl_.get()] {
    impl->server.listen_after_bind();
    impl->listen_returned = true;
  });
}

void HttpServer::stop() {
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  // httplib's stop() only acts once its loop runs: wait for that (or for
  // the loop to have given up) so the join below cannot hang.
  while (!impl_->server.is_running() && !impl_->listen_returned) std::this_thread::yield();
  impl_->server.stop();
  impl_->thread.join();
}

}  // namespace parrot::transport
