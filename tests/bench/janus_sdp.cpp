#include "tests/bench/janus_sdp.hpp"

#include <sstream>

namespace parrot::bench {

namespace {

constexpr std::string_view kCandidatePrefix = "candidate:";

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    const auto end = text.find(' ');
    out.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end);
  }
  return out;
}

}  // namespace

std::string sdp_candidate(const transport::IceCandidate& candidate) {
  std::ostringstream out;
  out << kCandidatePrefix << candidate.foundation << ' ' << static_cast<unsigned>(candidate.component) << ' '
      << candidate.protocol << ' ' << candidate.priority << ' ' << candidate.ip << ' ' << candidate.port << " typ "
      << transport::to_string(candidate.type);
  if (!candidate.rel_addr.empty()) out << " raddr " << candidate.rel_addr << " rport " << candidate.rel_port;
  return out.str();
}

std::optional<transport::IceCandidate> parse_sdp_candidate(std::string_view attribute) {
  if (attribute.substr(0, kCandidatePrefix.size()) != kCandidatePrefix) return std::nullopt;
  attribute.remove_prefix(kCandidatePrefix.size());
  const auto w = words(attribute);
  // foundation component transport priority address port "typ" type
  if (w.size() < 8 || w[6] != "typ") return std::nullopt;
  transport::CandidateAttributes attributes{
      {"foundation", std::string(w[0])}, {"component", std::string(w[1])}, {"protocol", std::string(w[2])},
      {"priority", std::string(w[3])},   {"ip", std::string(w[4])},        {"port", std::string(w[5])},
      {"type", std::string(w[7])}};
  // Extension pairs after the type (RFC 8839 §5.1): only raddr/rport matter
  // to the caller; a repeated name makes parse_candidate refuse the line.
  for (std::size_t i = 8; i + 1 < w.size(); i += 2) {
    if (w[i] == "raddr") attributes.emplace_back("rel-addr", std::string(w[i + 1]));
    if (w[i] == "rport") attributes.emplace_back("rel-port", std::string(w[i + 1]));
  }
  return transport::parse_candidate(attributes).candidate;
}

std::string build_sdp_offer(const SdpOffer& offer) {
  const char* const kind = offer.video ? "video" : "audio";
  const int payload_type = offer.video ? 96 : 111;
  std::ostringstream sdp;
  sdp << "v=0\r\n"
      << "o=- " << (offer.ssrc | 1u) << " 2 IN IP4 127.0.0.1\r\n"
      << "s=-\r\n"
      << "t=0 0\r\n"
      // Janus bundles every m-line and muxes RTCP (RFC 8843, RFC 5761).
      << "a=group:BUNDLE 0\r\n"
      << "m=" << kind << " 9 UDP/TLS/RTP/SAVPF " << payload_type << "\r\n"
      << "c=IN IP4 127.0.0.1\r\n"
      << "a=ice-ufrag:" << offer.ufrag << "\r\n"
      << "a=ice-pwd:" << offer.pwd << "\r\n"
      << "a=fingerprint:sha-256 " << offer.fingerprint_sha256 << "\r\n"
      // The caller is the DTLS server, as with parrot: actpass offered, the
      // answerer takes 'active' (RFC 5763 §5).
      << "a=setup:actpass\r\n"
      << "a=mid:0\r\n"
      << "a=sendrecv\r\n"
      << "a=rtcp-mux\r\n";
  if (offer.video) {
    sdp << "a=rtpmap:96 VP8/90000\r\n"
        << "a=rtcp-fb:96 nack\r\n"
        << "a=rtcp-fb:96 nack pli\r\n"
        << "a=rtcp-fb:96 ccm fir\r\n";
  } else {
    sdp << "a=rtpmap:111 opus/48000/2\r\n";
    if (offer.audio_level_id != 0) {
      sdp << "a=extmap:" << static_cast<int>(offer.audio_level_id) << " urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n";
    }
  }
  // Announced, so Janus need not guess the stream from its first packet.
  sdp << "a=ssrc:" << offer.ssrc << " cname:" << offer.cname << "\r\n";
  for (const auto& candidate : offer.candidates) sdp << "a=" << sdp_candidate(candidate) << "\r\n";
  sdp << "a=end-of-candidates\r\n";
  return sdp.str();
}

std::optional<SdpAnswer> parse_sdp_answer(std::string_view sdp) {
  SdpAnswer answer;
  while (!sdp.empty()) {
    const auto end = sdp.find('\n');
    std::string_view line = sdp.substr(0, end);
    sdp.remove_prefix(end == std::string_view::npos ? sdp.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.substr(0, 2) != "a=") continue;
    line.remove_prefix(2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = line.substr(colon + 1);
    // Session-level or in the one m-line: the first occurrence wins.
    if (name == "ice-ufrag" && answer.ufrag.empty()) {
      answer.ufrag = value;
    } else if (name == "ice-pwd" && answer.pwd.empty()) {
      answer.pwd = value;
    } else if (name == "setup" && answer.setup.empty()) {
      answer.setup = value;
    } else if (name == "fingerprint" && answer.fingerprint_sha256.empty()) {
      const auto w = words(value);
      if (w.size() == 2 && (w[0] == "sha-256" || w[0] == "SHA-256")) answer.fingerprint_sha256 = w[1];
    } else if (name == "candidate") {
      if (auto candidate = parse_sdp_candidate(line); candidate && candidate->protocol == "udp")
        answer.candidates.push_back(std::move(*candidate));
    }
  }
  if (answer.ufrag.empty() || answer.pwd.empty() || answer.fingerprint_sha256.empty()) return std::nullopt;
  return answer;
}

}  // namespace parrot::bench
