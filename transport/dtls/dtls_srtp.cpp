#include "transport/dtls/dtls_srtp.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/srtp.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cctype>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace parrot::transport {
namespace {

using media::srtp::SrtpProfile;

constexpr std::size_t kMinMtu = 256;  // OpenSSL's own floor for DTLS (dtls1_min_mtu)
constexpr std::size_t kMaxMtu = 16384;
constexpr std::size_t kRecordHeaderBytes = 13;
// RFC 6347 §4.1: a record carries at most 2^14 bytes plus 2048 of expansion.
constexpr std::size_t kMaxRecordBody = 16384 + 2048;
// RFC 5764 §4.2.
constexpr std::string_view kExporterLabel = "EXTRACTOR-dtls_srtp";

std::string_view openssl_profile_name(SrtpProfile profile) {
  switch (profile) {
    case SrtpProfile::kAes128CmSha1_80: return "SRTP_AES128_CM_SHA1_80";
    case SrtpProfile::kAes128CmSha1_32: return "SRTP_AES128_CM_SHA1_32";
    case SrtpProfile::kAeadAes128Gcm: return "SRTP_AEAD_AES_128_GCM";
    case SrtpProfile::kAeadAes256Gcm: return "SRTP_AEAD_AES_256_GCM";
  }
  throw std::invalid_argument("DtlsSrtp: unknown SRTP profile id " + std::to_string(media::srtp::profile_id(profile)));
}

// IANA "Hash Function Textual Names" as used by XEP-0320 / RFC 8122 §5.
const EVP_MD* digest_by_name(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "sha-256") return EVP_sha256();
  if (lower == "sha-1") return EVP_sha1();
  if (lower == "sha-224") return EVP_sha224();
  if (lower == "sha-384") return EVP_sha384();
  if (lower == "sha-512") return EVP_sha512();
  return nullptr;
}

// Every record header complete and every length inside the datagram
// (RFC 6347 §4.1); content types 20..25 (RFC 7983's DTLS range is wider,
// but nothing else is a record), DTLS major version 0xFE. Checked before
// OpenSSL sees the bytes so that garbage is counted rather than silently
// skipped.
//
// Encrypted records (epoch > 0) shorter than the cipher's nonce and tag are
// refused here too: OpenSSL 3.0 answers them with a fatal internal_error
// (tls1_enc's EVP_CTRL_AEAD_TLS1_AAD fails) instead of discarding them as
// RFC 6347 §4.1.2.7 asks, so one forged datagram would end a call.
bool well_formed_records(media::ByteView datagram, std::size_t min_encrypted_body) noexcept {
  if (datagram.empty()) return false;
  std::size_t at = 0;
  while (at < datagram.size()) {
    if (datagram.size() - at < kRecordHeaderBytes) return false;
    const std::uint8_t type = media::read_u8(datagram, at);
    const std::uint8_t major = media::read_u8(datagram, at + 1);
    const std::uint16_t epoch = media::read_u16(datagram, at + 3);
    const std::size_t length = media::read_u16(datagram, at + 11);
    if (type < 20 || type > 25 || major != 0xFE || length > kMaxRecordBody) return false;
    if (epoch != 0 && length < min_encrypted_body) return false;
    if (datagram.size() - at - kRecordHeaderBytes < length) return false;
    at += kRecordHeaderBytes + length;
  }
  return true;
}

// Without renegotiation (SSL_OP_NO_RENEGOTIATION) a connected session
// reads epoch 1 forever (RFC 6347 §4.1: the epoch advances only with a
// ChangeCipherSpec).
constexpr std::uint16_t kConnectedEpoch = 1;

// Sessions are DTLS 1.2 only (DTLS1_2_VERSION on the wire).
constexpr std::uint16_t kDtls12RecordVersion = 0xFEFD;

// The records of a well-formed datagram that belong to kConnectedEpoch and
// carry the negotiated version. OpenSSL 3.0 treats a current-epoch record
// with another version (a DTLS 1.0 header, say) as a fatal error on a
// connected session, where RFC 6347 §4.1.2.7 says to discard it; the
// bounded fuzz run in CI found that one.
std::vector<std::byte> connected_epoch_records(media::ByteView datagram) {
  std::vector<std::byte> out;
  for (std::size_t at = 0; at < datagram.size();) {
    const std::size_t size = kRecordHeaderBytes + media::read_u16(datagram, at + 11);
    if (media::read_u16(datagram, at + 3) == kConnectedEpoch &&
        media::read_u16(datagram, at + 1) == kDtls12RecordVersion) {
      const media::ByteView record = datagram.subspan(at, size);
      out.insert(out.end(), record.begin(), record.end());
    }
    at += size;
  }
  return out;
}

