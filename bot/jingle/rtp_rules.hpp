// Rules shared by the answer parrot gives (answer.hpp) and the offer it
// makes (offer.hpp): which RTCP feedback the echo engine implements, how
// parrot picks its SSRCs, and which announced SSRC is the peer's media.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "bot/jingle/rtp_description.hpp"

namespace parrot::bot::jingle {

// XEP-0293 values EchoEngine implements: generic NACK (RFC 4585 §6.2.1),
// PLI (§6.3.1), FIR (RFC 5104 §4.3.1), goog-remb
// (draft-alvestrand-rmcat-remb-03) and, when the transport-wide sequence
// number extension is answered too, transport-cc
// (draft-holmer-rmcat-transport-wide-cc-extensions-01): feedback without the
// numbers it reports on would promise what parrot cannot send.
bool handled_feedback(const RtcpFeedback& fb, bool transport_wide_sequence);

// XEP-0294: the offered header extensions parrot understands, with the
// offer's ids and senders (the answerer keeps them, RFC 8285 §6):
// ssrc-audio-level (the caller's level, still true of its echoed audio),
// abs-send-time and the transport-wide sequence number (read for feedback,
// rewritten with parrot's own values in the echo), sdes:mid (RFC 8843: the
// content is the same both ways, so the echoed value is right). Ids outside
// 1..255 cannot be written in RTP and are left out.
std::vector<HeaderExtension> handled_header_extensions(const RtpDescription& rtp);
// The answered id of `uri`, or 0.
std::uint8_t header_extension_id(const std::vector<HeaderExtension>& extensions, std::string_view uri);
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
