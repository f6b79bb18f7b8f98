#include "bot/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace parrot::bot {
namespace {

struct Parsed {
  ConfigResult result;
  std::string out;
  std::string err;
};

Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "parrot");
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  std::ostringstream out, err;
  Parsed parsed{parse_config(static_cast<int>(argv.size()), argv.data(), out, err), {}, {}};
  parsed.out = out.str();
  parsed.err = err.str();
  return parsed;
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("PARROT_PASSWORD", "from-env", 1); }
  void TearDown() override { ::unsetenv("PARROT_PASSWORD"); }
  std::string write_file(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + name;
    std::ofstream(path) << text;
    return path;
  }
};

TEST_F(ConfigTest, DefaultsAndPasswordFromEnvironment) {
  const auto parsed = parse({"--jid", "parrot@example.org"});
  ASSERT_TRUE(parsed.result.config) << parsed.err;
  const Config& c = *parsed.result.config;
  EXPECT_EQ(c.jid, "parrot@example.org");
  EXPECT_EQ(c.password, "from-env");
  EXPECT_EQ(c.resource, "parrot");
  EXPECT_TRUE(c.server_host.empty());
  EXPECT_EQ(c.tls, TlsPolicy::kRequired);
  EXPECT_FALSE(c.insecure_skip_verify);
  EXPECT_EQ(c.checksum_grace_ms, 3000);
}

TEST_F(ConfigTest, ChecksumGraceIsBounded) {
  const auto parsed = parse({"--jid", "parrot@example.org", "--checksum-grace-ms", "250"});
  ASSERT_TRUE(parsed.result.config) << parsed.err;
  EXPECT_EQ(parsed.result.config->checksum_grace_ms, 250);
  EXPECT_FALSE(parse({"--jid", "parrot@example.org", "--checksum-grace-ms", "-1"}).result.config);
}

TEST_F(ConfigTest, PasswordFileWinsAndResourceFromJid) {
  const auto file = write_file("pw", "s3cret\n");
  const auto parsed = parse({"--jid", "bot@example.org/desk", "--password-file", file, "--server", "[::1]:5300"});
  ASSERT_TRUE(parsed.result.config) << parsed.err;
  EXPECT_EQ(parsed.result.config->password, "s3cret");
  EXPECT_EQ(parsed.result.config->jid, "bot@example.org");
  EXPECT_EQ(parsed.result.config->resource, "desk");
  EXPECT_EQ(parsed.result.config->server_host, "::1");
  EXPECT_EQ(parsed.result.config->server_port, 5300);
}

TEST_F(ConfigTest, JidIsNormalised) {
  const auto parsed = parse({"--jid", "Bot@Example.ORG/Desk"});
  ASSERT_TRUE(parsed.result.config) << parsed.err;
  EXPECT_EQ(parsed.result.config->jid, "bot@example.org");
  EXPECT_EQ(parsed.result.config->resource, "Desk");
  for (const char* bad : {"example.org", "a@b@c", "@example.org", "a@"}) {
    EXPECT_EQ(parse({"--jid", bad}).result.exit_code, 2) << bad;
  }
}

TEST_F(ConfigTest, ConfigFileSetsEveryOption) {
  const auto file = write_file("parrot.toml",
                               "jid = \"cfg@example.org\"\n"
                               "server = \"xmpp.example.org\"\n"
                               "tls = \"optional\"\n"
                               "echo-rate = 7.5\n"
                               "subscription-policy = \"domains\"\n"
                               "allow-domain = [\"example.org\", \"example.net\"]\n");
  const auto parsed = parse({"--config", file});
  ASSERT_TRUE(parsed.result.config) << parsed.err;
  const Config& c = *parsed.result.config;
  EXPECT_EQ(c.jid, "cfg@example.org");
  EXPECT_EQ(c.server_host, "xmpp.example.org");
  EXPECT_EQ(c.server_port, 5222);
  EXPECT_EQ(c.tls, TlsPolicy::kOptional);
  EXPECT_DOUBLE_EQ(c.echo_rate_per_second, 7.5);
  EXPECT_EQ(c.subscription_policy, SubscriptionPolicy::kDomains);
  EXPECT_EQ(c.allowed_domains, (std::vector<std::string>{"example.org", "example.net"}));
}