// Smallest body an encrypted record can have with the suites the context
// allows: ChaCha20-Poly1305 adds a 16-byte tag, AES-GCM an 8-byte explicit
// nonce and the tag, AES-CBC an IV and at least one block.
std::size_t min_encrypted_body(const SSL* ssl) noexcept {
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  if (cipher == nullptr) return 16;
  switch (SSL_CIPHER_get_cipher_nid(cipher)) {
    case NID_aes_128_gcm:
    case NID_aes_256_gcm:
      return 24;
    case NID_aes_128_cbc:
    case NID_aes_256_cbc:
      return 32;
    default:
      return 16;
  }
}

void validate(const DtlsSrtp::Config& config) {
  if (config.certificate == nullptr || config.certificate->dtls_context() == nullptr) {
    throw std::invalid_argument("DtlsSrtp: config.certificate is required");
  }
  if (config.profiles.empty()) throw std::invalid_argument("DtlsSrtp: config.profiles must not be empty");
  for (std::size_t i = 0; i < config.profiles.size(); ++i) {
    if (std::find(config.profiles.begin(), config.profiles.begin() + static_cast<std::ptrdiff_t>(i),
                  config.profiles[i]) != config.profiles.begin() + static_cast<std::ptrdiff_t>(i)) {
      throw std::invalid_argument("DtlsSrtp: duplicate SRTP profile " +
                                  std::string(openssl_profile_name(config.profiles[i])));
    }
  }
  if (config.mtu < kMinMtu || config.mtu > kMaxMtu) {
    throw std::invalid_argument("DtlsSrtp: mtu must be in [" + std::to_string(kMinMtu) + ", " +
                                std::to_string(kMaxMtu) + "], got " + std::to_string(config.mtu));
  }
  using std::chrono::milliseconds;
  // OpenSSL treats a timer with less than 15 ms left as expired and then
  // retransmits on every read attempt (dtls1_get_timeout), so shorter
  // timeouts would spin. RFC 6347 §4.2.4.1 wants 60 s allowed at most.
  constexpr milliseconds kMinTimeout{20};
  constexpr milliseconds kMaxTimeout{60'000};
  if (config.initial_retransmit_timeout < kMinTimeout || config.max_retransmit_timeout > kMaxTimeout ||
      config.initial_retransmit_timeout > config.max_retransmit_timeout) {
    throw std::invalid_argument("DtlsSrtp: need 20 ms <= initial_retransmit_timeout <= max_retransmit_timeout <= 60 s");
  }
}

}  // namespace

// The C callbacks OpenSSL calls. Each recovers its DtlsSrtp from the BIO's
// data or the SSL's app data and never lets an exception reach OpenSSL.
struct DtlsSrtpCallbacks {
  static DtlsSrtp* of(BIO* bio) noexcept { return static_cast<DtlsSrtp*>(BIO_get_data(bio)); }
  static DtlsSrtp* of(const SSL* ssl) noexcept { return static_cast<DtlsSrtp*>(SSL_get_app_data(ssl)); }

  // OpenSSL's handshake code puts a buffering BIO in front of ours and
  // flushes it once per datagram (dtls1_do_write packs records up to the
  // MTU), so each write here is one datagram of whole records.
  static int write(BIO* bio, const char* data, int length) noexcept {
    DtlsSrtp* self = of(bio);
    if (self == nullptr || length < 0) return -1;
    ++self->datagrams_sent_;
    try {
      self->observer_.on_dtls_datagram(
          media::as_bytes(reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(length)));
    } catch (...) {
      // The datagram is lost, as on the network; the retransmission timer recovers.
    }
    return length;
  }

  // Hands out the one datagram feed() is processing; a datagram never
  // merges with the next, and a short buffer truncates it (UDP semantics).
  static int read(BIO* bio, char* out, int size) noexcept {
    DtlsSrtp* self = of(bio);
    BIO_clear_retry_flags(bio);
    if (self == nullptr || !self->pending_datagram_ || size <= 0) {
      BIO_set_retry_read(bio);
      return -1;
    }
    const media::ByteView datagram = *self->pending_datagram_;
    self->pending_datagram_.reset();
    const std::size_t n = std::min(datagram.size(), static_cast<std::size_t>(size));
    std::memcpy(out, datagram.data(), n);
    return static_cast<int>(n);
  }

