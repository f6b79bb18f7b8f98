// Hostile XEP-0215 answers: arbitrary bytes through gloox's XML parser, and
// every element parsed as <services/>/<credentials/>. Nothing may crash; an
// accepted service always has a type and a valid host, a mapped STUN/TURN
// server a port, and TURN credentials when it is usable.
#include <gloox/parser.h>
#include <gloox/tag.h>
#include <gloox/taghandler.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bot/xmpp/external_services.hpp"

namespace {

namespace xmpp = parrot::bot::xmpp;

void check(const gloox::Tag& tag) {
  const auto parse = xmpp::parse_external_services(tag);
  if (!parse.valid && (!parse.services.empty() || !parse.rejected.empty())) std::abort();
  if (parse.services.size() > xmpp::kMaxServices) std::abort();
  for (const auto& service : parse.services) {
    if (service.type.empty() || !parrot::bot::is_host(service.host)) std::abort();
    const auto mapping = xmpp::to_ice_server(service, "fuzz");
    if (mapping.server) {
      if (mapping.server->port == 0 || mapping.server->host != service.host) std::abort();
      if (mapping.server->kind == parrot::bot::IceServerKind::kTurn &&
          (mapping.server->username.empty() || mapping.server->password.empty())) {
        std::abort();
      }
      (void)parrot::bot::describe(*mapping.server);
    } else if (!mapping.needs_credentials && mapping.skipped.empty()) {
      std::abort();  // every service is used, asked about, or skipped with a reason
    }
    (void)xmpp::make_credentials_request(service)->xml();
  }
  (void)xmpp::refresh_delay(xmpp::SystemTime{}, parse.services);
  for (const gloox::Tag* child : tag.children()) check(*child);
}

struct Checker : gloox::TagHandler {
  void handleTag(gloox::Tag* tag) override {
    if (tag) check(*tag);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;  // a stanza larger than a server would send
  Checker checker;
  gloox::Parser parser(&checker);
  std::string text(reinterpret_cast<const char*>(data), size);
  parser.feed(text);
  // The datetime parser alone, on the same bytes.
  (void)xmpp::parse_xep0082_datetime(text);
  return 0;
}
