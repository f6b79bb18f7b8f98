#include "media/srtp/openssl_crypto.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "media/srtp/srtp_library.hpp"

// libsrtp2's stock (NSS on Debian) types: exported, declared in no installed
// header. Compared against the OpenSSL ones below, both called directly.
extern "C" {
extern const srtp_cipher_type_t srtp_aes_icm_128;
extern const srtp_cipher_type_t srtp_aes_icm_192;
extern const srtp_cipher_type_t srtp_aes_icm_256;
extern const srtp_cipher_type_t srtp_aes_gcm_128;
extern const srtp_cipher_type_t srtp_aes_gcm_256;
extern const srtp_auth_type_t srtp_hmac;
const srtp_cipher_type_t* srtp_crypto_kernel_get_cipher_type(srtp_cipher_type_id_t id);
}

namespace parrot::media::srtp {
namespace {

class OpenSslCryptoTest : public ::testing::Test {
 protected:
  SrtpLibrary library_;  // the default: OpenSSL
};

TEST_F(OpenSslCryptoTest, InstalledByDefaultOnThisOpenSsl) {
  ASSERT_TRUE(openssl_crypto::runtime_openssl_supported()) << openssl_crypto::runtime_openssl_version();
  EXPECT_EQ(SrtpLibrary::backend(), SrtpBackend::kOpenSsl) << SrtpLibrary::backend_note();
  EXPECT_TRUE(openssl_crypto::installed());
  EXPECT_EQ(srtp_crypto_kernel_get_cipher_type(SRTP_AES_ICM_192), &openssl_crypto::aes_icm_192());
  EXPECT_NE(SrtpLibrary::backend_note().find("OpenSSL 3."), std::string::npos) << SrtpLibrary::backend_note();
}

TEST_F(OpenSslCryptoTest, LibsrtpSelfTestsPass) {
  for (const srtp_cipher_type_t* type :
       {&openssl_crypto::aes_icm_128(), &openssl_crypto::aes_icm_192(), &openssl_crypto::aes_icm_256(),
        &openssl_crypto::aes_gcm_128(), &openssl_crypto::aes_gcm_256()}) {
    SCOPED_TRACE(type->description);
    EXPECT_EQ(srtp_cipher_type_self_test(type), srtp_err_status_ok);
  }
  // The stock types' vectors too (what srtp_replace_cipher_type checks).
  EXPECT_EQ(srtp_cipher_type_test(&openssl_crypto::aes_icm_128(), srtp_aes_icm_128.test_data), srtp_err_status_ok);
  EXPECT_EQ(srtp_cipher_type_test(&openssl_crypto::aes_gcm_256(), srtp_aes_gcm_256.test_data), srtp_err_status_ok);
  EXPECT_EQ(srtp_auth_type_self_test(&openssl_crypto::hmac_sha1()), srtp_err_status_ok);
  EXPECT_EQ(srtp_auth_type_test(&openssl_crypto::hmac_sha1(), srtp_hmac.test_data), srtp_err_status_ok);
}

// The HMAC self-test carries RFC 2202's vectors truncated to SRTP's 10 and
// 4 bytes; the stock type passes them too, and a wrong tag fails.
TEST_F(OpenSslCryptoTest, HmacVectorsIncludeRfc2202TruncatedToSrtpTagLengths) {
  int tens = 0;
  int fours = 0;
  for (const srtp_auth_test_case_t* c = openssl_crypto::hmac_sha1().test_data; c != nullptr; c = c->next_test_case) {
    tens += c->tag_length_octets == 10 ? 1 : 0;
    fours += c->tag_length_octets == 4 ? 1 : 0;
  }
  EXPECT_EQ(tens, 7);
  EXPECT_EQ(fours, 7);
  EXPECT_EQ(srtp_auth_type_test(&srtp_hmac, openssl_crypto::hmac_sha1().test_data), srtp_err_status_ok);

  // RFC 2202 test case 5 ("Test With Truncation"), its tag off by one bit.
  const std::array<std::uint8_t, 20> key = {0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c,
                                            0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c};
  const std::string data = "Test With Truncation";
  const std::array<std::uint8_t, 4> wrong_tag = {0x4c, 0x1a, 0x03, 0x43};
  const srtp_auth_test_case_t wrong = {20, key.data(), static_cast<int>(data.size()),
                                       reinterpret_cast<const std::uint8_t*>(data.data()), 4, wrong_tag.data(), nullptr};
  EXPECT_EQ(srtp_auth_type_test(&openssl_crypto::hmac_sha1(), &wrong), srtp_err_status_algo_fail);
}

// A truncated tag is the leftmost bytes of the MAC, and nothing past it is
// written: libsrtp appends the tag to the packet in place.
TEST_F(OpenSslCryptoTest, HmacWritesExactlyTheTruncatedTag) {
  const std::array<std::uint8_t, 20> key = {0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c,
                                            0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c};
  const std::string data = "Test With Truncation";
  const std::array<std::uint8_t, 20> digest = {0x4c, 0x1a, 0x03, 0x42, 0x4b, 0x55, 0xe0, 0x7f, 0xe7, 0xf2,
                                               0x7b, 0xe1, 0xd5, 0x8b, 0xb9, 0x32, 0x4a, 0x9a, 0x5a, 0x04};
  for (const int tag_bytes : {4, 10, 20}) {
    srtp_auth_t* auth = nullptr;
    ASSERT_EQ(srtp_auth_type_alloc(&openssl_crypto::hmac_sha1(), &auth, 20, tag_bytes), srtp_err_status_ok);
    ASSERT_EQ(srtp_auth_init(auth, key.data()), srtp_err_status_ok);
    for (int round = 0; round < 2; ++round) {  // the keyed state is reused packet after packet
      std::array<std::uint8_t, 24> out;
      out.fill(0xee);
      ASSERT_EQ(srtp_auth_start(auth), srtp_err_status_ok);
      // Split like libsrtp does: update with the packet, compute with the ROC.
      ASSERT_EQ(srtp_auth_update(auth, reinterpret_cast<const std::uint8_t*>(data.data()), 7), srtp_err_status_ok);
      ASSERT_EQ(srtp_auth_compute(auth, reinterpret_cast<const std::uint8_t*>(data.data()) + 7,
                                  static_cast<int>(data.size()) - 7, out.data()),
                srtp_err_status_ok);
      EXPECT_EQ(std::memcmp(out.data(), digest.data(), static_cast<std::size_t>(tag_bytes)), 0) << tag_bytes;
      for (std::size_t i = static_cast<std::size_t>(tag_bytes); i < out.size(); ++i) EXPECT_EQ(out[i], 0xee) << i;
    }
    EXPECT_EQ(srtp_auth_dealloc(auth), srtp_err_status_ok);
  }
}

struct Cipher {
  srtp_cipher_t* cipher = nullptr;
  Cipher(const srtp_cipher_type_t& type, int key_bytes, int tag_bytes, const std::uint8_t* key) {
    EXPECT_EQ(srtp_cipher_type_alloc(&type, &cipher, key_bytes, tag_bytes), srtp_err_status_ok);
    EXPECT_EQ(srtp_cipher_init(cipher, key), srtp_err_status_ok);
  }
  ~Cipher() { srtp_cipher_dealloc(cipher); }
  Cipher(const Cipher&) = delete;
  Cipher& operator=(const Cipher&) = delete;
};

std::vector<std::uint8_t> pattern(std::size_t bytes, std::uint8_t seed) {
  std::vector<std::uint8_t> out(bytes);
  for (std::size_t i = 0; i < bytes; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 13);
  return out;
}

// Counter mode against the stock type, byte for byte, at every length up
// to several EVP calls' worth, also when the keystream is drawn in pieces
// after one IV (RFC 6904 header encryption does that).
TEST_F(OpenSslCryptoTest, IcmMatchesTheStockTypeAtEveryLengthAndInPieces) {
  struct Variant {
    const srtp_cipher_type_t& mine;
    const srtp_cipher_type_t& stock;
    int key_bytes;
  };
  const Variant variants[] = {{openssl_crypto::aes_icm_128(), srtp_aes_icm_128, SRTP_AES_ICM_128_KEY_LEN_WSALT},
                              {openssl_crypto::aes_icm_192(), srtp_aes_icm_192, SRTP_AES_ICM_192_KEY_LEN_WSALT},
                              {openssl_crypto::aes_icm_256(), srtp_aes_icm_256, SRTP_AES_ICM_256_KEY_LEN_WSALT}};
  for (const Variant& v : variants) {
    SCOPED_TRACE(v.mine.description);
    const auto key = pattern(static_cast<std::size_t>(v.key_bytes), 0x42);
    Cipher mine(v.mine, v.key_bytes, 0, key.data());
    Cipher stock(v.stock, v.key_bytes, 0, key.data());
    EXPECT_EQ(mine.cipher->algorithm, static_cast<int>(v.mine.id));
    EXPECT_EQ(mine.cipher->type, &v.mine);
    for (std::size_t length = 0; length <= 1300; length += length < 40 ? 1 : 37) {
      auto iv = pattern(16, static_cast<std::uint8_t>(length));
      iv[14] = iv[15] = 0;  // SRTP IVs leave the block counter's bytes zero
      auto expected = pattern(length, 7);
      auto actual = expected;
      auto len = static_cast<unsigned int>(length);
      ASSERT_EQ(srtp_cipher_set_iv(stock.cipher, iv.data(), srtp_direction_encrypt), srtp_err_status_ok);
      ASSERT_EQ(srtp_cipher_encrypt(stock.cipher, expected.data(), &len), srtp_err_status_ok);
      ASSERT_EQ(srtp_cipher_set_iv(mine.cipher, iv.data(), srtp_direction_encrypt), srtp_err_status_ok);
      std::size_t done = 0;
      for (std::size_t piece = 1; done < length; piece = piece * 3 + 1) {  // 1, 4, 13, 40, 121, ...
        auto n = static_cast<unsigned int>(std::min(piece, length - done));
        ASSERT_EQ(srtp_cipher_encrypt(mine.cipher, actual.data() + done, &n), srtp_err_status_ok);
        done += n;
      }
      EXPECT_EQ(actual, expected) << length;
    }
  }
}

// GCM against the stock type: AAD in two parts (as SRTCP sets it), 8- and
// 16-byte tags, an empty payload (auth-only SRTCP), and a tag mismatch
// reported as an authentication failure.
TEST_F(OpenSslCryptoTest, GcmMatchesTheStockTypeAndRefusesBadTags) {
  struct Variant {
    const srtp_cipher_type_t& mine;
    const srtp_cipher_type_t& stock;
    int key_bytes;
  };
  const Variant variants[] = {{openssl_crypto::aes_gcm_128(), srtp_aes_gcm_128, SRTP_AES_GCM_128_KEY_LEN_WSALT},
                              {openssl_crypto::aes_gcm_256(), srtp_aes_gcm_256, SRTP_AES_GCM_256_KEY_LEN_WSALT}};
  for (const Variant& v : variants) {
    for (const int tag_bytes : {8, 16}) {
      SCOPED_TRACE(std::string(v.mine.description) + " tag " + std::to_string(tag_bytes));
      const auto key = pattern(static_cast<std::size_t>(v.key_bytes), 0x24);
      Cipher mine(v.mine, v.key_bytes, tag_bytes, key.data());
      Cipher stock(v.stock, v.key_bytes, tag_bytes, key.data());
      EXPECT_EQ(mine.cipher->algorithm, static_cast<int>(v.mine.id));  // libsrtp's AEAD switch
      for (const std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{16}, std::size_t{161},
                                       std::size_t{1100}}) {
        SCOPED_TRACE(length);
        auto iv = pattern(12, static_cast<std::uint8_t>(length));
        const auto aad = pattern(12, 0x80);
        const auto plain = pattern(length, 3);
        auto sealed = [&](srtp_cipher_t* c) {
          std::vector<std::uint8_t> out = plain;
          out.resize(length + 16);
          EXPECT_EQ(srtp_cipher_set_iv(c, iv.data(), srtp_direction_encrypt), srtp_err_status_ok);
          EXPECT_EQ(srtp_cipher_set_aad(c, aad.data(), 8), srtp_err_status_ok);
          EXPECT_EQ(srtp_cipher_set_aad(c, aad.data() + 8, 4), srtp_err_status_ok);
          auto len = static_cast<unsigned int>(length);
          EXPECT_EQ(srtp_cipher_encrypt(c, length == 0 ? nullptr : out.data(), &len), srtp_err_status_ok);
          EXPECT_EQ(len, length);
          std::uint32_t tag_len = 0;
          EXPECT_EQ(srtp_cipher_get_tag(c, out.data() + length, &tag_len), srtp_err_status_ok);
          EXPECT_EQ(tag_len, static_cast<std::uint32_t>(tag_bytes));
          out.resize(length + tag_len);
          return out;
        };
        const auto expected = sealed(stock.cipher);
        const auto actual = sealed(mine.cipher);
        EXPECT_EQ(actual, expected);

        auto open = [&](std::vector<std::uint8_t> sealed_bytes) {
          EXPECT_EQ(srtp_cipher_set_iv(mine.cipher, iv.data(), srtp_direction_decrypt), srtp_err_status_ok);
          EXPECT_EQ(srtp_cipher_set_aad(mine.cipher, aad.data(), 8), srtp_err_status_ok);
          EXPECT_EQ(srtp_cipher_set_aad(mine.cipher, aad.data() + 8, 4), srtp_err_status_ok);
          auto len = static_cast<unsigned int>(sealed_bytes.size());
          const srtp_err_status_t status = srtp_cipher_decrypt(mine.cipher, sealed_bytes.data(), &len);
          if (status == srtp_err_status_ok) {
            EXPECT_EQ(len, length);
            sealed_bytes.resize(len);
            EXPECT_EQ(sealed_bytes, plain);
          }
          return status;
        };
        EXPECT_EQ(open(expected), srtp_err_status_ok);
        auto bad_tag = expected;
        bad_tag.back() ^= 0x01;
        ERR_clear_error();
        EXPECT_EQ(open(bad_tag), srtp_err_status_auth_fail);
        // Nothing left in OpenSSL's per-thread error queue for DTLS's
        // SSL_get_error to trip over on the same worker.
        EXPECT_EQ(ERR_peek_error(), 0UL);
        if (length > 0) {
          auto bad_data = expected;
          bad_data[0] ^= 0x80;
          EXPECT_EQ(open(bad_data), srtp_err_status_auth_fail);
        }
        EXPECT_EQ(open(expected), srtp_err_status_ok);  // the context recovers after a failure
      }
    }
  }
}

TEST(SrtpBackendTest, StockWhenAskedAndOpenSslAgainAfterARestart) {
  {
    const SrtpLibrary stock(SrtpBackend::kStock);
    EXPECT_EQ(SrtpLibrary::backend(), SrtpBackend::kStock);
    EXPECT_FALSE(openssl_crypto::installed());
    const SrtpLibrary second;  // shares the live back end, whatever it asks for
    EXPECT_EQ(SrtpLibrary::backend(), SrtpBackend::kStock);
  }
  // srtp_shutdown forgot the stock choice; a new library installs OpenSSL.
  const SrtpLibrary library;
  EXPECT_EQ(SrtpLibrary::backend(), SrtpBackend::kOpenSsl);
  EXPECT_TRUE(openssl_crypto::installed());
}

}  // namespace
}  // namespace parrot::media::srtp
