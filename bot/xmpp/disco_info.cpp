#include "bot/xmpp/disco_info.hpp"

#include <gloox/gloox.h>

#include <algorithm>

namespace parrot::bot::xmpp {
namespace {

const gloox::Tag* disco_info_query(const gloox::Tag& iq) {
  if (iq.name() != "iq" || iq.findAttribute("type") != "get") return nullptr;
  return iq.findChild("query", "xmlns", gloox::XMLNS_DISCO_INFO);
}

// What parrot really implements.
const std::vector<std::string> kFeatures = {
    "http://jabber.org/protocol/caps",       "http://jabber.org/protocol/chatstates",
    "http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items",
    "jabber:iq:version",                     "urn:xmpp:message-correct:0",
    "urn:xmpp:ping",                         "urn:xmpp:receipts",
    // Calls (XEP-0166/0167/0176/0320/0353/0293/0338/0339): Conversations
    // offers a call only when all of jingle, rtp, audio, video, ice-udp and
    // dtls are listed, and JMI when jingle-message is
    // (docs/client-quirks.md#conversations-calls).
    "urn:xmpp:jingle:1",                     "urn:xmpp:jingle:apps:rtp:1",
    "urn:xmpp:jingle:apps:rtp:audio",        "urn:xmpp:jingle:apps:rtp:video",
    "urn:xmpp:jingle:transports:ice-udp:1",  "urn:xmpp:jingle:apps:dtls:0",
    "urn:xmpp:jingle-message:0",             "urn:xmpp:jingle:apps:rtp:rtcp-fb:0",
    "urn:xmpp:jingle:apps:grouping:0",       "urn:xmpp:jingle:apps:rtp:ssma:0",
    // XEP-0338 and XEP-0339 name the RFCs as their disco features (Monal
    // lists them too, docs/client-quirks.md#monal-calls); the element
    // namespaces above stay listed.
    "urn:ietf:rfc:5888",                     "urn:ietf:rfc:5576",
    // XEP-0050: the "report" command (ReportCommand).
    "http://jabber.org/protocol/commands",
    // File transfers, legacy SI (XEP-0095/0096 over XEP-0065 and XEP-0047):
    // Pidgin offers files only to peers listing the profile and a method
    // (docs/client-quirks.md#libpurple-files).
    "http://jabber.org/protocol/si",         "http://jabber.org/protocol/si/profile/file-transfer",
    "http://jabber.org/protocol/bytestreams", "http://jabber.org/protocol/ibb",
    // Jingle File Transfer (XEP-0234 :5 over XEP-0260 and XEP-0261), and the
    // XEP-0300 hashes senders may add: only sha-256 is named, so Gajim and
    // Psi pick it rather than an algorithm parrot would not compute. :4 and
    // :3 let pre-2017 clients offer too; newer ones pick the highest listed
    // (docs/client-quirks.md#hash-advertisement).
    "urn:xmpp:jingle:apps:file-transfer:5",  "urn:xmpp:jingle:apps:file-transfer:4",
    "urn:xmpp:jingle:apps:file-transfer:3",  "urn:xmpp:jingle:transports:s5b:1",
    "urn:xmpp:jingle:transports:ibb:1",      "urn:xmpp:hashes:2",
    "urn:xmpp:hash-function-text-names:sha-256",
};
const DiscoIdentity kIdentity{"client", "bot", "", "parrot"};

}  // namespace

const DiscoInfo& parrot_disco_info() {
  static const DiscoInfo info(kIdentity, kFeatures, "urn:parrot:bot");
  return info;
}

DiscoInfo::DiscoInfo(DiscoIdentity identity, std::vector<std::string> features, std::string caps_node)
    : identity_(std::move(identity)), features_(std::move(features)), caps_node_(std::move(caps_node)) {
  std::sort(features_.begin(), features_.end());
  features_.erase(std::unique(features_.begin(), features_.end()), features_.end());
  ver_ = caps_ver({identity_}, features_);
}

std::unique_ptr<gloox::Tag> DiscoInfo::caps_element() const {
  auto caps = std::make_unique<gloox::Tag>("c", "xmlns", gloox::XMLNS_CAPS);
  caps->addAttribute("hash", "sha-1");
  caps->addAttribute("node", caps_node_);
  caps->addAttribute("ver", ver_);
  return caps;
}

bool DiscoInfo::answers(const gloox::Tag& iq) const {
  const gloox::Tag* query = disco_info_query(iq);
  if (!query) return false;
  const std::string node = query->findAttribute("node");
  return node.empty() || node == caps_node_with_ver();
}

std::unique_ptr<gloox::Tag> DiscoInfo::answer(const gloox::Tag& iq, const std::string& self) const {
  auto result = std::make_unique<gloox::Tag>("iq");
  result->addAttribute("type", "result");
  result->addAttribute("id", iq.findAttribute("id"));
  if (iq.hasAttribute("from")) result->addAttribute("to", iq.findAttribute("from"));
  result->addAttribute("from", self);
  auto* query = new gloox::Tag(result.get(), "query", "xmlns", gloox::XMLNS_DISCO_INFO);
  // §6.2: the reply names the node it was asked about.
  if (const gloox::Tag* asked = disco_info_query(iq); asked && asked->hasAttribute("node")) {
    query->addAttribute("node", asked->findAttribute("node"));
  }
  auto* identity = new gloox::Tag(query, "identity");
  identity->addAttribute("category", identity_.category);
  identity->addAttribute("type", identity_.type);
  if (!identity_.name.empty()) identity->addAttribute("name", identity_.name);
  if (!identity_.lang.empty()) identity->addAttribute("xml:lang", identity_.lang);
  for (const std::string& feature : features_) new gloox::Tag(query, "feature", "var", feature);
  return result;
}

}  // namespace parrot::bot::xmpp
