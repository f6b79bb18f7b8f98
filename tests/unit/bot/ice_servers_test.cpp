// --stun and --turn as an operator types them (directly and through
// parse_config, flags and TOML file), and how parsed servers reach an
// IceConfig.
#include "bot/ice_servers.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "bot/config.hpp"

namespace parrot::bot {
namespace {

using transport::TurnTransport;

IceServer turn(std::string_view text) {
  std::string error;
  auto server = parse_turn_server(text, error);
  EXPECT_TRUE(server) << text << ": " << error;
  return server.value_or(IceServer{});
}

std::string turn_error(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_turn_server(text, error)) << text;
  return error;
}

TEST(StunFlag, HostAndPortForms) {
  std::string error;
  auto s = parse_stun_server("stun.example.org", error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->kind, IceServerKind::kStun);
  EXPECT_EQ(s->host, "stun.example.org");
  EXPECT_EQ(s->port, 3478);
  s = parse_stun_server("192.0.2.1:19302", error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->host, "192.0.2.1");
  EXPECT_EQ(s->port, 19302);
  s = parse_stun_server("stun:[2001:db8::1]:3479", error);  // the RFC 7064 URI form
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->host, "2001:db8::1");
  EXPECT_EQ(s->port, 3479);
}

TEST(StunFlag, RejectsMalformed) {
  std::string error;
  for (const char* bad : {"", ":3478", "host:0", "host:70000", "host:port", "bad host", "-bad.example", "999.1.1.1"}) {
    EXPECT_FALSE(parse_stun_server(bad, error)) << bad;
  }
}

TEST(TurnFlag, UdpByDefault) {
  const auto t = turn("turn:alice:s3cret@turn.example.org");
  EXPECT_EQ(t.kind, IceServerKind::kTurn);
  EXPECT_EQ(t.host, "turn.example.org");
  EXPECT_EQ(t.port, 3478);
  EXPECT_EQ(t.transport, TurnTransport::kUdp);
  EXPECT_EQ(t.username, "alice");
  EXPECT_EQ(t.password, "s3cret");
}

TEST(TurnFlag, TransportsAndPorts) {
  EXPECT_EQ(turn("turn:u:p@192.0.2.7:3480?transport=tcp").transport, TurnTransport::kTcp);
  EXPECT_EQ(turn("turn:u:p@192.0.2.7:3480?transport=tcp").port, 3480);
  EXPECT_EQ(turn("TURN:u:p@192.0.2.7?transport=udp").transport, TurnTransport::kUdp);
  const auto tls = turn("turns:u:p@turn.example.org");
  EXPECT_EQ(tls.transport, TurnTransport::kTls);
  EXPECT_EQ(tls.port, 5349);
  EXPECT_EQ(turn("turns:u:p@turn.example.org:443?transport=tcp").transport, TurnTransport::kTls);
  const auto v6 = turn("turn:u:p@[2001:db8::3]:3478");
  EXPECT_EQ(v6.host, "2001:db8::3");
}

TEST(TurnFlag, CredentialsArePercentDecoded) {
  // A TURN REST username holds ':' (expiry:user); '@' may hide in a password.
  const auto t = turn("turn:1700000000%3Aparrot:pa%40ss:w@rd@192.0.2.1");
  EXPECT_EQ(t.username, "1700000000:parrot");
  EXPECT_EQ(t.password, "pa@ss:w@rd");
  EXPECT_EQ(t.host, "192.0.2.1");
}

TEST(TurnFlag, RejectsMalformedWithAReason) {
  EXPECT_NE(turn_error("stun:u:p@192.0.2.1").find("scheme"), std::string::npos);
  EXPECT_NE(turn_error("turn:192.0.2.1").find("USER:PASSWORD@ is missing"), std::string::npos);
  EXPECT_NE(turn_error("turn:alice@192.0.2.1").find("separated by ':'"), std::string::npos);
  EXPECT_NE(turn_error("turn::p@192.0.2.1").find("must not be empty"), std::string::npos);
  EXPECT_NE(turn_error("turn:u:@192.0.2.1").find("must not be empty"), std::string::npos);
  EXPECT_NE(turn_error("turn:u:p%zz@192.0.2.1").find("percent-escape"), std::string::npos);
  EXPECT_NE(turn_error("turn:u:p%00x@192.0.2.1").find("percent-escape"), std::string::npos);
  EXPECT_NE(turn_error("turn:u:p@192.0.2.1:0").find("HOST[:PORT]"), std::string::npos);
  EXPECT_NE(turn_error("turn:u:p@").find("HOST[:PORT]"), std::string::npos);
  EXPECT_NE(turn_error("turn:u:p@bad_host!").find("HOST[:PORT]"), std::string::npos);
  EXPECT_NE(turn_error("turn:u:p@192.0.2.1?transport=sctp").find("udp or tcp"), std::string::npos);
  EXPECT_NE(turn_error("turns:u:p@192.0.2.1?transport=udp").find("TCP only"), std::string::npos);
  EXPECT_NE(turn_error("turn:u:p@192.0.2.1?foo=bar").find("unknown parameter"), std::string::npos);
}

