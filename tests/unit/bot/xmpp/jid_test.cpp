#include "bot/xmpp/jid.hpp"

#include <gtest/gtest.h>

namespace parrot::xmpp {
namespace {

TEST(BareJid, DropsTheResource) {
  EXPECT_EQ(bare_jid("user@example.org/phone"), "user@example.org");
  EXPECT_EQ(bare_jid("user@example.org/a/b"), "user@example.org");  // a resource may hold '/'
}

TEST(BareJid, KeepsABareJid) {
  EXPECT_EQ(bare_jid("user@example.org"), "user@example.org");
  EXPECT_EQ(bare_jid("example.org"), "example.org");
  EXPECT_EQ(bare_jid(""), "");
}

}  // namespace
}  // namespace parrot::xmpp
