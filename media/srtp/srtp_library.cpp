#include "media/srtp/srtp_library.hpp"

#include <srtp2/srtp.h>

#include <array>
#include <cstddef>
#include <mutex>
#include <stdexcept>
#include <string>

namespace parrot::media::srtp {

namespace {

// libsrtp's crypto kernel is one global; a count of owners decides who
// initialises and who shuts it down, instead of a call_once that could never
// shut down (leak checkers and repeated test fixtures want the shutdown).
std::mutex library_mutex;
std::size_t library_owners = 0;
// A session nobody uses, alive as long as the library. Debian builds
// libsrtp2 on NSS, and every NSS cipher opens an NSS_InitContext and closes
// it when freed: when the last session of the process went away, NSS shut
// down and unloaded its soft token, and the next call's first session loaded
// it again (dlopen, symbol lookups, self-tests: most of a session's creation
// cost). One idle session keeps NSS initialised; with other crypto back ends
// it costs a few hundred bytes.
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

}  // namespace

SrtpLibrary::SrtpLibrary() {
  const std::lock_guard lock(library_mutex);
  if (library_owners == 0) {
    const srtp_err_status_t status = srtp_init();
    if (status != srtp_err_status_ok) {
      throw std::runtime_error("srtp_init failed with libsrtp status " + std::to_string(static_cast<int>(status)));
    }
    open_keep_alive();
  }
  ++library_owners;
}

SrtpLibrary::~SrtpLibrary() {
  const std::lock_guard lock(library_mutex);
  if (--library_owners == 0) {
    if (keep_alive != nullptr) srtp_dealloc(keep_alive);
    keep_alive = nullptr;
    srtp_shutdown();
  }
}

bool SrtpLibrary::is_initialized() noexcept {
  const std::lock_guard lock(library_mutex);
  return library_owners > 0;
}

}  // namespace parrot::media::srtp
