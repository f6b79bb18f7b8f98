// XEP-0176 <candidate/> attributes from a hostile peer: the input is lines of
// "name=value" (one attribute each). Never a crash; every accepted candidate
// holds its documented invariants and survives candidate_attributes() ->
// parse_candidate() unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "transport/ice/ice_candidate.hpp"

namespace {

using parrot::transport::CandidateAttributes;

CandidateAttributes split_attributes(std::string_view text) {
  CandidateAttributes attributes;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    const auto equals = line.find('=');
    if (equals == std::string_view::npos) {
      attributes.emplace_back(std::string(line), std::string());
    } else {
      attributes.emplace_back(std::string(line.substr(0, equals)), std::string(line.substr(equals + 1)));
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return attributes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parrot::transport;
  const auto result = parse_candidate(split_attributes({reinterpret_cast<const char*>(data), size}));
  if (!result.candidate) {
    if (result.error.empty()) std::abort();
    return 0;
  }
  const IceCandidate& candidate = *result.candidate;
  if (!result.error.empty() || candidate.component == 0 || candidate.port == 0 || candidate.priority == 0 ||
      candidate.protocol != "udp" || !is_ip_literal(candidate.ip) || candidate.foundation.empty() ||
      candidate.foundation.size() > 32 || (!candidate.rel_addr.empty() && !is_ip_literal(candidate.rel_addr)) ||
      (candidate.rel_addr.empty() && candidate.rel_port != 0)) {
    std::abort();
  }
  const auto again = parse_candidate(candidate_attributes(candidate));
  if (!again.candidate || !(*again.candidate == candidate)) std::abort();
  return 0;
}
