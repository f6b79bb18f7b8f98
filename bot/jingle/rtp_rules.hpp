// Rules shared by the answer parrot gives (answer.hpp) and the offer it
// makes (offer.hpp): which RTCP feedback the echo engine implements, how
// parrot picks its SSRCs, and which announced SSRC is the peer's media.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string_view>

#include "bot/jingle/rtp_description.hpp"

namespace parrot::bot::jingle {

// XEP-0293 values EchoEngine implements: generic NACK (RFC 4585 §6.2.1),
// PLI (§6.3.1) and FIR (RFC 5104 §4.3.1).
bool handled_feedback(const RtcpFeedback& fb);
// At description level or on any payload type.
bool has_feedback(const RtpDescription& rtp, std::string_view type, std::string_view subtype);

// RFC 3550 §8.1 wants SSRCs random; a seeded mix (the splitmix32 finaliser)
// keeps tests reproducible while the caller seeds from a real RNG. Never 0,
// never one in `taken`.
class SsrcGenerator {
 public:
  explicit SsrcGenerator(std::uint32_t seed) : state_(seed) {}
  std::uint32_t next(const std::set<std::uint32_t>& taken);

 private:
  std::uint32_t state_;
};

// The peer's media SSRC: the first announced source that is not the repair
// stream of an FID or FEC-FR group (RFC 5576 §4), else the legacy ssrc
// attribute.
std::optional<std::uint32_t> primary_ssrc(const RtpDescription& rtp);

}  // namespace parrot::bot::jingle
