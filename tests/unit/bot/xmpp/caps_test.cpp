#include "bot/xmpp/caps.hpp"

#include <gtest/gtest.h>

namespace parrot::bot::xmpp {
namespace {

const std::vector<std::string> kExampleFeatures = {
    "http://jabber.org/protocol/caps", "http://jabber.org/protocol/disco#info",
    "http://jabber.org/protocol/disco#items", "http://jabber.org/protocol/muc"};

// XEP-0115 §5.2 "Simple Generation Example".
TEST(Caps, SimpleWorkedExample) {
  const std::vector<DiscoIdentity> identities = {{"client", "pc", "", "Exodus 0.9.1"}};
  EXPECT_EQ(caps_verification_string(identities, kExampleFeatures, {}),
            "client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<"
            "http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<");
  EXPECT_EQ(caps_ver(identities, kExampleFeatures), "QgayPKawpkPSDYmwT/WM94uAlu0=");
}

// XEP-0115 §5.3 "Complex Generation Example", inputs deliberately unsorted.
TEST(Caps, ComplexWorkedExample) {
  const std::vector<DiscoIdentity> identities = {{"client", "pc", "el", "\xce\xa8 0.11"},
                                                 {"client", "pc", "en", "Psi 0.11"}};
  const std::vector<std::string> features = {kExampleFeatures[3], kExampleFeatures[1], kExampleFeatures[0],
                                             kExampleFeatures[2]};
  const DiscoForm form{{{"software_version", {"0.11"}},
                        {"os", {"Mac"}},
                        {"FORM_TYPE", {"urn:xmpp:dataforms:softwareinfo"}},
                        {"ip_version", {"ipv6", "ipv4"}},
                        {"os_version", {"10.5.1"}},
                        {"software", {"Psi"}}}};
  EXPECT_EQ(caps_verification_string(identities, features, {form}),
            "client/pc/el/\xce\xa8 0.11<client/pc/en/Psi 0.11<http://jabber.org/protocol/caps<"
            "http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<"
            "http://jabber.org/protocol/muc<urn:xmpp:dataforms:softwareinfo<ip_version<ipv4<ipv6<os<Mac<"
            "os_version<10.5.1<software<Psi<software_version<0.11<");
  EXPECT_EQ(caps_ver(identities, features, {form}), "q07IKJEyjvHSyhy//CH0CxmKi8w=");
}

TEST(Caps, FormsWithoutFormTypeAreIgnored) {
  const std::vector<DiscoIdentity> identities = {{"client", "bot", "", "parrot"}};
  const DiscoForm no_type{{{"os", {"Linux"}}}};
  EXPECT_EQ(caps_ver(identities, {"urn:xmpp:ping"}, {no_type}), caps_ver(identities, {"urn:xmpp:ping"}));
}

}  // namespace
}  // namespace parrot::bot::xmpp
