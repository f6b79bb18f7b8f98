#include "transport/dtls/dtls_srtp.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/unit/transport/dtls/dtls_pair.hpp"
#include "transport/dtls/certificate.hpp"

namespace parrot::transport {
namespace {

using media::srtp::SrtpProfile;
using testing::DtlsEndpoint;
using testing::DtlsPair;
using testing::dtls_config;
using namespace std::chrono_literals;

constexpr std::byte kHandshake{22};

class DtlsSrtpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    alice_ = new Certificate(Certificate::generate());
    bob_ = new Certificate(Certificate::generate());
  }
  static void TearDownTestSuite() {
    delete alice_;
    delete bob_;
  }

  // Alice is the client unless `alice_role` says otherwise.
  static DtlsPair make_pair(DtlsRole alice_role = DtlsRole::kClient) {
    const DtlsRole bob_role = alice_role == DtlsRole::kClient ? DtlsRole::kServer : DtlsRole::kClient;
    return DtlsPair(dtls_config(alice_role, *alice_, *bob_), dtls_config(bob_role, *bob_, *alice_));
  }
  static DtlsSrtp::Config alice_config(DtlsRole role) { return dtls_config(role, *alice_, *bob_); }
  static DtlsSrtp::Config bob_config(DtlsRole role) { return dtls_config(role, *bob_, *alice_); }

  static void expect_mirrored_keys(const DtlsEndpoint& a, const DtlsEndpoint& b, SrtpProfile profile) {
    ASSERT_TRUE(a.keys.has_value());
    ASSERT_TRUE(b.keys.has_value());
    EXPECT_EQ(a.keys->profile, profile);
    EXPECT_EQ(b.keys->profile, profile);
    EXPECT_EQ(a.keys->local_key_salt, b.keys->remote_key_salt);
    EXPECT_EQ(a.keys->remote_key_salt, b.keys->local_key_salt);
    EXPECT_NE(a.keys->local_key_salt, a.keys->remote_key_salt);
    EXPECT_NO_THROW(a.keys->validate());
    EXPECT_NO_THROW(b.keys->validate());
  }

  static void expect_failed_without_keys(const DtlsEndpoint& side) {
    EXPECT_EQ(side.session->state(), DtlsState::kFailed);
    EXPECT_FALSE(side.keys.has_value());
    EXPECT_FALSE(side.session->profile().has_value());
    ASSERT_TRUE(side.failure.has_value());
    EXPECT_EQ(*side.failure, side.session->failure_reason());
  }

  static const Certificate* alice_;
  static const Certificate* bob_;
};

const Certificate* DtlsSrtpTest::alice_ = nullptr;
const Certificate* DtlsSrtpTest::bob_ = nullptr;

TEST_F(DtlsSrtpTest, ClientAndServerConnectWithMirroredGcmKeys) {
  for (const DtlsRole alice_role : {DtlsRole::kClient, DtlsRole::kServer}) {
    DtlsPair pair = make_pair(alice_role);
    EXPECT_EQ(pair.a.session->state(), DtlsState::kNew);
    pair.start();
    pair.pump();
    ASSERT_TRUE(pair.both_connected()) << pair.a.failure.value_or("") << pair.b.failure.value_or("");
    EXPECT_EQ(pair.a.outcomes, 1);
    EXPECT_EQ(pair.b.outcomes, 1);
    expect_mirrored_keys(pair.a, pair.b, SrtpProfile::kAeadAes128Gcm);
    for (const DtlsEndpoint* side : {&pair.a, &pair.b}) {
      EXPECT_TRUE(side->session->fingerprint_ok());
      EXPECT_EQ(side->session->profile(), SrtpProfile::kAeadAes128Gcm);
      EXPECT_EQ(side->session->timeout(), std::nullopt);
      EXPECT_EQ(side->session->datagrams_dropped(), 0u);
      EXPECT_LE(side->largest_datagram, 1200u);
    }
  }
}

TEST_F(DtlsSrtpTest, ServerStartsImplicitlyWhenTheClientHelloComesFirst) {
  DtlsPair pair = make_pair();
  pair.a.session->start();
  pair.pump();
  EXPECT_TRUE(pair.both_connected());
}

