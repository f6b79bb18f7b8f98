#include "bot/jingle/raw_udp_transport.hpp"

#include "bot/jingle/namespaces.hpp"
#include "bot/jingle/xml_util.hpp"
#include "transport/ice/ice_candidate.hpp"

namespace parrot::bot::jingle {

ParseResult<RawUdpTransport> RawUdpTransport::parse(const gloox::Tag& tag) {
  using Result = ParseResult<RawUdpTransport>;
  RawUdpTransport transport;
  for (const gloox::Tag* child : tag.children()) {
    if (!xml::is(*child, "candidate", ns::kRawUdp)) continue;
    if (transport.candidates.size() >= kMaxCandidates) return Result::fail("too many raw-udp candidates");
    RawUdpCandidate candidate;
    const auto component = xml::parse_uint(child->findAttribute("component"), 255);
    const auto port = xml::parse_uint(child->findAttribute("port"), 65535);
    // generation is REQUIRED by XEP-0177 but carries nothing parrot needs.
    const auto generation = xml::parse_uint(child->findAttribute("generation"), UINT32_MAX);
    candidate.id = child->findAttribute("id");
    candidate.ip = child->findAttribute("ip");
    if (!component || *component == 0 || !port || *port == 0 || !transport::is_ip_literal(candidate.ip)) {
      return Result::fail("malformed raw-udp candidate");
    }
    candidate.component = static_cast<std::uint8_t>(*component);
    candidate.port = static_cast<std::uint16_t>(*port);
    candidate.generation = generation.value_or(0);
    transport.candidates.push_back(std::move(candidate));
  }
  return Result::ok(std::move(transport));
}

// Attributes in XEP-0177 §4 order, all written: each is REQUIRED there.
std::unique_ptr<gloox::Tag> RawUdpTransport::to_tag() const {
  auto tag = std::make_unique<gloox::Tag>("transport");
  tag->setXmlns(ns::kRawUdp);
  for (const auto& candidate : candidates) {
    gloox::Tag* element = xml::add_child(*tag, "candidate");
    element->addAttribute("component", std::to_string(candidate.component));
    element->addAttribute("generation", std::to_string(candidate.generation));
    element->addAttribute("id", candidate.id);
    element->addAttribute("ip", candidate.ip);
    element->addAttribute("port", std::to_string(candidate.port));
  }
  return tag;
}

}  // namespace parrot::bot::jingle
