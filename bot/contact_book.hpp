// Who is subscribed to parrot's presence, when parrot keeps that list
// itself: an XEP-0114 component has no server roster, so the component
// answers subscriptions (RFC 6121 §3) and must remember them to send its
// presence at start and to answer probes. In a cluster every instance
// serves every user, so the list lives in the shared store.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace parrot::bot {

struct Subscriber {
  std::string self;  // the bare JID the contact subscribed to (domain or localpart@domain)
  std::string peer;  // the contact's bare JID
};

class ContactBook {
 public:
  virtual ~ContactBook() = default;
  // `peer` now receives `self`'s presence. Idempotent. False (the caller
  // logs it) when the store refused.
  virtual bool add_subscriber(const std::string& self, const std::string& peer) = 0;
  // `peer` unsubscribed from `self`, or was refused. Idempotent.
  virtual bool remove_subscriber(const std::string& self, const std::string& peer) = 0;
  virtual bool is_subscriber(const std::string& self, const std::string& peer) = 0;
  // Every subscription, for the presence sent when the component comes online.
  virtual std::vector<Subscriber> subscribers() = 0;
  virtual std::size_t subscriber_count() = 0;
};

}  // namespace parrot::bot
