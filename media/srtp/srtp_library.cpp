#include "media/srtp/srtp_library.hpp"

#include <srtp2/srtp.h>

#include <array>
#include <cstddef>
#include <mutex>
#include <stdexcept>
#include <string>

#include "media/srtp/openssl_crypto.hpp"

namespace parrot::media::srtp {

namespace {

// libsrtp's crypto kernel is one global; a count of owners decides who
// initialises and who shuts it down, instead of a call_once that could never
// shut down (leak checkers and repeated test fixtures want the shutdown).
std::mutex library_mutex;
std::size_t library_owners = 0;
SrtpBackend live_backend = SrtpBackend::kStock;
std::string fallback_reason;  // why the stock back end is live although OpenSSL was wanted
// Only with the stock back end: a session nobody uses, alive as long as the
// library. Debian builds libsrtp2 on NSS, and every NSS cipher opens an
// NSS_InitContext and closes it when freed: when the last session of the
// process went away, NSS shut down and unloaded its soft token, and the next
// call's first session loaded it again (dlopen, symbol lookups, self-tests:
// most of a session's creation cost). One idle session keeps NSS
// initialised. The OpenSSL types load nothing per session.
srtp_t keep_alive = nullptr;

void open_keep_alive() {
  srtp_policy_t policy{};
  srtp_crypto_policy_set_rtp_default(&policy.rtp);
  srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
  policy.ssrc.type = ssrc_any_inbound;
  std::array<unsigned char, SRTP_MASTER_KEY_LEN> key{};  // never protects anything
  policy.key = key.data();
  if (srtp_create(&keep_alive, &policy) != srtp_err_status_ok) keep_alive = nullptr;  // only slower, not wrong
}

void init_or_throw() {
  const srtp_err_status_t status = srtp_init();
  if (status != srtp_err_status_ok) {
    throw std::runtime_error("srtp_init failed with libsrtp status " + std::to_string(static_cast<int>(status)));
  }
}

// Called with library_mutex held, right after srtp_init: the kernel's type
// list is unlocked, and srtp_shutdown forgets replacements, so every
// initialisation installs them again.
void choose_backend(SrtpBackend wanted) {
  live_backend = SrtpBackend::kStock;
  fallback_reason.clear();
  if (wanted == SrtpBackend::kStock) return;
  if (!openssl_crypto::runtime_openssl_supported()) {
    fallback_reason = "OpenSSL at run time is older than 3.0.3";
    return;
  }
  const int status = openssl_crypto::install();
  if (status == srtp_err_status_ok && openssl_crypto::installed()) {
    live_backend = SrtpBackend::kOpenSsl;
    return;
  }
  fallback_reason = "libsrtp refused the OpenSSL types (status " + std::to_string(status) + ")";
  // Some types may be replaced already; a restart brings back the stock set.
  srtp_shutdown();
  openssl_crypto::release();
  init_or_throw();
}

}  // namespace

std::string_view to_string(SrtpBackend backend) noexcept {
  switch (backend) {
    case SrtpBackend::kOpenSsl: return "OpenSSL";
    case SrtpBackend::kStock: return "libsrtp2's own";
  }
  return "unknown";
}

SrtpLibrary::SrtpLibrary(SrtpBackend wanted) {
  const std::lock_guard lock(library_mutex);
  if (library_owners == 0) {
    init_or_throw();
    choose_backend(wanted);
    if (live_backend == SrtpBackend::kStock) open_keep_alive();
  }
  ++library_owners;
}

SrtpLibrary::~SrtpLibrary() {
  const std::lock_guard lock(library_mutex);
  if (--library_owners == 0) {
    if (keep_alive != nullptr) srtp_dealloc(keep_alive);
    keep_alive = nullptr;
    srtp_shutdown();
    openssl_crypto::release();
    live_backend = SrtpBackend::kStock;
  }
}

bool SrtpLibrary::is_initialized() noexcept {
  const std::lock_guard lock(library_mutex);
  return library_owners > 0;
}

SrtpBackend SrtpLibrary::backend() noexcept {
  const std::lock_guard lock(library_mutex);
  return live_backend;
}

std::string SrtpLibrary::backend_note() {
  const std::lock_guard lock(library_mutex);
  std::string note = "SRTP crypto: " + std::string(to_string(live_backend)) + " (" +
                     openssl_crypto::runtime_openssl_version() + ")";
  if (!fallback_reason.empty()) note += "; OpenSSL types not used: " + fallback_reason;
  return note;
}

}  // namespace parrot::media::srtp
