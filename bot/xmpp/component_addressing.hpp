// Who parrot is, stanza by stanza, as an XEP-0114 component. A component
// serves a whole domain (the domain JID and any localpart@domain) and the
// server stamps nothing: every stanza must carry a `from` of the domain,
// or ejabberd ends the stream (Prosody fills a missing one in, so testing
// on Prosody alone hides the omission). This remembers which of its JIDs
// each contact addressed, and stamps outgoing stanzas from it.
#pragma once

#include <gloox/tag.h>

#include <cstddef>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>

namespace parrot::bot::xmpp {

class ComponentAddressing {
 public:
  ComponentAddressing(std::string domain, std::string resource);

  const std::string& domain() const { return domain_; }
  // domain/resource: parrot's JID when no contact is involved.
  std::string default_self() const { return domain_ + "/" + resource_; }

  // Notes the addressing of a stanza received from the server.
  void on_incoming(const gloox::Tag& stanza);
  // The full JID parrot is to the sender of `stanza`: its `to`, with
  // parrot's resource when it has none (calls and transfers need one).
  std::string self_for(const gloox::Tag& stanza) const;
  // Adds `from` to an outgoing stanza that lacks one: an IQ answer from
  // the JID its request was sent to (RFC 6120 §8.2.3), anything else from
  // the JID the contact last addressed, with parrot's resource.
  void stamp(gloox::Tag& stanza);
  // True when `jid` belongs to the component's domain.
  bool serves(const std::string& jid) const;

 private:
  std::string domain_;
  std::string resource_;
  // Contact's bare JID -> the bare JID of parrot's it last addressed.
  std::unordered_map<std::string, std::string> self_by_peer_;
  // (requester's full JID, IQ id) -> the JID the request was sent to,
  // until parrot answers it.
  std::map<std::pair<std::string, std::string>, std::string> pending_iqs_;
};

}  // namespace parrot::bot::xmpp