  static long ctrl(BIO* bio, int command, long, void*) noexcept {
    DtlsSrtp* self = of(bio);
    switch (command) {
      case BIO_CTRL_FLUSH:
        return 1;
      case BIO_CTRL_DGRAM_QUERY_MTU:
      case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
        return self != nullptr ? static_cast<long>(self->config_.mtu) : 0;
      // Config::mtu is already the UDP payload: no IP/UDP overhead to subtract.
      case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
      case BIO_CTRL_WPENDING:
      case BIO_CTRL_PENDING:
      default:
        return 0;
    }
  }

  static int create(BIO* bio) noexcept {
    BIO_set_init(bio, 1);
    return 1;
  }

  // Runs once per certificate in the peer's chain with OpenSSL's verdict,
  // which fails for every self-signed certificate: that verdict is ignored.
  // The leaf (depth 0) must match the signalled fingerprint, and rejecting
  // it here makes OpenSSL send bad_certificate to the peer at once.
  static int verify(int, X509_STORE_CTX* store) noexcept {
    try {
      auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
      DtlsSrtp* self = ssl != nullptr ? of(ssl) : nullptr;
      if (self == nullptr) return 0;
      if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
      const std::string actual = certificate_fingerprint(X509_STORE_CTX_get_current_cert(store), self->peer_digest_);
      if (fingerprints_equal(actual, self->config_.peer_fingerprint)) return 1;
      self->fingerprint_mismatch_ = true;
      X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
      return 0;
    } catch (...) {
      return 0;
    }
  }

  static void info(const SSL* ssl, int where, int value) noexcept {
    if ((where & SSL_CB_ALERT) == 0 || (where & SSL_CB_READ) == 0 || (value >> 8) != SSL3_AL_FATAL) return;
    DtlsSrtp* self = of(ssl);
    if (self == nullptr) return;
    try {
      self->peer_alert_ = SSL_alert_desc_string_long(value);
    } catch (...) {
      self->peer_alert_.clear();
    }
  }

  // RFC 6347 §4.2.4.1: start at the configured timeout and double on each
  // expiry, capped. timer_us == 0 asks for the first value of a flight.
  static unsigned int timer(SSL* ssl, unsigned int timer_us) noexcept {
    const DtlsSrtp* self = of(ssl);
    if (self == nullptr) return 1'000'000;
    const auto initial = std::chrono::duration_cast<std::chrono::microseconds>(self->config_.initial_retransmit_timeout);
    const auto maximum = std::chrono::duration_cast<std::chrono::microseconds>(self->config_.max_retransmit_timeout);
    const std::uint64_t next = timer_us == 0 ? static_cast<std::uint64_t>(initial.count()) : 2ULL * timer_us;
    return static_cast<unsigned int>(std::min<std::uint64_t>(next, static_cast<std::uint64_t>(maximum.count())));
  }

  static BIO_METHOD* bio_method() {
    static const BioMethodPtr method = [] {
      BioMethodPtr m(BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "parrot DTLS datagram"));
      if (!m || BIO_meth_set_write(m.get(), write) != 1 || BIO_meth_set_read(m.get(), read) != 1 ||
          BIO_meth_set_ctrl(m.get(), ctrl) != 1 || BIO_meth_set_create(m.get(), create) != 1) {
        throw std::runtime_error("DtlsSrtp: cannot create the datagram BIO_METHOD");
      }
      return m;
    }();
    return method.get();
  }
};

DtlsSrtp::DtlsSrtp(Config config, Observer& observer)
    : config_(std::move(config)), observer_(observer), owner_thread_(std::this_thread::get_id()) {
  validate(config_);
  peer_digest_ = digest_by_name(config_.peer_fingerprint_algorithm);

  std::string profiles;
  for (const SrtpProfile profile : config_.profiles) {
    if (!profiles.empty()) profiles += ':';
    profiles += openssl_profile_name(profile);
  }

  ERR_clear_error();
  ssl_.reset(SSL_new(config_.certificate->dtls_context()));
  if (!ssl_) throw std::runtime_error("DtlsSrtp: SSL_new failed");
  SSL_set_app_data(ssl_.get(), this);
  // Inverted return convention: 0 is success (see ssl/d1_srtp.c).
  if (SSL_set_tlsext_use_srtp(ssl_.get(), profiles.c_str()) != 0) {
    ERR_clear_error();
    throw std::invalid_argument("DtlsSrtp: OpenSSL rejected the SRTP profiles " + profiles);
  }
  SSL_set_verify(ssl_.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, DtlsSrtpCallbacks::verify);
  SSL_set_info_callback(ssl_.get(), DtlsSrtpCallbacks::info);
  DTLS_set_timer_cb(ssl_.get(), DtlsSrtpCallbacks::timer);

  BioPtr bio(BIO_new(DtlsSrtpCallbacks::bio_method()));
  if (!bio) throw std::runtime_error("DtlsSrtp: BIO_new failed");
  BIO_set_data(bio.get(), this);
  // One BIO for both directions: SSL_set_bio takes over that single reference.
  SSL_set_bio(ssl_.get(), bio.get(), bio.get());
  bio.release();

  SSL_set_options(ssl_.get(), SSL_OP_NO_QUERY_MTU);
  if (DTLS_set_link_mtu(ssl_.get(), static_cast<long>(config_.mtu)) != 1) {
    ERR_clear_error();
    throw std::invalid_argument("DtlsSrtp: OpenSSL rejected mtu " + std::to_string(config_.mtu));
  }
}

