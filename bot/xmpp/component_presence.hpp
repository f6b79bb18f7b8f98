// Presence for an XEP-0114 component, which has no server roster: the
// component itself answers subscriptions (RFC 6121 §3), remembers its
// subscribers in a ContactBook, and sends its own available presence to
// them and in answer to probes (RFC 6121 §4.3). Pure stanza logic: the
// Session sends what this returns.
#pragma once

#include <gloox/tag.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bot/contact_book.hpp"

namespace parrot::bot::xmpp {

using PresenceStanzas = std::vector<std::unique_ptr<gloox::Tag>>;

class ComponentPresence {
 public:
  struct Hooks {
    // The subscription policy, for a contact's bare JID.
    std::function<bool(const std::string& peer)> allowed;
    // One-time welcome bookkeeping: true if `peer` has not been welcomed.
    std::function<bool(const std::string& peer)> take_welcome;
  };
  // `book` may be null: subscriptions are then answered but not
  // remembered (no presence at start).
  ComponentPresence(std::string resource, std::string status, std::string welcome, ContactBook* book, Hooks hooks);

  // Answers one incoming <presence/> (any namespace); nothing for the
  // presence of contacts, errors and anything malformed.
  PresenceStanzas on_presence(const gloox::Tag& presence);

  // parrot's available presence, from `self` (a bare JID the component
  // serves) with its resource, status and XEP-0115 caps, to `peer`.
  std::unique_ptr<gloox::Tag> available(const std::string& self, const std::string& peer) const;

 private:
  void subscribe(const std::string& self, const std::string& peer, PresenceStanzas& out);

  std::string resource_;
  std::string status_;
  std::string welcome_;
  ContactBook* book_;
  Hooks hooks_;
};

}  // namespace parrot::bot::xmpp
