#include "media/srtp/keying_material.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace parrot::media::srtp {

std::string_view to_string(SrtpProfile profile) noexcept {
  switch (profile) {
    case SrtpProfile::kAes128CmSha1_80: return "SRTP_AES128_CM_SHA1_80";
    case SrtpProfile::kAes128CmSha1_32: return "SRTP_AES128_CM_SHA1_32";
    case SrtpProfile::kAeadAes128Gcm: return "SRTP_AEAD_AES_128_GCM";
    case SrtpProfile::kAeadAes256Gcm: return "SRTP_AEAD_AES_256_GCM";
  }
  return "unknown";
}

std::optional<SrtpProfile> profile_from_id(std::uint16_t id) noexcept {
  for (const auto profile : kAllProfiles) {
    if (profile_id(profile) == id) return profile;
  }
  return std::nullopt;
}

namespace {

void append(std::vector<std::byte>& out, ByteView from) { out.insert(out.end(), from.begin(), from.end()); }

std::invalid_argument length_error(SrtpProfile profile, std::string_view what, std::size_t expected,
                                   std::size_t got) {
  return std::invalid_argument(std::string(to_string(profile)) + ": " + std::string(what) + " must be " +
                               std::to_string(expected) + " bytes, got " + std::to_string(got));
}

}  // namespace

KeyingMaterial KeyingMaterial::from_dtls_export(SrtpProfile profile, ByteView exported, bool is_dtls_client) {
  const std::size_t key_bytes = master_key_bytes(profile);
  const std::size_t salt_bytes = master_salt_bytes(profile);
  if (exported.size() != dtls_export_bytes(profile)) {
    throw length_error(profile, "DTLS-SRTP exported keying material", dtls_export_bytes(profile), exported.size());
  }
  const ByteView client_key = exported.subspan(0, key_bytes);
  const ByteView server_key = exported.subspan(key_bytes, key_bytes);
  const ByteView client_salt = exported.subspan(2 * key_bytes, salt_bytes);
  const ByteView server_salt = exported.subspan(2 * key_bytes + salt_bytes, salt_bytes);

  KeyingMaterial keys;
  keys.profile = profile;
  std::vector<std::byte> client;
  append(client, client_key);
  append(client, client_salt);
  std::vector<std::byte> server;
  append(server, server_key);
  append(server, server_salt);
  keys.local_key_salt = is_dtls_client ? std::move(client) : std::move(server);
  keys.remote_key_salt = is_dtls_client ? std::move(server) : std::move(client);
  return keys;
}

void KeyingMaterial::validate() const {
  if (!profile_from_id(profile_id(profile))) {
    throw std::invalid_argument("unknown SRTP profile id " + std::to_string(profile_id(profile)));
  }
  const std::size_t expected = key_salt_bytes(profile);
  if (local_key_salt.size() != expected) throw length_error(profile, "local key||salt", expected, local_key_salt.size());
  if (remote_key_salt.size() != expected) {
    throw length_error(profile, "remote key||salt", expected, remote_key_salt.size());
  }
}

}  // namespace parrot::media::srtp
