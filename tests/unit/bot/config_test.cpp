#include "bot/config.hpp"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include <chrono>
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
  EXPECT_EQ(c.account.jid, "parrot@example.org");
  EXPECT_EQ(c.account.password, "from-env");
  EXPECT_EQ(c.account.resource, "parrot");
  EXPECT_TRUE(c.account.server_host.empty());
  EXPECT_EQ(c.account.tls, TlsPolicy::kRequired);
  EXPECT_FALSE(c.account.insecure_skip_verify);
  EXPECT_EQ(c.transfers.jingle_ft.checksum_grace, std::chrono::milliseconds(3000));
}

TEST_F(ConfigTest, DrainSecondsFromTheFileAndBounded) {
  EXPECT_EQ(parse({"--jid", "parrot@example.org"}).result.config->drain_seconds, 30);
  const std::string file = write_file("drain.toml", "jid = \"parrot@example.org\"\ndrain-seconds = 5\n");
  const auto parsed = parse({"--config", file});
  ASSERT_TRUE(parsed.result.config) << parsed.err;
  EXPECT_EQ(parsed.result.config->drain_seconds, 5);
  EXPECT_FALSE(parse({"--jid", "parrot@example.org", "--drain-seconds", "-1"}).result.config);
}

TEST_F(ConfigTest, ChecksumGraceIsBounded) {
  const auto parsed = parse({"--jid", "parrot@example.org", "--checksum-grace-ms", "250"});
  ASSERT_TRUE(parsed.result.config) << parsed.err;
  EXPECT_EQ(parsed.result.config->transfers.jingle_ft.checksum_grace, std::chrono::milliseconds(250));
  EXPECT_FALSE(parse({"--jid", "parrot@example.org", "--checksum-grace-ms", "-1"}).result.config);
}

TEST_F(ConfigTest, PasswordFileWinsAndResourceFromJid) {
  const auto file = write_file("pw", "s3cret\n");
  const auto parsed = parse({"--jid", "bot@example.org/desk", "--password-file", file, "--server", "[::1]:5300"});
  ASSERT_TRUE(parsed.result.config) << parsed.err;
  EXPECT_EQ(parsed.result.config->account.password, "s3cret");
  EXPECT_EQ(parsed.result.config->account.jid, "bot@example.org");
  EXPECT_EQ(parsed.result.config->account.resource, "desk");
  EXPECT_EQ(parsed.result.config->account.server_host, "::1");
  EXPECT_EQ(parsed.result.config->account.server_port, 5300);
}

TEST_F(ConfigTest, JidIsNormalised) {
  const auto parsed = parse({"--jid", "Bot@Example.ORG/Desk"});
  ASSERT_TRUE(parsed.result.config) << parsed.err;
  EXPECT_EQ(parsed.result.config->account.jid, "bot@example.org");
  EXPECT_EQ(parsed.result.config->account.resource, "Desk");
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
                               "allow-domain = [\"example.org\", \"example.net\"]\n"
                               "max-call-seconds = 30\n"
                               "checksum-grace-ms = 100\n");
  const auto parsed = parse({"--config", file});
  ASSERT_TRUE(parsed.result.config) << parsed.err;
  const Config& c = *parsed.result.config;
  EXPECT_EQ(c.account.jid, "cfg@example.org");
  EXPECT_EQ(c.account.server_host, "xmpp.example.org");
  EXPECT_EQ(c.account.server_port, 5222);
  EXPECT_EQ(c.account.tls, TlsPolicy::kOptional);
  EXPECT_DOUBLE_EQ(c.chat.rate_per_second, 7.5);
  EXPECT_EQ(c.subscription.policy, SubscriptionPolicy::kDomains);
  EXPECT_EQ(c.subscription.allowed_domains, (std::vector<std::string>{"example.org", "example.net"}));
  EXPECT_EQ(c.calls.max_length, std::chrono::seconds(30));
  EXPECT_EQ(c.transfers.jingle_ft.checksum_grace, std::chrono::milliseconds(100));
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
  EXPECT_EQ(parsed.result.config->transfers.s5b.addresses, (std::vector<std::string>{"192.0.2.7", "2001:db8::7"}));
  EXPECT_EQ(parsed.result.config->transfers.s5b.port_min, 7000);
  EXPECT_EQ(parsed.result.config->transfers.s5b.port_max, 7010);
  EXPECT_TRUE(parse({"--jid", "a@b", "--s5b-address", "none"}).result.config);
}

