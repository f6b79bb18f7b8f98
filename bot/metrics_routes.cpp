#include "bot/metrics_routes.hpp"

namespace parrot::bot {
namespace {

// Longer than any control-loop task should take, short enough that a
// liveness probe restarts a wedged process within a minute.
constexpr auto kStalledAfter = std::chrono::seconds(10);

transport::HttpResponse plain(int status, std::string body) {
  transport::HttpResponse response;
  response.status = status;
  response.body = std::move(body) + "\n";
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

}  // namespace

void add_metrics_routes(transport::HttpServer& http, const BotMetrics& metrics) {
  http.get("/metrics", [&metrics](const std::vector<std::string>&) {
    transport::HttpResponse response = plain(200, "");
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = metrics.render();
    return response;
  });
  // Liveness: the stream is up and the control loop turns. No JID in the
  // body: the port may be reachable by more people than the operator.
  http.get("/healthz", [&metrics](const std::vector<std::string>&) {
    if (metrics.since_heartbeat() > kStalledAfter) return plain(503, "control loop stalled");
    if (!metrics.xmpp_connected()) return plain(503, "xmpp: disconnected, reconnecting");
    return plain(200, "ok");
  });
  // Readiness: would a new call be taken now.
  http.get("/readyz", [&metrics](const std::vector<std::string>&) {
    if (metrics.draining()) return plain(503, "draining");
    if (!metrics.xmpp_connected()) return plain(503, "xmpp: disconnected");
    if (metrics.calls_active() >= metrics.max_calls()) return plain(503, "at --max-calls");
    return plain(200, "ready");
  });
}

}  // namespace parrot::bot