TEST_F(DtlsSrtpTest, EveryDatagramFitsASmallMtu) {
  for (const std::size_t mtu : {std::size_t{300}, std::size_t{576}}) {
    DtlsSrtp::Config client = alice_config(DtlsRole::kClient);
    DtlsSrtp::Config server = bob_config(DtlsRole::kServer);
    client.mtu = mtu;
    server.mtu = mtu;
    DtlsPair pair(client, server);
    pair.start();
    pair.pump();
    ASSERT_TRUE(pair.both_connected()) << mtu;
    EXPECT_LE(pair.a.largest_datagram, mtu);
    EXPECT_LE(pair.b.largest_datagram, mtu);
    expect_mirrored_keys(pair.a, pair.b, SrtpProfile::kAeadAes128Gcm);
  }
}

TEST_F(DtlsSrtpTest, NegotiatesCmSha1_80WhenOneSideOffersOnlyThat) {
  for (const bool client_limited : {true, false}) {
    DtlsSrtp::Config client = alice_config(DtlsRole::kClient);
    DtlsSrtp::Config server = bob_config(DtlsRole::kServer);
    (client_limited ? client : server).profiles = {SrtpProfile::kAes128CmSha1_80};
    DtlsPair pair(client, server);
    pair.start();
    pair.pump();
    ASSERT_TRUE(pair.both_connected());
    expect_mirrored_keys(pair.a, pair.b, SrtpProfile::kAes128CmSha1_80);
  }
}

TEST_F(DtlsSrtpTest, ServerPreferenceWins) {
  DtlsSrtp::Config client = alice_config(DtlsRole::kClient);
  DtlsSrtp::Config server = bob_config(DtlsRole::kServer);
  client.profiles = {SrtpProfile::kAes128CmSha1_32, SrtpProfile::kAes128CmSha1_80, SrtpProfile::kAeadAes256Gcm};
  server.profiles = {SrtpProfile::kAeadAes256Gcm, SrtpProfile::kAes128CmSha1_80};
  DtlsPair pair(client, server);
  pair.start();
  pair.pump();
  ASSERT_TRUE(pair.both_connected());
  expect_mirrored_keys(pair.a, pair.b, SrtpProfile::kAeadAes256Gcm);
}

TEST_F(DtlsSrtpTest, NoCommonProfileFailsBothSides) {
  DtlsSrtp::Config client = alice_config(DtlsRole::kClient);
  DtlsSrtp::Config server = bob_config(DtlsRole::kServer);
  client.profiles = {SrtpProfile::kAeadAes128Gcm};
  server.profiles = {SrtpProfile::kAes128CmSha1_80};
  DtlsPair pair(client, server);
  pair.start();
  pair.pump();
  for (const DtlsEndpoint* side : {&pair.a, &pair.b}) {
    expect_failed_without_keys(*side);
    EXPECT_EQ(side->session->failure_reason(), "no common SRTP profile");
    EXPECT_EQ(side->session->failure(), DtlsFailure::kHandshake);
    EXPECT_EQ(side->outcomes, 1);
  }
}

TEST_F(DtlsSrtpTest, FingerprintMismatchOnEitherSideFailsWithoutKeys) {
  const Certificate stranger = Certificate::generate();
  for (const bool client_checks_wrong : {true, false}) {
    DtlsSrtp::Config client = alice_config(DtlsRole::kClient);
    DtlsSrtp::Config server = bob_config(DtlsRole::kServer);
    (client_checks_wrong ? client : server).peer_fingerprint = stranger.fingerprint_sha256();
    DtlsPair pair(client, server);
    pair.start();
    ASSERT_TRUE(pair.pump_until([&] { return pair.both_done(); }));
    const DtlsEndpoint& checker = client_checks_wrong ? pair.a : pair.b;
    const DtlsEndpoint& other = client_checks_wrong ? pair.b : pair.a;
    expect_failed_without_keys(checker);
    EXPECT_EQ(checker.session->failure_reason(), "fingerprint mismatch");
    EXPECT_EQ(checker.session->failure(), DtlsFailure::kFingerprintMismatch);
    EXPECT_FALSE(checker.session->fingerprint_ok());
    // The checker's bad_certificate alert ends the other side's handshake too.
    expect_failed_without_keys(other);
    EXPECT_EQ(other.session->failure_reason(), "alert: bad certificate");
    EXPECT_EQ(other.session->failure(), DtlsFailure::kHandshake);  // it cannot know why the peer refused
  }
}

