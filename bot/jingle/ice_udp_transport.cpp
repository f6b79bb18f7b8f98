#include "bot/jingle/ice_udp_transport.hpp"

#include "bot/jingle/namespaces.hpp"
#include "bot/jingle/xml_util.hpp"

namespace parrot::bot::jingle {
namespace {

ParseResult<RemoteCandidate> parse_remote_candidate(const gloox::Tag& tag) {
  RemoteCandidate remote;
  const auto component = xml::parse_uint(tag.findAttribute("component"), 255);
  const auto port = xml::parse_uint(tag.findAttribute("port"), 65535);
  remote.ip = tag.findAttribute("ip");
  if (!component || *component == 0 || !port || *port == 0 || !transport::is_ip_literal(remote.ip)) {
    return ParseResult<RemoteCandidate>::fail("malformed remote-candidate");
  }
  remote.component = static_cast<std::uint8_t>(*component);
  remote.port = static_cast<std::uint16_t>(*port);
  return ParseResult<RemoteCandidate>::ok(std::move(remote));
}

}  // namespace

// ufrag and pwd are optional here: a transport-info may repeat only the
// ufrag (Movim) and the session layer matches candidates to the current
// credentials (docs/client-quirks.md#movim-calls).
ParseResult<IceUdpTransport> IceUdpTransport::parse(const gloox::Tag& tag) {
  using Result = ParseResult<IceUdpTransport>;
  IceUdpTransport transport;
  transport.ufrag = tag.findAttribute("ufrag");
  transport.pwd = tag.findAttribute("pwd");
  std::size_t seen_candidates = 0;
  for (const gloox::Tag* child : tag.children()) {
    if (child->name() == "candidate" && xml::namespace_of(*child) == ns::kIceUdp) {
      if (++seen_candidates > kMaxCandidates) return Result::fail("too many candidates");
      transport::CandidateAttributes attributes;
      for (const gloox::Tag::Attribute* attribute : child->attributes()) {
        if (attribute->name() != "xmlns") attributes.emplace_back(attribute->name(), attribute->value());
      }
      // XEP-0176 §5.2 candidates parrot cannot use (tcp, mDNS, a bad port)
      // do not spoil the others: skip and count (docs/client-quirks.md#movim-calls).
      auto parsed = transport::parse_candidate(attributes);
      if (parsed.candidate) {
        transport.candidates.push_back(std::move(*parsed.candidate));
      } else {
        ++transport.skipped_candidates;
      }
    } else if (xml::is(*child, "remote-candidate", ns::kIceUdp)) {
      auto remote = parse_remote_candidate(*child);
      if (!remote) return Result::fail(remote.error);
      transport.remote_candidate = std::move(remote.value);
    } else if (xml::is(*child, "fingerprint", ns::kDtls)) {
      // XEP-0320 allows one per transport; a second one is ignored.
      if (transport.fingerprint) continue;
      auto fp = Fingerprint::parse(*child);
      if (!fp) return Result::fail(fp.error);
      transport.fingerprint = std::move(fp.value);
    } else if (xml::namespace_of(*child) == ns::kIceOption && transport.ice_options.size() < 8) {
      transport.ice_options.push_back(child->name());
    }
  }
  return Result::ok(std::move(transport));
}

// The fingerprint goes first: Dino reads it from any transport it gets
// (also an early transport-info), and order costs nothing.
std::unique_ptr<gloox::Tag> IceUdpTransport::to_tag() const {
  auto tag = std::make_unique<gloox::Tag>("transport");
  tag->setXmlns(ns::kIceUdp);
  tag->addAttribute("ufrag", ufrag);  // gloox skips empty values
  tag->addAttribute("pwd", pwd);
  if (fingerprint) tag->addChild(fingerprint->to_tag().release());
  for (const auto& option : ice_options) xml::add_child(*tag, option, ns::kIceOption);
  for (const auto& candidate : candidates) {
    gloox::Tag* element = xml::add_child(*tag, "candidate");
    for (const auto& [name, value] : transport::candidate_attributes(candidate)) element->addAttribute(name, value);
  }
  if (remote_candidate) {
    gloox::Tag* element = xml::add_child(*tag, "remote-candidate");
    element->addAttribute("component", std::to_string(remote_candidate->component));
    element->addAttribute("ip", remote_candidate->ip);
    element->addAttribute("port", std::to_string(remote_candidate->port));
  }
  return tag;
}

}  // namespace parrot::bot::jingle
