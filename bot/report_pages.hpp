// The report pages' route (--http-listen): GET /reports/<token> looks the
// token up in the report store and renders the page (bot/report_page.hpp).
// The HTTP server's threads call it, never the control thread, so it keeps
// a store connection of its own (SQLite in WAL mode lets it read while the
// control thread writes; a PostgreSQL connection is not to be shared between
// threads), one request at a time.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "bot/store/report_store.hpp"
#include "transport/http/http_server.hpp"

namespace parrot::bot {

class ReportPages final {
 public:
  // `store`: a connection of the pages' own (open_store() again), used
  // only under the pages' mutex.
  explicit ReportPages(std::unique_ptr<ReportStore> store);

  // Registers GET /reports/<token> on `server`.
  void add_routes(transport::HttpServer& server);
  // The response for one token: the page, or 404 for a token that is not
  // (or no longer) in the store.
  transport::HttpResponse page(const std::string& token);

 private:
  std::mutex mutex_;  // the server answers on several threads
  std::unique_ptr<ReportStore> store_;
};

}  // namespace parrot::bot
