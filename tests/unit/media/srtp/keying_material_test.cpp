#include "media/srtp/keying_material.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace parrot::media::srtp {
namespace {

std::vector<std::byte> sequence_bytes(std::size_t count, std::uint8_t first) {
  std::vector<std::byte> out(count);
  for (std::size_t i = 0; i < count; ++i) out[i] = std::byte(static_cast<std::uint8_t>(first + i));
  return out;
}

TEST(SrtpProfileTest, IdsAreTheIanaDtlsSrtpProtectionProfiles) {
  // RFC 5764 §4.1.2 and RFC 7714 §14.2.
  EXPECT_EQ(profile_id(SrtpProfile::kAes128CmSha1_80), 0x0001);
  EXPECT_EQ(profile_id(SrtpProfile::kAes128CmSha1_32), 0x0002);
  EXPECT_EQ(profile_id(SrtpProfile::kAeadAes128Gcm), 0x0007);
  EXPECT_EQ(profile_id(SrtpProfile::kAeadAes256Gcm), 0x0008);

  EXPECT_EQ(profile_from_id(0x0001), SrtpProfile::kAes128CmSha1_80);
  EXPECT_EQ(profile_from_id(0x0002), SrtpProfile::kAes128CmSha1_32);
  EXPECT_EQ(profile_from_id(0x0007), SrtpProfile::kAeadAes128Gcm);
  EXPECT_EQ(profile_from_id(0x0008), SrtpProfile::kAeadAes256Gcm);
  // 0x0005/0x0006 are the NULL-cipher profiles parrot refuses; 0 is reserved.
  for (std::uint16_t id : std::initializer_list<std::uint16_t>{0x0000, 0x0003, 0x0004, 0x0005, 0x0006, 0x0009, 0xFFFF}) {
    EXPECT_FALSE(profile_from_id(id).has_value()) << id;
  }
}

TEST(SrtpProfileTest, NamesAreTheIanaNames) {
  EXPECT_EQ(to_string(SrtpProfile::kAes128CmSha1_80), "SRTP_AES128_CM_SHA1_80");
  EXPECT_EQ(to_string(SrtpProfile::kAes128CmSha1_32), "SRTP_AES128_CM_SHA1_32");
  EXPECT_EQ(to_string(SrtpProfile::kAeadAes128Gcm), "SRTP_AEAD_AES_128_GCM");
  EXPECT_EQ(to_string(SrtpProfile::kAeadAes256Gcm), "SRTP_AEAD_AES_256_GCM");
}

TEST(SrtpProfileTest, KeyAndSaltLengths) {
  // RFC 5764 §4.1.2: AES-CM profiles, 128-bit key, 112-bit salt.
  EXPECT_EQ(master_key_bytes(SrtpProfile::kAes128CmSha1_80), 16u);
  EXPECT_EQ(master_salt_bytes(SrtpProfile::kAes128CmSha1_80), 14u);
  EXPECT_EQ(master_key_bytes(SrtpProfile::kAes128CmSha1_32), 16u);
  EXPECT_EQ(master_salt_bytes(SrtpProfile::kAes128CmSha1_32), 14u);
  // RFC 7714 §14.2: 128/256-bit key, 96-bit salt.
  EXPECT_EQ(master_key_bytes(SrtpProfile::kAeadAes128Gcm), 16u);
  EXPECT_EQ(master_salt_bytes(SrtpProfile::kAeadAes128Gcm), 12u);
  EXPECT_EQ(master_key_bytes(SrtpProfile::kAeadAes256Gcm), 32u);
  EXPECT_EQ(master_salt_bytes(SrtpProfile::kAeadAes256Gcm), 12u);

  EXPECT_EQ(dtls_export_bytes(SrtpProfile::kAes128CmSha1_80), 60u);
  EXPECT_EQ(dtls_export_bytes(SrtpProfile::kAeadAes128Gcm), 56u);
  EXPECT_EQ(dtls_export_bytes(SrtpProfile::kAeadAes256Gcm), 88u);
}

// A hand-made 60-byte RFC 5764 §4.2 block whose byte values say where they sit:
//   [ 0..16)  client_write_key   0x00..0x0f
//   [16..32)  server_write_key   0x10..0x1f
//   [32..46)  client_write_salt  0x20..0x2d
//   [46..60)  server_write_salt  0x2e..0x3b
TEST(KeyingMaterialTest, DtlsClientSendsWithClientKey) {
  const std::vector<std::byte> exported = sequence_bytes(60, 0x00);
  const KeyingMaterial keys = KeyingMaterial::from_dtls_export(SrtpProfile::kAes128CmSha1_80, exported, true);

  std::vector<std::byte> client_key_salt = sequence_bytes(16, 0x00);  // client_write_key
  const auto client_salt = sequence_bytes(14, 0x20);                   // client_write_salt
  client_key_salt.insert(client_key_salt.end(), client_salt.begin(), client_salt.end());
  std::vector<std::byte> server_key_salt = sequence_bytes(16, 0x10);  // server_write_key
  const auto server_salt = sequence_bytes(14, 0x2e);                   // server_write_salt
  server_key_salt.insert(server_key_salt.end(), server_salt.begin(), server_salt.end());

  EXPECT_EQ(keys.profile, SrtpProfile::kAes128CmSha1_80);
  EXPECT_EQ(keys.local_key_salt, client_key_salt);
  EXPECT_EQ(keys.remote_key_salt, server_key_salt);
  EXPECT_NO_THROW(keys.validate());

  const KeyingMaterial server = KeyingMaterial::from_dtls_export(SrtpProfile::kAes128CmSha1_80, exported, false);
  EXPECT_EQ(server.local_key_salt, server_key_salt);
  EXPECT_EQ(server.remote_key_salt, client_key_salt);
}

// AEAD_AES_256_GCM: 32-byte keys, 12-byte salts, 88 bytes in all.
TEST(KeyingMaterialTest, SplitsGcm256Block) {
  const std::vector<std::byte> exported = sequence_bytes(88, 0x00);
  const KeyingMaterial keys = KeyingMaterial::from_dtls_export(SrtpProfile::kAeadAes256Gcm, exported, true);
  ASSERT_EQ(keys.local_key_salt.size(), 44u);
  ASSERT_EQ(keys.remote_key_salt.size(), 44u);
  EXPECT_EQ(keys.local_key_salt[0], std::byte{0x00});    // client_write_key starts at 0
  EXPECT_EQ(keys.local_key_salt[31], std::byte{0x1f});
  EXPECT_EQ(keys.local_key_salt[32], std::byte{0x40});   // client_write_salt starts at 64
  EXPECT_EQ(keys.local_key_salt[43], std::byte{0x4b});
  EXPECT_EQ(keys.remote_key_salt[0], std::byte{0x20});   // server_write_key starts at 32
  EXPECT_EQ(keys.remote_key_salt[32], std::byte{0x4c});  // server_write_salt starts at 76
  EXPECT_EQ(keys.remote_key_salt[43], std::byte{0x57});
}

TEST(KeyingMaterialTest, WrongExportLengthThrowsNamingTheProfile) {
  const std::vector<std::byte> short_block = sequence_bytes(59, 0);
  try {
    KeyingMaterial::from_dtls_export(SrtpProfile::kAes128CmSha1_80, short_block, true);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("SRTP_AES128_CM_SHA1_80"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("60"), std::string::npos) << error.what();
  }
  // A GCM-128 block (56 bytes) offered as AES-CM is refused too.
  EXPECT_THROW(KeyingMaterial::from_dtls_export(SrtpProfile::kAes128CmSha1_80, sequence_bytes(56, 0), false),
               std::invalid_argument);
  EXPECT_THROW(KeyingMaterial::from_dtls_export(SrtpProfile::kAeadAes128Gcm, {}, false), std::invalid_argument);
}

TEST(KeyingMaterialTest, ValidateChecksBothSides) {
  KeyingMaterial keys;
  keys.profile = SrtpProfile::kAeadAes128Gcm;
  keys.local_key_salt = sequence_bytes(28, 0);
  keys.remote_key_salt = sequence_bytes(30, 0);  // an AES-CM length, wrong for GCM
  EXPECT_THROW(keys.validate(), std::invalid_argument);
  keys.remote_key_salt = sequence_bytes(28, 0);
  EXPECT_NO_THROW(keys.validate());
  keys.profile = static_cast<SrtpProfile>(0x0005);
  EXPECT_THROW(keys.validate(), std::invalid_argument);
}

}  // namespace
}  // namespace parrot::media::srtp
