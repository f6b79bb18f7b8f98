#include "bot/xmpp/proxy_discovery.hpp"

#include <spdlog/spdlog.h>

#include "transport/decimal.hpp"

namespace parrot::bot::xmpp {
namespace {

constexpr const char* kDiscoItems = "http://jabber.org/protocol/disco#items";
constexpr const char* kDiscoInfo = "http://jabber.org/protocol/disco#info";
constexpr const char* kBytestreams = "http://jabber.org/protocol/bytestreams";  // XEP-0065

std::unique_ptr<gloox::Tag> query(const char* xmlns) {
  auto tag = std::make_unique<gloox::Tag>("query");
  tag->setXmlns(xmlns);
  return tag;
}

}  // namespace

void ProxyDiscovery::start(const std::string& domain, const std::string& own_jid) {
  control_thread_.check("ProxyDiscovery::start");
  proxy_.reset();
  own_jid_ = own_jid;
  send_iq_(domain, "get", query(kDiscoItems), [this](const gloox::Tag& answer) { on_items(answer); });
}

void ProxyDiscovery::on_items(const gloox::Tag& answer) {
  const gloox::Tag* items = answer.findChild("query");
  if (items == nullptr) return;
  for (const gloox::Tag* item : items->findChildren("item")) {
    const std::string jid = item->findAttribute("jid");
    if (jid.empty() || jid == own_jid_) continue;
    send_iq_(jid, "get", query(kDiscoInfo), [this, jid](const gloox::Tag& described) { on_info(jid, described); });
  }
}

void ProxyDiscovery::on_info(const std::string& jid, const gloox::Tag& answer) {
  const gloox::Tag* info = answer.findChild("query");
  if (proxy_ || info == nullptr) return;
  bool is_proxy = false;
  for (const gloox::Tag* identity : info->findChildren("identity")) {
    is_proxy |= identity->findAttribute("category") == "proxy" && identity->findAttribute("type") == "bytestreams";
  }
  if (!is_proxy) return;
  send_iq_(jid, "get", query(kBytestreams), [this, jid](const gloox::Tag& hosts) { on_streamhosts(jid, hosts); });
}

void ProxyDiscovery::on_streamhosts(const std::string& jid, const gloox::Tag& answer) {
  const gloox::Tag* hosts = answer.findChild("query");
  const gloox::Tag* host = hosts ? hosts->findChild("streamhost") : nullptr;
  if (proxy_ || host == nullptr) return;
  const auto port = transport::parse_decimal<std::uint64_t>(host->findAttribute("port"));
  if (!port || *port == 0 || *port > 65535 || host->findAttribute("host").empty()) return;
  proxy_ = Streamhost{host->findAttribute("jid").empty() ? jid : host->findAttribute("jid"), host->findAttribute("host"),
                      static_cast<std::uint16_t>(*port)};
  spdlog::info("jingle-ft: offering the server's SOCKS5 proxy {} at {}:{}", proxy_->jid, proxy_->host, proxy_->port);
}

}  // namespace parrot::bot::xmpp
