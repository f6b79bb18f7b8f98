// Every packet media/ refuses has a named reason; the counts reach the call
// report and the metrics, so a hostile peer produces numbers, not log lines.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace parrot::media {

enum class DropReason : std::uint8_t {
  kTooShort,        // shorter than the fixed header it claims to be
  kNotRtp,          // version != 2 or a malformed header
  kMalformedRtcp,   // a compound packet whose lengths do not add up
  kSrtpAuthFail,    // SRTP/SRTCP authentication tag did not verify
  kSrtpReplay,      // SRTP/SRTCP index seen before or too old for the window
  kSrtpOther,       // any other libsrtp refusal (no key yet, bad length)
  kUnknownSsrc,     // not a stream negotiated for this call
  kDuplicate,       // same sequence number already buffered or played
  kLate,            // arrived after its playout time
  kBufferFull,      // the jitter buffer's packet or time bound was reached
  kTooOld,          // far behind the playout point (a restart or a bad sequence jump)
  kTooLarge,        // larger than any MTU parrot accepts
  kNoKeys,          // SRTP expected but the DTLS keys are not there yet
  kNotSent,         // outbound: the transport could not send it (no ICE pair, consent lost, would block)
  kCount,
};

constexpr std::string_view to_string(DropReason reason) noexcept {
  constexpr std::array<std::string_view, static_cast<std::size_t>(DropReason::kCount)> kNames{
      "too_short", "not_rtp", "malformed_rtcp", "srtp_auth_fail", "srtp_replay", "srtp_other",
      "unknown_ssrc", "duplicate", "late", "buffer_full", "too_old", "too_large", "no_keys", "not_sent"};
  const auto index = static_cast<std::size_t>(reason);
  return index < kNames.size() ? kNames[index] : std::string_view{"unknown"};
}

// Fixed-size counters indexed by reason; cheap to copy into a report.
class DropCounters {
 public:
  void count(DropReason reason, std::uint64_t n = 1) noexcept { counts_[static_cast<std::size_t>(reason)] += n; }
  std::uint64_t operator[](DropReason reason) const noexcept { return counts_[static_cast<std::size_t>(reason)]; }
  std::uint64_t total() const noexcept {
    std::uint64_t sum = 0;
    for (auto c : counts_) sum += c;
    return sum;
  }

 private:
  std::array<std::uint64_t, static_cast<std::size_t>(DropReason::kCount)> counts_{};
};

}  // namespace parrot::media