TEST_F(DtlsSrtpTest, FingerprintIsComparedCaseInsensitively) {
  DtlsSrtp::Config client = alice_config(DtlsRole::kClient);
  for (char& c : client.peer_fingerprint) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  client.peer_fingerprint_algorithm = "SHA-256";
  DtlsPair pair(client, bob_config(DtlsRole::kServer));
  pair.start();
  pair.pump();
  EXPECT_TRUE(pair.both_connected());
}

TEST_F(DtlsSrtpTest, OtherFingerprintAlgorithms) {
  for (const auto& [name, digest] : {std::pair{"sha-1", EVP_sha1()}, std::pair{"sha-384", EVP_sha384()},
                                     std::pair{"sha-512", EVP_sha512()}, std::pair{"sha-224", EVP_sha224()}}) {
    DtlsSrtp::Config client = alice_config(DtlsRole::kClient);
    client.peer_fingerprint_algorithm = name;
    client.peer_fingerprint = certificate_fingerprint(bob_->x509(), digest);
    DtlsPair pair(client, bob_config(DtlsRole::kServer));
    pair.start();
    pair.pump();
    EXPECT_TRUE(pair.both_connected()) << name;
  }
}

TEST_F(DtlsSrtpTest, BadPeerFingerprintsFailAtStart) {
  struct Case {
    std::string algorithm;
    std::string fingerprint;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"sha-256", "", "no peer fingerprint"},
      {"md5", "AB:CD", "unsupported fingerprint algorithm: md5"},
      {"sha-256", "AB:CD", "malformed peer fingerprint"},
      {"sha-256", bob_->fingerprint_sha256() + ":", "malformed peer fingerprint"},
  };
  for (const Case& c : cases) {
    for (const DtlsRole role : {DtlsRole::kClient, DtlsRole::kServer}) {
      DtlsEndpoint side;
      DtlsSrtp::Config config = alice_config(role);
      config.peer_fingerprint_algorithm = c.algorithm;
      config.peer_fingerprint = c.fingerprint;
      side.session = std::make_unique<DtlsSrtp>(config, side);
      side.session->start();
      expect_failed_without_keys(side);
      EXPECT_EQ(side.session->failure_reason(), c.reason);
      EXPECT_EQ(side.session->failure(), DtlsFailure::kPeerFingerprint);
      EXPECT_TRUE(side.outbox.empty()) << "no ClientHello without a usable fingerprint";
    }
  }
}

TEST_F(DtlsSrtpTest, LostFlightsAreRetransmitted) {
  // Lose the first datagram of each direction: the ClientHello, then the
  // server's first flight.
  for (const bool lose_from_client : {true, false}) {
    DtlsSrtp::Config client = alice_config(DtlsRole::kClient);
    DtlsSrtp::Config server = bob_config(DtlsRole::kServer);
    client.initial_retransmit_timeout = 20ms;
    server.initial_retransmit_timeout = 20ms;
    DtlsPair pair(client, server);
    bool lost = false;
    const auto drop = [&](bool from_a, media::ByteView) {
      if (lost || from_a != lose_from_client) return false;
      lost = true;
      return true;
    };
    pair.start();
    ASSERT_TRUE(pair.a.session->timeout().has_value());
    EXPECT_LE(*pair.a.session->timeout(), 20ms);
    ASSERT_TRUE(pair.pump_until([&] { return pair.both_done(); }, drop));
    EXPECT_TRUE(lost);
    ASSERT_TRUE(pair.both_connected());
    expect_mirrored_keys(pair.a, pair.b, SrtpProfile::kAeadAes128Gcm);
  }
}

TEST_F(DtlsSrtpTest, DefaultFirstRetransmissionIsFasterThanOpenSsls) {
  DtlsEndpoint client;
  client.session = std::make_unique<DtlsSrtp>(alice_config(DtlsRole::kClient), client);
  EXPECT_EQ(client.session->timeout(), std::nullopt);
  client.session->start();
  ASSERT_EQ(client.outbox.size(), 1u);
  ASSERT_TRUE(client.session->timeout().has_value());
  EXPECT_LE(*client.session->timeout(), 100ms);
  client.session->handle_timeout();  // early: nothing happens
  EXPECT_EQ(client.outbox.size(), 1u);
}

