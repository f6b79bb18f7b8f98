#include "transport/ice/ice_candidate.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace parrot::transport {
namespace {

// What Conversations sends (IPv4 host), what Dino sends (IPv6 host, srflx
// with rel-addr), using documentation addresses only.
const CandidateAttributes kConversationsHost{
    {"component", "1"}, {"foundation", "1"},     {"generation", "0"}, {"id", "wgq8mdl5qa"},
    {"ip", "192.0.2.10"}, {"network", "0"},      {"port", "45123"},   {"priority", "2122260223"},
    {"protocol", "udp"}, {"type", "host"}};
const CandidateAttributes kDinoHostV6{
    {"component", "1"}, {"foundation", "2"},   {"generation", "0"}, {"id", "c1f23d1d-5b2a"},
    {"ip", "2001:db8::5"}, {"network", "1"},   {"port", "50001"},   {"priority", "2015363327"},
    {"protocol", "UDP"}, {"type", "host"}};
const CandidateAttributes kDinoSrflx{
    {"component", "2"},  {"foundation", "3+x/Y"}, {"generation", "1"},     {"id", "e3"},
    {"ip", "203.0.113.9"}, {"network", "0"},      {"port", "61000"},       {"priority", "1686052607"},
    {"protocol", "udp"}, {"type", "srflx"},       {"rel-addr", "192.0.2.10"}, {"rel-port", "45123"}};

CandidateAttributes with(CandidateAttributes attributes, const std::string& name, const std::string& value) {
  const auto it = std::find_if(attributes.begin(), attributes.end(), [&](const auto& a) { return a.first == name; });
  if (it == attributes.end()) {
    attributes.emplace_back(name, value);
  } else {
    it->second = value;
  }
  return attributes;
}

CandidateAttributes appended(CandidateAttributes attributes, const std::string& name, const std::string& value) {
  attributes.emplace_back(name, value);
  return attributes;
}

CandidateAttributes without(CandidateAttributes attributes, const std::string& name) {
  std::erase_if(attributes, [&](const auto& a) { return a.first == name; });
  return attributes;
}

TEST(IceCandidateTest, ParsesConversationsHost) {
  const auto result = parse_candidate(kConversationsHost);
  ASSERT_TRUE(result.candidate) << result.error;
  const IceCandidate& c = *result.candidate;
  EXPECT_EQ(c.foundation, "1");
  EXPECT_EQ(c.component, 1);
  EXPECT_EQ(c.id, "wgq8mdl5qa");
  EXPECT_EQ(c.ip, "192.0.2.10");
  EXPECT_EQ(c.port, 45123);
  EXPECT_EQ(c.priority, 2122260223u);
  EXPECT_EQ(c.protocol, "udp");
  EXPECT_EQ(c.type, IceCandidateType::kHost);
  EXPECT_TRUE(c.rel_addr.empty());
  EXPECT_TRUE(result.error.empty());
}

TEST(IceCandidateTest, ParsesDinoIpv6HostWithUpperCaseProtocol) {
  const auto result = parse_candidate(kDinoHostV6);
  ASSERT_TRUE(result.candidate) << result.error;
  EXPECT_EQ(result.candidate->ip, "2001:db8::5");
  EXPECT_EQ(result.candidate->protocol, "udp");
  EXPECT_EQ(result.candidate->network, 1u);
}

TEST(IceCandidateTest, ParsesSrflxWithRelatedAddress) {
  const auto result = parse_candidate(kDinoSrflx);
  ASSERT_TRUE(result.candidate) << result.error;
  EXPECT_EQ(result.candidate->type, IceCandidateType::kServerReflexive);
  EXPECT_EQ(result.candidate->component, 2);
  EXPECT_EQ(result.candidate->generation, 1u);
  EXPECT_EQ(result.candidate->rel_addr, "192.0.2.10");
  EXPECT_EQ(result.candidate->rel_port, 45123);
}

TEST(IceCandidateTest, OptionalAttributesDefault) {
  const auto result = parse_candidate(without(without(without(kConversationsHost, "id"), "generation"), "network"));
  ASSERT_TRUE(result.candidate) << result.error;
  EXPECT_EQ(result.candidate->generation, 0u);
  EXPECT_EQ(result.candidate->id, "");
  EXPECT_EQ(result.candidate->network, 0u);
}

TEST(IceCandidateTest, AllTypesAndExtremes) {
  for (const auto& [name, type] : {std::pair{"host", IceCandidateType::kHost}, std::pair{"srflx", IceCandidateType::kServerReflexive},
                                   std::pair{"prflx", IceCandidateType::kPeerReflexive}, std::pair{"relay", IceCandidateType::kRelayed}}) {
    const auto result = parse_candidate(with(kConversationsHost, "type", name));
    ASSERT_TRUE(result.candidate) << name;
    EXPECT_EQ(result.candidate->type, type);
    EXPECT_EQ(to_string(type), name);
  }
  auto extreme = with(with(with(kConversationsHost, "priority", "4294967295"), "port", "65535"), "component", "255");
  extreme = with(with(extreme, "foundation", std::string(32, 'f')), "generation", "4294967295");
  const auto result = parse_candidate(extreme);
  ASSERT_TRUE(result.candidate) << result.error;
  EXPECT_EQ(result.candidate->priority, 4294967295u);
  EXPECT_EQ(result.candidate->component, 255);
}

TEST(IceCandidateTest, UnknownAttributesAreIgnored) {
  EXPECT_TRUE(parse_candidate(with(kConversationsHost, "tcptype", "active")).candidate);
}

struct InvalidCase {
  const char* label;
  CandidateAttributes attributes;
};

class IceCandidateInvalidTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(IceCandidateInvalidTest, IsRefusedWithReason) {
  const auto result = parse_candidate(GetParam().attributes);
  EXPECT_FALSE(result.candidate);
  EXPECT_FALSE(result.error.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, IceCandidateInvalidTest,
    ::testing::Values(
        InvalidCase{"no_foundation", without(kConversationsHost, "foundation")},
        InvalidCase{"no_component", without(kConversationsHost, "component")},
        InvalidCase{"no_ip", without(kConversationsHost, "ip")},
        InvalidCase{"no_port", without(kConversationsHost, "port")},
        InvalidCase{"no_priority", without(kConversationsHost, "priority")},
        InvalidCase{"no_protocol", without(kConversationsHost, "protocol")},
        InvalidCase{"no_type", without(kConversationsHost, "type")},
        InvalidCase{"empty", {}},
        InvalidCase{"duplicate_ip", appended(kConversationsHost, "ip", "192.0.2.11")},
        InvalidCase{"component_0", with(kConversationsHost, "component", "0")},
        InvalidCase{"component_256", with(kConversationsHost, "component", "256")},
        InvalidCase{"component_negative", with(kConversationsHost, "component", "-1")},
        InvalidCase{"component_plus", with(kConversationsHost, "component", "+1")},
        InvalidCase{"component_space", with(kConversationsHost, "component", " 1")},
        InvalidCase{"port_0", with(kConversationsHost, "port", "0")},
        InvalidCase{"port_65536", with(kConversationsHost, "port", "65536")},
        InvalidCase{"port_text", with(kConversationsHost, "port", "http")},
        InvalidCase{"port_empty", with(kConversationsHost, "port", "")},
        InvalidCase{"priority_0", with(kConversationsHost, "priority", "0")},
        InvalidCase{"priority_2_32", with(kConversationsHost, "priority", "4294967296")},
        InvalidCase{"priority_huge", with(kConversationsHost, "priority", "99999999999999999999999")},
        InvalidCase{"priority_hex", with(kConversationsHost, "priority", "0x10")},
        InvalidCase{"generation_text", with(kConversationsHost, "generation", "one")},
        InvalidCase{"network_negative", with(kConversationsHost, "network", "-3")},
        InvalidCase{"protocol_tcp", with(kConversationsHost, "protocol", "tcp")},
        InvalidCase{"protocol_ssltcp", with(kConversationsHost, "protocol", "ssltcp")},
        InvalidCase{"ip_hostname", with(kConversationsHost, "ip", "example.org")},
        InvalidCase{"ip_mdns", with(kConversationsHost, "ip", "5b7c3c3e-7a4e-4d42-9b1f-0e2b7c1c9a11.local")},
        InvalidCase{"ip_zone", with(kConversationsHost, "ip", "fe80::1%eth0")},
        InvalidCase{"ip_brackets", with(kConversationsHost, "ip", "[2001:db8::1]")},
        InvalidCase{"ip_with_port", with(kConversationsHost, "ip", "192.0.2.1:5000")},
        InvalidCase{"ip_octet_range", with(kConversationsHost, "ip", "192.0.2.256")},
        InvalidCase{"ip_empty", with(kConversationsHost, "ip", "")},
        InvalidCase{"type_unknown", with(kConversationsHost, "type", "stun")},
        InvalidCase{"type_upper", with(kConversationsHost, "type", "HOST")},
        InvalidCase{"foundation_33", with(kConversationsHost, "foundation", std::string(33, 'a'))},
        InvalidCase{"foundation_empty", with(kConversationsHost, "foundation", "")},
        InvalidCase{"foundation_char", with(kConversationsHost, "foundation", "a-b")},
        InvalidCase{"rel_addr_hostname", with(kDinoSrflx, "rel-addr", "router.lan")},
        InvalidCase{"rel_port_range", with(kDinoSrflx, "rel-port", "70000")},
        InvalidCase{"id_too_long", with(kConversationsHost, "id", std::string(257, 'i'))}),
    [](const ::testing::TestParamInfo<InvalidCase>& param_info) { return std::string(param_info.param.label); });

TEST(IceCandidateTest, RoundTripsThroughAttributes) {
  for (const auto& attributes : {kConversationsHost, kDinoHostV6, kDinoSrflx}) {
    const auto first = parse_candidate(attributes);
    ASSERT_TRUE(first.candidate);
    const auto serialized = candidate_attributes(*first.candidate);
    const auto second = parse_candidate(serialized);
    ASSERT_TRUE(second.candidate) << second.error;
    EXPECT_EQ(*second.candidate, *first.candidate);
  }
}

TEST(IceCandidateTest, RelatedAddressOnlyWhenSet) {
  IceCandidate candidate;
  candidate.foundation = "1";
  candidate.ip = "192.0.2.1";
  candidate.port = 1000;
  candidate.priority = 1;
  const auto attributes = candidate_attributes(candidate);
  const auto has = [&](const char* name) {
    return std::any_of(attributes.begin(), attributes.end(), [&](const auto& a) { return a.first == name; });
  };
  EXPECT_FALSE(has("rel-addr"));
  EXPECT_FALSE(has("rel-port"));
  candidate.rel_addr = "192.0.2.2";
  candidate.rel_port = 0;
  const auto with_rel = candidate_attributes(candidate);
  EXPECT_EQ(with_rel.size(), attributes.size() + 2);
  EXPECT_EQ(*parse_candidate(with_rel).candidate, candidate);
}

TEST(IceCandidateTest, RelPortWithoutRelAddrIsDropped) {
  const auto result = parse_candidate(with(kConversationsHost, "rel-port", "9"));
  ASSERT_TRUE(result.candidate);
  EXPECT_EQ(result.candidate->rel_port, 0);
}

TEST(IceCandidateTest, IpLiteral) {
  EXPECT_TRUE(is_ip_literal("127.0.0.1"));
  EXPECT_TRUE(is_ip_literal("::1"));
  EXPECT_TRUE(is_ip_literal("2001:db8::ffff:192.0.2.1"));
  EXPECT_FALSE(is_ip_literal("localhost"));
  EXPECT_FALSE(is_ip_literal("1.2.3"));
  EXPECT_FALSE(is_ip_literal(std::string(100, '1')));
}

}  // namespace
}  // namespace parrot::transport