TEST(IsHost, NamesAndAddresses) {
  for (const char* good : {"example.org", "turn-1.example.org.", "localhost", "_turn.internal", "192.0.2.1", "::1"}) {
    EXPECT_TRUE(is_host(good)) << good;
  }
  const std::string long_label(64, 'a');
  for (const std::string& bad : {std::string(), std::string("a..b"), std::string("-a.example"),
                                 std::string("a-.example"), std::string("a b"), std::string("a/b"),
                                 std::string("1.2.3.4.5"), std::string("[::1]"), long_label}) {
    EXPECT_FALSE(is_host(bad)) << bad;
  }
}

TEST(ApplyIceServers, FirstStunAllTurnsNoDuplicatesOnlyAddresses) {
  std::vector<IceServer> servers;
  std::string error;
  servers.push_back(*parse_stun_server("192.0.2.1:3479", error));
  servers.push_back(*parse_stun_server("192.0.2.2", error));
  servers.push_back(turn("turn:a:b@192.0.2.3"));
  servers.push_back(turn("turn:c:d@192.0.2.3"));  // same server again: the first credentials win
  servers.push_back(turn("turn:a:b@192.0.2.3?transport=tcp"));
  servers.push_back(turn("turns:a:b@turn.example.org"));  // unresolved: never reaches libnice
  transport::IceConfig config;
  config.turn_servers.push_back({});  // replaced, not appended to
  apply_ice_servers(servers, config);
  EXPECT_EQ(config.stun_host, "192.0.2.1");
  EXPECT_EQ(config.stun_port, 3479);
  ASSERT_EQ(config.turn_servers.size(), 2u);
  EXPECT_EQ(config.turn_servers[0].username, "a");
  EXPECT_EQ(config.turn_servers[0].transport, TurnTransport::kUdp);
  EXPECT_EQ(config.turn_servers[1].transport, TurnTransport::kTcp);
  apply_ice_servers({}, config);
  EXPECT_TRUE(config.stun_host.empty());
  EXPECT_TRUE(config.turn_servers.empty());
}

TEST(Describe, NoCredentials) {
  const auto text = describe(turn("turn:user:secret@[2001:db8::1]:3478?transport=tcp"));
  EXPECT_EQ(text, "turn [2001:db8::1]:3478/tcp (--turn)");
}

TEST(IceServerResolver, LiteralsNeedNoDns) {
  IceServerResolver resolver;
  std::vector<IceServer> got;
  bool called = false;
  resolver.resolve({turn("turn:a:b@192.0.2.3")}, [&](std::vector<IceServer> resolved) {
    called = true;
    got = std::move(resolved);
  });
  ASSERT_TRUE(called);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].host, "192.0.2.3");
}

TEST(IceServerResolver, ResolvesNamesOnTheMainContext) {
  // "localhost" is answered from /etc/hosts, without a DNS server.
  IceServerResolver resolver;
  std::optional<std::vector<IceServer>> got;
  std::string error;
  resolver.resolve({*parse_stun_server("localhost:3478", error), turn("turn:a:b@192.0.2.3"),
                    turn("turn:a:b@no-such-host.invalid")},
                   [&](std::vector<IceServer> resolved) { got = std::move(resolved); });
  while (!got) g_main_context_iteration(nullptr, TRUE);
  ASSERT_EQ(got->size(), 2u);  // the .invalid name (RFC 6761) never resolves and is dropped
  EXPECT_TRUE((*got)[0].host == "127.0.0.1" || (*got)[0].host == "::1") << (*got)[0].host;
  EXPECT_EQ((*got)[1].host, "192.0.2.3");
}

