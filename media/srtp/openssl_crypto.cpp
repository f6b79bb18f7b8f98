// OpenSSL 3 deprecates the plain SHA-1 functions in favour of EVP_MD, but in
// 3.0 every EVP_MD/EVP_MAC re-initialisation duplicates a digest context (an
// allocation per packet); SHA_CTX is a plain struct that copies. Must come
// before the first OpenSSL header.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "media/srtp/openssl_crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <string>
#include <string_view>

// Exported by libsrtp2 (its known-answer vectors and the kernel's type
// lookup) but declared only in headers it does not install.
extern "C" {
extern const srtp_cipher_test_case_t srtp_aes_icm_128_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_icm_192_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_icm_256_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_gcm_128_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_gcm_256_test_case_0;
extern const srtp_auth_test_case_t srtp_hmac_test_case_0;
const srtp_cipher_type_t* srtp_crypto_kernel_get_cipher_type(srtp_cipher_type_id_t id);
const srtp_auth_type_t* srtp_crypto_kernel_get_auth_type(srtp_auth_type_id_t id);
}

namespace parrot::media::srtp::openssl_crypto {

namespace {

constexpr std::size_t kAesBlockBytes = 16;
constexpr std::size_t kGcmIvBytes = 12;       // RFC 7714 §8.1
constexpr std::size_t kGcmMaxTagBytes = 16;   // libsrtp offers 8 and 16
constexpr std::size_t kSha1Bytes = SHA_DIGEST_LENGTH;
constexpr std::size_t kSha1BlockBytes = SHA_CBLOCK;  // RFC 2104's B
// Counter blocks encrypted per EVP call: an RTP packet of up to 512 bytes
// is one call, and the buffer stays a small stack array.
constexpr std::size_t kCounterBlocksPerCall = 32;

// Fetched once by install() (an EVP_CIPHER fetch is a by-name lookup in
// OpenSSL's provider store) and used by every session's context.
EVP_CIPHER* aes_128_ecb = nullptr;
EVP_CIPHER* aes_192_ecb = nullptr;
EVP_CIPHER* aes_256_ecb = nullptr;
EVP_CIPHER* aes_128_gcm = nullptr;
EVP_CIPHER* aes_256_gcm = nullptr;

// OpenSSL records failures in a per-thread error queue, and the worker that
// protects SRTP also drives DTLS, whose SSL_get_error reads that queue: a
// failure here must not leave an entry behind (a tampered GCM packet is an
// ordinary event).
srtp_err_status_t failed(srtp_err_status_t status) noexcept {
  ERR_clear_error();
  return status;
}

// --- AES-ICM (RFC 3711 §4.1.1): keystream block i is AES(K, counter + i),
// counter = (salt ‖ 0x0000) XOR IV, counted big-endian. ---

struct IcmCipher {
  srtp_cipher_t cipher{};  // what libsrtp holds; cipher.state points back here
  EVP_CIPHER_CTX* ecb = nullptr;
  const EVP_CIPHER* aes = nullptr;
  std::size_t aes_key_bytes = 0;
  std::array<std::uint8_t, kAesBlockBytes> offset{};   // master salt ‖ 0x0000
  std::array<std::uint8_t, kAesBlockBytes> counter{};  // the next block to encrypt
  // Keystream left over from the last block of the previous encrypt call:
  // libsrtp's RFC 6904 header encryption draws keystream a few bytes at a
  // time after one set_iv.
  std::array<std::uint8_t, kAesBlockBytes> leftover{};
  std::size_t leftover_used = kAesBlockBytes;
};

extern const srtp_cipher_type_t icm_128_type;
extern const srtp_cipher_type_t icm_192_type;
extern const srtp_cipher_type_t icm_256_type;

void increment_block(std::array<std::uint8_t, kAesBlockBytes>& block) noexcept {
  for (std::size_t i = block.size(); i-- > 0;) {
    if (++block[i] != 0) break;
  }
}

srtp_err_status_t icm_alloc(srtp_cipher_t** c, int key_len, int /*tag_len*/) {
  const srtp_cipher_type_t* type = nullptr;
  const EVP_CIPHER* aes = nullptr;
  std::size_t aes_key_bytes = 0;
  switch (key_len) {
    case SRTP_AES_ICM_128_KEY_LEN_WSALT: type = &icm_128_type; aes = aes_128_ecb; aes_key_bytes = 16; break;
    case SRTP_AES_ICM_192_KEY_LEN_WSALT: type = &icm_192_type; aes = aes_192_ecb; aes_key_bytes = 24; break;
    case SRTP_AES_ICM_256_KEY_LEN_WSALT: type = &icm_256_type; aes = aes_256_ecb; aes_key_bytes = 32; break;
    default: return srtp_err_status_bad_param;
  }
  if (aes == nullptr) return srtp_err_status_init_fail;
  auto* icm = new (std::nothrow) IcmCipher;
  if (icm == nullptr) return srtp_err_status_alloc_fail;
  icm->ecb = EVP_CIPHER_CTX_new();
  if (icm->ecb == nullptr) {
    delete icm;
    return srtp_err_status_alloc_fail;
  }
  icm->aes = aes;
  icm->aes_key_bytes = aes_key_bytes;
  // libsrtp reads the type and the algorithm from the cipher, not from the
  // table it allocated through.
  icm->cipher.type = type;
  icm->cipher.state = icm;
  icm->cipher.key_len = key_len;
  icm->cipher.algorithm = static_cast<int>(type->id);
  *c = &icm->cipher;
  return srtp_err_status_ok;
}

srtp_err_status_t icm_dealloc(srtp_cipher_t* c) {
  if (c == nullptr) return srtp_err_status_bad_param;
  auto* icm = static_cast<IcmCipher*>(c->state);
  EVP_CIPHER_CTX_free(icm->ecb);
  OPENSSL_cleanse(icm, sizeof(*icm));
  delete icm;
  return srtp_err_status_ok;
}

// `key` is the AES key followed by the 14-byte salt.
srtp_err_status_t icm_init(void* state, const std::uint8_t* key) {
  auto* icm = static_cast<IcmCipher*>(state);
  if (EVP_EncryptInit_ex2(icm->ecb, icm->aes, key, nullptr, nullptr) != 1) return failed(srtp_err_status_cipher_fail);
  EVP_CIPHER_CTX_set_padding(icm->ecb, 0);  // whole blocks only, none held back
  icm->offset.fill(0);
  std::memcpy(icm->offset.data(), key + icm->aes_key_bytes, SRTP_SALT_LEN);
  icm->counter = icm->offset;
  icm->leftover_used = kAesBlockBytes;
  return srtp_err_status_ok;
}

srtp_err_status_t icm_set_iv(void* state, std::uint8_t* iv, srtp_cipher_direction_t /*direction*/) {
  auto* icm = static_cast<IcmCipher*>(state);
  for (std::size_t i = 0; i < kAesBlockBytes; ++i) icm->counter[i] = icm->offset[i] ^ iv[i];
  icm->leftover_used = kAesBlockBytes;
  return srtp_err_status_ok;
}

// Encryption and decryption are the same XOR of keystream.
srtp_err_status_t icm_crypt(void* state, std::uint8_t* buffer, unsigned int* octets) {
  auto* icm = static_cast<IcmCipher*>(state);
  std::size_t remaining = *octets;
  std::uint8_t* data = buffer;
  while (remaining > 0 && icm->leftover_used < kAesBlockBytes) {
    *data++ ^= icm->leftover[icm->leftover_used++];
    --remaining;
  }
  std::array<std::uint8_t, kCounterBlocksPerCall * kAesBlockBytes> keystream;
  while (remaining > 0) {
    const std::size_t blocks = std::min(kCounterBlocksPerCall, (remaining + kAesBlockBytes - 1) / kAesBlockBytes);
    const std::size_t keystream_bytes = blocks * kAesBlockBytes;
    for (std::size_t b = 0; b < blocks; ++b) {
      std::memcpy(keystream.data() + b * kAesBlockBytes, icm->counter.data(), kAesBlockBytes);
      increment_block(icm->counter);
    }
    int written = 0;
    if (EVP_EncryptUpdate(icm->ecb, keystream.data(), &written, keystream.data(), static_cast<int>(keystream_bytes)) !=
            1 ||
        static_cast<std::size_t>(written) != keystream_bytes) {
      return failed(srtp_err_status_cipher_fail);
    }
    const std::size_t used = std::min(remaining, keystream_bytes);
    for (std::size_t i = 0; i < used; ++i) data[i] ^= keystream[i];
    data += used;
    remaining -= used;
    if (used < keystream_bytes) {  // the last block is only partly used: keep the rest
      const std::size_t last_block = keystream_bytes - kAesBlockBytes;
      std::memcpy(icm->leftover.data(), keystream.data() + last_block, kAesBlockBytes);
      icm->leftover_used = used - last_block;
    }
  }
  return srtp_err_status_ok;
}

// --- AES-GCM (RFC 7714). libsrtp calls set_iv, set_aad (twice for SRTCP:
// header, then the E-flag and index word), then encrypt + get_tag, or
// decrypt with the tag appended to the ciphertext. ---

struct GcmCipher {
  srtp_cipher_t cipher{};
  EVP_CIPHER_CTX* ctx = nullptr;
  const EVP_CIPHER* aes = nullptr;
  int tag_bytes = 0;
  std::array<std::uint8_t, kGcmMaxTagBytes> tag{};  // of the last encrypt, for get_tag
};

extern const srtp_cipher_type_t gcm_128_type;
extern const srtp_cipher_type_t gcm_256_type;

srtp_err_status_t gcm_alloc(srtp_cipher_t** c, int key_len, int tag_len) {
  const srtp_cipher_type_t* type = nullptr;
  const EVP_CIPHER* aes = nullptr;
  switch (key_len) {
    case SRTP_AES_GCM_128_KEY_LEN_WSALT: type = &gcm_128_type; aes = aes_128_gcm; break;
    case SRTP_AES_GCM_256_KEY_LEN_WSALT: type = &gcm_256_type; aes = aes_256_gcm; break;
    default: return srtp_err_status_bad_param;
  }
  if (tag_len != 8 && tag_len != 16) return srtp_err_status_bad_param;
  if (aes == nullptr) return srtp_err_status_init_fail;
  auto* gcm = new (std::nothrow) GcmCipher;
  if (gcm == nullptr) return srtp_err_status_alloc_fail;
  gcm->ctx = EVP_CIPHER_CTX_new();
  if (gcm->ctx == nullptr) {
    delete gcm;
    return srtp_err_status_alloc_fail;
  }
  gcm->aes = aes;
  gcm->tag_bytes = tag_len;
  gcm->cipher.type = type;
  gcm->cipher.state = gcm;
  gcm->cipher.key_len = key_len;
  // srtp_protect picks its AEAD path by this field.
  gcm->cipher.algorithm = static_cast<int>(type->id);
  *c = &gcm->cipher;
  return srtp_err_status_ok;
}

srtp_err_status_t gcm_dealloc(srtp_cipher_t* c) {
  if (c == nullptr) return srtp_err_status_bad_param;
  auto* gcm = static_cast<GcmCipher*>(c->state);
  EVP_CIPHER_CTX_free(gcm->ctx);
  OPENSSL_cleanse(gcm, sizeof(*gcm));
  delete gcm;
  return srtp_err_status_ok;
}

// `key` is the AES key followed by the 12-byte salt, which libsrtp folds
// into the IV itself.
srtp_err_status_t gcm_init(void* state, const std::uint8_t* key) {
  auto* gcm = static_cast<GcmCipher*>(state);
  if (EVP_CipherInit_ex2(gcm->ctx, gcm->aes, key, nullptr, 1, nullptr) != 1) {
    return failed(srtp_err_status_cipher_fail);
  }
  return srtp_err_status_ok;
}

srtp_err_status_t gcm_set_iv(void* state, std::uint8_t* iv, srtp_cipher_direction_t direction) {
  auto* gcm = static_cast<GcmCipher*>(state);
  if (direction != srtp_direction_encrypt && direction != srtp_direction_decrypt) return srtp_err_status_bad_param;
  static_assert(kGcmIvBytes == 12, "the EVP GCM default IV length, so the context needs no IV-length parameter");
  const int encrypt = direction == srtp_direction_encrypt ? 1 : 0;
  if (EVP_CipherInit_ex2(gcm->ctx, nullptr, nullptr, iv, encrypt, nullptr) != 1) {
    return failed(srtp_err_status_cipher_fail);
  }
  return srtp_err_status_ok;
}

srtp_err_status_t gcm_set_aad(void* state, const std::uint8_t* aad, std::uint32_t aad_len) {
  auto* gcm = static_cast<GcmCipher*>(state);
  if (aad_len > INT_MAX) return srtp_err_status_bad_param;
  int written = 0;
  if (aad_len > 0 && EVP_CipherUpdate(gcm->ctx, nullptr, &written, aad, static_cast<int>(aad_len)) != 1) {
    return failed(srtp_err_status_cipher_fail);
  }
  return srtp_err_status_ok;
}

// Leaves *octets unchanged: the tag goes out through get_tag. libsrtp calls
// this with no data for SRTCP whose payload is not encrypted (the tag then
// covers only the AAD).
srtp_err_status_t gcm_encrypt(void* state, std::uint8_t* buffer, unsigned int* octets) {
  auto* gcm = static_cast<GcmCipher*>(state);
  if (*octets > INT_MAX || (*octets > 0 && buffer == nullptr)) return srtp_err_status_bad_param;
  int written = 0;
  if (*octets > 0 && EVP_EncryptUpdate(gcm->ctx, buffer, &written, buffer, static_cast<int>(*octets)) != 1) {
    return failed(srtp_err_status_cipher_fail);
  }
  std::array<std::uint8_t, kAesBlockBytes> unused;  // GCM's final step writes no data
  if (EVP_EncryptFinal_ex(gcm->ctx, unused.data(), &written) != 1 ||
      EVP_CIPHER_CTX_ctrl(gcm->ctx, EVP_CTRL_AEAD_GET_TAG, gcm->tag_bytes, gcm->tag.data()) != 1) {
    return failed(srtp_err_status_cipher_fail);
  }
  return srtp_err_status_ok;
}

srtp_err_status_t gcm_get_tag(void* state, std::uint8_t* tag, std::uint32_t* tag_len) {
  auto* gcm = static_cast<GcmCipher*>(state);
  std::memcpy(tag, gcm->tag.data(), static_cast<std::size_t>(gcm->tag_bytes));
  *tag_len = static_cast<std::uint32_t>(gcm->tag_bytes);
  return srtp_err_status_ok;
}

// `buffer` holds the ciphertext followed by the tag; on success *octets
// becomes the plaintext length. A tag that does not verify is
// srtp_err_status_auth_fail, which SrtpSession counts as kSrtpAuthFail.
srtp_err_status_t gcm_decrypt(void* state, std::uint8_t* buffer, unsigned int* octets) {
  auto* gcm = static_cast<GcmCipher*>(state);
  const auto tag_bytes = static_cast<unsigned int>(gcm->tag_bytes);
  if (*octets > INT_MAX || buffer == nullptr) return srtp_err_status_bad_param;
  if (*octets < tag_bytes) return srtp_err_status_auth_fail;
  const unsigned int ciphertext_bytes = *octets - tag_bytes;
  if (EVP_CIPHER_CTX_ctrl(gcm->ctx, EVP_CTRL_AEAD_SET_TAG, gcm->tag_bytes, buffer + ciphertext_bytes) != 1) {
    return failed(srtp_err_status_cipher_fail);
  }
  int written = 0;
  if (ciphertext_bytes > 0 &&
      EVP_DecryptUpdate(gcm->ctx, buffer, &written, buffer, static_cast<int>(ciphertext_bytes)) != 1) {
    return failed(srtp_err_status_cipher_fail);
  }
  std::array<std::uint8_t, kAesBlockBytes> unused;
  if (EVP_DecryptFinal_ex(gcm->ctx, unused.data(), &written) != 1) return failed(srtp_err_status_auth_fail);
  *octets = ciphertext_bytes;
  return srtp_err_status_ok;
}

// --- HMAC-SHA1 (RFC 2104), truncated to libsrtp's out_len (RFC 3711 §4.2:
// 80 or 32 bits). ---

struct HmacSha1 {
  srtp_auth_t auth{};
  SHA_CTX after_ipad{};  // SHA-1 state after (K XOR ipad): the start of every inner hash
  SHA_CTX after_opad{};  // after (K XOR opad): the start of every outer hash
  SHA_CTX inner{};       // the packet being authenticated
};

extern const srtp_auth_type_t hmac_sha1_type;

srtp_err_status_t hmac_alloc(srtp_auth_t** a, int key_len, int out_len) {
  if (key_len < 0 || out_len < 0 || static_cast<std::size_t>(out_len) > kSha1Bytes) return srtp_err_status_bad_param;
  auto* hmac = new (std::nothrow) HmacSha1;
  if (hmac == nullptr) return srtp_err_status_alloc_fail;
  hmac->auth.type = &hmac_sha1_type;
  hmac->auth.state = hmac;
  hmac->auth.out_len = out_len;
  hmac->auth.key_len = key_len;
  hmac->auth.prefix_len = 0;
  *a = &hmac->auth;
  return srtp_err_status_ok;
}

srtp_err_status_t hmac_dealloc(srtp_auth_t* a) {
  if (a == nullptr) return srtp_err_status_bad_param;
  auto* hmac = static_cast<HmacSha1*>(a->state);
  OPENSSL_cleanse(hmac, sizeof(*hmac));
  delete hmac;
  return srtp_err_status_ok;
}

srtp_err_status_t hmac_init(void* state, const std::uint8_t* key, int key_len) {
  auto* hmac = static_cast<HmacSha1*>(state);
  if (key_len < 0) return srtp_err_status_bad_param;
  // RFC 2104 §2: a key longer than the block is hashed first, a shorter one
  // padded with zeros.
  std::array<std::uint8_t, kSha1BlockBytes> block{};
  if (static_cast<std::size_t>(key_len) > kSha1BlockBytes) {
    SHA1(key, static_cast<std::size_t>(key_len), block.data());
  } else if (key_len > 0) {
    std::memcpy(block.data(), key, static_cast<std::size_t>(key_len));
  }
  std::array<std::uint8_t, kSha1BlockBytes> pad;
  bool ok = true;
  for (std::size_t i = 0; i < kSha1BlockBytes; ++i) pad[i] = block[i] ^ 0x36;
  ok = ok && SHA1_Init(&hmac->after_ipad) == 1 && SHA1_Update(&hmac->after_ipad, pad.data(), pad.size()) == 1;
  for (std::size_t i = 0; i < kSha1BlockBytes; ++i) pad[i] = block[i] ^ 0x5c;
  ok = ok && SHA1_Init(&hmac->after_opad) == 1 && SHA1_Update(&hmac->after_opad, pad.data(), pad.size()) == 1;
  OPENSSL_cleanse(block.data(), block.size());
  OPENSSL_cleanse(pad.data(), pad.size());
  hmac->inner = hmac->after_ipad;
  return ok ? srtp_err_status_ok : srtp_err_status_auth_fail;
}

srtp_err_status_t hmac_start(void* state) {
  auto* hmac = static_cast<HmacSha1*>(state);
  hmac->inner = hmac->after_ipad;
  return srtp_err_status_ok;
}

srtp_err_status_t hmac_update(void* state, const std::uint8_t* message, int octets) {
  auto* hmac = static_cast<HmacSha1*>(state);
  if (octets < 0) return srtp_err_status_bad_param;
  if (SHA1_Update(&hmac->inner, message, static_cast<std::size_t>(octets)) != 1) return srtp_err_status_auth_fail;
  return srtp_err_status_ok;
}

// Absorbs the last `octets` of the message and writes the first `tag_len`
// bytes of the MAC (RFC 2104 §5 truncation keeps the leftmost bits).
srtp_err_status_t hmac_compute(void* state, const std::uint8_t* message, int octets, int tag_len,
                               std::uint8_t* result) {
  auto* hmac = static_cast<HmacSha1*>(state);
  if (octets < 0 || tag_len < 0 || static_cast<std::size_t>(tag_len) > kSha1Bytes) return srtp_err_status_bad_param;
  std::array<std::uint8_t, kSha1Bytes> digest;
  SHA_CTX outer = hmac->after_opad;
  const bool ok = SHA1_Update(&hmac->inner, message, static_cast<std::size_t>(octets)) == 1 &&
                  SHA1_Final(digest.data(), &hmac->inner) == 1 &&
                  SHA1_Update(&outer, digest.data(), digest.size()) == 1 && SHA1_Final(digest.data(), &outer) == 1;
  hmac->inner = hmac->after_ipad;
  if (!ok) return srtp_err_status_auth_fail;
  std::memcpy(result, digest.data(), static_cast<std::size_t>(tag_len));
  return srtp_err_status_ok;
}

// RFC 2202 §3 HMAC-SHA1 test cases. libsrtp's one HMAC vector is a full
// 20-byte tag, which cannot tell a correct truncation from, say, the last
// bytes of the MAC; SRTP uses 10 (80-bit) and 4 (32-bit) bytes, so each case
// is checked at both lengths.
struct Rfc2202Case {
  std::span<const std::uint8_t> key;
  std::string_view data;
  std::array<std::uint8_t, kSha1Bytes> digest;
};

template <std::size_t N>
constexpr std::array<std::uint8_t, N> repeated(std::uint8_t value) {
  std::array<std::uint8_t, N> out{};
  for (auto& byte : out) byte = value;
  return out;
}
template <std::size_t N>
constexpr std::span<const std::uint8_t> view(const std::array<std::uint8_t, N>& bytes) {
  return bytes;
}

constexpr auto kKey0b = repeated<20>(0x0b);
constexpr auto kKeyAa = repeated<20>(0xaa);
constexpr std::array<std::uint8_t, 4> kKeyJefe = {'J', 'e', 'f', 'e'};
constexpr std::array<std::uint8_t, 25> kKey01To19 = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                                                     0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
                                                     0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19};
constexpr auto kKey0c = repeated<20>(0x0c);
constexpr auto kKeyAa80 = repeated<80>(0xaa);
constexpr auto kDataDd = repeated<50>(0xdd);
constexpr auto kDataCd = repeated<50>(0xcd);

const std::array<Rfc2202Case, 7> kRfc2202 = {{
    {view(kKey0b), "Hi There",
     {0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b, 0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe,
      0x00}},
    {view(kKeyJefe), "what do ya want for nothing?",
     {0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb, 0x2f, 0xa2, 0xd2, 0x74, 0x16, 0xd5, 0xf1, 0x84, 0xdf, 0x9c, 0x25, 0x9a, 0x7c,
      0x79}},
    {view(kKeyAa), {reinterpret_cast<const char*>(kDataDd.data()), kDataDd.size()},
     {0x12, 0x5d, 0x73, 0x42, 0xb9, 0xac, 0x11, 0xcd, 0x91, 0xa3, 0x9a, 0xf4, 0x8a, 0xa1, 0x7b, 0x4f, 0x63, 0xf1, 0x75,
      0xd3}},
    {view(kKey01To19), {reinterpret_cast<const char*>(kDataCd.data()), kDataCd.size()},
     {0x4c, 0x90, 0x07, 0xf4, 0x02, 0x62, 0x50, 0xc6, 0xbc, 0x84, 0x14, 0xf9, 0xbf, 0x50, 0xc8, 0x6c, 0x2d, 0x72, 0x35,
      0xda}},
    {view(kKey0c), "Test With Truncation",
     {0x4c, 0x1a, 0x03, 0x42, 0x4b, 0x55, 0xe0, 0x7f, 0xe7, 0xf2, 0x7b, 0xe1, 0xd5, 0x8b, 0xb9, 0x32, 0x4a, 0x9a, 0x5a,
      0x04}},
    {view(kKeyAa80), "Test Using Larger Than Block-Size Key - Hash Key First",
     {0xaa, 0x4a, 0xe5, 0xe1, 0x52, 0x72, 0xd0, 0x0e, 0x95, 0x70, 0x56, 0x37, 0xce, 0x8a, 0x3b, 0x55, 0xed, 0x40, 0x21,
      0x12}},
    {view(kKeyAa80), "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
     {0xe8, 0xe9, 0x9d, 0x0f, 0x45, 0x23, 0x7d, 0x78, 0x6d, 0x6b, 0xba, 0xa7, 0x96, 0x5c, 0x78, 0x08, 0xbb, 0xff, 0x1a,
      0x91}},
}};

srtp_auth_test_case_t truncated(const Rfc2202Case& c, int tag_bytes, const srtp_auth_test_case_t* next) {
  return {static_cast<int>(c.key.size()), c.key.data(), static_cast<int>(c.data.size()),
          reinterpret_cast<const std::uint8_t*>(c.data.data()), tag_bytes, c.digest.data(), next};
}

// The RFC 2202 cases at 10 and at 4 bytes, then libsrtp's own vector.
// A built-in array: each entry takes the address of the next while the
// array is being initialised (through std::array's operator[] clang would
// call that a use before initialisation).
const srtp_auth_test_case_t kHmacTestCases[14] = {
    truncated(kRfc2202[0], 10, &kHmacTestCases[1]), truncated(kRfc2202[1], 10, &kHmacTestCases[2]),
    truncated(kRfc2202[2], 10, &kHmacTestCases[3]), truncated(kRfc2202[3], 10, &kHmacTestCases[4]),
    truncated(kRfc2202[4], 10, &kHmacTestCases[5]), truncated(kRfc2202[5], 10, &kHmacTestCases[6]),
    truncated(kRfc2202[6], 10, &kHmacTestCases[7]), truncated(kRfc2202[0], 4, &kHmacTestCases[8]),
    truncated(kRfc2202[1], 4, &kHmacTestCases[9]),  truncated(kRfc2202[2], 4, &kHmacTestCases[10]),
    truncated(kRfc2202[3], 4, &kHmacTestCases[11]), truncated(kRfc2202[4], 4, &kHmacTestCases[12]),
    truncated(kRfc2202[5], 4, &kHmacTestCases[13]), truncated(kRfc2202[6], 4, &srtp_hmac_test_case_0),
};

// --- The type tables. `alloc` points each cipher at its own table. ---

constexpr char kIcm128Description[] = "AES-128 counter mode (parrot, OpenSSL)";
constexpr char kIcm192Description[] = "AES-192 counter mode (parrot, OpenSSL)";
constexpr char kIcm256Description[] = "AES-256 counter mode (parrot, OpenSSL)";
constexpr char kGcm128Description[] = "AES-128 GCM (parrot, OpenSSL)";
constexpr char kGcm256Description[] = "AES-256 GCM (parrot, OpenSSL)";
constexpr char kHmacDescription[] = "HMAC-SHA1 (parrot, OpenSSL SHA-1)";

constexpr srtp_cipher_type_t icm_type(const char* description, const srtp_cipher_test_case_t* vectors,
                                      srtp_cipher_type_id_t id) {
  return {.alloc = icm_alloc, .dealloc = icm_dealloc, .init = icm_init, .set_aad = nullptr,
          .encrypt = icm_crypt, .decrypt = icm_crypt, .set_iv = icm_set_iv, .get_tag = nullptr,
          .description = description, .test_data = vectors, .id = id};
}
constexpr srtp_cipher_type_t gcm_type(const char* description, const srtp_cipher_test_case_t* vectors,
                                      srtp_cipher_type_id_t id) {
  return {.alloc = gcm_alloc, .dealloc = gcm_dealloc, .init = gcm_init, .set_aad = gcm_set_aad,
          .encrypt = gcm_encrypt, .decrypt = gcm_decrypt, .set_iv = gcm_set_iv, .get_tag = gcm_get_tag,
          .description = description, .test_data = vectors, .id = id};
}

const srtp_cipher_type_t icm_128_type = icm_type(kIcm128Description, &srtp_aes_icm_128_test_case_0, SRTP_AES_ICM_128);
const srtp_cipher_type_t icm_192_type = icm_type(kIcm192Description, &srtp_aes_icm_192_test_case_0, SRTP_AES_ICM_192);
const srtp_cipher_type_t icm_256_type = icm_type(kIcm256Description, &srtp_aes_icm_256_test_case_0, SRTP_AES_ICM_256);
const srtp_cipher_type_t gcm_128_type = gcm_type(kGcm128Description, &srtp_aes_gcm_128_test_case_0, SRTP_AES_GCM_128);
const srtp_cipher_type_t gcm_256_type = gcm_type(kGcm256Description, &srtp_aes_gcm_256_test_case_0, SRTP_AES_GCM_256);
const srtp_auth_type_t hmac_sha1_type = {.alloc = hmac_alloc, .dealloc = hmac_dealloc, .init = hmac_init,
                                         .compute = hmac_compute, .update = hmac_update, .start = hmac_start,
                                         .description = kHmacDescription, .test_data = kHmacTestCases,
                                         .id = SRTP_HMAC_SHA1};

void free_ciphers() noexcept {
  for (EVP_CIPHER** cipher : {&aes_128_ecb, &aes_192_ecb, &aes_256_ecb, &aes_128_gcm, &aes_256_gcm}) {
    EVP_CIPHER_free(*cipher);
    *cipher = nullptr;
  }
}

}  // namespace

