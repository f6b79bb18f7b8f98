#include "transport/call/call_transport.hpp"

#include <glib.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "media/rtp/rtp_packet.hpp"
#include "media/srtp/srtp_library.hpp"
#include "media/srtp/srtp_session.hpp"
#include "tests/unit/transport/worker/loop_helpers.hpp"

namespace parrot::transport {
namespace {

using namespace std::chrono_literals;

using test::iterate_for;
using test::iterate_until;

// One side of a call: a CallTransport and what it reported.
struct Side : CallTransport::Observer {
  Side() = default;
  Side(const Side&) = delete;
  Side& operator=(const Side&) = delete;
  virtual ~Side() = default;

  std::unique_ptr<CallTransport> transport;
  Side* peer = nullptr;
  std::vector<IceCandidate> candidates;
  bool gathering_done = false;
  CallTransportState state = CallTransportState::kNew;
  std::string reason;
  std::optional<media::srtp::KeyingMaterial> keys;
  std::unique_ptr<media::srtp::SrtpSession> srtp;
  std::vector<std::vector<std::byte>> media;  // decrypted RTP/RTCP received
  std::vector<unsigned> media_components;

  void on_local_candidate(const IceCandidate& candidate) override {
    candidates.push_back(candidate);
    if (peer != nullptr && peer->transport) peer->transport->add_remote_candidate(candidate);
  }
  void on_gathering_done() override { gathering_done = true; }
  void on_transport_state(CallTransportState s, const std::string& why) override {
    state = s;
    reason = why;
  }
  void on_selected_pair(const SelectedPair&) override {}
  void on_srtp_keys(const media::srtp::KeyingMaterial& k) override {
    keys = k;
    srtp = std::make_unique<media::srtp::SrtpSession>(k);
  }
  void on_media(unsigned component, media::MutableByteView datagram) override {
    std::size_t length = datagram.size();
    if (srtp) {
      const bool rtcp = datagram.size() > 1 && static_cast<std::uint8_t>(datagram[1]) >= 192 &&
                        static_cast<std::uint8_t>(datagram[1]) <= 223;
      const auto plain = rtcp ? srtp->unprotect_rtcp(datagram) : srtp->unprotect_rtp(datagram);
      if (!plain) return;
      length = *plain;
    }
    media.emplace_back(datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(length));
    media_components.push_back(component);
  }

  // An RTP packet (or an RR when rtcp) through SRTP, if keyed, to the peer.
  bool send(std::uint16_t sequence, unsigned component = 1, bool rtcp = false) {
    std::array<std::byte, 256> buffer{};
    std::size_t length = 0;
    if (rtcp) {
      const std::array<std::uint8_t, 8> rr{0x80, 201, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44};  // RR, no blocks
      for (std::size_t i = 0; i < rr.size(); ++i) buffer[i] = std::byte{rr[i]};
      length = rr.size();
    } else {
      media::rtp::RtpHeader header;
      header.sequence_number = sequence;
      header.payload_type = 111;
      header.ssrc = 0xABCDEF01;
      const std::array<std::byte, 100> payload{};
      length = media::rtp::serialize(header, payload, buffer);
    }
    if (srtp) {
      const auto protected_length = rtcp ? srtp->protect_rtcp(buffer, length) : srtp->protect_rtp(buffer, length);
      if (!protected_length) return false;
      length = *protected_length;
    }
    return transport->send_media(component, media::ByteView(buffer).first(length));
  }
};

class CallTransportTest : public ::testing::Test {
 protected:
  void SetUp() override { context_ = g_main_context_new(); }
  void TearDown() override {
    a_.transport.reset();
    b_.transport.reset();
    // Let libnice's asynchronous close finish before the context goes.
    for (int i = 0; i < 50; ++i) g_main_context_iteration(context_, FALSE);
    g_main_context_unref(context_);
  }

  static IceConfig ice(bool controlling) {
    IceConfig config;
    config.controlling = controlling;
    config.allowed_addresses = {"127.0.0.1"};
    config.consent_timeout = 1500ms;
    return config;
  }

