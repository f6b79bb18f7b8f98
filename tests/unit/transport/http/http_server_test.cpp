#include "transport/http/http_server.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "tests/unit/loopback_socket.hpp"

namespace parrot::transport {
namespace {

// One request over a real loopback connection; the whole response, read
// until the server closes (Connection: close).
std::string round_trip(std::uint16_t port, const std::string& request) {
  test::Fd fd(test::connect_loopback(port));
  if (fd.get() < 0) return "";
  timeval timeout{10, 0};  // a hung server fails the test instead of hanging it
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (!test::write_all(fd.get(), request.data(), request.size())) return "";
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd.get(), buffer, sizeof buffer, 0)) > 0;) response.append(buffer, static_cast<std::size_t>(n));
  return response;
}

std::string get(std::uint16_t port, const std::string& path, const std::string& method = "GET") {
  return round_trip(port, method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
}

TEST(HttpServerTest, AnswersARegisteredRouteWithItsCaptures) {
  HttpServer server("127.0.0.1", 0);
  ASSERT_NE(server.port(), 0);
  server.get("/pages/([a-z]+)", [](const std::vector<std::string>& matches) {
    HttpResponse response;
    response.body = "page " + matches.at(1);
    response.headers.emplace_back("X-Test", "yes");
    return response;
  });
  server.start();
  const std::string response = get(server.port(), "/pages/abc");
  EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0U) << response;
  EXPECT_NE(response.find("X-Test: yes"), std::string::npos) << response;
  EXPECT_NE(response.find("text/plain; charset=utf-8"), std::string::npos) << response;
  EXPECT_NE(response.find("\r\n\r\npage abc"), std::string::npos) << response;
}

TEST(HttpServerTest, OtherPathsAre404AndOtherMethods405) {
  HttpServer server("127.0.0.1", 0);
  server.get("/pages/([a-z]+)", [](const std::vector<std::string>&) { return HttpResponse{200, "text/plain", "x", {}}; });
  server.start();
  EXPECT_EQ(get(server.port(), "/pages/ABC").rfind("HTTP/1.1 404", 0), 0U);
  EXPECT_EQ(get(server.port(), "/pages/abc/more").rfind("HTTP/1.1 404", 0), 0U);
  EXPECT_EQ(get(server.port(), "/").rfind("HTTP/1.1 404", 0), 0U);
  const std::string post = round_trip(server.port(),
                                    "POST /pages/abc HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                                    "Content-Length: 3\r\n\r\nabc");
  EXPECT_EQ(post.rfind("HTTP/1.1 405", 0), 0U) << post;
  EXPECT_NE(post.find("Allow: GET, HEAD"), std::string::npos) << post;
  EXPECT_EQ(get(server.port(), "/pages/abc", "DELETE").rfind("HTTP/1.1 405", 0), 0U);
  // HEAD is GET without the body.
  const std::string head = get(server.port(), "/pages/abc", "HEAD");
  EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0U) << head;
  EXPECT_EQ(head.find("\r\n\r\nx"), std::string::npos) << head;
}

TEST(HttpServerTest, AThrowingHandlerIsA500AndTheServerGoesOn) {
  HttpServer server("127.0.0.1", 0);
  server.get("/boom", [](const std::vector<std::string>&) -> HttpResponse { throw std::runtime_error("boom"); });
  server.get("/ok", [](const std::vector<std::string>&) { return HttpResponse{200, "text/plain", "fine", {}}; });
  server.start();
  EXPECT_EQ(get(server.port(), "/boom").rfind("HTTP/1.1 500", 0), 0U);
  EXPECT_NE(get(server.port(), "/ok").find("fine"), std::string::npos);
}

TEST(HttpServerTest, ATakenPortIsAStartUpError) {
  test::ListeningSocket taken;
  EXPECT_THROW(HttpServer("127.0.0.1", taken.port()), std::runtime_error);
  // Nor may a second server share one (no SO_REUSEPORT).
  HttpServer first("127.0.0.1", 0);
  EXPECT_THROW(HttpServer("127.0.0.1", first.port()), std::runtime_error);
}

TEST(HttpServerTest, StopsAtOnceEvenRightAfterStartAndWithoutStart) {
  for (int i = 0; i < 20; ++i) {
    HttpServer server("127.0.0.1", 0);
    server.start();
    server.stop();
    server.stop();
  }
  HttpServer never_started("127.0.0.1", 0);
  EXPECT_NE(never_started.port(), 0);
}

}  // namespace
}  // namespace parrot::transport