DtlsSrtp::~DtlsSrtp() = default;

void DtlsSrtp::assert_owner_thread() const noexcept { assert(std::this_thread::get_id() == owner_thread_); }

void DtlsSrtp::start() {
  assert_owner_thread();
  if (state_ != DtlsState::kNew) return;
  state_ = DtlsState::kConnecting;
  if (config_.peer_fingerprint.empty()) return fail(DtlsFailure::kPeerFingerprint, "no peer fingerprint");
  if (peer_digest_ == nullptr) {
    return fail(DtlsFailure::kPeerFingerprint, "unsupported fingerprint algorithm: " + config_.peer_fingerprint_algorithm);
  }
  const auto digest_bytes = static_cast<std::size_t>(EVP_MD_get_size(peer_digest_));
  if (!fingerprints_equal(config_.peer_fingerprint, config_.peer_fingerprint) ||
      config_.peer_fingerprint.size() != digest_bytes * 3 - 1) {
    return fail(DtlsFailure::kPeerFingerprint, "malformed peer fingerprint");
  }
  if (config_.role == DtlsRole::kClient) {
    SSL_set_connect_state(ssl_.get());
  } else {
    SSL_set_accept_state(ssl_.get());
  }
  drive();
}

void DtlsSrtp::feed(media::ByteView datagram) {
  assert_owner_thread();
  if (!well_formed_records(datagram, min_encrypted_body(ssl_.get()))) {
    ++datagrams_dropped_;
    return;
  }
  if (state_ == DtlsState::kNew && config_.role == DtlsRole::kServer) start();
  if (state_ != DtlsState::kConnecting && state_ != DtlsState::kConnected) {
    ++datagrams_dropped_;
    return;
  }
  // Once connected, records of any other epoch are stale or forged: the
  // only retransmission OpenSSL answers is the peer's encrypted Finished,
  // while an unauthenticated handshake message of another epoch makes
  // OpenSSL 3.0 abort the connected session. Keep only the current epoch.
  std::vector<std::byte> encrypted;
  if (state_ == DtlsState::kConnected) {
    encrypted = connected_epoch_records(datagram);
    if (encrypted.size() != datagram.size()) {
      if (encrypted.empty()) {
        ++datagrams_dropped_;
        return;
      }
      datagram = encrypted;
    }
  }
  pending_datagram_ = datagram;
  drive();
  pending_datagram_.reset();
}

std::optional<std::chrono::milliseconds> DtlsSrtp::timeout() const {
  assert_owner_thread();
  if (state_ != DtlsState::kConnecting) return std::nullopt;
  timeval remaining{};
  if (DTLSv1_get_timeout(ssl_.get(), &remaining) != 1) return std::nullopt;
  // Rounded up: a timer that fires early only costs a second wake-up.
  const long long microseconds = static_cast<long long>(remaining.tv_sec) * 1'000'000 + remaining.tv_usec;
  return std::chrono::milliseconds((microseconds + 999) / 1000);
}

void DtlsSrtp::handle_timeout() {
  assert_owner_thread();
  if (state_ != DtlsState::kConnecting) return;
  ERR_clear_error();
  // -1 once OpenSSL has given up (DTLS1_TMO_ALERT_COUNT expiries in a row).
  if (DTLSv1_handle_timeout(ssl_.get()) < 0) {
    ERR_clear_error();
    fail(DtlsFailure::kTimeout, "handshake timeout");
  }
}

void DtlsSrtp::close() {
  assert_owner_thread();
  if (state_ == DtlsState::kConnected) {
    ERR_clear_error();
    SSL_shutdown(ssl_.get());
    ERR_clear_error();
  }
  if (state_ != DtlsState::kFailed) state_ = DtlsState::kClosed;
}

void DtlsSrtp::drive() {
  if (state_ == DtlsState::kConnecting) drive_handshake();
  if (state_ == DtlsState::kConnected) drive_records();
}

