// gloox's TLS seam (TLSBase) implemented with GnuTLS, because gloox's own
// GnuTLS client sends no SNI and checks the certificate against the connect
// host rather than the XMPP domain. Here the server name (SNI) and the name
// the certificate must carry are both the JID's domain (RFC 6120 §13.7.2,
// RFC 6125), whatever host was dialled.
#pragma once

#include <gloox/tlsbase.h>
#include <gnutls/gnutls.h>

#include <memory>
#include <string>

namespace parrot::bot::xmpp {

// The certificates parrot trusts: the system store plus --ca-file. Loaded
// once at start, so a bad file is a startup error rather than a failure on
// every connection, and reconnects do not re-read the store.
class TlsTrust {
 public:
  static std::unique_ptr<TlsTrust> load(const std::string& ca_file, std::string& error);
  ~TlsTrust();
  TlsTrust(const TlsTrust&) = delete;
  TlsTrust& operator=(const TlsTrust&) = delete;

  gnutls_certificate_credentials_t credentials() const noexcept { return credentials_; }

 private:
  explicit TlsTrust(gnutls_certificate_credentials_t credentials) noexcept : credentials_(credentials) {}
  gnutls_certificate_credentials_t credentials_;
};

class GnutlsTls final : public gloox::TLSBase {
 public:
  GnutlsTls(gloox::TLSHandler* handler, std::string domain, const TlsTrust& trust);
  ~GnutlsTls() override;
  GnutlsTls(const GnutlsTls&) = delete;
  GnutlsTls& operator=(const GnutlsTls&) = delete;

  bool init(const std::string& client_key, const std::string& client_certs,
            const gloox::StringList& cacerts) override;
  bool encrypt(const std::string& data) override;
  int decrypt(const std::string& data) override;
  void cleanup() override;
  bool handshake() override;
  bool hasChannelBinding() const override { return true; }
  const std::string channelBinding() const override;
  // Trust comes from TlsTrust and parrot uses no client certificate; these
  // two only keep what gloox hands over.
  void setCACerts(const gloox::StringList& cacerts) override { m_cacerts = cacerts; }
  void setClientCert(const std::string& client_key, const std::string& client_certs) override {
    m_clientKey = client_key;
    m_clientCerts = client_certs;
  }

  // Between cork() and uncork(), what gloox sends is gathered into as few
  // TLS records and socket writes as possible: a burst of echoes then costs
  // the server one read instead of one per stanza.
  void cork() noexcept;
  void uncork() noexcept;

  // Why verification failed, in GnuTLS's words; empty when it passed.
  const std::string& verify_error() const noexcept { return verify_error_; }

 private:
  static ssize_t push(gnutls_transport_ptr_t self, const void* data, size_t size);
  static ssize_t pull(gnutls_transport_ptr_t self, void* data, size_t size);
  void fill_cert_info();
  void drain_records();

  const TlsTrust& trust_;
  gnutls_session_t session_ = nullptr;
  std::string received_;  // ciphertext not yet consumed by GnuTLS
  std::string verify_error_;
  bool corked_ = false;
};

}  // namespace parrot::bot::xmpp