TEST_F(ConfigTest, ReportPagesListenAndLink) {
  const auto off = parse({"--jid", "a@b"});
  ASSERT_TRUE(off.result.config);
  EXPECT_TRUE(off.result.config->report_pages.listen_host.empty());
  EXPECT_TRUE(off.result.config->report_pages.public_url.empty());
  const auto on = parse({"--jid", "a@b", "--http-listen", "[::1]:8080", "--public-url", "https://parrot.example.org/p//"});
  ASSERT_TRUE(on.result.config) << on.err;
  EXPECT_EQ(on.result.config->report_pages.listen_host, "::1");
  EXPECT_EQ(on.result.config->report_pages.listen_port, 8080);
  EXPECT_EQ(on.result.config->report_pages.public_url, "https://parrot.example.org/p");  // the link adds "/reports/..."
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

TEST_F(ConfigTest, ComponentModeTakesTheDomainSecretAndServer) {
  ::setenv("PARROT_COMPONENT_SECRET", "component-env", 1);
  const auto parsed = parse({"--component", "Echo.Example.ORG", "--server", "127.0.0.1:5347"});
  ::unsetenv("PARROT_COMPONENT_SECRET");
  ASSERT_TRUE(parsed.result.config) << parsed.err;
  const AccountConfig& account = parsed.result.config->account;
  EXPECT_TRUE(account.is_component());
  EXPECT_EQ(account.component, "echo.example.org");
  EXPECT_EQ(account.domain(), "echo.example.org");
  EXPECT_EQ(account.parent_domain, "example.org");  // the domain minus its first label
  EXPECT_EQ(account.password, "component-env");
  EXPECT_EQ(account.server_port, 5347);
  EXPECT_FALSE(parsed.result.config->instance_name.empty());  // host:pid by default

  const auto file = write_file("component-secret", "from-file\n");
  const auto named = parse({"--component", "echo.example.org", "--component-secret-file", file, "--server", "h:1",
                            "--parent-domain", "xmpp.example.org", "--instance-name", "node-a"});
  ASSERT_TRUE(named.result.config) << named.err;
  EXPECT_EQ(named.result.config->account.password, "from-file");
  EXPECT_EQ(named.result.config->account.parent_domain, "xmpp.example.org");
  EXPECT_EQ(named.result.config->instance_name, "node-a");
}

TEST_F(ConfigTest, ComponentModeRefusesWhatItCannotUse) {
  const auto file = write_file("component-secret-2", "s\n");
  // --jid and --component together, neither, no --server, no secret, not a domain.
  EXPECT_EQ(parse({"--jid", "a@b", "--component", "echo.b", "--component-secret-file", file, "--server", "h:1"})
                .result.exit_code, 2);
  EXPECT_EQ(parse({}).result.exit_code, 2);
  const auto no_server = parse({"--component", "echo.b", "--component-secret-file", file});
  EXPECT_EQ(no_server.result.exit_code, 2);
  EXPECT_NE(no_server.err.find("--server"), std::string::npos) << no_server.err;
  const auto no_secret = parse({"--component", "echo.b", "--server", "h:1"});
  EXPECT_EQ(no_secret.result.exit_code, 2);
  EXPECT_NE(no_secret.err.find("PARROT_COMPONENT_SECRET"), std::string::npos) << no_secret.err;
  EXPECT_EQ(parse({"--component", "user@echo.b", "--component-secret-file", file, "--server", "h:1"}).result.exit_code,
            2);
  EXPECT_EQ(parse({"--component", "localhost", "--component-secret-file", file, "--server", "h:1"}).result.exit_code,
            2);
}

TEST_F(ConfigTest, HelpListsEveryOptionAndExitsZero) {
  const auto parsed = parse({"--help"});
  EXPECT_FALSE(parsed.result.config);
  EXPECT_EQ(parsed.result.exit_code, 0);
  for (const char* option : {"--jid", "--password-file", "--server", "--tls", "--ca-file", "--insecure-skip-verify",
                             "--resource", "--data-dir", "--log-level", "--config", "--component",
                             "--component-secret-file", "--parent-domain", "--instance-name"}) {
    EXPECT_NE(parsed.out.find(option), std::string::npos) << option;
  }
}

// Every default lives once, in its section's member initializers: parsed
// with no option, each section is what the code would build on its own.
TEST_F(ConfigTest, EveryDefaultComesFromItsSection) {
  const auto parsed = parse({"--jid", "a@b"});
  ASSERT_TRUE(parsed.result.config) << parsed.err;
  const Config& c = *parsed.result.config;

  const AccountConfig account;
  EXPECT_EQ(c.account.server_port, account.server_port);
  EXPECT_EQ(c.account.tls, account.tls);
  EXPECT_EQ(c.account.resource, account.resource);
  EXPECT_EQ(c.account.connect_timeout_s, account.connect_timeout_s);

  const StreamConfig stream;
  EXPECT_EQ(c.stream.ping_interval_s, stream.ping_interval_s);
  EXPECT_EQ(c.stream.ping_timeout_s, stream.ping_timeout_s);
  EXPECT_EQ(c.stream.reconnect_min_s, stream.reconnect_min_s);
  EXPECT_EQ(c.stream.reconnect_max_s, stream.reconnect_max_s);
  EXPECT_EQ(c.stream.stream_management, stream.stream_management);

  EXPECT_EQ(c.subscription.policy, SubscriptionConfig{}.policy);
  EXPECT_TRUE(c.subscription.allowed_domains.empty());

  const ChatPolicy chat;
  EXPECT_EQ(c.chat.rate_per_second, chat.rate_per_second);
  EXPECT_EQ(c.chat.burst, chat.burst);
  EXPECT_EQ(c.chat.max_queued_per_sender, chat.max_queued_per_sender);
  EXPECT_EQ(c.chat.max_queued_total, chat.max_queued_total);
  EXPECT_EQ(c.chat.max_body_bytes, chat.max_body_bytes);

  const call::CallLimits calls;
  EXPECT_EQ(c.calls.max_calls, calls.max_calls);
  EXPECT_EQ(c.calls.max_calls_per_contact, calls.max_calls_per_contact);
  EXPECT_EQ(c.calls.max_length, calls.max_length);
  EXPECT_EQ(c.calls.connect_timeout, calls.connect_timeout);
  EXPECT_EQ(c.calls.no_media_timeout, calls.no_media_timeout);

  const transport::IceConfig ice;
  EXPECT_EQ(c.ice.allowed_addresses, ice.allowed_addresses);
  EXPECT_EQ(c.ice.denied_addresses, ice.denied_addresses);
  EXPECT_EQ(c.ice.port_min, ice.port_min);
  EXPECT_EQ(c.ice.port_max, ice.port_max);
  EXPECT_EQ(c.ice.public_address, ice.public_address);
  EXPECT_EQ(c.ice.controlling, ice.controlling);
  EXPECT_EQ(c.ice.relay_only, ice.relay_only);
  EXPECT_FALSE(c.ice_servers.stun);
  EXPECT_TRUE(c.ice_servers.turn.empty());
  EXPECT_EQ(c.ice_servers.external_services, IceServerConfig{}.external_services);

  const transfer::TransferLimits limits;
  EXPECT_EQ(c.transfers.limits.max_file_bytes, limits.max_file_bytes);
  EXPECT_EQ(c.transfers.limits.max_transfers, limits.max_transfers);
  EXPECT_EQ(c.transfers.limits.max_per_contact, limits.max_per_contact);
  EXPECT_EQ(c.transfers.limits.idle, limits.idle);
  EXPECT_EQ(c.transfers.jingle_ft.checksum_grace, transfer::JingleFtOptions{}.checksum_grace);
  EXPECT_TRUE(c.transfers.s5b.addresses.empty());
  EXPECT_EQ(c.transfers.s5b.port_min, 0);
  EXPECT_EQ(c.transfers.s5b.port_max, 0);

  const transfer::HttpLinkOptions links;
  EXPECT_EQ(c.links.allow_http, links.allow_http);
  EXPECT_EQ(c.links.allow_private, links.allow_private);
  EXPECT_EQ(c.links.total, links.total);
  EXPECT_TRUE(c.links.extra_hosts.empty());
  EXPECT_TRUE(c.links.resolve.empty());

  const Config fresh;
  EXPECT_EQ(c.data_dir, fresh.data_dir);
  EXPECT_EQ(c.store, fresh.store);
  EXPECT_EQ(c.log_level, fresh.log_level);
  EXPECT_EQ(c.workers, fresh.workers);
}

// --help shows the section's own default, including for durations, which
// CLI11 cannot print by itself.
TEST_F(ConfigTest, HelpShowsTheSectionsDefaults) {
  const std::string help = parse({"--help"}).out;
  const auto line_of = [&help](const std::string& option) {
    const auto at = help.find("  " + option + " ");
    return at == std::string::npos ? std::string() : help.substr(at, help.find('\n', at) - at);
  };
  const auto shows = [&](const std::string& option, auto value) {
    const std::string line = line_of(option);
    EXPECT_EQ(line.substr(line.find('=') + 1, line.find(' ', line.find('=')) - line.find('=') - 1),
              std::to_string(value))
        << line;
  };
  shows("--max-call-seconds", call::CallLimits{}.max_length.count());
  shows("--call-connect-seconds", call::CallLimits{}.connect_timeout.count());
  shows("--no-media-seconds", call::CallLimits{}.no_media_timeout.count());
  shows("--max-calls", call::CallLimits{}.max_calls);
  shows("--transfer-idle-seconds", transfer::TransferLimits{}.idle.count());
  shows("--checksum-grace-ms", transfer::JingleFtOptions{}.checksum_grace.count());
  shows("--link-timeout-seconds", transfer::HttpLinkOptions{}.total.count());
  shows("--echo-queue", ChatPolicy{}.max_queued_per_sender);
  shows("--ping-interval", StreamConfig{}.ping_interval_s);
}

// Each add_*_options() binds its flags to its own section's fields.
class SectionOptionsTest : public ::testing::Test {
 protected:
  // Parses `args` with the options `add` declares; "" if it went well.
  template <typename Add>
  std::string parse_with(Add add, std::vector<std::string> args) {
    CLI::App app;
    add(app);
    args.insert(args.begin(), "test");
    std::vector<const char*> argv;
    for (const auto& arg : args) argv.push_back(arg.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::Error& e) {
      return e.what();
    }
    return "";
  }
};

TEST_F(SectionOptionsTest, Account) {
  AccountConfig account;
  SharedFlags flags;
  ASSERT_EQ(parse_with([&](CLI::App& app) { add_account_options(app, account, flags, "jid"); },
                       {"--jid", "x@y", "--password-file", "pw", "--server", "h:1", "--tls", "optional",
                        "--insecure-skip-verify", "--resource", "r", "--connect-timeout", "7"}),
            "");
  EXPECT_EQ(account.jid, "x@y");
  EXPECT_EQ(flags.password_file, "pw");
  EXPECT_EQ(flags.server, "h:1");
  EXPECT_EQ(account.tls, TlsPolicy::kOptional);
  EXPECT_TRUE(account.insecure_skip_verify);
  EXPECT_EQ(account.resource, "r");
  EXPECT_EQ(account.connect_timeout_s, 7);
}

TEST_F(SectionOptionsTest, Ice) {
  transport::IceConfig ice;
  SharedFlags flags;
  ASSERT_EQ(parse_with([&](CLI::App& app) { add_ice_options(app, ice, flags); },
                       {"--ice-address", "127.0.0.1", "--stun", "s", "--turn", "t1", "--turn", "t2", "--ice-port-min",
                        "4000", "--ice-port-max", "4010", "--ice-deny", "10."}),
            "");
  EXPECT_EQ(ice.allowed_addresses, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(flags.stun, "s");
  EXPECT_EQ(flags.turns, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(ice.port_min, 4000);
  EXPECT_EQ(ice.port_max, 4010);
  EXPECT_EQ(ice.denied_addresses, std::vector<std::string>{"10."});
}

TEST_F(SectionOptionsTest, StreamAndSubscription) {
  StreamConfig stream;
  SubscriptionConfig subscription;
  ASSERT_EQ(parse_with(
                [&](CLI::App& app) {
                  add_stream_options(app, stream);
                  add_subscription_options(app, subscription);
                },
                {"--ping-interval", "11", "--ping-timeout", "12", "--reconnect-min", "3", "--reconnect-max", "9",
                 "--stream-management", "false", "--subscription-policy", "domains", "--allow-domain", "d"}),
            "");
  EXPECT_EQ(stream.ping_interval_s, 11);
  EXPECT_EQ(stream.ping_timeout_s, 12);
  EXPECT_EQ(stream.reconnect_min_s, 3);
  EXPECT_EQ(stream.reconnect_max_s, 9);
  EXPECT_FALSE(stream.stream_management);
  EXPECT_EQ(subscription.policy, SubscriptionPolicy::kDomains);
  EXPECT_EQ(subscription.allowed_domains, std::vector<std::string>{"d"});
}

TEST_F(SectionOptionsTest, Chat) {
  ChatPolicy chat;
  ASSERT_EQ(parse_with([&](CLI::App& app) { add_chat_options(app, chat); },
                       {"--echo-rate", "2.5", "--echo-burst", "4", "--echo-queue", "9", "--max-body-bytes", "100"}),
            "");
  EXPECT_DOUBLE_EQ(chat.rate_per_second, 2.5);
  EXPECT_DOUBLE_EQ(chat.burst, 4.0);
  EXPECT_EQ(chat.max_queued_per_sender, 9u);
  EXPECT_EQ(chat.max_body_bytes, 100u);
}

TEST_F(SectionOptionsTest, Calls) {
  call::CallLimits calls;
  ASSERT_EQ(parse_with([&](CLI::App& app) { add_call_options(app, calls); },
                       {"--max-call-seconds", "30", "--max-calls", "5", "--max-calls-per-contact", "1",
                        "--call-connect-seconds", "6", "--no-media-seconds", "7"}),
            "");
  EXPECT_EQ(calls.max_length, std::chrono::seconds(30));
  EXPECT_EQ(calls.max_calls, 5u);
  EXPECT_EQ(calls.max_calls_per_contact, 1u);
  EXPECT_EQ(calls.connect_timeout, std::chrono::seconds(6));
  EXPECT_EQ(calls.no_media_timeout, std::chrono::seconds(7));
  EXPECT_NE(parse_with([&](CLI::App& app) { add_call_options(app, calls); }, {"--max-call-seconds", "9"}), "");
}

TEST_F(SectionOptionsTest, Nat) {
  transport::IceConfig ice;
  IceServerConfig servers;
  ASSERT_EQ(parse_with([&](CLI::App& app) { add_nat_options(app, ice, servers); },
                       {"--public-address", "192.0.2.9", "--external-services", "false"}),
            "");
  EXPECT_EQ(ice.public_address, "192.0.2.9");
  EXPECT_FALSE(servers.external_services);
}

TEST_F(SectionOptionsTest, Transfers) {
  TransferConfig transfers;
  ASSERT_EQ(parse_with([&](CLI::App& app) { add_transfer_options(app, transfers); },
                       {"--max-file-bytes", "1000", "--max-transfers", "4", "--max-transfers-per-contact", "2",
                        "--checksum-grace-ms", "50", "--transfer-idle-seconds", "8", "--s5b-address", "192.0.2.1",
                        "--s5b-port-min", "7000", "--s5b-port-max", "7001"}),
            "");
  EXPECT_EQ(transfers.limits.max_file_bytes, 1000u);
  EXPECT_EQ(transfers.limits.max_transfers, 4u);
  EXPECT_EQ(transfers.limits.max_per_contact, 2u);
  EXPECT_EQ(transfers.jingle_ft.checksum_grace, std::chrono::milliseconds(50));
  EXPECT_EQ(transfers.limits.idle, std::chrono::seconds(8));
  EXPECT_EQ(transfers.s5b.addresses, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(transfers.s5b.port_min, 7000);
  EXPECT_EQ(transfers.s5b.port_max, 7001);
}

TEST_F(SectionOptionsTest, LinksAndReportPages) {
  transfer::HttpLinkOptions links;
  ReportPagesConfig pages;
  std::string listen;
  ASSERT_EQ(parse_with(
                [&](CLI::App& app) {
                  add_link_options(app, links);
                  add_report_page_options(app, pages, listen);
                },
                {"--allow-http-links", "--allow-private-links", "--link-allow-host", "h", "--link-timeout-seconds",
                 "20", "--link-resolve", "h:80:127.0.0.1", "--http-listen", "127.0.0.1:8080", "--public-url",
                 "https://p"}),
            "");
  EXPECT_TRUE(links.allow_http);
  EXPECT_TRUE(links.allow_private);
  EXPECT_EQ(links.extra_hosts, std::vector<std::string>{"h"});
  EXPECT_EQ(links.total, std::chrono::seconds(20));
  EXPECT_EQ(links.resolve, std::vector<std::string>{"h:80:127.0.0.1"});
  EXPECT_EQ(listen, "127.0.0.1:8080");
  EXPECT_EQ(pages.public_url, "https://p");
}

TEST_F(ConfigTest, StoreIsSqliteOrAPostgresqlUrl) {
  const auto pg = parse({"--jid", "a@b", "--store", "postgresql://parrot@db/parrot"});
  ASSERT_TRUE(pg.result.config) << pg.err;
  EXPECT_EQ(pg.result.config->store.kind, StoreLocation::Kind::kPostgres);
  EXPECT_EQ(pg.result.config->store.url, "postgresql://parrot@db/parrot");
  // --check-config names the store, never its password.
  const auto secret = parse({"--jid", "a@b", "--store", "postgresql://parrot:hunter2@db/parrot"});
  ASSERT_TRUE(secret.result.config) << secret.err;
  EXPECT_NE(config_summary(*secret.result.config).find(", store postgresql://parrot:***@db/parrot"), std::string::npos)
      << config_summary(*secret.result.config);
  EXPECT_EQ(config_summary(*secret.result.config).find("hunter2"), std::string::npos);
  const auto sqlite = parse({"--jid", "a@b", "--store", "sqlite"});
  ASSERT_TRUE(sqlite.result.config) << sqlite.err;
  EXPECT_EQ(sqlite.result.config->store.kind, StoreLocation::Kind::kSqlite);
  const auto wrong = parse({"--jid", "a@b", "--store", "postgresql://u:hunter2@db/parrot?nonsense=1"});
  EXPECT_EQ(wrong.result.exit_code, 2);
  EXPECT_NE(wrong.err.find("--store"), std::string::npos) << wrong.err;
  EXPECT_EQ(wrong.err.find("hunter2"), std::string::npos) << wrong.err;
}

TEST_F(ConfigTest, CheckConfigSummarisesWithoutSecrets) {
  const auto plain = parse({"--jid", "parrot@example.org"});
  ASSERT_TRUE(plain.result.config) << plain.err;
  EXPECT_FALSE(plain.result.config->check_only);
  EXPECT_EQ(config_summary(*plain.result.config),
            "parrot: configuration OK: parrot@example.org/parrot via DNS SRV of example.org, data dir parrot-data, "
            "store sqlite, media on any UDP port");

  const auto file = write_file("check.toml",
                               "jid = \"bot@example.org/desk\"\nserver = \"xmpp.example.org\"\n"
                               "data-dir = \"/var/lib/parrot\"\nice-port-min = 40000\nice-port-max = 40199\n"
                               "public-address = \"203.0.113.7\"\nhttp-listen = \"[::1]:9090\"\n");
  const auto parsed = parse({"--config", file, "--check-config"});
  ASSERT_TRUE(parsed.result.config) << parsed.err;
  EXPECT_TRUE(parsed.result.config->check_only);
  const std::string summary = config_summary(*parsed.result.config);
  EXPECT_EQ(summary,
            "parrot: configuration OK: bot@example.org/desk via xmpp.example.org:5222, data dir /var/lib/parrot, "
            "store sqlite, media on UDP 40000-40199, public address 203.0.113.7, HTTP on [::1]:9090");
  EXPECT_EQ(summary.find("from-env"), std::string::npos);
}

TEST_F(ConfigTest, CheckConfigSummarisesAComponentAndHidesTheStorePassword) {
  const auto secret = write_file("component-secret-summary", "component-secret-value\n");
  const auto parsed = parse({"--component", "echo.example.org", "--component-secret-file", secret, "--server",
                             "127.0.0.1:5347", "--store", "postgresql://parrot:hunter2@db/parrot", "--check-config"});
  ASSERT_TRUE(parsed.result.config) << parsed.err;
  const std::string summary = config_summary(*parsed.result.config);
  EXPECT_NE(summary.find("component echo.example.org/parrot via 127.0.0.1:5347"), std::string::npos) << summary;
  EXPECT_NE(summary.find("store postgresql://parrot:***@db/parrot"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("hunter2"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("component-secret-value"), std::string::npos) << summary;
}

TEST_F(ConfigTest, CheckConfigFailsLikeAStart) {
  // The same checks as a real start: a broken file, an unreadable secret, an
  // address that does not parse all exit 2 with the flag named.
  const auto bad_key = write_file("bad.toml", "jid = \"a@b\"\nno-such-option = 1\n");
  EXPECT_EQ(parse({"--config", bad_key, "--check-config"}).result.exit_code, 2);
  const auto missing = parse({"--jid", "a@b", "--password-file", "/nonexistent/pw", "--check-config"});
  EXPECT_EQ(missing.result.exit_code, 2);
  EXPECT_NE(missing.err.find("--password-file"), std::string::npos) << missing.err;
  const auto address = parse({"--jid", "a@b", "--public-address", "host.example", "--check-config"});
  EXPECT_EQ(address.result.exit_code, 2);
  EXPECT_NE(address.err.find("--public-address"), std::string::npos) << address.err;
  // The file cannot switch itself into a check: the key is not a config key.
  const auto in_file = write_file("self.toml", "jid = \"a@b\"\ncheck-config = true\n");
  EXPECT_EQ(parse({"--config", in_file}).result.exit_code, 2);
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