bool runtime_openssl_supported() noexcept { return OpenSSL_version_num() >= kMinimumOpenSslVersion; }

std::string runtime_openssl_version() { return OpenSSL_version(OPENSSL_VERSION); }

int install() noexcept {
  if (aes_128_ecb == nullptr) {
    aes_128_ecb = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
    aes_192_ecb = EVP_CIPHER_fetch(nullptr, "AES-192-ECB", nullptr);
    aes_256_ecb = EVP_CIPHER_fetch(nullptr, "AES-256-ECB", nullptr);
    aes_128_gcm = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
    aes_256_gcm = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    if (aes_128_ecb == nullptr || aes_192_ecb == nullptr || aes_256_ecb == nullptr || aes_128_gcm == nullptr ||
        aes_256_gcm == nullptr) {
      free_ciphers();
      return failed(srtp_err_status_init_fail);
    }
  }
  const srtp_cipher_type_t* const ciphers[] = {&icm_128_type, &icm_192_type, &icm_256_type, &gcm_128_type,
                                               &gcm_256_type};
  for (const srtp_cipher_type_t* type : ciphers) {
    const srtp_err_status_t status = srtp_replace_cipher_type(type, type->id);
    if (status != srtp_err_status_ok) return status;
  }
  return srtp_replace_auth_type(&hmac_sha1(), SRTP_HMAC_SHA1);
}

void release() noexcept { free_ciphers(); }

bool installed() noexcept {
  const srtp_cipher_type_t* const ciphers[] = {&icm_128_type, &icm_192_type, &icm_256_type, &gcm_128_type,
                                               &gcm_256_type};
  for (const srtp_cipher_type_t* type : ciphers) {
    if (srtp_crypto_kernel_get_cipher_type(type->id) != type) return false;
  }
  return srtp_crypto_kernel_get_auth_type(SRTP_HMAC_SHA1) == &hmac_sha1();
}

const srtp_cipher_type_t& aes_icm_128() noexcept { return icm_128_type; }
const srtp_cipher_type_t& aes_icm_192() noexcept { return icm_192_type; }
const srtp_cipher_type_t& aes_icm_256() noexcept { return icm_256_type; }
const srtp_cipher_type_t& aes_gcm_128() noexcept { return gcm_128_type; }
const srtp_cipher_type_t& aes_gcm_256() noexcept { return gcm_256_type; }
const srtp_auth_type_t& hmac_sha1() noexcept { return hmac_sha1_type; }

}  // namespace parrot::media::srtp::openssl_crypto
