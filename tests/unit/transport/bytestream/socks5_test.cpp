// SOCKS5 (RFC 1928) handshakes as XEP-0065/XEP-0260 use them, both roles,
// byte by byte. Wire bytes are written out field by field from the RFC, not
// produced by the code under test.
#include "transport/bytestream/socks5.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace parrot::transport::bytestream {
namespace {

std::vector<std::byte> bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (const int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

std::vector<std::byte> cat(std::vector<std::byte> a, const std::string& text, std::vector<std::byte> b = {}) {
  for (const char c : text) a.push_back(static_cast<std::byte>(c));
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// VER=5 CMD=1 RSV=0 ATYP=3 LEN host PORT
std::vector<std::byte> connect_request(const std::string& host, int port_hi = 0, int port_lo = 0) {
  return cat(bytes({5, 1, 0, 3, static_cast<int>(host.size())}), host, bytes({port_hi, port_lo}));
}

// XEP-0260 §2.2 and §2.4 examples (sid vj3hs98y, Romeo initiator, Juliet responder).
TEST(Socks5DstAddr, Xep0260Examples) {
  EXPECT_EQ(socks5_dst_addr("vj3hs98y", "romeo@montague.lit/orchard", "juliet@capulet.lit/balcony"),
            "972b7bf47291ca609517f67f86b5081086052dad");
  EXPECT_EQ(socks5_dst_addr("vj3hs98y", "juliet@capulet.lit/balcony", "romeo@montague.lit/orchard"),
            "1a12fb7bc625e55f3ed5b29a53dbe0e4aa7d80ba");
}

TEST(Socks5Client, FullHandshakeWithIpv4Reply) {
  const std::string hash = socks5_dst_addr("vj3hs98y", "romeo@montague.lit/orchard", "juliet@capulet.lit/balcony");
  Socks5Client client(hash);
  EXPECT_EQ(client.start(), bytes({5, 1, 0}));
  Socks5Step step = client.feed(bytes({5, 0}));
  EXPECT_EQ(step.consumed, 2u);
  EXPECT_EQ(step.state, Socks5State::kInProgress);
  EXPECT_EQ(step.send, connect_request(hash));  // DST.PORT 0: Dino refuses anything else

  // Reply with BND 192.0.2.7:1080 and three bytes of file data behind it.
  const auto reply = bytes({5, 0, 0, 1, 192, 0, 2, 7, 0x04, 0x38, 'a', 'b', 'c'});
  step = client.feed(reply);
  EXPECT_EQ(step.state, Socks5State::kDone);
  EXPECT_EQ(step.consumed, 10u);
  EXPECT_TRUE(step.send.empty());
  EXPECT_EQ(client.bound_address(), "192.0.2.7");
  EXPECT_EQ(client.bound_port(), 1080);
  // Later input belongs to the data stream, not the handshake.
  EXPECT_EQ(client.feed(bytes({1, 2})).consumed, 0u);
}

TEST(Socks5Client, ReplyOneByteAtATimeWithDomainAndIpv6) {
  const std::string hash(40, 'f');
  for (const bool ipv6 : {false, true}) {
    Socks5Client client(hash);
    client.start();
    std::vector<std::byte> wire = bytes({5, 0});
    std::vector<std::byte> reply;
    if (ipv6) {
      reply = bytes({5, 0, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0});
    } else {
      reply = connect_request(hash);
      reply[1] = std::byte{0};
    }
    wire.insert(wire.end(), reply.begin(), reply.end());
    Socks5Step step;
    for (std::size_t i = 0; i < wire.size(); ++i) {
      step = client.feed(std::span(wire).subspan(i, 1));
      ASSERT_EQ(step.consumed, 1u) << i;
      ASSERT_EQ(step.state, i + 1 == wire.size() ? Socks5State::kDone : Socks5State::kInProgress) << i;
    }
    EXPECT_EQ(client.bound_address(), ipv6 ? "2001:db8::1" : hash);
  }
}

TEST(Socks5Client, RefusalsAndGarbageFailCleanly) {
  struct Case {
    std::vector<std::byte> input;
    Socks5Error error;
  };
  const std::vector<Case> cases{
      {bytes({4, 0}), Socks5Error::kBadVersion},
      {bytes({5, 0xFF}), Socks5Error::kNoAcceptableMethod},
      {bytes({5, 2}), Socks5Error::kUnsupportedMethod},
      {bytes({5, 0, 5, 5, 0, 1}), Socks5Error::kRefused},  // REP=5 connection refused
      {bytes({5, 0, 5, 0, 0, 9}), Socks5Error::kBadAddressType},
      {bytes({5, 0, 4, 0, 0, 1}), Socks5Error::kBadVersion},
  };
  for (const auto& c : cases) {
    Socks5Client client(std::string(40, '0'));
    client.start();
    const Socks5Step step = client.feed(c.input);
    EXPECT_EQ(step.state, Socks5State::kFailed);
    EXPECT_EQ(client.error(), c.error) << client.message();
    EXPECT_FALSE(client.message().empty());
    EXPECT_EQ(client.feed(bytes({5, 0})).state, Socks5State::kFailed);
  }
  Socks5Client refused(std::string(40, '0'));
  refused.start();
  refused.feed(bytes({5, 0, 5, 2, 0, 1}));
  EXPECT_EQ(refused.reply_code(), 2);
  EXPECT_NE(refused.message().find("not allowed"), std::string::npos);
}

TEST(Socks5Client, RejectsUnusableDestination) {
  EXPECT_THROW(Socks5Client(""), std::invalid_argument);
  EXPECT_THROW(Socks5Client(std::string(256, 'a')), std::invalid_argument);
}

TEST(Socks5Server, AcceptsAnExpectedHashPipelinedWithTheGreeting) {
  const std::string hash = socks5_dst_addr("sid", "a@example.org/r", "b@example.org/s");
  Socks5Server server({"other", hash});
  // Greeting offering GSSAPI and no-auth, then CONNECT with an upper-case hash,
  // then file bytes, all in one chunk.
  std::string upper = hash;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto wire = bytes({5, 2, 1, 0});
  const auto request = connect_request(upper);
  wire.insert(wire.end(), request.begin(), request.end());
  wire.push_back(std::byte{'x'});
  const Socks5Step step = server.feed(wire);
  EXPECT_EQ(step.state, Socks5State::kDone);
  EXPECT_EQ(step.consumed, wire.size() - 1);
  auto expected_send = bytes({5, 0});
  auto reply = request;
  reply[1] = std::byte{0};
  expected_send.insert(expected_send.end(), reply.begin(), reply.end());
  EXPECT_EQ(step.send, expected_send);
  EXPECT_EQ(server.matched_dst_addr(), hash);
  EXPECT_EQ(server.requested_port(), 0);
}

TEST(Socks5Server, ByteByByte) {
  Socks5Server server({std::string(40, 'a')});
  auto wire = bytes({5, 1, 0});
  const auto request = connect_request(std::string(40, 'a'), 0x12, 0x34);
  wire.insert(wire.end(), request.begin(), request.end());
  std::vector<std::byte> sent;
  for (std::size_t i = 0; i < wire.size(); ++i) {
    const Socks5Step step = server.feed(std::span(wire).subspan(i, 1));
    ASSERT_EQ(step.consumed, 1u);
    sent.insert(sent.end(), step.send.begin(), step.send.end());
  }
  EXPECT_EQ(server.state(), Socks5State::kDone);
  EXPECT_EQ(server.requested_port(), 0x1234);
  EXPECT_EQ(sent.size(), 2 + request.size());
}

TEST(Socks5Server, RefusesWithTheRfcReplyCodes) {
  struct Case {
    std::vector<std::byte> input;
    Socks5Error error;
    std::vector<std::byte> send;
  };
  const auto ok = bytes({5, 0});
  const auto error_reply = [&](int code) {
    auto out = ok;
    const auto tail = bytes({5, code, 0, 1, 0, 0, 0, 0, 0, 0});
    out.insert(out.end(), tail.begin(), tail.end());
    return out;
  };
  const std::vector<Case> cases{
      {bytes({4, 1, 0}), Socks5Error::kBadVersion, {}},
      {bytes({5, 0}), Socks5Error::kNoMethods, {}},
      {bytes({5, 1, 2}), Socks5Error::kNoAcceptableMethod, bytes({5, 0xFF})},
      {cat(bytes({5, 1, 0, 5, 2, 0, 3, 1}), "a", bytes({0, 0})), Socks5Error::kBadCommand, error_reply(7)},
      {bytes({5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0, 0}), Socks5Error::kBadAddressType, error_reply(8)},
      {cat(bytes({5, 1, 0}), "", connect_request("not-a-known-hash")), Socks5Error::kUnknownDestination,
       error_reply(2)},
  };
  for (const auto& c : cases) {
    Socks5Server server({std::string(40, 'a')});
    const Socks5Step step = server.feed(c.input);
    EXPECT_EQ(step.state, Socks5State::kFailed);
    EXPECT_EQ(server.error(), c.error) << server.message();
    std::vector<std::byte> sent = step.send;
    EXPECT_EQ(sent, c.send) << to_string(c.error);
    EXPECT_TRUE(server.feed(bytes({5, 1, 0})).send.empty());
  }
}

TEST(Socks5Server, LongestLegalMessageIsBounded) {
  Socks5Server server({std::string(255, 'z')});
  auto wire = bytes({5, 255});
  for (int i = 0; i < 254; ++i) wire.push_back(std::byte{0x80});
  wire.push_back(std::byte{0});  // no-auth offered last
  auto request = connect_request(std::string(255, 'z'));
  wire.insert(wire.end(), request.begin(), request.end());
  const Socks5Step step = server.feed(wire);
  EXPECT_EQ(step.state, Socks5State::kDone);
  EXPECT_EQ(step.consumed, wire.size());
  EXPECT_LE(request.size(), kMaxSocks5MessageBytes);
}

}  // namespace
}  // namespace parrot::transport::bytestream
