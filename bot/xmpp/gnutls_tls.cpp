#include "bot/xmpp/gnutls_tls.hpp"

#include <arpa/inet.h>
#include <gnutls/x509.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace parrot::bot::xmpp {
namespace {

// TLS 1.3 is left out on purpose: gloox 1.0.24 only knows the tls-unique
// channel binding for SCRAM-SHA-1-PLUS, which TLS 1.3 does not define; on
// 1.3 it would downgrade with the "y" flag, which RFC 5802 servers reject.
constexpr const char* kPriorities = "NORMAL:-VERS-ALL:+VERS-TLS1.2:%SAFE_RENEGOTIATION";

bool is_ip_literal(const std::string& host) {
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 || inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

}  // namespace

std::unique_ptr<TlsTrust> TlsTrust::load(const std::string& ca_file, std::string& error) {
  gnutls_certificate_credentials_t credentials = nullptr;
  if (gnutls_certificate_allocate_credentials(&credentials) != GNUTLS_E_SUCCESS) {
    error = "cannot allocate TLS credentials";
    return nullptr;
  }
  std::unique_ptr<TlsTrust> trust(new TlsTrust(credentials));
  // A machine without a system store still works with --ca-file alone.
  gnutls_certificate_set_x509_system_trust(credentials);
  if (!ca_file.empty()) {
    const int loaded = gnutls_certificate_set_x509_trust_file(credentials, ca_file.c_str(), GNUTLS_X509_FMT_PEM);
    if (loaded <= 0) {
      error = "--ca-file '" + ca_file + "': " +
              (loaded < 0 ? std::string(gnutls_strerror(loaded)) : std::string("no PEM certificate in it"));
      return nullptr;
    }
  }
  return trust;
}

TlsTrust::~TlsTrust() { gnutls_certificate_free_credentials(credentials_); }

GnutlsTls::GnutlsTls(gloox::TLSHandler* handler, std::string domain, const TlsTrust& trust)
    : TLSBase(handler, std::move(domain)), trust_(trust) {}

GnutlsTls::~GnutlsTls() {
  if (session_) gnutls_deinit(session_);
}

bool GnutlsTls::init(const std::string&, const std::string&, const gloox::StringList&) {
  if (session_) return true;
  if (gnutls_init(&session_, GNUTLS_CLIENT) != GNUTLS_E_SUCCESS) {
    session_ = nullptr;
    return false;
  }
  if (gnutls_priority_set_direct(session_, kPriorities, nullptr) != GNUTLS_E_SUCCESS ||
      gnutls_credentials_set(session_, GNUTLS_CRD_CERTIFICATE, trust_.credentials()) != GNUTLS_E_SUCCESS) {
    gnutls_deinit(session_);
    session_ = nullptr;
    return false;
  }
  // SNI must be a DNS name (RFC 6066 §3); an IP-literal domain sends none.
  if (!is_ip_literal(m_server)) {
    gnutls_server_name_set(session_, GNUTLS_NAME_DNS, m_server.data(), m_server.size());
  }
  gnutls_transport_set_ptr(session_, this);
  gnutls_transport_set_push_function(session_, &GnutlsTls::push);
  gnutls_transport_set_pull_function(session_, &GnutlsTls::pull);
  m_valid = true;
  return true;
}

ssize_t GnutlsTls::push(gnutls_transport_ptr_t ptr, const void* data, size_t size) {
  auto* self = static_cast<GnutlsTls*>(ptr);
  if (self->m_handler) {
    self->m_handler->handleEncryptedData(self, std::string(static_cast<const char*>(data), size));
  }
  return static_cast<ssize_t>(size);
}

ssize_t GnutlsTls::pull(gnutls_transport_ptr_t ptr, void* data, size_t size) {
  auto* self = static_cast<GnutlsTls*>(ptr);
  if (self->received_.empty()) {
    gnutls_transport_set_errno(self->session_, EAGAIN);
    return -1;
  }
  const size_t n = std::min(size, self->received_.size());
  std::memcpy(data, self->received_.data(), n);
  self->received_.erase(0, n);
  return static_cast<ssize_t>(n);
}

bool GnutlsTls::handshake() {
  if (!m_handler) return false;
  if (!session_) {  // init() failed: end the stream instead of leaving it waiting
    verify_error_ = "TLS session could not be created";
    m_handler->handleHandshakeResult(this, false, m_certInfo);
    return false;
  }
  const int result = gnutls_handshake(session_);
  if (result == GNUTLS_E_AGAIN || result == GNUTLS_E_INTERRUPTED) return true;
  if (result < 0) {
    verify_error_ = gnutls_strerror(result);
    m_handler->handleHandshakeResult(this, false, m_certInfo);
    return false;
  }
  m_secure = true;
  fill_cert_info();
  m_handler->handleHandshakeResult(this, true, m_certInfo);
  return true;
}

void GnutlsTls::fill_cert_info() {
  m_certInfo = gloox::CertInfo();
  unsigned status = 0;
  // Checks the chain against the trust store and the certificate's names
  // against the XMPP domain (not the dialled host).
  if (gnutls_certificate_verify_peers3(session_, m_server.c_str(), &status) < 0) status = GNUTLS_CERT_INVALID;
  int info = 0;
  if (status & GNUTLS_CERT_INVALID) info |= gloox::CertInvalid;
  if (status & GNUTLS_CERT_SIGNER_NOT_FOUND) info |= gloox::CertSignerUnknown;
  if (status & GNUTLS_CERT_REVOKED) info |= gloox::CertRevoked;
  if (status & GNUTLS_CERT_EXPIRED) info |= gloox::CertExpired;
  if (status & GNUTLS_CERT_NOT_ACTIVATED) info |= gloox::CertNotActive;
  if (status & GNUTLS_CERT_UNEXPECTED_OWNER) info |= gloox::CertWrongPeer;
  if (status & GNUTLS_CERT_SIGNER_NOT_CA) info |= gloox::CertSignerNotCa;
  m_certInfo.status = info;
  verify_error_.clear();
  if (status != 0) {
    gnutls_datum_t text{};
    if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) == 0) {
      verify_error_.assign(reinterpret_cast<const char*>(text.data), text.size);
      gnutls_free(text.data);
    } else {
      verify_error_ = "certificate not trusted";
    }
  }
  if (const char* name = gnutls_protocol_get_name(gnutls_protocol_get_version(session_))) m_certInfo.protocol = name;
  if (const char* name = gnutls_cipher_get_name(gnutls_cipher_get(session_))) m_certInfo.cipher = name;
  if (const char* name = gnutls_mac_get_name(gnutls_mac_get(session_))) m_certInfo.mac = name;
  m_certInfo.server = m_server;
}