// The same flags through parse_config: the values, and exit code 2 with the
// flag named when one is bad.
class IceFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("PARROT_PASSWORD", "pw", 1); }
  void TearDown() override { ::unsetenv("PARROT_PASSWORD"); }
  ConfigResult parse(std::vector<std::string> args) {
    args.insert(args.begin(), {"parrot", "--jid", "parrot@example.org"});
    std::vector<const char*> argv;
    for (const auto& arg : args) argv.push_back(arg.c_str());
    std::ostringstream out, err_stream;
    auto result = parse_config(static_cast<int>(argv.size()), argv.data(), out, err_stream);
    err = err_stream.str();
    return result;
  }
  std::string err;
};

TEST_F(IceFlagsTest, AllFlagsFillTheConfig) {
  const auto result = parse({"--stun", "192.0.2.1", "--turn", "turn:a:b@192.0.2.2", "--turn",
                             "turns:c:d@turn.example.org", "--ice-port-min", "40000", "--ice-port-max", "40100",
                             "--public-address", "203.0.113.5", "--ice-deny", "10.", "--ice-deny", "fe80:",
                             "--ice-deny", "192.0.2.9", "--external-services", "false"});
  ASSERT_TRUE(result.config) << err;
  const Config& c = *result.config;
  ASSERT_TRUE(c.ice_servers.stun);
  EXPECT_EQ(c.ice_servers.stun->host, "192.0.2.1");
  ASSERT_EQ(c.ice_servers.turn.size(), 2u);
  EXPECT_EQ(c.ice_servers.turn[1].transport, TurnTransport::kTls);
  EXPECT_EQ(c.ice.port_min, 40000);
  EXPECT_EQ(c.ice.port_max, 40100);
  EXPECT_EQ(c.ice.public_address, "203.0.113.5");
  EXPECT_EQ(c.ice.denied_addresses, (std::vector<std::string>{"10.", "fe80:", "192.0.2.9"}));
  EXPECT_FALSE(c.ice_servers.external_services);
}

TEST_F(IceFlagsTest, DefaultsAskTheServer) {
  const auto result = parse({});
  ASSERT_TRUE(result.config) << err;
  EXPECT_FALSE(result.config->ice_servers.stun);
  EXPECT_TRUE(result.config->ice_servers.turn.empty());
  EXPECT_TRUE(result.config->ice_servers.external_services);
  EXPECT_EQ(result.config->ice.port_min, 0);
}

TEST_F(IceFlagsTest, FromTheConfigFile) {
  const std::string path = ::testing::TempDir() + "ice.toml";
  std::ofstream(path) << "stun = \"stun.example.org:3479\"\n"
                         "turn = [\"turn:a:b@192.0.2.2\", \"turn:c:d@192.0.2.3?transport=tcp\"]\n"
                         "ice-port-min = 50000\nice-port-max = 50010\n";
  const auto result = parse({"--config", path});
  ASSERT_TRUE(result.config) << err;
  EXPECT_EQ(result.config->ice_servers.stun->port, 3479);
  ASSERT_EQ(result.config->ice_servers.turn.size(), 2u);
  EXPECT_EQ(result.config->ice_servers.turn[1].transport, TurnTransport::kTcp);
  EXPECT_EQ(result.config->ice.port_max, 50010);
}

TEST_F(IceFlagsTest, BadValuesExitTwoNamingTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--turn", "turn:192.0.2.2"}, "--turn"},
      {{"--turn", "turn:a:b@192.0.2.2?transport=sctp"}, "--turn"},
      {{"--stun", "bad host"}, "--stun"},
      {{"--ice-port-min", "40000"}, "--ice-port-min"},
      {{"--ice-port-min", "40100", "--ice-port-max", "40000"}, "--ice-port-max"},
      {{"--ice-port-min", "0", "--ice-port-max", "10"}, "--ice-port-min"},
      {{"--public-address", "nat.example.org"}, "--public-address"},
      {{"--ice-deny", "10"}, "--ice-deny"},
      {{"--ice-deny", "ten."}, "--ice-deny"},
  };
  for (const auto& [args, flag] : cases) {
    const auto result = parse(args);
    EXPECT_FALSE(result.config) << args[1];
    EXPECT_EQ(result.exit_code, 2) << args[1];
    EXPECT_NE(err.find(flag), std::string::npos) << args[1] << ": " << err;
    EXPECT_EQ(err.find("\n"), err.size() - 1) << "one line: " << err;
  }
}

}  // namespace
}  // namespace parrot::bot
