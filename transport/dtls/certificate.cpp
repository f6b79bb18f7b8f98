#include "transport/dtls/certificate.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <ctime>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "transport/unique_fd.hpp"

namespace parrot::transport {
namespace {

constexpr long kSecondsPerDay = 24L * 60 * 60;
constexpr const char* kCipherList =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA";

[[noreturn]] void throw_openssl(const char* step) {
  std::array<char, 256> detail{};
  ERR_error_string_n(ERR_get_error(), detail.data(), detail.size());
  ERR_clear_error();
  throw std::runtime_error(std::string("certificate: ") + step + " failed: " + detail.data());
}

void check(bool ok, const char* step) {
  if (!ok) throw_openssl(step);
}

EvpPkeyPtr generate_p256_key() {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  check(ctx != nullptr, "EVP_PKEY_CTX_new_from_name");
  check(EVP_PKEY_keygen_init(ctx.get()) == 1, "EVP_PKEY_keygen_init");
  check(EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") == 1, "EVP_PKEY_CTX_set_group_name");
  EVP_PKEY* raw = nullptr;
  check(EVP_PKEY_generate(ctx.get(), &raw) == 1, "EVP_PKEY_generate");
  return EvpPkeyPtr(raw);
}

// RFC 5280 §4.1.2.2: positive, at most 20 octets; 63 random bits keep it
// positive without a leading zero octet.
void set_random_serial(X509* x509) {
  std::array<unsigned char, 8> bytes{};
  check(RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) == 1, "RAND_bytes");
  bytes[0] &= 0x7F;
  bytes[0] |= 0x01;
  BignumPtr bn(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  check(bn != nullptr, "BN_bin2bn");
  Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  check(serial != nullptr, "BN_to_ASN1_INTEGER");
  check(X509_set_serialNumber(x509, serial.get()) == 1, "X509_set_serialNumber");
}

X509Ptr self_sign(EVP_PKEY* key) {
  X509Ptr x509(X509_new());
  check(x509 != nullptr, "X509_new");
  check(X509_set_version(x509.get(), X509_VERSION_3) == 1, "X509_set_version");
  set_random_serial(x509.get());
  // notBefore one day back tolerates peers whose clocks run behind.
  check(X509_gmtime_adj(X509_getm_notBefore(x509.get()), -kSecondsPerDay) != nullptr, "X509_gmtime_adj");
  check(X509_gmtime_adj(X509_getm_notAfter(x509.get()), Certificate::kValidityDays * kSecondsPerDay) != nullptr,
        "X509_gmtime_adj");
  X509NamePtr name(X509_NAME_new());
  check(name != nullptr, "X509_NAME_new");
  check(X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("parrot"),
                                   -1, -1, 0) == 1,
        "X509_NAME_add_entry_by_txt");
  check(X509_set_subject_name(x509.get(), name.get()) == 1, "X509_set_subject_name");
  check(X509_set_issuer_name(x509.get(), name.get()) == 1, "X509_set_issuer_name");
  check(X509_set_pubkey(x509.get(), key) == 1, "X509_set_pubkey");
  check(X509_sign(x509.get(), key, EVP_sha256()) > 0, "X509_sign");
  return x509;
}

bool is_hex(char c) noexcept { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

bool well_formed_fingerprint(std::string_view s) noexcept {
  if (s.size() < 2 || s.size() % 3 != 2) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool separator = i % 3 == 2;
    if (separator ? s[i] != ':' : !is_hex(s[i])) return false;
  }
  return true;
}

template <typename T, typename Free>
std::unique_ptr<T, Free> read_pem(const std::filesystem::path& file, T* (*reader)(BIO*, T**, pem_password_cb*, void*)) {
  BioPtr bio(BIO_new_file(file.c_str(), "r"));
  if (!bio) return nullptr;
  return std::unique_ptr<T, Free>(reader(bio.get(), nullptr, nullptr, nullptr));
}

// Valid now and for at least kRenewDays more.
bool usable(X509* x509, EVP_PKEY* key) {
  if (X509_check_private_key(x509, key) != 1) return false;
  std::time_t renew_at = std::time(nullptr) + Certificate::kRenewDays * kSecondsPerDay;
  return X509_cmp_current_time(X509_get0_notBefore(x509)) < 0 && X509_cmp_time(X509_get0_notAfter(x509), &renew_at) > 0;
}

std::string pem_of(int (*writer)(BIO*, void*), void* object, const char* step) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr, "BIO_new");
  check(writer(bio.get(), object) == 1, step);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// Writes `contents` under a temporary name created with `mode`, then renames
// it over `file`, so a crash never leaves a half-written key behind and the
// key is never readable by others, not even briefly.
void write_file_atomically(const std::filesystem::path& file, const std::string& contents, mode_t mode) {
  const std::filesystem::path temporary = file.string() + ".tmp";
  ::unlink(temporary.c_str());
  UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd) throw std::system_error(errno, std::generic_category(), "certificate: cannot create " + temporary.string());
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd.get(), contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      throw std::system_error(error, std::generic_category(), "certificate: cannot write " + temporary.string());
    }
    written += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd.get()) == 0;
  fd.reset();
  if (!synced || ::rename(temporary.c_str(), file.c_str()) != 0) {
    throw std::system_error(errno, std::generic_category(), "certificate: cannot store " + file.string());
  }
}