TEST_F(DtlsSrtpTest, UnansweredHandshakeTimesOut) {
  DtlsEndpoint client;
  DtlsSrtp::Config config = alice_config(DtlsRole::kClient);
  config.initial_retransmit_timeout = 20ms;
  config.max_retransmit_timeout = 40ms;
  client.session = std::make_unique<DtlsSrtp>(config, client);
  client.session->start();
  for (int i = 0; i < 100 && client.session->state() == DtlsState::kConnecting; ++i) {
    const auto wait = client.session->timeout();
    ASSERT_TRUE(wait.has_value());
    std::this_thread::sleep_for(*wait);
    client.session->handle_timeout();
  }
  expect_failed_without_keys(client);
  EXPECT_EQ(client.session->failure_reason(), "handshake timeout");
  EXPECT_GT(client.outbox.size(), 5u) << "the ClientHello was retransmitted";
  EXPECT_EQ(client.session->timeout(), std::nullopt);
}

// A handshake record header (RFC 6347 §4.1) with a body of `length` bytes,
// of which only `present` are there.
std::vector<std::byte> record(std::byte type, std::size_t length, std::size_t present, std::uint16_t epoch = 0) {
  std::vector<std::byte> out(13 + present, std::byte{0x5A});
  media::write_u8(out, 0, static_cast<std::uint8_t>(type));
  media::write_u16(out, 1, 0xFEFD);
  media::write_u16(out, 3, epoch);
  media::write_u16(out, 11, static_cast<std::uint16_t>(length));
  return out;
}

TEST_F(DtlsSrtpTest, GarbageIsDroppedAndCountedAtAnyPoint) {
  const std::vector<std::vector<std::byte>> garbage = {
      {},
      {std::byte{0x16}},
      {std::byte{0x80}, std::byte{0x00}, std::byte{0x01}},  // RTP-looking
      record(kHandshake, 100, 40),                          // truncated
      record(std::byte{0x63}, 4, 4),                        // unknown content type
  };
  DtlsPair pair = make_pair();
  for (const auto& g : garbage) pair.b.session->feed(g);  // server, before start
  EXPECT_EQ(pair.b.session->datagrams_dropped(), garbage.size());
  EXPECT_EQ(pair.b.session->state(), DtlsState::kNew);
  for (const auto& g : garbage) pair.a.session->feed(g);  // client, before start
  EXPECT_EQ(pair.a.session->datagrams_dropped(), garbage.size());

  pair.start();
  // Interleave garbage with every handshake datagram.
  std::size_t fed = 0;
  std::vector<std::byte> client_hello;
  const auto drop = [&](bool from_a, media::ByteView datagram) {
    if (client_hello.empty()) client_hello.assign(datagram.begin(), datagram.end());
    DtlsSrtp& receiver = from_a ? *pair.b.session : *pair.a.session;
    receiver.feed(garbage[fed++ % garbage.size()]);
    if (datagram.size() > 20) {
      // The same record cut short.
      receiver.feed(datagram.first(datagram.size() - 7));
    }
    return false;
  };
  pair.pump(drop);
  ASSERT_TRUE(pair.both_connected()) << pair.a.failure.value_or("") << " / " << pair.b.failure.value_or("");
  expect_mirrored_keys(pair.a, pair.b, SrtpProfile::kAeadAes128Gcm);

  const std::size_t dropped_before = pair.a.session->datagrams_dropped();
  for (const auto& g : garbage) pair.a.session->feed(g);
  EXPECT_EQ(pair.a.session->datagrams_dropped(), dropped_before + garbage.size());
  // A replayed plaintext ClientHello once connected (OpenSSL 3.0 would abort).
  for (DtlsEndpoint* side : {&pair.a, &pair.b}) {
    const std::size_t dropped = side->session->datagrams_dropped();
    side->session->feed(client_hello);
    EXPECT_EQ(side->session->datagrams_dropped(), dropped + 1);
  }
  // Well-formed records OpenSSL cannot authenticate are discarded by it.
  pair.a.session->feed(record(kHandshake, 64, 64, 1));
  pair.a.session->feed(record(std::byte{21}, 2, 2, 1));
  pair.a.session->feed(record(std::byte{23}, 48, 48, 1));
  pair.a.session->feed(record(std::byte{21}, 2, 2, 0));
  pair.a.session->feed(record(std::byte{21}, 23, 23, 1));  // shorter than GCM's nonce + tag
  pair.a.session->feed(record(std::byte{21}, 24, 24, 1));
  pair.pump();
  EXPECT_TRUE(pair.both_connected()) << pair.a.failure.value_or("") << " / " << pair.b.failure.value_or("") << pair.a.closed << pair.b.closed;
  EXPECT_EQ(pair.a.outcomes, 1);
  EXPECT_EQ(pair.b.outcomes, 1);
}

