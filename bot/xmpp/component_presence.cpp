#include "bot/xmpp/component_presence.hpp"

#include <gloox/jid.h>

#include <spdlog/spdlog.h>

#include "bot/xmpp/disco_info.hpp"

namespace parrot::bot::xmpp {
namespace {

std::unique_ptr<gloox::Tag> presence(const std::string& from, const std::string& to, const std::string& type) {
  auto tag = std::make_unique<gloox::Tag>("presence");
  tag->addAttribute("from", from);
  tag->addAttribute("to", to);
  if (!type.empty()) tag->addAttribute("type", type);
  return tag;
}

}  // namespace

ComponentPresence::ComponentPresence(std::string resource, std::string status, std::string welcome, ContactBook* book,
                                     Hooks hooks)
    : resource_(std::move(resource)),
      status_(std::move(status)),
      welcome_(std::move(welcome)),
      book_(book),
      hooks_(std::move(hooks)) {}

std::unique_ptr<gloox::Tag> ComponentPresence::available(const std::string& self, const std::string& peer) const {
  auto tag = presence(self + "/" + resource_, peer, "");
  new gloox::Tag(tag.get(), "status", status_);
  // Clients key call and file capabilities on a full JID's caps (XEP-0115).
  tag->addChild(parrot_disco_info().caps_element().release());
  return tag;
}

PresenceStanzas ComponentPresence::on_presence(const gloox::Tag& stanza) {
  PresenceStanzas out;
  // Subscription states are between bare JIDs (RFC 6121 §3.1.1).
  const gloox::JID from(stanza.findAttribute("from"));
  const gloox::JID to(stanza.findAttribute("to"));
  if (!from || !to || from.server().empty() || to.server().empty()) return out;
  const std::string peer = from.bare();
  const std::string self = to.bare();
  const std::string type = stanza.findAttribute("type");
  if (type == "subscribe") {
    subscribe(self, peer, out);
  } else if (type == "unsubscribe") {
    // RFC 6121 §3.3: confirmed, and parrot's own subscription to them ends too.
    spdlog::info("roster: peer unsubscribed, removing peer={} self={}", peer, self);
    out.push_back(presence(self, peer, "unsubscribed"));
    out.push_back(presence(self, peer, "unsubscribe"));
    if (book_ && !book_->remove_subscriber(self, peer)) spdlog::warn("roster: could not forget peer={}", peer);
  } else if (type == "probe") {
    // Lenient on purpose: a contact the book does not know (a lost or
    // migrated store) still gets presence, never `unsubscribed`, which
    // would strip parrot from the user's roster.
    if (hooks_.allowed(peer)) out.push_back(available(self, peer));
  } else if (type == "subscribed") {
    spdlog::info("roster: subscribed to peer={} self={}", peer, self);
  } else if (type == "unsubscribed") {
    spdlog::info("roster: peer cancelled parrot's subscription peer={} self={}", peer, self);
  }
  // Available, unavailable and error presence from contacts: nothing to do.
  return out;
}

void ComponentPresence::subscribe(const std::string& self, const std::string& peer, PresenceStanzas& out) {
  if (!hooks_.allowed(peer)) {
    spdlog::info("roster: subscription refused by policy peer={}", peer);
    out.push_back(presence(self, peer, "unsubscribed"));
    if (book_) book_->remove_subscriber(self, peer);
    return;
  }
  spdlog::info("roster: subscription approved peer={} self={}", peer, self);
  if (book_ && !book_->add_subscriber(self, peer)) spdlog::warn("roster: could not remember peer={}", peer);
  // RFC 6121 §3.1.5: approve from the bare JID, then ask for theirs back
  // (a client shows parrot's presence either way; many expect "both").
  out.push_back(presence(self, peer, "subscribed"));
  out.push_back(presence(self, peer, "subscribe"));
  out.push_back(available(self, peer));
  if (hooks_.take_welcome(peer)) {
    auto welcome = std::make_unique<gloox::Tag>("message");
    welcome->addAttribute("from", self);
    welcome->addAttribute("to", peer);
    welcome->addAttribute("type", "chat");
    new gloox::Tag(welcome.get(), "body", welcome_);
    out.push_back(std::move(welcome));
    spdlog::info("roster: welcomed peer={}", peer);
  }
}

}  // namespace parrot::bot::xmpp
