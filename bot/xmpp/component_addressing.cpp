#include "bot/xmpp/component_addressing.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "bot/xmpp/jid.hpp"

namespace parrot::bot::xmpp {
namespace {

// Bounds on what a flood of JIDs or unanswered IQs can make this keep;
// forgetting only costs a `from` of the domain instead of a localpart.
constexpr std::size_t kMaxPeers = 100000;
constexpr std::size_t kMaxPendingIqs = 10000;

}  // namespace

ComponentAddressing::ComponentAddressing(std::string domain, std::string resource)
    : domain_(std::move(domain)), resource_(std::move(resource)) {}

bool ComponentAddressing::serves(const std::string& jid) const {
  // On every stanza, so no stringprep: the server routed it here by this
  // domain, which only its case can make differ.
  std::string_view domain(jid);
  domain = domain.substr(0, domain.find('/'));
  if (const auto at = domain.find('@'); at != std::string_view::npos) {
    if (at == 0) return false;  // an empty localpart is no JID (RFC 7622 §3.3)
    domain.remove_prefix(at + 1);
  }
  return domain.size() == domain_.size() &&
         std::equal(domain.begin(), domain.end(), domain_.begin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

void ComponentAddressing::on_incoming(const gloox::Tag& stanza) {
  const std::string& from = stanza.findAttribute("from");
  const std::string& to = stanza.findAttribute("to");
  if (from.empty() || !serves(to)) return;
  const std::string self = parrot::xmpp::bare_jid(to);
  if (self_by_peer_.size() >= kMaxPeers) self_by_peer_.clear();
  self_by_peer_[parrot::xmpp::bare_jid(from)] = self;
  const std::string& type = stanza.findAttribute("type");
  if (stanza.name() == "iq" && (type == "get" || type == "set")) {
    if (pending_iqs_.size() >= kMaxPendingIqs) pending_iqs_.clear();
    pending_iqs_[{from, stanza.findAttribute("id")}] = to;
  }
}

std::string ComponentAddressing::self_for(const gloox::Tag& stanza) const {
  const std::string& to = stanza.findAttribute("to");
  if (!serves(to)) return default_self();
  return to.find('/') == std::string::npos ? to + "/" + resource_ : to;
}

void ComponentAddressing::stamp(gloox::Tag& stanza) {
  if (stanza.hasAttribute("from")) return;
  const std::string& to = stanza.findAttribute("to");
  const std::string& type = stanza.findAttribute("type");
  if (stanza.name() == "iq" && (type == "result" || type == "error")) {
    const auto found = pending_iqs_.find({to, stanza.findAttribute("id")});
    if (found != pending_iqs_.end()) {
      stanza.addAttribute("from", found->second);
      pending_iqs_.erase(found);
      return;
    }
  }
  const auto self = self_by_peer_.find(parrot::xmpp::bare_jid(to));
  stanza.addAttribute("from", (self != self_by_peer_.end() ? self->second : domain_) + "/" + resource_);
}

}  // namespace parrot::bot::xmpp
