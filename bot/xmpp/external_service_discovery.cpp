#include "bot/xmpp/external_service_discovery.hpp"

#include <gloox/error.h>
#include <gloox/iq.h>
#include <gloox/stanzaextension.h>

#include <spdlog/spdlog.h>

#include <memory>

namespace parrot::bot::xmpp {
namespace {

// gloox hands IQ handlers parsed extensions only, so the extdisco payloads
// are carried as a Tag copy to be read by parse_external_services().
class ExtdiscoPayload final : public gloox::StanzaExtension {
 public:
  static constexpr int kType = gloox::ExtUser + 3;
  explicit ExtdiscoPayload(const gloox::Tag* tag = nullptr)
      : StanzaExtension(kType), tag_(tag ? tag->clone() : nullptr) {}
  const std::string& filterString() const override {
    // <services/> and <credentials/>; parse_external_services() checks the name.
    static const std::string filter = std::string("/iq/*[@xmlns='") + kExtdiscoNamespace + "']";
    return filter;
  }
  gloox::StanzaExtension* newInstance(const gloox::Tag* tag) const override { return new ExtdiscoPayload(tag); }
  gloox::Tag* tag() const override { return tag_ ? tag_->clone() : nullptr; }
  gloox::StanzaExtension* clone() const override { return new ExtdiscoPayload(tag_.get()); }
  const gloox::Tag* payload() const { return tag_.get(); }

