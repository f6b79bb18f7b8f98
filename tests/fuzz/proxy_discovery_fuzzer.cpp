// Hostile answers to XEP-0065 proxy discovery: the first element of the
// bytes is the server's answer to every IQ ProxyDiscovery sends (disco
// items, then disco#info and bytestreams of each item it names), so one
// input walks the whole chain. Nothing may crash; a proxy found always has
// a JID, a host and a port, and the walk stays bounded by the items named.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "bot/xmpp/proxy_discovery.hpp"
#include "xml_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;  // a stanza larger than a server would send
  const auto answer = parrot::fuzz::first_tag(data, size);
  if (!answer) return 0;
  std::deque<parrot::bot::xmpp::ProxyDiscovery::Answer> pending;
  std::size_t sent = 0;
  parrot::bot::xmpp::ProxyDiscovery discovery(
      [&](const std::string&, const std::string& type, std::unique_ptr<gloox::Tag> child,
          parrot::bot::xmpp::ProxyDiscovery::Answer done) {
        parrot::fuzz::check(type == "get" && child != nullptr);
        ++sent;
        pending.push_back(std::move(done));
      });
  discovery.start("example.org");
  // One disco#items, then per item at most disco#info and bytestreams.
  const std::size_t items = answer->findChild("query") ? answer->findChild("query")->children().size() : 0;
  while (!pending.empty()) {
    auto done = std::move(pending.front());
    pending.pop_front();
    done(*answer);
    parrot::fuzz::check(sent <= 1 + 2 * items);
  }
  if (const auto& proxy = discovery.proxy()) {
    parrot::fuzz::check(!proxy->jid.empty() && !proxy->host.empty() && proxy->port != 0);
  }
  return 0;
}