int write_key(BIO* bio, void* key) {
  return PEM_write_bio_PrivateKey(bio, static_cast<EVP_PKEY*>(key), nullptr, nullptr, 0, nullptr, nullptr);
}
int write_cert(BIO* bio, void* x509) { return PEM_write_bio_X509(bio, static_cast<X509*>(x509)); }

SslCtxPtr make_dtls_context(X509* x509, EVP_PKEY* key) {
  SslCtxPtr ctx(SSL_CTX_new(DTLS_method()));
  check(ctx != nullptr, "SSL_CTX_new");
  check(SSL_CTX_set_min_proto_version(ctx.get(), DTLS1_2_VERSION) == 1, "SSL_CTX_set_min_proto_version");
  check(SSL_CTX_use_certificate(ctx.get(), x509) == 1, "SSL_CTX_use_certificate");
  check(SSL_CTX_use_PrivateKey(ctx.get(), key) == 1, "SSL_CTX_use_PrivateKey");
  check(SSL_CTX_check_private_key(ctx.get()) == 1, "SSL_CTX_check_private_key");
  // Every call is a fresh handshake against a fingerprint from signalling:
  // no session cache or tickets (shared mutable state across workers), no
  // renegotiation, and the MTU comes from the session's configuration.
  // ECDHE with AES-GCM first, ChaCha20 and CBC for older peers; RSA suites
  // for peers that answer with an RSA certificate (Dino's GnuTLS default,
  // docs/client-quirks.md#dino-calls).
  check(SSL_CTX_set_cipher_list(ctx.get(), kCipherList) == 1, "SSL_CTX_set_cipher_list");
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET | SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION |
                                     SSL_OP_CIPHER_SERVER_PREFERENCE);
  return ctx;
}

}  // namespace

Certificate::Certificate(X509Ptr x509, EvpPkeyPtr key)
    : x509_(std::move(x509)),
      key_(std::move(key)),
      dtls_context_(make_dtls_context(x509_.get(), key_.get())),
      fingerprint_sha256_(certificate_fingerprint(x509_.get(), EVP_sha256())) {
  if (fingerprint_sha256_.empty()) throw_openssl("X509_digest");
}

Certificate Certificate::generate() {
  EvpPkeyPtr key = generate_p256_key();
  X509Ptr x509 = self_sign(key.get());
  return Certificate(std::move(x509), std::move(key));
}

Certificate Certificate::load_or_generate(const std::filesystem::path& dir) {
  const std::filesystem::path key_file = dir / "key.pem";
  const std::filesystem::path cert_file = dir / "cert.pem";
  auto key = read_pem<EVP_PKEY, EvpPkeyFree>(key_file, PEM_read_bio_PrivateKey);
  auto x509 = read_pem<X509, X509Free>(cert_file, PEM_read_bio_X509);
  ERR_clear_error();
  if (key && x509 && usable(x509.get(), key.get())) return Certificate(std::move(x509), std::move(key));

  Certificate fresh = generate();
  std::filesystem::create_directories(dir);
  write_file_atomically(key_file, pem_of(write_key, fresh.key(), "PEM_write_bio_PrivateKey"), 0600);
  write_file_atomically(cert_file, pem_of(write_cert, fresh.x509(), "PEM_write_bio_X509"), 0644);
  return fresh;
}

std::string certificate_fingerprint(X509* certificate, const EVP_MD* digest) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int length = 0;
  if (certificate == nullptr || digest == nullptr || X509_digest(certificate, digest, md.data(), &length) != 1) {
    return {};
  }
  constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(length * 3);
  for (unsigned int i = 0; i < length; ++i) {
    if (i != 0) out.push_back(':');
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0x0F]);
  }
  return out;
}

bool fingerprints_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size() || !well_formed_fingerprint(a) || !well_formed_fingerprint(b)) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

}  // namespace parrot::transport
