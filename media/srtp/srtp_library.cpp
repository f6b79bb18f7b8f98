#include "media/srtp/srtp_library.hpp"

#include <srtp2/srtp.h>

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

}  // namespace

SrtpLibrary::SrtpLibrary() {
  const std::lock_guard lock(library_mutex);
  if (library_owners == 0) {
    const srtp_err_status_t status = srtp_init();
    if (status != srtp_err_status_ok) {
      throw std::runtime_error("srtp_init failed with libsrtp status " + std::to_string(static_cast<int>(status)));
    }
  }
  ++library_owners;
}

SrtpLibrary::~SrtpLibrary() {
  const std::lock_guard lock(library_mutex);
  if (--library_owners == 0) srtp_shutdown();
}

bool SrtpLibrary::is_initialized() noexcept {
  const std::lock_guard lock(library_mutex);
  return library_owners > 0;
}

}  // namespace parrot::media::srtp
