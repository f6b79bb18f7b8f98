// Process-wide libsrtp setup (srtp_init / srtp_shutdown) in one owner, and
// the choice of libsrtp's crypto back end.
//
// main() creates one SrtpLibrary before any call starts and keeps it until
// the last call has ended; tests, fuzzers and benchmarks create their own.
// Instances are reference-counted under a mutex, so creating more than one
// (even on different threads) is safe: the first initialises libsrtp, the
// last one destroyed shuts it down, and a later instance initialises again.
// Every SrtpSession must be destroyed before the last SrtpLibrary.
//
// The instance that initialises libsrtp also picks its crypto: OpenSSL's
// (openssl_crypto.hpp) unless asked for the stock one, or unless the
// OpenSSL loaded at run time is older than the types need or libsrtp
// refuses them, in which case the stock back end stays and
// backend_note() says why (main() logs it once).
#pragma once

#include <string>
#include <string_view>

namespace parrot::media::srtp {

enum class SrtpBackend {
  kOpenSsl,  // parrot's OpenSSL cipher and auth types replace libsrtp's
  kStock,    // whatever libsrtp2 was built with (NSS on Debian 12)
};

std::string_view to_string(SrtpBackend backend) noexcept;

class SrtpLibrary {
 public:
  // Throws std::runtime_error if srtp_init() fails (its self-tests included).
  // `wanted` only matters to the instance that initialises libsrtp; later
  // instances share whatever back end is live (benchmarks and the
  // cross-backend test ask for kStock in a process of their own).
  explicit SrtpLibrary(SrtpBackend wanted = SrtpBackend::kOpenSsl);
  ~SrtpLibrary();

  SrtpLibrary(const SrtpLibrary&) = delete;
  SrtpLibrary& operator=(const SrtpLibrary&) = delete;

  // True while at least one SrtpLibrary exists.
  static bool is_initialized() noexcept;

  // The live back end (kStock while no SrtpLibrary exists).
  static SrtpBackend backend() noexcept;

  // One line for the log: the back end, the OpenSSL version, and if the
  // OpenSSL back end was wanted but not installed, why not.
  static std::string backend_note();
};

}  // namespace parrot::media::srtp
