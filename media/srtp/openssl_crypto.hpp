// libsrtp2 cipher and auth types computed with OpenSSL 3: AES-ICM
// (128/192/256), AES-GCM (128/256) and HMAC-SHA1.
//
// Debian's libsrtp2 is built on NSS, which sets up a PKCS#11 context for
// every packet and slows down as sessions accumulate in the process.
// libsrtp lets a program replace the crypto behind a type id
// (srtp_replace_cipher_type / srtp_replace_auth_type) and keeps everything
// else: key derivation, replay windows, SRTCP, header parsing. These types
// set up their OpenSSL state once per libsrtp cipher (at key time), so a
// packet costs no allocation and no algorithm or parameter lookup:
//   - AES-ICM is AES-ECB over counter blocks, XORed in (RFC 3711 §4.1.1);
//     the ECB context keeps the key schedule, so a new IV is 16 bytes copied
//     rather than a cipher re-initialisation;
//   - AES-GCM re-initialises its EVP context with the IV only;
//   - HMAC-SHA1 keeps the SHA-1 states after the ipad and opad blocks
//     (RFC 2104) and copies them per packet. OpenSSL 3.0's EVP_MAC and
//     EVP_MD re-initialisation duplicate a digest context per packet (two
//     allocations), so this one file uses OpenSSL's plain SHA-1 functions.
//
// Only SrtpLibrary installs them, after srtp_init and under its lock: the
// crypto kernel's type list is process-global and unlocked, and
// srtp_shutdown forgets every replacement.
#pragma once

#include <string>

struct srtp_cipher_type_t;
struct srtp_auth_type_t;

namespace parrot::media::srtp::openssl_crypto {

// The oldest OpenSSL these types accept. They re-initialise kept EVP
// contexts with a NULL key (a new IV, same key schedule), and 3.0.0 to 3.0.2
// still had fixes to come in that path (re-keying an HMAC context with a
// NULL key among them); nothing older than 3.0.3 is tested.
inline constexpr unsigned long kMinimumOpenSslVersion = 0x30000030UL;  // 3.0.3

// True if the OpenSSL loaded at run time (OpenSSL_version_num, not the
// headers this was compiled against) is at least kMinimumOpenSslVersion.
bool runtime_openssl_supported() noexcept;
// "OpenSSL 3.0.19 27 Jan 2026": the loaded library's own version text.
std::string runtime_openssl_version();

// Fetches the OpenSSL ciphers and replaces libsrtp's AES-ICM-128/192/256
// (together: AES-192-CM derives its keys with AES-ICM-256), AES-GCM-128/256
// and HMAC-SHA1 types. libsrtp runs each new type's self-test (libsrtp's
// own vectors; for HMAC also the RFC 2202 vectors truncated to SRTP's 80
// and 32 bits) and the replaced type's vectors before accepting it.
// Returns 0 (srtp_err_status_ok) or the libsrtp status of the first
// refusal; after a refusal some types may be replaced already, and the
// caller restarts libsrtp (srtp_shutdown, srtp_init) to get the stock ones.
int install() noexcept;

// Frees what install() fetched. Only after srtp_shutdown, once no libsrtp
// session is left.
void release() noexcept;

// True if libsrtp's crypto kernel currently hands out these types for
// every id install() replaces.
bool installed() noexcept;

// The type tables, for tests that run libsrtp's self-tests on them.
const srtp_cipher_type_t& aes_icm_128() noexcept;
const srtp_cipher_type_t& aes_icm_192() noexcept;
const srtp_cipher_type_t& aes_icm_256() noexcept;
const srtp_cipher_type_t& aes_gcm_128() noexcept;
const srtp_cipher_type_t& aes_gcm_256() noexcept;
const srtp_auth_type_t& hmac_sha1() noexcept;

}  // namespace parrot::media::srtp::openssl_crypto