  // Builds both sides; `dtls_a`/`dtls_b` = nullopt for plain RTP.
  void connect(IceConfig ice_a, IceConfig ice_b, std::optional<DtlsRole> role_a, std::optional<DtlsRole> role_b,
               bool wrong_fingerprint_at_b = false,
               std::vector<media::srtp::SrtpProfile> profiles_b = DtlsParameters{}.profiles,
               bool fingerprints_known = true) {
    a_.peer = &b_;
    b_.peer = &a_;
    CallTransportConfig config_a{std::move(ice_a), std::nullopt, &cert_a_};
    CallTransportConfig config_b{std::move(ice_b), std::nullopt, &cert_b_};
    const std::string fingerprint_of_b = fingerprints_known ? cert_b_.fingerprint_sha256() : "";
    if (role_a) config_a.dtls = DtlsParameters{*role_a, "sha-256", fingerprint_of_b, DtlsParameters{}.profiles};
    if (role_b) {
      std::string fingerprint = wrong_fingerprint_at_b ? cert_other_.fingerprint_sha256() : cert_a_.fingerprint_sha256();
      if (!fingerprints_known) fingerprint.clear();
      config_b.dtls = DtlsParameters{*role_b, "sha-256", fingerprint, std::move(profiles_b)};
    }
    a_.transport = std::make_unique<CallTransport>(context_, std::move(config_a), a_);
    b_.transport = std::make_unique<CallTransport>(context_, std::move(config_b), b_);
    a_.transport->set_remote_credentials(b_.transport->local_credentials());
    b_.transport->set_remote_credentials(a_.transport->local_credentials());
    a_.transport->gather();
    b_.transport->gather();
  }

  bool both(CallTransportState state) {
    return iterate_until(context_, [&] { return a_.state == state && b_.state == state; });
  }

