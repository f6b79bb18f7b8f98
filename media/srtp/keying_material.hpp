// SRTP protection profiles and the master keys DTLS-SRTP hands to media/.
// transport/ fills a KeyingMaterial from the DTLS exporter, bot/ passes it to
// the call's SrtpSession; nothing here touches libsrtp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "media/bytes.hpp"

namespace parrot::media::srtp {

// The enumerator values are the IANA "DTLS-SRTP Protection Profiles" ids
// (RFC 5764 §4.1.2, RFC 7714 §14.2), as carried in the use_srtp extension.
enum class SrtpProfile : std::uint16_t {
  kAes128CmSha1_80 = 0x0001,
  kAes128CmSha1_32 = 0x0002,
  kAeadAes128Gcm = 0x0007,
  kAeadAes256Gcm = 0x0008,
};

inline constexpr SrtpProfile kAllProfiles[] = {SrtpProfile::kAes128CmSha1_80, SrtpProfile::kAes128CmSha1_32,
                                               SrtpProfile::kAeadAes128Gcm, SrtpProfile::kAeadAes256Gcm};

// The IANA name ("SRTP_AES128_CM_SHA1_80", "SRTP_AEAD_AES_128_GCM", ...):
// what the call report's dtls.srtp_profile shows.
std::string_view to_string(SrtpProfile profile) noexcept;

constexpr std::uint16_t profile_id(SrtpProfile profile) noexcept { return static_cast<std::uint16_t>(profile); }

// nullopt for ids parrot does not implement (NULL ciphers, AES-256-CM, ...).
std::optional<SrtpProfile> profile_from_id(std::uint16_t id) noexcept;

// Master key and master salt sizes in bytes (RFC 5764 §4.1.2: 128-bit key,
// 112-bit salt; RFC 7714 §14.2: 128/256-bit key, 96-bit salt).
constexpr std::size_t master_key_bytes(SrtpProfile profile) noexcept {
  return profile == SrtpProfile::kAeadAes256Gcm ? 32 : 16;
}
constexpr std::size_t master_salt_bytes(SrtpProfile profile) noexcept {
  return profile == SrtpProfile::kAeadAes128Gcm || profile == SrtpProfile::kAeadAes256Gcm ? 12 : 14;
}
// libsrtp takes the key and the salt as one contiguous key‖salt block.
constexpr std::size_t key_salt_bytes(SrtpProfile profile) noexcept {
  return master_key_bytes(profile) + master_salt_bytes(profile);
}
// Size of the RFC 5764 §4.2 exporter output: keys and salts of both sides.
constexpr std::size_t dtls_export_bytes(SrtpProfile profile) noexcept { return 2 * key_salt_bytes(profile); }

// Keys for one call, one per direction. Plain data: transport/ fills it once
// the DTLS handshake is done and may hand it across threads by value.
struct KeyingMaterial {
  SrtpProfile profile = SrtpProfile::kAes128CmSha1_80;
  std::vector<std::byte> local_key_salt;   // parrot sends with it: master key ‖ master salt
  std::vector<std::byte> remote_key_salt;  // the peer sends with it: master key ‖ master salt

  // Splits the RFC 5764 §4.2 exporter output
  //   client_write_key | server_write_key | client_write_salt | server_write_salt
  // The DTLS client sends with the client key, the server with the server key.
  // Throws std::invalid_argument if `exported` is not dtls_export_bytes(profile) long.
  static KeyingMaterial from_dtls_export(SrtpProfile profile, ByteView exported, bool is_dtls_client);

  // Throws std::invalid_argument naming the profile if either side is not
  // key_salt_bytes(profile) long.
  void validate() const;
};

}  // namespace parrot::media::srtp
