#include "media/srtp/srtp_session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "media/bytes.hpp"
#include "media/srtp/srtp_library.hpp"

namespace parrot::media::srtp {
namespace {

std::vector<std::byte> bytes(std::initializer_list<std::uint8_t> values) {
  std::vector<std::byte> out;
  for (auto v : values) out.push_back(std::byte{v});
  return out;
}

std::vector<std::byte> filled(std::size_t count, std::uint8_t value) { return std::vector<std::byte>(count, std::byte{value}); }

bool is_supported(SrtpProfile profile) {
  const auto supported = supported_profiles();
  return std::find(supported.begin(), supported.end(), profile) != supported.end();
}

// Keys of libsrtp's test/srtp_driver.c (v2.5.0): `test_key` (the first 30
// of its 46 bytes are used by AES-CM-128: 16 key ‖ 14 salt) and `test_key_gcm`.
const std::vector<std::byte> kDriverTestKey = bytes({
    0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,  // master key
    0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6,              // master salt
});
const std::vector<std::byte> kDriverTestKeyGcm = bytes({
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,  // master key
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,                          // master salt
});

// srtp_driver.c `srtp_plaintext_ref`, the same for both profiles.
const std::vector<std::byte> kPlainRtp = bytes({
    0x80,                    // V=2, P=0, X=0, CC=0
    0x0f,                    // M=0, PT=15
    0x12, 0x34,              // sequence number 4660
    0xde, 0xca, 0xfb, 0xad,  // timestamp
    0xca, 0xfe, 0xba, 0xbe,  // SSRC
    0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,  // payload, 16 bytes
    0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
});
// srtp_driver.c `rtcp_plaintext_ref`.
const std::vector<std::byte> kPlainRtcp = bytes({
    0x81,                    // V=2, P=0, RC=1
    0xc8,                    // PT=200 (SR)
    0x00, 0x0b,              // length field (libsrtp does not check it)
    0xca, 0xfe, 0xba, 0xbe,  // sender SSRC
    0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,  // body, 16 bytes (encrypted)
    0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
});

// srtp_validate(): AES_CM_128_HMAC_SHA1_80.
const std::vector<std::byte> kCmSha1_80Srtp = bytes({
    0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe,  // header in the clear
    0x4e, 0x55, 0xdc, 0x4c, 0xe7, 0x99, 0x78, 0xd8,                          // encrypted payload
    0x8c, 0xa4, 0xd2, 0x15, 0x94, 0x9d, 0x24, 0x02,
    0xb7, 0x8d, 0x6a, 0xcc, 0x99, 0xea, 0x17, 0x9b, 0x8d, 0xbb,  // HMAC-SHA1 tag, 80 bits
});
const std::vector<std::byte> kCmSha1_80Srtcp = bytes({
    0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe,  // header + SSRC in the clear
    0x71, 0x28, 0x03, 0x5b, 0xe4, 0x87, 0xb9, 0xbd,  // encrypted body
    0xbe, 0xf8, 0x90, 0x41, 0xf9, 0x77, 0xa5, 0xa8,
    0x80, 0x00, 0x00, 0x01,                                      // E=1, SRTCP index 1
    0x99, 0x3e, 0x08, 0xcd, 0x54, 0xd6, 0xc1, 0x23, 0x07, 0x98,  // HMAC-SHA1 tag, 80 bits
});

// srtp_validate_gcm(): AEAD_AES_128_GCM (16-byte tag, RFC 7714).
const std::vector<std::byte> kGcm128Srtp = bytes({
    0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe,  // header (AAD)
    0xc5, 0x00, 0x2e, 0xde, 0x04, 0xcf, 0xdd, 0x2e,                          // ciphertext
    0xb9, 0x11, 0x59, 0xe0, 0x88, 0x0a, 0xa0, 0x6e,
    0xd2, 0x97, 0x68, 0x26, 0xf7, 0x96, 0xb2, 0x01,  // GCM tag, 128 bits
    0xdf, 0x31, 0x31, 0xa1, 0x27, 0xe8, 0xa3, 0x92,
});
const std::vector<std::byte> kGcm128Srtcp = bytes({
    0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe,  // header + SSRC (AAD)
    0xc9, 0x8b, 0x8b, 0x5d, 0xf0, 0x39, 0x2a, 0x55,  // ciphertext
    0x85, 0x2b, 0x6c, 0x21, 0xac, 0x8e, 0x70, 0x25,
    0xc5, 0x2c, 0x6f, 0xbe, 0xa2, 0xb3, 0xb4, 0x46,  // GCM tag, 128 bits
    0xea, 0x31, 0x12, 0x3b, 0xa8, 0x8c, 0xe6, 0x1e,
    0x80, 0x00, 0x00, 0x01,  // E=1, SRTCP index 1 (after the tag in AEAD, RFC 7714 §9)
});

KeyingMaterial keys_for(SrtpProfile profile, std::vector<std::byte> local, std::vector<std::byte> remote) {
  KeyingMaterial keys;
  keys.profile = profile;
  keys.local_key_salt = std::move(local);
  keys.remote_key_salt = std::move(remote);
  return keys;
}

// Two sessions that talk to each other: a's local key is b's remote key.
struct SessionPair {
  SrtpSession a;
  SrtpSession b;
};
SessionPair make_pair(SrtpProfile profile) {
  auto k1 = filled(key_salt_bytes(profile), 0x11);
  auto k2 = filled(key_salt_bytes(profile), 0x22);
  return SessionPair{SrtpSession(keys_for(profile, k1, k2)), SrtpSession(keys_for(profile, k2, k1))};
}

// A plain RTP packet with `payload_bytes` of payload and room for the trailer.
std::vector<std::byte> rtp_packet(std::uint16_t sequence, std::size_t payload_bytes) {
  std::vector<std::byte> packet(12 + payload_bytes + kMaxRtpTrailer);
  write_u8(packet, 0, 0x80);  // V=2
  write_u8(packet, 1, 111);   // PT=111
  write_u16(packet, 2, sequence);
  write_u32(packet, 4, 960u * sequence);
  write_u32(packet, 8, 0x01020304);
  for (std::size_t i = 0; i < payload_bytes; ++i) packet[12 + i] = std::byte(static_cast<std::uint8_t>(i * 7));
  return packet;
}

// Every session test runs on both crypto back ends: the OpenSSL types
// parrot installs, and libsrtp2's stock ones it falls back to.
class SrtpSessionTest : public ::testing::TestWithParam<SrtpBackend> {
 protected:
  void SetUp() override { ASSERT_EQ(SrtpLibrary::backend(), GetParam()) << SrtpLibrary::backend_note(); }