  media::srtp::SrtpLibrary library_;
  GMainContext* context_ = nullptr;
  Certificate cert_a_ = Certificate::generate();
  Certificate cert_b_ = Certificate::generate();
  Certificate cert_other_ = Certificate::generate();
  Side a_;
  Side b_;
};

void expect_mirrored(const media::srtp::KeyingMaterial& a, const media::srtp::KeyingMaterial& b) {
  EXPECT_EQ(a.profile, b.profile);
  EXPECT_EQ(a.local_key_salt, b.remote_key_salt);
  EXPECT_EQ(a.remote_key_salt, b.local_key_salt);
  EXPECT_NE(a.local_key_salt, a.remote_key_salt);
}

void exchange_srtp(GMainContext* context, Side& a, Side& b, unsigned component = 1) {
  for (std::uint16_t s = 0; s < 20; ++s) {
    ASSERT_TRUE(a.send(s, component));
    ASSERT_TRUE(b.send(static_cast<std::uint16_t>(1000 + s), component));
  }
  ASSERT_TRUE(iterate_until(context, [&] { return a.media.size() >= 20 && b.media.size() >= 20; }));
  const auto at_b = media::rtp::RtpPacket::parse(b.media.front());
  ASSERT_TRUE(at_b);
  EXPECT_EQ(at_b->sequence_number(), 0);
  EXPECT_EQ(at_b->payload().size(), 100u);
  const auto at_a = media::rtp::RtpPacket::parse(a.media.back());
  ASSERT_TRUE(at_a);
  EXPECT_EQ(at_a->sequence_number(), 1019);
}

TEST_F(CallTransportTest, ControlledClientAgainstControllingServer) {
  // parrot's usual place: answering (controlled), setup='active' (client).
  connect(ice(true), ice(false), DtlsRole::kServer, DtlsRole::kClient);
  ASSERT_TRUE(both(CallTransportState::kSecure)) << a_.reason << " / " << b_.reason;
  expect_mirrored(*a_.keys, *b_.keys);
  EXPECT_EQ(a_.keys->profile, media::srtp::SrtpProfile::kAeadAes128Gcm);
  exchange_srtp(context_, a_, b_);
  const auto stats = b_.transport->stats();
  EXPECT_TRUE(stats.fingerprint_ok);
  EXPECT_TRUE(stats.encrypted);
  ASSERT_TRUE(stats.selected_pair);
  EXPECT_EQ(stats.selected_pair->local.ip, "127.0.0.1");
  EXPECT_EQ(to_string(stats.selected_pair->remote.type), "host");
  ASSERT_TRUE(stats.connect_ms && stats.keys_ms);
  EXPECT_LE(*stats.connect_ms, *stats.keys_ms);
  EXPECT_GE(stats.received.packets(DatagramClass::kDtls), 1u);
  EXPECT_EQ(stats.received.packets(DatagramClass::kRtpRtcp), 20u);
}

TEST_F(CallTransportTest, ControllingClientAgainstControlledServer) {
  connect(ice(true), ice(false), DtlsRole::kClient, DtlsRole::kServer);
  ASSERT_TRUE(both(CallTransportState::kSecure)) << a_.reason << " / " << b_.reason;
  expect_mirrored(*a_.keys, *b_.keys);
  exchange_srtp(context_, a_, b_);
}

TEST_F(CallTransportTest, CmProfileWhenThePeerOffersNothingElse) {
  // Dino offers AES_CM_128_HMAC_SHA1_80 only.
  connect(ice(true), ice(false), DtlsRole::kServer, DtlsRole::kClient, false, {media::srtp::SrtpProfile::kAes128CmSha1_80});
  ASSERT_TRUE(both(CallTransportState::kSecure)) << a_.reason << " / " << b_.reason;
  EXPECT_EQ(b_.keys->profile, media::srtp::SrtpProfile::kAes128CmSha1_80);
  exchange_srtp(context_, a_, b_);
}

TEST_F(CallTransportTest, FingerprintLearnedAfterIceConnects) {
  // parrot placing a call: its offer goes out before the answer (with the
  // callee's fingerprint) comes back; ICE may connect in between.
  connect(ice(true), ice(false), DtlsRole::kServer, DtlsRole::kClient, false, DtlsParameters{}.profiles,
          /*fingerprints_known=*/false);
  ASSERT_TRUE(both(CallTransportState::kConnected));
  EXPECT_FALSE(a_.send(1));  // no keys, nothing leaves
  b_.transport->set_peer_fingerprint("sha-256", cert_a_.fingerprint_sha256());
  a_.transport->set_peer_fingerprint("sha-256", cert_b_.fingerprint_sha256());
  ASSERT_TRUE(both(CallTransportState::kSecure)) << a_.reason << " / " << b_.reason;
  exchange_srtp(context_, a_, b_);
}

TEST_F(CallTransportTest, FingerprintMismatchFailsWithoutKeys) {
  connect(ice(true), ice(false), DtlsRole::kServer, DtlsRole::kClient, /*wrong_fingerprint_at_b=*/true);
  ASSERT_TRUE(iterate_until(context_, [&] { return b_.state == CallTransportState::kFailed; })) << to_string(b_.state);
  EXPECT_EQ(b_.reason, "DTLS: fingerprint mismatch");
  EXPECT_EQ(b_.transport->failure(), TransportFailure::kFingerprintMismatch);
  EXPECT_EQ(b_.transport->stats().failure, TransportFailure::kFingerprintMismatch);
  EXPECT_FALSE(b_.keys);
  EXPECT_FALSE(b_.send(1));  // nothing leaves without keys
  EXPECT_FALSE(b_.transport->stats().fingerprint_ok);
}

TEST_F(CallTransportTest, SilentPeerLosesConsentAndSendingStops) {
  connect(ice(true), ice(false), DtlsRole::kServer, DtlsRole::kClient);
  ASSERT_TRUE(both(CallTransportState::kSecure));
  exchange_srtp(context_, a_, b_);
  // b disappears without a word (its sockets close); a hears nothing more.
  b_.peer = nullptr;
  a_.peer = nullptr;
  b_.transport.reset();
  ASSERT_TRUE(iterate_until(context_, [&] { return a_.state == CallTransportState::kFailed; }, 10s));
  EXPECT_NE(a_.reason.find("consent"), std::string::npos) << a_.reason;
  EXPECT_EQ(a_.transport->failure(), TransportFailure::kConsentLost);
  EXPECT_FALSE(a_.send(99));
}

TEST_F(CallTransportTest, IceRestartAfterConsentLossKeepsTheDtlsKeys) {
  // Conversations after a network change: the path died, then it offers
  // new credentials (XEP-0176 transport-info) and the call goes on with the
  // same DTLS association.
  connect(ice(true), ice(false), DtlsRole::kServer, DtlsRole::kClient);
  ASSERT_TRUE(both(CallTransportState::kSecure));
  exchange_srtp(context_, a_, b_);
  const auto keys_before = *b_.keys;
  // Nothing flows for longer than the 1.5 s consent timeout.
  ASSERT_TRUE(both(CallTransportState::kFailed));
  EXPECT_NE(b_.reason.find("consent"), std::string::npos) << b_.reason;
  EXPECT_EQ(b_.transport->failure(), TransportFailure::kConsentLost);
  EXPECT_FALSE(b_.send(500));

  const IceCredentials old_a = a_.transport->local_credentials();
  const IceCredentials old_b = b_.transport->local_credentials();
  const IceCredentials new_a = a_.transport->restart_ice(std::nullopt);  // a offers the restart
  const IceCredentials new_b = b_.transport->restart_ice(new_a);  // b answers it
  EXPECT_EQ(b_.transport->failure(), TransportFailure::kNone);  // the path failed, not the call
  EXPECT_NE(new_a.ufrag, old_a.ufrag);
  EXPECT_NE(new_b.ufrag, old_b.ufrag);
  EXPECT_EQ(b_.state, CallTransportState::kConnecting);
  a_.transport->set_remote_credentials(new_b);
  for (const auto& c : a_.transport->local_candidates()) b_.transport->add_remote_candidate(c);
  for (const auto& c : b_.transport->local_candidates()) a_.transport->add_remote_candidate(c);
  ASSERT_TRUE(both(CallTransportState::kSecure)) << a_.reason << " / " << b_.reason;
  EXPECT_EQ(b_.keys->local_key_salt, keys_before.local_key_salt);  // no second handshake

  a_.media.clear();
  b_.media.clear();
  for (std::uint16_t s = 0; s < 10; ++s) {
    ASSERT_TRUE(a_.send(static_cast<std::uint16_t>(2000 + s)));
    ASSERT_TRUE(b_.send(static_cast<std::uint16_t>(3000 + s)));
  }
  ASSERT_TRUE(iterate_until(context_, [&] { return a_.media.size() >= 10 && b_.media.size() >= 10; }));
}

TEST_F(CallTransportTest, IceRestartWhileConnectedLosesNoMediaAndKeepsTheDtlsAssociation) {
  // libwebrtc's restart (Conversations, Monal, browsers): the path still
  // works, both sides keep sending on it until the new pair connects
  // (RFC 8445 §9), and DTLS does not run again (RFC 8842: a restart alone
  // keeps the association).
  connect(ice(true), ice(false), DtlsRole::kServer, DtlsRole::kClient);
  ASSERT_TRUE(both(CallTransportState::kSecure));
  const auto keys_before = *b_.keys;
  a_.media.clear();
  b_.media.clear();
  std::uint16_t sequence = 0;
  std::size_t refused = 0;
  const auto exchange = [&] {
    refused += a_.send(sequence) ? 0u : 1u;
    refused += b_.send(sequence) ? 0u : 1u;
    ++sequence;
    iterate_for(context_, 5ms);
  };
  for (int i = 0; i < 5; ++i) exchange();
  const IceCredentials new_a = a_.transport->restart_ice(std::nullopt);  // the offer
  EXPECT_EQ(a_.state, CallTransportState::kConnecting);
  for (int i = 0; i < 10; ++i) exchange();
  // The offer carries a's candidates; the answer takes a while to reach a.
  const IceCredentials new_b = b_.transport->restart_ice(new_a);
  for (const auto& c : a_.transport->local_candidates()) b_.transport->add_remote_candidate(c);
  for (int i = 0; i < 40; ++i) exchange();
  a_.transport->set_remote_credentials(new_b);
  for (const auto& c : b_.transport->local_candidates()) a_.transport->add_remote_candidate(c);
  ASSERT_TRUE(iterate_until(context_, [&] {
    exchange();
    return a_.state == CallTransportState::kSecure && b_.state == CallTransportState::kSecure;
  })) << to_string(a_.state) << " / " << to_string(b_.state);
  for (int i = 0; i < 5; ++i) exchange();
  EXPECT_EQ(refused, 0u);
  EXPECT_EQ(a_.transport->stats().send_drops + b_.transport->stats().send_drops, 0u);
  ASSERT_TRUE(iterate_until(context_, [&] { return a_.media.size() >= sequence && b_.media.size() >= sequence; }))
      << a_.media.size() << " and " << b_.media.size() << " of " << sequence;
  EXPECT_EQ(a_.media.size(), sequence);  // SRTP replay protection would have refused a repeat
  EXPECT_EQ(b_.keys->local_key_salt, keys_before.local_key_salt);  // the same association
  EXPECT_EQ(b_.transport->stats().media_sent, sequence);
}

TEST_F(CallTransportTest, NoIceRestartAfterADtlsFailure) {
  connect(ice(true), ice(false), DtlsRole::kServer, DtlsRole::kClient, /*wrong_fingerprint_at_b=*/true);
  ASSERT_TRUE(iterate_until(context_, [&] { return b_.state == CallTransportState::kFailed; }));
  ASSERT_TRUE(is_dtls_failure(b_.transport->failure()));
  EXPECT_THROW(b_.transport->restart_ice(a_.transport->local_credentials()), std::logic_error);
  EXPECT_THROW(a_.transport->restart_ice(IceCredentials{"", ""}), std::invalid_argument);
}

TEST_F(CallTransportTest, PlainRtpWithoutDtls) {
  connect(ice(true), ice(false), std::nullopt, std::nullopt);
  ASSERT_TRUE(both(CallTransportState::kConnected));
  exchange_srtp(context_, a_, b_);  // no keys: sent and received in the clear
  EXPECT_FALSE(b_.transport->stats().encrypted);
  EXPECT_FALSE(b_.keys);
}

TEST_F(CallTransportTest, TwoComponentsCarryRtcpOnTheSecond) {
  IceConfig ice_a = ice(true);
  IceConfig ice_b = ice(false);
  ice_a.components = ice_b.components = 2;
  connect(std::move(ice_a), std::move(ice_b), DtlsRole::kServer, DtlsRole::kClient);
  ASSERT_TRUE(both(CallTransportState::kSecure)) << a_.reason << " / " << b_.reason;
  exchange_srtp(context_, a_, b_, 1);
  b_.media.clear();
  b_.media_components.clear();
  ASSERT_TRUE(iterate_until(context_, [&] { return a_.send(0, 2, /*rtcp=*/true); }, 5s));
  ASSERT_TRUE(iterate_until(context_, [&] { return !b_.media.empty(); }));
  EXPECT_EQ(b_.media_components.front(), 2u);
  EXPECT_EQ(b_.media.front().size(), 8u);  // the RR, decrypted with the component-1 keys
}

TEST_F(CallTransportTest, DtlsWithoutCertificateIsAConfigError) {
  CallTransportConfig config{ice(false), DtlsParameters{}, nullptr};
  EXPECT_THROW(CallTransport(context_, std::move(config), a_), std::invalid_argument);
}

// The failure codes are the report's stable "failure_code" values.
TEST(TransportFailureTest, NamesAreStableAndDtlsFailuresAreTold) {
  const std::vector<std::pair<TransportFailure, std::string_view>> names = {
      {TransportFailure::kNone, ""},
      {TransportFailure::kGatheringFailed, "gathering-failed"},
      {TransportFailure::kIceFailed, "ice-failed"},
      {TransportFailure::kConsentLost, "consent-lost"},
      {TransportFailure::kDtlsFailed, "dtls-failed"},
      {TransportFailure::kDtlsTimeout, "dtls-timeout"},
      {TransportFailure::kFingerprintMismatch, "fingerprint-mismatch"},
  };
  for (const auto& [failure, name] : names) {
    EXPECT_EQ(to_string(failure), name);
    const bool dtls = failure == TransportFailure::kDtlsFailed || failure == TransportFailure::kDtlsTimeout ||
                      failure == TransportFailure::kFingerprintMismatch;
    EXPECT_EQ(is_dtls_failure(failure), dtls) << name;
  }
}

TEST(TransportFailureTest, IceAndDtlsFailuresMapToTheTransportsOwn) {
  EXPECT_EQ(transport_failure(IceFailure::kGatheringFailed), TransportFailure::kGatheringFailed);
  EXPECT_EQ(transport_failure(IceFailure::kNoPairSucceeded), TransportFailure::kIceFailed);
  EXPECT_EQ(transport_failure(IceFailure::kConsentLost), TransportFailure::kConsentLost);
  EXPECT_EQ(transport_failure(IceFailure::kNone), TransportFailure::kIceFailed);
  EXPECT_EQ(transport_failure(DtlsFailure::kTimeout), TransportFailure::kDtlsTimeout);
  EXPECT_EQ(transport_failure(DtlsFailure::kFingerprintMismatch), TransportFailure::kFingerprintMismatch);
  EXPECT_EQ(transport_failure(DtlsFailure::kPeerFingerprint), TransportFailure::kDtlsFailed);
  EXPECT_EQ(transport_failure(DtlsFailure::kHandshake), TransportFailure::kDtlsFailed);
}

}  // namespace
}  // namespace parrot::transport
