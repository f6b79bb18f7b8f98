// The one bare-JID helper (RFC 7622 §3: localpart@domainpart, resource
// dropped). Parrot keys users by bare JID everywhere: the chat limits, call
// and transfer owners, welcome and report stores.
#pragma once

#include <string>
#include <string_view>

namespace parrot::xmpp {

// "user@host/res" -> "user@host"; a JID without a resource comes back as it is.
inline std::string bare_jid(std::string_view jid) { return std::string(jid.substr(0, jid.find('/'))); }

}  // namespace parrot::xmpp