  SrtpLibrary library_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Backends, SrtpSessionTest, ::testing::Values(SrtpBackend::kOpenSsl, SrtpBackend::kStock),
                         [](const ::testing::TestParamInfo<SrtpBackend>& backend) {
                           return backend.param == SrtpBackend::kOpenSsl ? std::string("OpenSsl") : std::string("Stock");
                         });

TEST_P(SrtpSessionTest, Aes128CmSha1_80ReferencePacketsFromLibsrtpDriver) {
  SrtpSession sender(keys_for(SrtpProfile::kAes128CmSha1_80, kDriverTestKey, filled(30, 0)));
  EXPECT_EQ(sender.rtp_trailer_bytes(), 10u);
  EXPECT_EQ(sender.rtcp_trailer_bytes(), 14u);

  std::vector<std::byte> rtp = kPlainRtp;
  rtp.resize(rtp.size() + kMaxRtpTrailer);
  const auto rtp_length = sender.protect_rtp(rtp, kPlainRtp.size());
  ASSERT_EQ(rtp_length, kCmSha1_80Srtp.size());
  EXPECT_EQ(std::vector<std::byte>(rtp.begin(), rtp.begin() + 38), kCmSha1_80Srtp);

  std::vector<std::byte> rtcp = kPlainRtcp;
  rtcp.resize(rtcp.size() + kMaxRtcpTrailer);
  const auto rtcp_length = sender.protect_rtcp(rtcp, kPlainRtcp.size());
  ASSERT_EQ(rtcp_length, kCmSha1_80Srtcp.size());
  EXPECT_EQ(std::vector<std::byte>(rtcp.begin(), rtcp.begin() + 38), kCmSha1_80Srtcp);
  EXPECT_EQ(sender.counters().rtp_protected, 1u);
  EXPECT_EQ(sender.counters().rtcp_protected, 1u);

  SrtpSession receiver(keys_for(SrtpProfile::kAes128CmSha1_80, filled(30, 0), kDriverTestKey));
  std::vector<std::byte> srtp = kCmSha1_80Srtp;
  ASSERT_EQ(receiver.unprotect_rtp(srtp), kPlainRtp.size());
  EXPECT_EQ(std::vector<std::byte>(srtp.begin(), srtp.begin() + 28), kPlainRtp);
  std::vector<std::byte> srtcp = kCmSha1_80Srtcp;
  ASSERT_EQ(receiver.unprotect_rtcp(srtcp), kPlainRtcp.size());
  EXPECT_EQ(std::vector<std::byte>(srtcp.begin(), srtcp.begin() + 24), kPlainRtcp);
  EXPECT_EQ(receiver.counters().rtp_unprotected, 1u);
  EXPECT_EQ(receiver.counters().rtcp_unprotected, 1u);
  EXPECT_EQ(receiver.drops().total(), 0u);
}

TEST_P(SrtpSessionTest, AeadAes128GcmReferencePacketsFromLibsrtpDriver) {
  if (!is_supported(SrtpProfile::kAeadAes128Gcm)) GTEST_SKIP() << "libsrtp2 built without GCM";
  SrtpSession sender(keys_for(SrtpProfile::kAeadAes128Gcm, kDriverTestKeyGcm, filled(28, 0)));
  EXPECT_EQ(sender.rtp_trailer_bytes(), 16u);
  EXPECT_EQ(sender.rtcp_trailer_bytes(), 20u);

  std::vector<std::byte> rtp = kPlainRtp;
  rtp.resize(rtp.size() + kMaxRtpTrailer);
  ASSERT_EQ(sender.protect_rtp(rtp, kPlainRtp.size()), kGcm128Srtp.size());
  EXPECT_EQ(std::vector<std::byte>(rtp.begin(), rtp.begin() + 44), kGcm128Srtp);

  std::vector<std::byte> rtcp = kPlainRtcp;
  rtcp.resize(rtcp.size() + kMaxRtcpTrailer);
  ASSERT_EQ(sender.protect_rtcp(rtcp, kPlainRtcp.size()), kGcm128Srtcp.size());
  EXPECT_EQ(std::vector<std::byte>(rtcp.begin(), rtcp.begin() + 44), kGcm128Srtcp);

  SrtpSession receiver(keys_for(SrtpProfile::kAeadAes128Gcm, filled(28, 0), kDriverTestKeyGcm));
  std::vector<std::byte> srtp = kGcm128Srtp;
  ASSERT_EQ(receiver.unprotect_rtp(srtp), kPlainRtp.size());
  EXPECT_EQ(std::vector<std::byte>(srtp.begin(), srtp.begin() + 28), kPlainRtp);
  std::vector<std::byte> srtcp = kGcm128Srtcp;
  ASSERT_EQ(receiver.unprotect_rtcp(srtcp), kPlainRtcp.size());
  EXPECT_EQ(std::vector<std::byte>(srtcp.begin(), srtcp.begin() + 24), kPlainRtcp);
}

TEST_P(SrtpSessionTest, Aes128CmSha1_80IsAlwaysSupported) {
  const auto supported = supported_profiles();
  ASSERT_FALSE(supported.empty());
  EXPECT_EQ(supported.front(), SrtpProfile::kAes128CmSha1_80);
  EXPECT_TRUE(is_supported(SrtpProfile::kAes128CmSha1_32));
}

TEST_P(SrtpSessionTest, RoundTripEverySupportedProfile) {
  for (const SrtpProfile profile : supported_profiles()) {
    SCOPED_TRACE(std::string(to_string(profile)));
    auto [a, b] = make_pair(profile);
    // RTP tag: 10 (SHA1_80), 4 (SHA1_32), 16 (GCM). RTCP: SRTCP always has an
    // 80-bit HMAC (RFC 5764 §4.1.2) or the GCM tag, plus the 4-byte index.
    const std::size_t rtp_tag = profile == SrtpProfile::kAes128CmSha1_80   ? 10
                                : profile == SrtpProfile::kAes128CmSha1_32 ? 4
                                                                           : 16;
    const std::size_t rtcp_trailer = (profile == SrtpProfile::kAes128CmSha1_80 ||
                                      profile == SrtpProfile::kAes128CmSha1_32) ? 14 : 20;
    for (std::uint16_t sequence = 65530; sequence != 10; ++sequence) {  // crosses the 16-bit wrap
      std::vector<std::byte> packet = rtp_packet(sequence, 160);
      const std::vector<std::byte> plain(packet.begin(), packet.begin() + 172);
      const auto protected_length = a.protect_rtp(packet, 172);
      ASSERT_EQ(protected_length, 172 + rtp_tag);
      EXPECT_NE(std::vector<std::byte>(packet.begin() + 12, packet.begin() + 172),
                std::vector<std::byte>(plain.begin() + 12, plain.end()));
      const auto plain_length = b.unprotect_rtp(std::span(packet).first(*protected_length));
      ASSERT_EQ(plain_length, 172u);
      EXPECT_EQ(std::vector<std::byte>(packet.begin(), packet.begin() + 172), plain);
    }
    std::vector<std::byte> rtcp = kPlainRtcp;
    rtcp.resize(rtcp.size() + kMaxRtcpTrailer);
    const auto rtcp_length = b.protect_rtcp(rtcp, kPlainRtcp.size());
    ASSERT_EQ(rtcp_length, kPlainRtcp.size() + rtcp_trailer);
    ASSERT_EQ(a.unprotect_rtcp(std::span(rtcp).first(*rtcp_length)), kPlainRtcp.size());
    EXPECT_EQ(std::vector<std::byte>(rtcp.begin(), rtcp.begin() + 24), kPlainRtcp);

    EXPECT_EQ(a.counters().rtp_protected, 16u);
    EXPECT_EQ(b.counters().rtp_unprotected, 16u);
    EXPECT_EQ(b.counters().rtcp_protected, 1u);
    EXPECT_EQ(a.counters().rtcp_unprotected, 1u);
    EXPECT_EQ(a.drops().total() + b.drops().total(), 0u);
  }
}

TEST_P(SrtpSessionTest, TamperedPacketsCountAuthFailAndStayHarmless) {
  for (const SrtpProfile profile : supported_profiles()) {
    SCOPED_TRACE(std::string(to_string(profile)));
    auto [a, b] = make_pair(profile);
    std::vector<std::byte> packet = rtp_packet(1000, 50);
    const std::size_t length = a.protect_rtp(packet, 62).value();
    const std::vector<std::byte> srtp(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(length));

    for (const std::size_t flip_at : {std::size_t{3}, std::size_t{20}, length - 1}) {  // header, payload, tag
      std::vector<std::byte> tampered = srtp;
      tampered[flip_at] ^= std::byte{0x01};
      EXPECT_FALSE(b.unprotect_rtp(tampered).has_value()) << flip_at;
    }
    EXPECT_EQ(b.drops()[DropReason::kSrtpAuthFail], 3u);
    // Failed packets do not advance the replay window: the genuine one passes.
    std::vector<std::byte> genuine = srtp;
    EXPECT_EQ(b.unprotect_rtp(genuine), 62u);

    // The wrong key fails authentication too.
    SrtpSession stranger(keys_for(profile, filled(key_salt_bytes(profile), 0), filled(key_salt_bytes(profile), 0x33)));
    std::vector<std::byte> copy = srtp;
    EXPECT_FALSE(stranger.unprotect_rtp(copy).has_value());
    EXPECT_EQ(stranger.drops()[DropReason::kSrtpAuthFail], 1u);

    std::vector<std::byte> rtcp = kPlainRtcp;
    rtcp.resize(rtcp.size() + kMaxRtcpTrailer);
    const std::size_t rtcp_length = a.protect_rtcp(rtcp, kPlainRtcp.size()).value();
    rtcp[10] ^= std::byte{0x80};
    EXPECT_FALSE(b.unprotect_rtcp(std::span(rtcp).first(rtcp_length)).has_value());
    EXPECT_EQ(b.drops()[DropReason::kSrtpAuthFail], 4u);
  }
}

TEST_P(SrtpSessionTest, ReplayedAndTooOldPacketsCountReplay) {
  auto [a, b] = make_pair(SrtpProfile::kAes128CmSha1_80);
  SrtpSession& sender = a;  // clang 14 cannot capture a structured binding
  auto protect = [&sender](std::uint16_t sequence) {
    std::vector<std::byte> packet = rtp_packet(sequence, 20);
    packet.resize(sender.protect_rtp(packet, 32).value());
    return packet;
  };
  const auto p100 = protect(100);
  const auto p1100 = protect(1100);
  const auto p1200 = protect(1200);
  const auto p200 = protect(200);  // a late packet: 1000 behind the newest

  auto first = p100;
  ASSERT_TRUE(b.unprotect_rtp(first).has_value());
  auto again = p100;
  EXPECT_FALSE(b.unprotect_rtp(again).has_value());
  EXPECT_EQ(b.drops()[DropReason::kSrtpReplay], 1u);

  SrtpSession d = make_pair(SrtpProfile::kAes128CmSha1_80).b;
  auto newest = p1200;
  auto reordered = p1100;   // 100 behind
  auto late = p200;         // 1000 behind: inside a 1024 window, beyond libsrtp's default 128
  auto too_old = p100;      // 1100 behind: beyond the window
  ASSERT_TRUE(d.unprotect_rtp(newest).has_value());
  EXPECT_TRUE(d.unprotect_rtp(reordered).has_value());
  EXPECT_TRUE(d.unprotect_rtp(late).has_value());
  EXPECT_FALSE(d.unprotect_rtp(too_old).has_value());
  EXPECT_EQ(d.drops()[DropReason::kSrtpReplay], 1u);

  // A moved session keeps its window.
  SrtpSession moved = std::move(d);
  auto late_again = p200;
  EXPECT_FALSE(moved.unprotect_rtp(late_again).has_value());
  EXPECT_EQ(moved.drops()[DropReason::kSrtpReplay], 2u);

  std::vector<std::byte> rtcp = kPlainRtcp;
  rtcp.resize(rtcp.size() + kMaxRtcpTrailer);
  rtcp.resize(a.protect_rtcp(rtcp, kPlainRtcp.size()).value());
  auto rtcp_once = rtcp;
  auto rtcp_twice = rtcp;
  EXPECT_TRUE(moved.unprotect_rtcp(rtcp_once).has_value());
  EXPECT_FALSE(moved.unprotect_rtcp(rtcp_twice).has_value());
  EXPECT_EQ(moved.drops()[DropReason::kSrtpReplay], 3u);
}

TEST_P(SrtpSessionTest, RetransmissionMayBeProtectedAgain) {
  auto [a, b] = make_pair(SrtpProfile::kAes128CmSha1_80);
  std::vector<std::byte> first = rtp_packet(7, 100);
  std::vector<std::byte> resend = first;
  ASSERT_TRUE(a.protect_rtp(first, 112).has_value());
  ASSERT_TRUE(a.protect_rtp(resend, 112).has_value());  // a NACK answer: same sequence number
  EXPECT_EQ(first, resend);  // same index, same key: the same bytes on the wire
  EXPECT_EQ(a.drops().total(), 0u);
  EXPECT_EQ(a.counters().rtp_protected, 2u);
}

TEST_P(SrtpSessionTest, ShortAndMalformedInputIsCountedNotFatal) {
  auto [a, b] = make_pair(SrtpProfile::kAes128CmSha1_80);
  std::vector<std::byte> tiny = filled(11, 0x80);
  EXPECT_FALSE(b.unprotect_rtp(tiny).has_value());
  std::vector<std::byte> header_and_short_tag = filled(12 + 9, 0x80);  // needs 12 + 10
  EXPECT_FALSE(b.unprotect_rtp(header_and_short_tag).has_value());
  std::vector<std::byte> short_rtcp = filled(8 + 13, 0x80);  // needs 8 + 4 + 10
  EXPECT_FALSE(b.unprotect_rtcp(short_rtcp).has_value());
  EXPECT_FALSE(b.unprotect_rtp({}).has_value());
  EXPECT_FALSE(b.unprotect_rtcp({}).has_value());
  EXPECT_EQ(b.drops()[DropReason::kTooShort], 5u);

  // CC=15 claims 60 bytes of CSRCs in a 30-byte packet.
  std::vector<std::byte> bad_csrc = filled(30, 0x00);
  bad_csrc[0] = std::byte{0x8f};
  EXPECT_FALSE(b.unprotect_rtp(bad_csrc).has_value());
  // Random-looking bytes of plausible length.
  std::vector<std::byte> garbage(200);
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = std::byte(static_cast<std::uint8_t>(i * 37 + 11));
  garbage[0] = std::byte{0x80};
  EXPECT_FALSE(b.unprotect_rtp(garbage).has_value());
  EXPECT_FALSE(b.unprotect_rtcp(garbage).has_value());
  EXPECT_EQ(b.drops().total(), 8u);
  EXPECT_EQ(b.counters().rtp_unprotected, 0u);

  std::vector<std::byte> no_room = rtp_packet(1, 10);
  EXPECT_FALSE(a.protect_rtp(std::span(no_room).first(22 + 9), 22).has_value());  // room for 9 of 10 tag bytes
  EXPECT_FALSE(a.protect_rtp(no_room, no_room.size() + 1).has_value());           // length beyond the buffer
  EXPECT_EQ(a.drops()[DropReason::kSrtpOther], 2u);
  EXPECT_FALSE(a.protect_rtp(no_room, 11).has_value());
  EXPECT_FALSE(a.protect_rtcp(no_room, 7).has_value());
  EXPECT_EQ(a.drops()[DropReason::kTooShort], 2u);
  EXPECT_EQ(a.counters().rtp_protected, 0u);
  // Exactly enough room is enough.
  EXPECT_EQ(a.protect_rtp(std::span(no_room).first(22 + 10), 22), 32u);
}

TEST_P(SrtpSessionTest, BadKeysThrowNamingTheProfile) {
  try {
    SrtpSession session(keys_for(SrtpProfile::kAeadAes256Gcm, filled(28, 1), filled(44, 1)));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("SRTP_AEAD_AES_256_GCM"), std::string::npos) << error.what();
  }
}

TEST(SrtpLibraryTest, ReferenceCountedAndReusable) {
  ASSERT_FALSE(SrtpLibrary::is_initialized());
  {
    SrtpLibrary outer;
    {
      SrtpLibrary inner;
      EXPECT_TRUE(SrtpLibrary::is_initialized());
    }
    EXPECT_TRUE(SrtpLibrary::is_initialized());  // outer still owns it
    EXPECT_NO_THROW(make_pair(SrtpProfile::kAes128CmSha1_80));
  }
  EXPECT_FALSE(SrtpLibrary::is_initialized());
  EXPECT_THROW(make_pair(SrtpProfile::kAes128CmSha1_80), std::logic_error);

  SrtpLibrary again;  // srtp_init after srtp_shutdown
  auto [a, b] = make_pair(SrtpProfile::kAes128CmSha1_80);
  std::vector<std::byte> packet = rtp_packet(1, 10);
  const auto length = a.protect_rtp(packet, 22);
  ASSERT_TRUE(length.has_value());
  EXPECT_EQ(b.unprotect_rtp(std::span(packet).first(*length)), 22u);
}

}  // namespace
}  // namespace parrot::media::srtp
