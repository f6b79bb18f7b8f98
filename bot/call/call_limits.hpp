// How many calls parrot takes and how long each may last: the call section
// of parrot's configuration (bot/config.hpp binds --max-calls and the others
// here), read by CallManager. The defaults below are the flags' defaults.
#pragma once

#include <chrono>
#include <cstddef>

namespace parrot::bot::call {

struct CallLimits {
  std::size_t max_calls = 100;                 // at once, all contacts together; more are answered busy
  std::size_t max_calls_per_contact = 2;
  std::chrono::seconds max_length{600};        // a call that long is ended, with a report
  std::chrono::seconds connect_timeout{20};    // ICE (and DTLS) must connect by then
  std::chrono::seconds no_media_timeout{20};   // no RTP from the caller this long ends the call
};

}  // namespace parrot::bot::call
