// Process-wide libsrtp setup (srtp_init / srtp_shutdown) in one owner.
//
// main() creates one SrtpLibrary before any call starts and keeps it until
// the last call has ended; tests, fuzzers and benchmarks create their own.
// Instances are reference-counted under a mutex, so creating more than one
// (even on different threads) is safe: the first initialises libsrtp, the
// last one destroyed shuts it down, and a later instance initialises again.
// Every SrtpSession must be destroyed before the last SrtpLibrary.
#pragma once

namespace parrot::media::srtp {

class SrtpLibrary {
 public:
  // Throws std::runtime_error if srtp_init() fails (its self-tests included).
  SrtpLibrary();
  ~SrtpLibrary();

  SrtpLibrary(const SrtpLibrary&) = delete;
  SrtpLibrary& operator=(const SrtpLibrary&) = delete;

  // True while at least one SrtpLibrary exists.
  static bool is_initialized() noexcept;
};

}  // namespace parrot::media::srtp
