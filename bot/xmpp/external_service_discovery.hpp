// XEP-0215 on one XMPP connection: once online, ask the server for its
// external services (§3.1), ask for credentials of restricted TURN services
// that came without them (§3.3), and ask again before the credentials in use
// expire or when the server pushes a change (§3.2). Each time the usable set
// changes, `on_found` gets all of it; a new connection starts over, which
// also refreshes credentials after a reconnect. An error, silence or garbage
// from the server only costs a log line: calls keep the configured servers.
//
// Lives on the control thread inside an xmpp::Session and must be destroyed
// before the gloox client it was given.
#pragma once

#include <gloox/clientbase.h>
#include <gloox/iqhandler.h>
#include <glib.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bot/ice_servers.hpp"
#include "bot/xmpp/external_services.hpp"
#include "transport/worker/timer.hpp"

namespace parrot::bot::xmpp {

class ExternalServiceDiscovery final : gloox::IqHandler {
 public:
  // The STUN/TURN servers usable now (host names not yet resolved).
  using Found = std::function<void(std::vector<IceServer> servers)>;

  ExternalServiceDiscovery(gloox::ClientBase& client, std::string domain, Found on_found);
  ~ExternalServiceDiscovery() override;
  ExternalServiceDiscovery(const ExternalServiceDiscovery&) = delete;
  ExternalServiceDiscovery& operator=(const ExternalServiceDiscovery&) = delete;

  // Sends <services/> to the domain (again: replaces what an earlier answer gave).
  void query();

 private:
  // IQ contexts carry the query's generation, so an answer to a query
  // that a newer one replaced is recognised and dropped.
  enum Kind { kServices = 0, kCredentials = 1 };
  int context(Kind kind) const { return generation_ * 2 + kind; }

  // gloox::IqHandler
  bool handleIq(const gloox::IQ& iq) override;                // pushes (§3.2)
  void handleIqID(const gloox::IQ& iq, int context) override;  // our answers

  void on_services(const ExternalServicesParse& parse);
  void on_credentials(const gloox::IQ& iq, const ExternalService& requested);
  void publish();
  void forget();
  void schedule_refresh();

  gloox::ClientBase& client_;
  std::string domain_;
  Found on_found_;
  std::vector<ExternalService> usable_;  // with credentials where TURN needs them
  std::map<std::string, ExternalService> pending_credentials_;  // by IQ id, open §3.3 requests
  int generation_ = 0;
  transport::Timer refresh_timer_;  // on the control loop; cancelled with this object
};

}  // namespace parrot::bot::xmpp
