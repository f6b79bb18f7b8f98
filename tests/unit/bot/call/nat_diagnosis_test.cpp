#include "bot/call/nat_diagnosis.hpp"

#include <gtest/gtest.h>

namespace parrot::bot::call {
namespace {

using transport::IceCandidate;
using transport::IceCandidateType;

IceCandidate candidate(IceCandidateType type, const std::string& ip, std::uint16_t port) {
  IceCandidate c;
  c.type = type;
  c.ip = ip;
  c.port = port;
  return c;
}

constexpr auto kHost = IceCandidateType::kHost;
constexpr auto kSrflx = IceCandidateType::kServerReflexive;
constexpr auto kPrflx = IceCandidateType::kPeerReflexive;
constexpr auto kRelay = IceCandidateType::kRelayed;

// parrot on a public address; the caller behind a NAT at 198.51.100.7
// whose STUN server saw it at port 40000.
NatEvidenceInput behind_nat() {
  NatEvidenceInput in;
  in.tried = true;
  in.caller_candidates = {candidate(kHost, "10.0.0.2", 5000), candidate(kSrflx, "198.51.100.7", 40000)};
  in.parrot_candidates = {candidate(kHost, "203.0.113.1", 9000)};
  return in;
}

void connect(NatEvidenceInput& in, IceCandidate local, IceCandidate remote) {
  in.connected = true;
  in.selected = transport::SelectedPair{std::move(local), std::move(remote)};
}

TEST(NatDiagnosis, HostAddressSeenMeansNoNat) {
  NatEvidenceInput in = behind_nat();
  connect(in, candidate(kHost, "203.0.113.1", 9000), candidate(kHost, "10.0.0.2", 5000));
  const NatDiagnosis d = diagnose_nat(in);
  EXPECT_EQ(d.mapping, NatMapping::kNone);
  EXPECT_EQ(d.path, MediaPath::kDirect);
  EXPECT_EQ(d.udp, UdpReach::kOk);
  EXPECT_EQ(d.advice, "");
}

TEST(NatDiagnosis, SameAddressAsStunIsEndpointIndependent) {
  NatEvidenceInput in = behind_nat();
  connect(in, candidate(kHost, "203.0.113.1", 9000), candidate(kSrflx, "198.51.100.7", 40000));
  const NatDiagnosis d = diagnose_nat(in);
  EXPECT_EQ(d.mapping, NatMapping::kEndpointIndependent);
  EXPECT_EQ(d.advice, "");
  EXPECT_EQ(d.caller_srflx, std::vector<std::string>{"198.51.100.7:40000"});
}

// The case that was misread: MASQUERADE --random-fully, parrot learns a prflx with
// the STUN IP and another port. Before, this read "kept the same port".
TEST(NatDiagnosis, StunIpWithAnotherPortIsSymmetric) {
  NatEvidenceInput in = behind_nat();
  connect(in, candidate(kHost, "203.0.113.1", 9000), candidate(kPrflx, "198.51.100.7", 61234));
  NatDiagnosis d = diagnose_nat(in);
  EXPECT_EQ(d.mapping, NatMapping::kAddressDependent);
  EXPECT_EQ(d.verdict, "symmetric NAT, direct path");
  EXPECT_NE(d.explanation.find("198.51.100.7:61234"), std::string::npos) << d.explanation;
  EXPECT_NE(d.advice.find("need a TURN server; yours offered none"), std::string::npos) << d.advice;

  in.caller_candidates.push_back(candidate(kRelay, "203.0.113.5", 50000));
  d = diagnose_nat(in);
  EXPECT_NE(d.advice.find("your client offered one, good"), std::string::npos) << d.advice;
}

TEST(NatDiagnosis, TwoStunServersWithDifferentPortsShowASymmetricNat) {
  NatEvidenceInput in = behind_nat();
  IceCandidate first = candidate(kSrflx, "198.51.100.7", 40000), second = candidate(kSrflx, "198.51.100.7", 40001);
  first.rel_addr = second.rel_addr = "10.0.0.2";
  first.rel_port = second.rel_port = 5000;
  in.caller_candidates = {candidate(kHost, "10.0.0.2", 5000), first, second};
  NatDiagnosis d = diagnose_nat(in);  // no path: the srflx alone tell
  EXPECT_EQ(d.mapping, NatMapping::kAddressDependent);
  EXPECT_NE(d.advice.find("need a TURN server"), std::string::npos) << d.advice;
  second.rel_port = 5001;  // another base: nothing to compare
  in.caller_candidates = {candidate(kHost, "10.0.0.2", 5000), first, second};
  EXPECT_EQ(diagnose_nat(in).mapping, NatMapping::kUnknown);
}

TEST(NatDiagnosis, NoStunMeansUnknownMappingAndAdvice) {
  NatEvidenceInput in = behind_nat();
  in.caller_candidates = {candidate(kHost, "10.0.0.2", 5000)};
  connect(in, candidate(kHost, "203.0.113.1", 9000), candidate(kPrflx, "198.51.100.7", 5000));
  const NatDiagnosis d = diagnose_nat(in);
  EXPECT_EQ(d.mapping, NatMapping::kUnknown);
  EXPECT_EQ(d.path, MediaPath::kDirect);
  EXPECT_EQ(d.explanation.find("same"), std::string::npos) << "no STUN measured anything: " << d.explanation;
  EXPECT_NE(d.advice.find("no STUN or TURN server"), std::string::npos) << d.advice;
}

TEST(NatDiagnosis, RelayWithoutSrflxIsUdpBlocked) {
  NatEvidenceInput in = behind_nat();
  in.caller_candidates = {candidate(kHost, "10.0.0.2", 5000), candidate(kRelay, "203.0.113.5", 50000)};
  connect(in, candidate(kHost, "203.0.113.1", 9000), candidate(kRelay, "203.0.113.5", 50000));
  const NatDiagnosis d = diagnose_nat(in);
  EXPECT_EQ(d.path, MediaPath::kRelay);
  EXPECT_EQ(d.udp, UdpReach::kBlocked);
  EXPECT_EQ(d.mapping, NatMapping::kUnknown);
  EXPECT_NE(d.advice.find("TCP or TLS"), std::string::npos) << d.advice;
}

TEST(NatDiagnosis, OnlyPrivateHostsAndFailureIsUdpBlocked) {
  NatEvidenceInput in = behind_nat();
  in.caller_candidates = {candidate(kHost, "10.0.0.2", 5000)};
  const NatDiagnosis d = diagnose_nat(in);
  EXPECT_EQ(d.path, MediaPath::kNone);
  EXPECT_EQ(d.udp, UdpReach::kBlocked);
  EXPECT_EQ(d.verdict, "UDP blocked");
  EXPECT_NE(d.advice.find("port 443"), std::string::npos) << d.advice;
}

// On loopback (the test suite, a developer's machine) parrot is not
// reachable from outside: a failure there says nothing about UDP.
TEST(NatDiagnosis, FailureWithPrivateParrotIsNotBlamedOnUdp) {
  NatEvidenceInput in;
  in.tried = true;
  in.caller_candidates = {candidate(kHost, "127.0.0.1", 5000)};
  in.parrot_candidates = {candidate(kHost, "127.0.0.1", 9000)};
  EXPECT_EQ(diagnose_nat(in).udp, UdpReach::kUnknown);
}

TEST(NatDiagnosis, NoCandidatesAtAll) {
  NatEvidenceInput in = behind_nat();
  in.caller_candidates.clear();
  const NatDiagnosis d = diagnose_nat(in);
  EXPECT_EQ(d.udp, UdpReach::kUnknown);
  EXPECT_NE(d.explanation.find("no candidates"), std::string::npos);
}

TEST(NatDiagnosis, ParrotBehindNatTellsTheOperator) {
  NatEvidenceInput in = behind_nat();
  in.parrot_candidates = {candidate(kHost, "10.1.0.2", 9000)};
  connect(in, candidate(kPrflx, "192.0.2.50", 9000), candidate(kSrflx, "198.51.100.7", 40000));
  NatDiagnosis d = diagnose_nat(in);
  EXPECT_TRUE(d.parrot_behind_nat);
  EXPECT_NE(d.advice.find("--public-address 192.0.2.50"), std::string::npos) << d.advice;

  // With --public-address the mapped address is the one parrot advertised.
  in.public_address = "192.0.2.50";
  in.selected->local.type = kSrflx;
  d = diagnose_nat(in);
  EXPECT_FALSE(d.parrot_behind_nat);
  EXPECT_EQ(d.advice, "");

  // A wrong --public-address is named.
  in.public_address = "192.0.2.99";
  d = diagnose_nat(in);
  EXPECT_TRUE(d.parrot_behind_nat);
  EXPECT_NE(d.advice.find("not the address its NAT uses"), std::string::npos) << d.advice;
}

TEST(NatDiagnosis, ParrotsOwnStunRevealsItsNatWithoutAPath) {
  NatEvidenceInput in = behind_nat();
  in.parrot_candidates = {candidate(kHost, "10.1.0.2", 9000), candidate(kSrflx, "192.0.2.50", 9000)};
  const NatDiagnosis d = diagnose_nat(in);
  EXPECT_TRUE(d.parrot_behind_nat);
  EXPECT_EQ(d.path, MediaPath::kNone);
}

TEST(NatDiagnosis, OneWayAdviceNamesTheDirection) {
  NatEvidenceInput in = behind_nat();
  connect(in, candidate(kHost, "203.0.113.1", 9000), candidate(kSrflx, "198.51.100.7", 40000));
  in.one_way = NatEvidenceInput::OneWay::kParrotToCallerLost;
  EXPECT_NE(diagnose_nat(in).advice.find("drop incoming UDP media"), std::string::npos);
  in.one_way = NatEvidenceInput::OneWay::kCallerToParrotLost;
  EXPECT_NE(diagnose_nat(in).advice.find("outgoing UDP media"), std::string::npos);
}

TEST(NatDiagnosis, PrivateAddresses) {
  for (const char* ip : {"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "127.0.0.1",
                         "169.254.1.1", "fd00::1", "fe80::1", "::1"})
    EXPECT_TRUE(is_private_address(ip)) << ip;
  for (const char* ip : {"203.0.113.1", "172.32.0.1", "8.8.8.8", "2001:db8::1", "100.128.0.1", "not an ip"})
    EXPECT_FALSE(is_private_address(ip)) << ip;
  EXPECT_EQ(endpoint("2001:db8::1", 5), "[2001:db8::1]:5");
}

}  // namespace
}  // namespace parrot::bot::call
