// XEP-0030 disco#info as parrot answers it and the XEP-0115 caps element
// that advertises it, built from one identity and one feature list, so that
// a client that validates caps (libpurple, XEP-0115 §5.4) recomputes the
// `ver` parrot sends. parrot answers these queries itself rather than through
// gloox::Disco, which adds disco#info and disco#items to a node handler's
// features a second time (a reply with duplicate features must be rejected,
// §5.4 step 3.3, and libpurple then treats parrot as featureless: no calls;
// docs/client-quirks.md#libpurple-calls).
#pragma once

#include <gloox/tag.h>

#include <memory>
#include <string>
#include <vector>

#include "bot/xmpp/caps.hpp"

namespace parrot::bot::xmpp {

class DiscoInfo {
 public:
  // `features` may come in any order and with repeats; the answer lists each
  // once.
  DiscoInfo(DiscoIdentity identity, std::vector<std::string> features, std::string caps_node);

  const DiscoIdentity& identity() const { return identity_; }
  const std::vector<std::string>& features() const { return features_; }
  const std::string& ver() const { return ver_; }
  // "node#ver", the node a client queries to verify the caps (§6.2).
  std::string caps_node_with_ver() const { return caps_node_ + "#" + ver_; }

  // <c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node ver/>.
  std::unique_ptr<gloox::Tag> caps_element() const;

  // True for the queries this class answers: an <iq type='get'> with a
  // disco#info <query/> for no node or for caps_node_with_ver(). Other nodes
  // (XEP-0050's commands) stay with gloox.
  bool answers(const gloox::Tag& iq) const;
  // The <iq type='result'> for such a query, from `self` to the asker.
  std::unique_ptr<gloox::Tag> answer(const gloox::Tag& iq, const std::string& self) const;

 private:
  DiscoIdentity identity_;
  std::vector<std::string> features_;
  std::string caps_node_;
  std::string ver_;
};

// parrot's own: what it really implements, under node urn:parrot:bot.
const DiscoInfo& parrot_disco_info();

}  // namespace parrot::bot::xmpp
