// SDP answers as Janus might send them, or anything else, through the
// concurrent-calls benchmark's answer parser: never a crash; an accepted
// answer has ICE credentials and a fingerprint, holds UDP candidates only,
// and every candidate survives sdp_candidate() -> parse_sdp_candidate()
// unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tests/bench/janus_sdp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto answer = parrot::bench::parse_sdp_answer(text)) {
    if (answer->ufrag.empty() || answer->pwd.empty() || answer->fingerprint_sha256.empty()) std::abort();
    for (const auto& candidate : answer->candidates) {
      if (candidate.protocol != "udp" || candidate.port == 0) std::abort();
      const auto again = parrot::bench::parse_sdp_candidate(parrot::bench::sdp_candidate(candidate));
      if (!again || !(*again == candidate)) std::abort();
    }
  }
  // Every line alone as a candidate attribute, too.
  for (std::string_view rest = text; !rest.empty();) {
    const auto end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    if (const auto candidate = parrot::bench::parse_sdp_candidate(line)) {
      const auto again = parrot::bench::parse_sdp_candidate(parrot::bench::sdp_candidate(*candidate));
      if (!again || !(*again == *candidate)) std::abort();
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return 0;
}
