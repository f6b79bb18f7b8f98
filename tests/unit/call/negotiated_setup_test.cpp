#include "call/negotiated_setup.hpp"

#include <gtest/gtest.h>

namespace parrot::call {
namespace {

NegotiatedTransport dtls_plan(DtlsSetup setup) {
  NegotiatedTransport plan;
  plan.components = 2;
  plan.dtls = NegotiatedDtls{setup, "sha-384", "AB:CD"};
  plan.remote_ufrag = "uf";
  plan.remote_pwd = "pw";
  return plan;
}

TEST(NegotiatedSetupTest, ActiveIsTheDtlsClientAndPassiveTheServer) {
  EXPECT_EQ(dtls_role(DtlsSetup::kActive), transport::DtlsRole::kClient);
  EXPECT_EQ(dtls_role(DtlsSetup::kPassive), transport::DtlsRole::kServer);
}

TEST(NegotiatedSetupTest, TransportConfigCarriesComponentsDtlsAndTheControlledRole) {
  const transport::Certificate owned = transport::Certificate::generate();
  const transport::Certificate* certificate = &owned;
  transport::IceConfig ice;
  ice.controlling = true;
  ice.allowed_addresses = {"127.0.0.1"};
  const auto config = call_transport_config(dtls_plan(DtlsSetup::kPassive), ice, certificate);
  EXPECT_EQ(config.ice.components, 2u);
  EXPECT_FALSE(config.ice.controlling);  // parrot answered
  EXPECT_EQ(config.ice.allowed_addresses, ice.allowed_addresses);
  ASSERT_TRUE(config.dtls);
  EXPECT_EQ(config.dtls->role, transport::DtlsRole::kServer);
  EXPECT_EQ(config.dtls->peer_fingerprint_algorithm, "sha-384");
  EXPECT_EQ(config.dtls->peer_fingerprint, "AB:CD");
  EXPECT_EQ(config.dtls->profiles, transport::DtlsParameters{}.profiles);
  EXPECT_EQ(config.certificate, certificate);
}

TEST(NegotiatedSetupTest, NoFingerprintIsPlainRtpWithoutACertificate) {
  NegotiatedTransport plan = dtls_plan(DtlsSetup::kActive);
  plan.dtls.reset();
  plan.components = 1;
  const transport::Certificate certificate = transport::Certificate::generate();
  const auto config = call_transport_config(plan, transport::IceConfig{}, &certificate);
  EXPECT_EQ(config.ice.components, 1u);
  EXPECT_FALSE(config.dtls);
  EXPECT_EQ(config.certificate, nullptr);
}

TEST(NegotiatedSetupTest, RemoteCredentialsAreThePlans) {
  const auto credentials = remote_credentials(dtls_plan(DtlsSetup::kActive));
  EXPECT_EQ(credentials.ufrag, "uf");
  EXPECT_EQ(credentials.pwd, "pw");
}

TEST(NegotiatedSetupTest, StreamConfigKeepsEveryNegotiatedField) {
  NegotiatedStream stream;
  stream.media = StreamMedia::kVideo;
  stream.clock_rate_hz = 90000;
  stream.payload_types = {96, 97};
  stream.remote_ssrc = 1234;
  stream.local_ssrc = 5678;
  stream.nack = true;
  stream.pli = true;
  stream.fir = false;
  stream.transport_cc = true;
  stream.remb = true;
  stream.transport_sequence_extension_id = 3;
  stream.abs_send_time_extension_id = 2;
  stream.audio_level_extension_id = 1;
  const media::echo::StreamConfig config = echo_stream_config(stream);
  EXPECT_EQ(config.kind, media::echo::MediaKind::kVideo);
  EXPECT_EQ(config.clock_rate_hz, 90000u);
  EXPECT_EQ(config.payload_types, (std::vector<std::uint8_t>{96, 97}));
  EXPECT_EQ(config.remote_ssrc, 1234u);
  EXPECT_EQ(config.local_ssrc, 5678u);
  EXPECT_TRUE(config.nack);
  EXPECT_TRUE(config.pli);
  EXPECT_FALSE(config.fir);
  EXPECT_TRUE(config.transport_cc);
  EXPECT_TRUE(config.remb);
  EXPECT_EQ(config.transport_sequence_extension_id, 3);
  EXPECT_EQ(config.abs_send_time_extension_id, 2);
  EXPECT_EQ(config.audio_level_extension_id, 1);
  EXPECT_FALSE(config.red_payload_type);  // CallMedia fills these from the offered names
  EXPECT_FALSE(config.ulpfec_payload_type);

  stream.media = StreamMedia::kAudio;
  EXPECT_EQ(echo_stream_config(stream).kind, media::echo::MediaKind::kAudio);
}

}  // namespace
}  // namespace parrot::call