TEST_F(ConfigTest, ErrorsExitTwoWithOneLine) {
  const std::vector<std::vector<std::string>> bad = {
      {},                                                   // --jid missing
      {"--jid", "no-at-sign"},                              // not a JID
      {"--jid", "a@b", "--unknown-flag"},                   // unknown option
      {"--jid", "a@b", "--tls", "sometimes"},               // not a policy
      {"--jid", "a@b", "--password-file", "/nonexistent"},  // unreadable secret
      {"--jid", "a@b", "--server", "host:99999"},           // port out of range
      {"--jid", "a@b", "--subscription-policy", "domains"},  // no domain listed
      {"--config", "/nonexistent/parrot.toml"},
      {"--jid", "a@b", "--s5b-address", "bot.example.org"},              // not an IP
      {"--jid", "a@b", "--s5b-address", "none", "--s5b-address", "::1"},  // 'none' and an address
      {"--jid", "a@b", "--s5b-port-min", "4000"},                        // half a range
      {"--jid", "a@b", "--s5b-port-min", "4000", "--s5b-port-max", "3000"},
  };
  for (const auto& args : bad) {
    const auto parsed = parse(args);
    EXPECT_FALSE(parsed.result.config);
    EXPECT_EQ(parsed.result.exit_code, 2);
    EXPECT_EQ(std::count(parsed.err.begin(), parsed.err.end(), '\n'), 1) << parsed.err;
  }
}

TEST_F(ConfigTest, DirectCandidateAddressesAndPorts) {
  const auto parsed = parse({"--jid", "a@b", "--s5b-address", "192.0.2.7", "--s5b-address", "2001:db8::7",
                             "--s5b-port-min", "7000", "--s5b-port-max", "7010"});
  ASSERT_TRUE(parsed.result.config) << parsed.err;
  EXPECT_EQ(parsed.result.config->s5b_addresses, (std::vector<std::string>{"192.0.2.7", "2001:db8::7"}));
  EXPECT_EQ(parsed.result.config->s5b_port_min, 7000);
  EXPECT_EQ(parsed.result.config->s5b_port_max, 7010);
  EXPECT_TRUE(parse({"--jid", "a@b", "--s5b-address", "none"}).result.config);
}

TEST_F(ConfigTest, ReportPagesListenAndLink) {
  const auto off = parse({"--jid", "a@b"});
  ASSERT_TRUE(off.result.config);
  EXPECT_TRUE(off.result.config->http_listen_host.empty());
  EXPECT_TRUE(off.result.config->public_url.empty());
  const auto on = parse({"--jid", "a@b", "--http-listen", "[::1]:8080", "--public-url", "https://parrot.example.org/p//"});
  ASSERT_TRUE(on.result.config) << on.err;
  EXPECT_EQ(on.result.config->http_listen_host, "::1");
  EXPECT_EQ(on.result.config->http_listen_port, 8080);
  EXPECT_EQ(on.result.config->public_url, "https://parrot.example.org/p");  // the link adds "/reports/..."
  for (const char* bad : {"8080", "127.0.0.1", "localhost:8080", "127.0.0.1:99999"}) {
    EXPECT_EQ(parse({"--jid", "a@b", "--http-listen", bad}).result.exit_code, 2) << bad;
  }
  for (const char* bad : {"parrot.example.org", "ftp://x", "https://", "https:///"}) {
    EXPECT_EQ(parse({"--jid", "a@b", "--public-url", bad}).result.exit_code, 2) << bad;
  }
}

TEST_F(ConfigTest, NoPasswordAnywhereIsAnError) {
  ::unsetenv("PARROT_PASSWORD");
  const auto parsed = parse({"--jid", "a@b"});
  EXPECT_EQ(parsed.result.exit_code, 2);
  EXPECT_NE(parsed.err.find("PARROT_PASSWORD"), std::string::npos);
}

TEST_F(ConfigTest, HelpListsEveryOptionAndExitsZero) {
  const auto parsed = parse({"--help"});
  EXPECT_FALSE(parsed.result.config);
  EXPECT_EQ(parsed.result.exit_code, 0);
  for (const char* option : {"--jid", "--password-file", "--server", "--tls", "--ca-file", "--insecure-skip-verify",
                             "--resource", "--data-dir", "--log-level", "--config"}) {
    EXPECT_NE(parsed.out.find(option), std::string::npos) << option;
  }
}

TEST(SplitHostPort, Forms) {
  std::string host;
  std::uint16_t port = 5222;
  EXPECT_TRUE(split_host_port("example.org", host, port));
  EXPECT_EQ(host, "example.org");
  EXPECT_EQ(port, 5222);
  EXPECT_TRUE(split_host_port("127.0.0.1:5333", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 5333);
  EXPECT_TRUE(split_host_port("2001:db8::1", host, port));
  EXPECT_EQ(host, "2001:db8::1");
  EXPECT_FALSE(split_host_port(":5222", host, port));
  EXPECT_FALSE(split_host_port("host:", host, port));
  EXPECT_FALSE(split_host_port("host:0", host, port));
  EXPECT_FALSE(split_host_port("[::1", host, port));
  EXPECT_FALSE(split_host_port("host:12ab", host, port));
}

}  // namespace
}  // namespace parrot::bot