TEST_F(DtlsSrtpTest, RetransmittedFinalFlightAfterConnectIsAnswered) {
  // Lose the server's last flight (ChangeCipherSpec + Finished): the server
  // is connected, the client retransmits and the server answers again.
  DtlsSrtp::Config client = alice_config(DtlsRole::kClient);
  client.initial_retransmit_timeout = 20ms;
  DtlsPair pair(client, bob_config(DtlsRole::kServer));
  bool lost = false;
  const auto drop = [&](bool from_a, media::ByteView) {
    if (from_a || lost || pair.b.session->state() != DtlsState::kConnected) return false;
    lost = true;
    return true;
  };
  pair.start();
  ASSERT_TRUE(pair.pump_until([&] { return pair.both_connected(); }, drop));
  EXPECT_TRUE(lost);
  expect_mirrored_keys(pair.a, pair.b, SrtpProfile::kAeadAes128Gcm);
  EXPECT_EQ(pair.b.outcomes, 1);
}

TEST_F(DtlsSrtpTest, CloseNotifyReachesThePeer) {
  DtlsPair pair = make_pair();
  pair.start();
  pair.pump();
  ASSERT_TRUE(pair.both_connected());
  pair.a.session->close();
  EXPECT_EQ(pair.a.session->state(), DtlsState::kClosed);
  EXPECT_FALSE(pair.a.closed) << "no callback for our own close";
  pair.a.session->close();
  pair.pump();
  EXPECT_TRUE(pair.b.closed);
  EXPECT_EQ(pair.b.session->state(), DtlsState::kClosed);
  EXPECT_FALSE(pair.b.failure.has_value());
  EXPECT_EQ(pair.b.outcomes, 2);
  // B answered with its own close_notify, which A (closed) drops and counts.
  EXPECT_EQ(pair.a.session->datagrams_dropped(), 1u);
  pair.b.session->close();
  EXPECT_EQ(pair.b.session->state(), DtlsState::kClosed);
}

TEST_F(DtlsSrtpTest, CloseDuringHandshakeStopsIt) {
  DtlsPair pair = make_pair();
  pair.start();
  pair.a.session->close();
  EXPECT_EQ(pair.a.session->state(), DtlsState::kClosed);
  EXPECT_EQ(pair.a.session->timeout(), std::nullopt);
  pair.pump();
  EXPECT_FALSE(pair.a.keys.has_value());
  EXPECT_EQ(pair.b.session->state(), DtlsState::kConnecting);
}

TEST_F(DtlsSrtpTest, BadConfigThrows) {
  DtlsEndpoint side;
  const auto make = [&](auto&& change) {
    DtlsSrtp::Config config = alice_config(DtlsRole::kClient);
    change(config);
    return std::make_unique<DtlsSrtp>(config, side);
  };
  EXPECT_THROW(make([](DtlsSrtp::Config& c) { c.certificate = nullptr; }), std::invalid_argument);
  EXPECT_THROW(make([](DtlsSrtp::Config& c) { c.profiles.clear(); }), std::invalid_argument);
  EXPECT_THROW(make([](DtlsSrtp::Config& c) { c.profiles = {SrtpProfile::kAes128CmSha1_80, SrtpProfile::kAes128CmSha1_80}; }),
               std::invalid_argument);
  EXPECT_THROW(make([](DtlsSrtp::Config& c) { c.mtu = 100; }), std::invalid_argument);
  EXPECT_THROW(make([](DtlsSrtp::Config& c) { c.mtu = 70000; }), std::invalid_argument);
  EXPECT_THROW(make([](DtlsSrtp::Config& c) { c.initial_retransmit_timeout = 19ms; }), std::invalid_argument);
  EXPECT_THROW(make([](DtlsSrtp::Config& c) { c.initial_retransmit_timeout = 5s; }), std::invalid_argument);
  EXPECT_THROW(make([](DtlsSrtp::Config& c) { c.profiles = {static_cast<SrtpProfile>(0x0005)}; }),
               std::invalid_argument);
  EXPECT_NO_THROW(make([](DtlsSrtp::Config&) {}));
}

}  // namespace
}  // namespace parrot::transport
