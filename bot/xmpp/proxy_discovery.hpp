// XEP-0065 §4 on a new connection: disco#items of the server's domain,
// disco#info of each item, and the streamhost of the first one that is a
// proxy/bytestreams service. The Jingle file-transfer manager offers it as
// parrot's own SOCKS5 candidate in every session-accept (phones' direct
// candidates rarely reach a server). Beside ExternalServiceDiscovery, the
// other service parrot asks its server about.
//
// It sends its IQs through the owner's SendIq, whose answers the owner
// routes back to the callback given (the owner keeps the IQ ids, so answers
// from a previous connection are dropped with them). Control thread.
#pragma once

#include <gloox/tag.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "transport/worker/thread_confined.hpp"

namespace parrot::bot::xmpp {

struct Streamhost {
  std::string jid;
  std::string host;
  std::uint16_t port = 0;

  friend bool operator==(const Streamhost&, const Streamhost&) = default;
};

class ProxyDiscovery {
 public:
  using Answer = std::function<void(const gloox::Tag& answer)>;
  // An IQ of `type` ("get") with `child` to `to`; `done` gets its answer.
  using SendIq = std::function<void(const std::string& to, const std::string& type,
                                    std::unique_ptr<gloox::Tag> child, Answer done)>;

  explicit ProxyDiscovery(SendIq send_iq) : send_iq_(std::move(send_iq)) {}
  ProxyDiscovery(const ProxyDiscovery&) = delete;
  ProxyDiscovery& operator=(const ProxyDiscovery&) = delete;

  // Forgets the proxy found before and asks `domain` again. An item named
  // `own_jid` is not asked: a component sees itself among its server's
  // items, and in a cluster another instance would answer.
  void start(const std::string& domain, const std::string& own_jid = {});
  // The first proxy found on this connection, if any yet.
  const std::optional<Streamhost>& proxy() const noexcept { return proxy_; }

 private:
  void on_items(const gloox::Tag& answer);
  void on_info(const std::string& jid, const gloox::Tag& answer);
  void on_streamhosts(const std::string& jid, const gloox::Tag& answer);

  SendIq send_iq_;
  std::string own_jid_;
  std::optional<Streamhost> proxy_;
  transport::ThreadConfined control_thread_;
};

}  // namespace parrot::bot::xmpp
