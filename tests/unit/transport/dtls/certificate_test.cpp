#include "transport/dtls/certificate.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

namespace parrot::transport {
namespace {

// Independent of the code under test: the format `openssl x509 -fingerprint
// -sha256` prints after "sha256 Fingerprint=".
std::string reference_fingerprint(X509* x509) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int length = 0;
  EXPECT_EQ(X509_digest(x509, EVP_sha256(), md.data(), &length), 1);
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    char pair[4];
    std::snprintf(pair, sizeof pair, i == 0 ? "%02X" : ":%02X", md[i]);
    out += pair;
  }
  return out;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "parrot-cert-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(Certificate, GeneratesSelfSignedP256WithOpenSslFingerprintFormat) {
  const Certificate certificate = Certificate::generate();
  EXPECT_TRUE(std::regex_match(certificate.fingerprint_sha256(), std::regex("([0-9A-F]{2}:){31}[0-9A-F]{2}")));
  EXPECT_EQ(certificate.fingerprint_sha256(), reference_fingerprint(certificate.x509()));

  EXPECT_EQ(EVP_PKEY_get_base_id(certificate.key()), EVP_PKEY_EC);
  std::array<char, 64> group{};
  std::size_t group_length = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(certificate.key(), group.data(), group.size(), &group_length), 1);
  EXPECT_STREQ(group.data(), "prime256v1");
  EXPECT_EQ(X509_check_private_key(certificate.x509(), certificate.key()), 1);

  std::array<char, 64> cn{};
  X509_NAME_get_text_by_NID(X509_get_subject_name(certificate.x509()), NID_commonName, cn.data(),
                            static_cast<int>(cn.size()));
  EXPECT_STREQ(cn.data(), "parrot");
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(certificate.x509()), X509_get_issuer_name(certificate.x509())), 0);

  std::time_t almost_a_day_ago = std::time(nullptr) - 23 * 3600;
  std::time_t in_a_month = std::time(nullptr) + 31 * 24 * 3600;
  EXPECT_LT(X509_cmp_time(X509_get0_notBefore(certificate.x509()), &almost_a_day_ago), 0);
  EXPECT_GT(X509_cmp_time(X509_get0_notAfter(certificate.x509()), &in_a_month), 0);
  EXPECT_NE(certificate.dtls_context(), nullptr);
}

TEST(Certificate, EachGenerationIsNew) {
  const Certificate a = Certificate::generate();
  const Certificate b = Certificate::generate();
  EXPECT_NE(a.fingerprint_sha256(), b.fingerprint_sha256());
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(a.x509()), X509_get0_serialNumber(b.x509())), 0);
}

TEST(Certificate, LoadOrGenerateStoresThenLoadsTheSamePair) {
  const TempDir dir;
  const std::filesystem::path store = dir.path() / "dtls";
  const Certificate first = Certificate::load_or_generate(store);
  ASSERT_TRUE(std::filesystem::exists(store / "key.pem"));
  ASSERT_TRUE(std::filesystem::exists(store / "cert.pem"));
  struct stat key_stat {};
  ASSERT_EQ(::stat((store / "key.pem").c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);

  const Certificate second = Certificate::load_or_generate(store);
  EXPECT_EQ(second.fingerprint_sha256(), first.fingerprint_sha256());
  EXPECT_EQ(EVP_PKEY_eq(second.key(), first.key()), 1);
}

TEST(Certificate, LoadOrGenerateReplacesACorruptCertificate) {
  const TempDir dir;
  const Certificate first = Certificate::load_or_generate(dir.path());
  std::ofstream(dir.path() / "cert.pem", std::ios::trunc) << "-----BEGIN CERTIFICATE-----\nnot base64\n";
  const Certificate second = Certificate::load_or_generate(dir.path());
  EXPECT_NE(second.fingerprint_sha256(), first.fingerprint_sha256());
  EXPECT_EQ(Certificate::load_or_generate(dir.path()).fingerprint_sha256(), second.fingerprint_sha256());
}

TEST(Certificate, LoadOrGenerateReplacesAnExpiringCertificate) {
  const TempDir dir;
  const Certificate first = Certificate::load_or_generate(dir.path());
  // Re-sign the stored certificate so it runs out in ten days, inside the renewal window.
  X509* x509 = first.x509();
  ASSERT_NE(X509_gmtime_adj(X509_getm_notAfter(x509), 10L * 24 * 3600), nullptr);
  ASSERT_GT(X509_sign(x509, first.key(), EVP_sha256()), 0);
  {
    FILE* out = std::fopen((dir.path() / "cert.pem").c_str(), "w");
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(PEM_write_X509(out, x509), 1);
    std::fclose(out);
  }
  const Certificate second = Certificate::load_or_generate(dir.path());
  EXPECT_NE(second.fingerprint_sha256(), reference_fingerprint(x509));
  std::time_t in_a_month = std::time(nullptr) + 31 * 24 * 3600;
  EXPECT_GT(X509_cmp_time(X509_get0_notAfter(second.x509()), &in_a_month), 0);
}

TEST(Certificate, LoadOrGenerateReplacesAKeyThatDoesNotMatch) {
  const TempDir dir;
  const Certificate first = Certificate::load_or_generate(dir.path());
  const Certificate other = Certificate::generate();
  FILE* out = std::fopen((dir.path() / "key.pem").c_str(), "w");
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(PEM_write_PrivateKey(out, other.key(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  std::fclose(out);
  const Certificate second = Certificate::load_or_generate(dir.path());
  EXPECT_NE(second.fingerprint_sha256(), first.fingerprint_sha256());
  EXPECT_EQ(X509_check_private_key(second.x509(), second.key()), 1);
}

TEST(Certificate, LoadOrGenerateThrowsWhenTheDirectoryCannotBeCreated) {
  const TempDir dir;
  std::ofstream(dir.path() / "file") << "x";
  EXPECT_ANY_THROW(Certificate::load_or_generate(dir.path() / "file" / "sub"));
}

TEST(FingerprintsEqual, IgnoresCaseOnly) {
  EXPECT_TRUE(fingerprints_equal("AB:CD:0F", "ab:cd:0f"));
  EXPECT_TRUE(fingerprints_equal("AB", "aB"));
  EXPECT_FALSE(fingerprints_equal("AB:CD:0F", "AB:CD:0E"));
  EXPECT_FALSE(fingerprints_equal("AB:CD:0F", "AB:CD"));
  EXPECT_FALSE(fingerprints_equal("ABCD0F", "ABCD0F"));
  EXPECT_FALSE(fingerprints_equal("AB:CD:0F ", "AB:CD:0F "));
  EXPECT_FALSE(fingerprints_equal(" AB:CD", " AB:CD"));
  EXPECT_FALSE(fingerprints_equal("AB::CD", "AB::CD"));
  EXPECT_FALSE(fingerprints_equal("AB:CD:", "AB:CD:"));
  EXPECT_FALSE(fingerprints_equal("GG:00", "GG:00"));
  EXPECT_FALSE(fingerprints_equal("", ""));
  const Certificate certificate = Certificate::generate();
  std::string lower = certificate.fingerprint_sha256();
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_TRUE(fingerprints_equal(certificate.fingerprint_sha256(), lower));
}

}  // namespace
}  // namespace parrot::transport