bool GnutlsTls::encrypt(const std::string& data) {
  if (!m_secure) {
    handshake();
    return true;
  }
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t result = gnutls_record_send(session_, data.data() + sent, data.size() - sent);
    if (result == GNUTLS_E_AGAIN || result == GNUTLS_E_INTERRUPTED) continue;
    if (result < 0) return false;
    sent += static_cast<size_t>(result);
  }
  return true;
}

int GnutlsTls::decrypt(const std::string& data) {
  received_ += data;
  if (!m_secure) {
    if (!handshake() || !m_secure) return static_cast<int>(data.size());
  }
  // Records that arrived together with the end of the handshake are read now,
  // not left waiting for the next socket read.
  drain_records();
  return static_cast<int>(data.size());
}

void GnutlsTls::drain_records() {
  char buffer[16384];
  while (m_secure && session_) {
    const ssize_t result = gnutls_record_recv(session_, buffer, sizeof buffer);
    if (result > 0) {
      if (m_handler) m_handler->handleDecryptedData(this, std::string(buffer, static_cast<size_t>(result)));
      continue;
    }
    // 0 is close_notify; EAGAIN means no full record yet. Other errors end
    // the stream through the socket closing, which gloox already handles.
    return;
  }
}

void GnutlsTls::cork() noexcept {
  if (!m_secure || !session_ || corked_) return;
  gnutls_record_cork(session_);
  corked_ = true;
}

void GnutlsTls::uncork() noexcept {
  if (!corked_) return;
  corked_ = false;
  // The socket is blocking (gloox's send loop needs that), so WAIT returns
  // once everything is written or the connection failed.
  if (session_) gnutls_record_uncork(session_, GNUTLS_RECORD_WAIT);
}

void GnutlsTls::cleanup() {
  corked_ = false;
  if (session_) {
    gnutls_deinit(session_);
    session_ = nullptr;
  }
  received_.clear();
  m_secure = false;
  m_valid = false;
  init(gloox::EmptyString, gloox::EmptyString, gloox::StringList());
}

const std::string GnutlsTls::channelBinding() const {
  gnutls_datum_t binding{};
  if (!session_ || gnutls_session_channel_binding(session_, GNUTLS_CB_TLS_UNIQUE, &binding) != 0) return {};
  std::string result(reinterpret_cast<const char*>(binding.data), binding.size);
  gnutls_free(binding.data);
  return result;
}

}  // namespace parrot::bot::xmpp
