// XEP-0320 fingerprint.
#include "bot/jingle/fingerprint.hpp"

#include <gtest/gtest.h>

#include "fixture_loader.hpp"

namespace parrot::bot::jingle {
namespace {

TEST(FingerprintTest, SetupValues) {
  for (const char* setup : {"actpass", "active", "passive", "holdconn"}) {
    const auto fp = Fingerprint::parse(*test::parse_xml(std::string("<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' "
                                                                    "hash='sha-256' setup='") +
                                                        setup + "'>\n AB:CD \n</fingerprint>"));
    ASSERT_TRUE(fp) << setup << ": " << fp.error;
    EXPECT_EQ(to_string(fp.value->setup), setup);
    EXPECT_EQ(fp.value->value, "AB:CD");
  }
}

TEST(FingerprintTest, ActiveAnswerXml) {
  const Fingerprint fp{"sha-256", DtlsSetup::kActive, "AB:CD"};
  EXPECT_EQ(fp.to_tag()->xml(),
            "<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='active'>AB:CD</fingerprint>");
}

TEST(FingerprintTest, Refused) {
  EXPECT_FALSE(Fingerprint::parse(*test::parse_xml("<fingerprint hash='sha-256' setup='active'/>")));
  EXPECT_FALSE(Fingerprint::parse(*test::parse_xml("<fingerprint setup='active'>AB</fingerprint>")));
  EXPECT_FALSE(Fingerprint::parse(*test::parse_xml("<fingerprint hash='sha-256'>AB</fingerprint>")));
  EXPECT_FALSE(Fingerprint::parse(
      *test::parse_xml("<fingerprint hash='sha-256' setup='x'>" + std::string(300, 'A') + "</fingerprint>")));
}

}  // namespace
}  // namespace parrot::bot::jingle
