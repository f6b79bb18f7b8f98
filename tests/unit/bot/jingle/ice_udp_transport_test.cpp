// XEP-0176 transport (with XEP-0320 fingerprint) and XEP-0177 raw-udp.
#include "bot/jingle/ice_udp_transport.hpp"

#include <gtest/gtest.h>

#include "bot/jingle/raw_udp_transport.hpp"
#include "fixture_loader.hpp"

namespace parrot::bot::jingle {
namespace {

TEST(IceUdpTransportTest, RemoteCandidateAndRoundTrip) {
  const auto tag = test::parse_xml(
      "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='u' pwd='p'>"
      "<candidate component='1' foundation='1' generation='0' id='x' ip='192.0.2.1' port='5000' priority='100'"
      " protocol='udp' type='host'/>"
      "<remote-candidate component='1' ip='198.51.100.9' port='6000'/></transport>");
  const auto t = IceUdpTransport::parse(*tag);
  ASSERT_TRUE(t) << t.error;
  ASSERT_TRUE(t.value->remote_candidate);
  EXPECT_EQ(*t.value->remote_candidate, (RemoteCandidate{1, "198.51.100.9", 6000}));
  const auto again = IceUdpTransport::parse(*test::parse_xml(t.value->to_tag()->xml()));
  ASSERT_TRUE(again) << again.error;
  EXPECT_EQ(*again.value, *t.value);
}

TEST(IceUdpTransportTest, SkipsBadCandidatesButCapsTheirNumber) {
  std::string xml = "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='u' pwd='p'>";
  xml += "<candidate component='1' foundation='1' ip='192.0.2.1' port='abc' priority='1' protocol='udp' type='host'/>";
  const auto one = IceUdpTransport::parse(*test::parse_xml(xml + "</transport>"));
  ASSERT_TRUE(one);
  EXPECT_EQ(one.value->candidates.size(), 0u);
  EXPECT_EQ(one.value->skipped_candidates, 1u);
  for (int i = 0; i < 64; ++i) {
    xml += "<candidate component='1' foundation='1' ip='192.0.2.1' port='1' priority='1' protocol='udp' type='host'/>";
  }
  EXPECT_FALSE(IceUdpTransport::parse(*test::parse_xml(xml + "</transport>")));
}

TEST(IceUdpTransportTest, MalformedFingerprintOrRemoteCandidate) {
  EXPECT_FALSE(
      IceUdpTransport::parse(*test::parse_xml("<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'>"
                                              "<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' "
                                              "setup='sometimes'>AB</fingerprint></transport>")));
  EXPECT_FALSE(IceUdpTransport::parse(
      *test::parse_xml("<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'>"
                       "<remote-candidate component='1' ip='host.example' port='1'/></transport>")));
}

TEST(RawUdpTransportTest, ParseAndSerialize) {
  const auto tag = test::parse_xml(
      "<transport xmlns='urn:xmpp:jingle:transports:raw-udp:1'>"
      "<candidate component='1' generation='0' id='a9j3mnbtu1' ip='192.0.2.5' port='13540'/></transport>");
  const auto t = RawUdpTransport::parse(*tag);
  ASSERT_TRUE(t) << t.error;
  ASSERT_EQ(t.value->candidates.size(), 1u);
  EXPECT_EQ(t.value->candidates[0].port, 13540);
  EXPECT_EQ(t.value->to_tag()->xml(),
            "<transport xmlns='urn:xmpp:jingle:transports:raw-udp:1'><candidate component='1' generation='0'"
            " id='a9j3mnbtu1' ip='192.0.2.5' port='13540'/></transport>");
  EXPECT_FALSE(
      RawUdpTransport::parse(*test::parse_xml("<transport xmlns='urn:xmpp:jingle:transports:raw-udp:1'><candidate "
                                              "component='1' ip='x' port='1'/></transport>")));
}

}  // namespace
}  // namespace parrot::bot::jingle
