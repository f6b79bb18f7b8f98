// Hostile stanzas to a component: arbitrary bytes through gloox's XML
// parser, then whatever parses goes through the component's own presence
// handling (subscriptions, probes) and its addressing (which JID it is to
// each contact). Nothing may crash, every answer must come from a JID of
// the component's domain, and every stanza stamped afterwards must carry a
// `from` of that domain too (ejabberd ends the stream otherwise).
#include <gloox/jid.h>
#include <gloox/parser.h>
#include <gloox/taghandler.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>

#include "bot/xmpp/component_addressing.hpp"
#include "bot/xmpp/component_presence.hpp"

namespace {

constexpr const char* kDomain = "echo.example.org";

class Book final : public parrot::bot::ContactBook {
 public:
  bool add_subscriber(const std::string& self, const std::string& peer) override {
    if (entries_.size() < 1000) entries_.insert({self, peer});
    return true;
  }
  bool remove_subscriber(const std::string& self, const std::string& peer) override {
    entries_.erase({self, peer});
    return true;
  }
  bool is_subscriber(const std::string& self, const std::string& peer) override {
    return entries_.contains({self, peer});
  }
  std::vector<parrot::bot::Subscriber> subscribers() override { return {}; }
  std::size_t subscriber_count() override { return entries_.size(); }

 private:
  std::set<std::pair<std::string, std::string>> entries_;
};

// The domain part as written, without stringprep: parrot answers from the
// `to` the server routed to it, byte for byte, and a server routes only
// JIDs it has validated, so a localpart that fails nodeprep here (the
// fuzzer's invalid UTF-8) is no fault of parrot's; a missing `from` or one
// of another domain is.
bool of_domain(const std::string& jid) {
  std::string domain = jid.substr(0, jid.find('/'));
  if (const auto at = domain.find('@'); at != std::string::npos) {
    if (at == 0) return false;
    domain.erase(0, at + 1);
  }
  for (auto& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return domain == kDomain;
}

struct Collector : gloox::TagHandler {
  void handleTag(gloox::Tag* tag) override {
    if (!tag) return;
    addressing->on_incoming(*tag);
    if (tag->name() == "presence" && gloox::JID(tag->findAttribute("to")).server() == kDomain) {
      for (auto& answer : presence->on_presence(*tag)) {
        if (!of_domain(answer->findAttribute("from"))) std::abort();
        (void)answer->xml();
      }
    }
    // An answer parrot might send to this sender: stamped from the domain.
    auto reply = std::make_unique<gloox::Tag>(tag->name().empty() ? std::string("iq") : tag->name());
    reply->addAttribute("to", tag->findAttribute("from"));
    reply->addAttribute("id", tag->findAttribute("id"));
    reply->addAttribute("type", "result");
    addressing->stamp(*reply);
    if (!of_domain(reply->findAttribute("from"))) std::abort();
    (void)addressing->self_for(*tag);
  }
  parrot::bot::xmpp::ComponentAddressing* addressing = nullptr;
  parrot::bot::xmpp::ComponentPresence* presence = nullptr;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Book book;
  static parrot::bot::xmpp::ComponentAddressing addressing(kDomain, "parrot");
  static std::set<std::string> welcomed;
  static parrot::bot::xmpp::ComponentPresence presence(
      "parrot", "status", "welcome", &book,
      {[](const std::string& peer) { return peer.size() % 2 == 0; },
       [](const std::string& peer) { return welcomed.size() < 1000 && welcomed.insert(peer).second; }});
  Collector collector;
  collector.addressing = &addressing;
  collector.presence = &presence;
  gloox::Parser parser(&collector);
  std::string input(reinterpret_cast<const char*>(data), size);
  parser.feed(input);
  return 0;
}
