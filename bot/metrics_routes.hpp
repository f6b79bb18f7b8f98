// /metrics, /healthz and /readyz on the --http-listen server. The handlers
// run on the server's threads and read only BotMetrics' atomics, so a
// wedged control loop still gets an answer (and /healthz says so).
#pragma once

#include "bot/metrics.hpp"
#include "transport/http/http_server.hpp"

namespace parrot::bot {

// `metrics` must outlive the server's last request (App stops it first).
void add_metrics_routes(transport::HttpServer& http, const BotMetrics& metrics);

}  // namespace parrot::bot