void DtlsSrtp::drive_handshake() {
  ERR_clear_error();
  const int result = SSL_do_handshake(ssl_.get());
  if (result == 1) return on_handshake_done();
  const int error = SSL_get_error(ssl_.get(), result);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return;
  // The verify callback flags a certificate that does not match.
  const DtlsFailure failure = fingerprint_mismatch_ ? DtlsFailure::kFingerprintMismatch : DtlsFailure::kHandshake;
  fail(failure, describe_error());
}

// After the handshake the session still reads: the peer's retransmitted
// last flight (our Finished was lost: OpenSSL resends it), alerts and
// close_notify. DTLS-SRTP carries no application data (RFC 5764 §4.1).
void DtlsSrtp::drive_records() {
  std::array<unsigned char, 2048> sink{};
  bool application_data = false;
  for (;;) {
    ERR_clear_error();
    const int result = SSL_read(ssl_.get(), sink.data(), static_cast<int>(sink.size()));
    if (result > 0) {
      application_data = true;
      continue;
    }
    const int error = SSL_get_error(ssl_.get(), result);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) break;
    if (error == SSL_ERROR_ZERO_RETURN) {
      state_ = DtlsState::kClosed;
      SSL_shutdown(ssl_.get());  // RFC 5246 §7.2.1: answer close_notify with our own
      ERR_clear_error();
      observer_.on_dtls_closed();
      break;
    }
    fail(DtlsFailure::kHandshake, describe_error());
    break;
  }
  if (application_data) ++datagrams_dropped_;
}

void DtlsSrtp::on_handshake_done() {
  // The verify callback already checked the leaf; checking the certificate
  // the session finally holds makes the key export depend on it directly.
  X509* peer = SSL_get0_peer_certificate(ssl_.get());
  if (peer == nullptr ||
      !fingerprints_equal(certificate_fingerprint(peer, peer_digest_), config_.peer_fingerprint)) {
    SSL_shutdown(ssl_.get());
    ERR_clear_error();
    return fail(DtlsFailure::kFingerprintMismatch, "fingerprint mismatch");
  }
  fingerprint_ok_ = true;

  // A server without a common profile simply omits use_srtp (RFC 5764
  // §4.1.1), so the handshake succeeds without one: refuse it here.
  const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl_.get());
  const auto profile =
      selected != nullptr ? media::srtp::profile_from_id(static_cast<std::uint16_t>(selected->id)) : std::nullopt;
  if (!profile) {
    SSL_shutdown(ssl_.get());
    ERR_clear_error();
    return fail(DtlsFailure::kHandshake, "no common SRTP profile");
  }

  std::vector<unsigned char> exported(media::srtp::dtls_export_bytes(*profile));
  if (SSL_export_keying_material(ssl_.get(), exported.data(), exported.size(), kExporterLabel.data(),
                                 kExporterLabel.size(), nullptr, 0, 0) != 1) {
    ERR_clear_error();
    return fail(DtlsFailure::kHandshake, "handshake: keying material export failed");
  }
  media::srtp::KeyingMaterial keys = media::srtp::KeyingMaterial::from_dtls_export(
      *profile, media::as_bytes(exported.data(), exported.size()), config_.role == DtlsRole::kClient);
  OPENSSL_cleanse(exported.data(), exported.size());

  profile_ = profile;
  state_ = DtlsState::kConnected;
  observer_.on_dtls_connected(keys);
  OPENSSL_cleanse(keys.local_key_salt.data(), keys.local_key_salt.size());
  OPENSSL_cleanse(keys.remote_key_salt.data(), keys.remote_key_salt.size());
}

void DtlsSrtp::fail(DtlsFailure failure, std::string reason) {
  if (state_ == DtlsState::kFailed || state_ == DtlsState::kClosed) return;
  state_ = DtlsState::kFailed;
  failure_ = failure;
  failure_reason_ = std::move(reason);
  observer_.on_dtls_failed(failure_reason_);
}

std::string DtlsSrtp::describe_error() {
  std::string reason;
  if (fingerprint_mismatch_) {
    reason = "fingerprint mismatch";
  } else if (!peer_alert_.empty()) {
    reason = "alert: " + peer_alert_;
  } else {
    const unsigned long code = ERR_peek_last_error();
    if (ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) == SSL_R_READ_TIMEOUT_EXPIRED) {
      ERR_clear_error();
      return "handshake timeout";
    }
    const char* text = code != 0 ? ERR_reason_error_string(code) : nullptr;
    reason = std::string("handshake: ") + (text != nullptr ? text : "unknown error");
  }
  ERR_clear_error();
  return reason;
}

}  // namespace parrot::transport
