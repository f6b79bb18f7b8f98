// parrot's DTLS identity: a self-signed ECDSA P-256 certificate, its key,
// its XEP-0320 fingerprint, and the OpenSSL DTLS context built from them.
//
// One Certificate per process: generating the key and building the SSL_CTX
// cost far more than a handshake, so every DtlsSrtp session borrows both.
// Immutable after construction, so it may be shared by all worker threads
// (SSL_new on a shared, unmodified SSL_CTX is thread-safe in OpenSSL 3).
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "transport/openssl_ptr.hpp"

namespace parrot::transport {

class Certificate {
 public:
  // Self-signed, CN "parrot", random positive 64-bit serial, valid from
  // now - 1 day (clock skew) for kValidityDays. Throws std::runtime_error
  // naming the OpenSSL step that failed.
  static Certificate generate();

  // key.pem (mode 0600) and cert.pem in `dir`, created if missing. Files that
  // do not parse, do not belong together, or expire within kRenewDays are
  // replaced by a newly generated pair (written to a temporary name, then
  // renamed). Throws std::runtime_error if the directory cannot be written.
  static Certificate load_or_generate(const std::filesystem::path& dir);

  static constexpr int kValidityDays = 365;
  static constexpr int kRenewDays = 30;

  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;
  ~Certificate() = default;

  // RFC 4572 §5 / RFC 8122 / XEP-0320: uppercase hex pairs joined by ':',
  // SHA-256 over the certificate's DER encoding.
  const std::string& fingerprint_sha256() const noexcept { return fingerprint_sha256_; }
  X509* x509() const noexcept { return x509_.get(); }
  EVP_PKEY* key() const noexcept { return key_.get(); }
  // DTLS 1.2 context with this certificate and key; sessions take per-SSL
  // settings (SRTP profiles, MTU, verification) on top of it.
  SSL_CTX* dtls_context() const noexcept { return dtls_context_.get(); }

 private:
  Certificate(X509Ptr x509, EvpPkeyPtr key);

  X509Ptr x509_;
  EvpPkeyPtr key_;
  SslCtxPtr dtls_context_;
  std::string fingerprint_sha256_;
};

// The fingerprint of `certificate` with `digest`, formatted as above; empty
// if OpenSSL fails.
std::string certificate_fingerprint(X509* certificate, const EVP_MD* digest);

// Compares two fingerprints case-insensitively. Both must be well-formed
// (one or more hex pairs separated by single ':'); a malformed string never
// matches, not even itself.
bool fingerprints_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace parrot::transport