 private:
  std::unique_ptr<gloox::Tag> tag_;
};

std::string describe_error(const gloox::IQ& iq) {
  const gloox::Error* error = iq.error();
  if (error == nullptr) return "an error without a condition";
  switch (error->error()) {
    case gloox::StanzaErrorServiceUnavailable: return "service-unavailable";
    case gloox::StanzaErrorFeatureNotImplemented: return "feature-not-implemented";
    case gloox::StanzaErrorForbidden: return "forbidden";
    case gloox::StanzaErrorNotAuthorized: return "not-authorized";
    case gloox::StanzaErrorItemNotFound: return "item-not-found";
    case gloox::StanzaErrorRemoteServerTimeout: return "remote-server-timeout";
    case gloox::StanzaErrorInternalServerError: return "internal-server-error";
    case gloox::StanzaErrorBadRequest: return "bad-request";
    default: return "stanza error " + std::to_string(static_cast<int>(error->error()));
  }
}

}  // namespace

ExternalServiceDiscovery::ExternalServiceDiscovery(gloox::ClientBase& client, std::string domain, Found on_found)
    : client_(client), domain_(std::move(domain)), on_found_(std::move(on_found)) {
  client_.registerStanzaExtension(new ExtdiscoPayload());
  client_.registerIqHandler(this, ExtdiscoPayload::kType);
}

ExternalServiceDiscovery::~ExternalServiceDiscovery() {
  client_.removeIqHandler(this, ExtdiscoPayload::kType);
  client_.removeIDHandler(this);
  client_.removeStanzaExtension(ExtdiscoPayload::kType);
}

void ExternalServiceDiscovery::query() {
  ++generation_;
  pending_credentials_.clear();
  refresh_timer_.cancel();
  gloox::IQ iq(gloox::IQ::Get, gloox::JID(domain_), client_.getID());
  iq.addExtension(new ExtdiscoPayload(make_services_request().get()));
  spdlog::debug("xep-0215: asking {} for external services", domain_);
  client_.send(iq, this, context(kServices));
}

bool ExternalServiceDiscovery::handleIq(const gloox::IQ& iq) {
  // A push (§3.2) is an IQ set from the server itself; anything else in
  // this namespace addressed to parrot is not for it (gloox answers it).
  const auto* payload = iq.findExtension<ExtdiscoPayload>(ExtdiscoPayload::kType);
  const std::string from = iq.from().full();
  if (iq.subtype() != gloox::IQ::Set || payload == nullptr || (from != domain_ && !from.empty())) return false;
  gloox::IQ result(gloox::IQ::Result, iq.from(), iq.id());
  client_.send(result);
  spdlog::info("xep-0215: {} pushed a change of its external services; asking again", domain_);
  query();
  return true;
}

void ExternalServiceDiscovery::handleIqID(const gloox::IQ& iq, int context_value) {
  const bool current = context_value / 2 == generation_;
  const auto kind = static_cast<Kind>(context_value % 2);
  if (kind == kCredentials) {
    const auto request = pending_credentials_.find(iq.id());
    if (!current || request == pending_credentials_.end()) return;
    const ExternalService requested = request->second;
    pending_credentials_.erase(request);
    on_credentials(iq, requested);
    return;
  }
  if (!current) return;
  if (iq.subtype() == gloox::IQ::Error) {
    spdlog::warn("xep-0215: {} answered <services/> with {}; calls use the configured STUN/TURN servers only",
                 domain_, describe_error(iq));
    forget();
    return;
  }
  const auto* payload = iq.findExtension<ExtdiscoPayload>(ExtdiscoPayload::kType);
  if (payload == nullptr || payload->payload() == nullptr) {
    spdlog::warn("xep-0215: {} answered without a <services/> element; calls use the configured STUN/TURN servers only",
                 domain_);
    forget();
    return;
  }
  on_services(parse_external_services(*payload->payload()));
}

void ExternalServiceDiscovery::on_services(const ExternalServicesParse& parse) {
  for (const auto& why : parse.rejected) spdlog::warn("xep-0215: {} sent a bad service entry: {}", domain_, why);
  usable_.clear();
  const std::string origin = "XEP-0215 " + domain_;
  for (const auto& service : parse.services) {
    const auto mapping = to_ice_server(service, origin);
    if (mapping.server) {
      usable_.push_back(service);
    } else if (mapping.needs_credentials) {
      // §3.3: restricted and no credentials given: ask for them.
      const std::string id = client_.getID();
      gloox::IQ iq(gloox::IQ::Get, gloox::JID(domain_), id);
      iq.addExtension(new ExtdiscoPayload(make_credentials_request(service).get()));
      pending_credentials_.emplace(id, service);
      spdlog::info("xep-0215: {} {} is restricted; asking {} for credentials", service.type, service.host, domain_);
      client_.send(iq, this, context(kCredentials));
    } else {
      spdlog::info("xep-0215: skipping {} {}: {}", service.type, service.host, mapping.skipped);
    }
  }
  publish();
}

void ExternalServiceDiscovery::on_credentials(const gloox::IQ& iq, const ExternalService& requested) {
  if (iq.subtype() == gloox::IQ::Error) {
    spdlog::warn("xep-0215: {} refused credentials for {} {} ({}); not using it", domain_, requested.type,
                 requested.host, describe_error(iq));
    return;
  }
  const auto* payload = iq.findExtension<ExtdiscoPayload>(ExtdiscoPayload::kType);
  const auto parse = payload && payload->payload() ? parse_external_services(*payload->payload()) : ExternalServicesParse{};
  for (const auto& why : parse.rejected) spdlog::warn("xep-0215: {} sent bad credentials: {}", domain_, why);
  for (const auto& answer : parse.services) {
    // The answer names the service by host and type (and port if several);
    // what it leaves out comes from the entry the credentials were asked for.
    if (answer.host != requested.host || answer.type != requested.type || !answer.has_credentials()) continue;
    if (answer.port && requested.port && answer.port != requested.port) continue;
    ExternalService service = requested;
    service.username = answer.username;
    service.password = answer.password;
    if (answer.expires) service.expires = answer.expires;
    usable_.push_back(std::move(service));
    publish();
    return;
  }
  spdlog::warn("xep-0215: {} gave no usable credentials for {} {}; not using it", domain_, requested.type,
               requested.host);
}

// What an earlier answer (or connection) gave is no longer vouched for.
void ExternalServiceDiscovery::forget() {
  usable_.clear();
  on_found_({});
}

void ExternalServiceDiscovery::publish() {
  std::vector<IceServer> servers;
  std::string names;
  const std::string origin = "XEP-0215 " + domain_;
  for (const auto& service : usable_) {
    auto mapping = to_ice_server(service, origin);
    if (!mapping.server) continue;
    names += (names.empty() ? "" : ", ") + describe(*mapping.server);
    servers.push_back(std::move(*mapping.server));
  }
  if (servers.empty()) {
    spdlog::info("xep-0215: {} offers no STUN or TURN service parrot can use", domain_);
  } else {
    spdlog::info("xep-0215: {} offers {} STUN/TURN service(s): {}", domain_, servers.size(), names);
  }
  schedule_refresh();
  on_found_(std::move(servers));
}

void ExternalServiceDiscovery::schedule_refresh() {
  refresh_timer_.cancel();
  const auto delay = refresh_delay(std::chrono::system_clock::now(), usable_);
  if (!delay) return;
  spdlog::debug("xep-0215: credentials expire; asking {} again in {} s", domain_, delay->count());
  // query() cancels this timer from inside its own callback, which Timer allows.
  refresh_timer_ = transport::Timer(g_main_context_default(), *delay, [this] {
    spdlog::info("xep-0215: credentials from {} are due to expire; asking again", domain_);
    query();
  });
}

}  // namespace parrot::bot::xmpp
