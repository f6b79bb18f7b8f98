// XEP-0215 <services/> and <credentials/> as servers send them: the XEP's
// own examples (§3.1, §3.3), Prosody 0.12's mod_external_services output
// (restricted='1', TURN REST credentials, expires), and broken entries.
#include "bot/xmpp/external_services.hpp"

#include <gloox/parser.h>
#include <gloox/tag.h>
#include <gloox/taghandler.h>
#include <gtest/gtest.h>

namespace parrot::bot::xmpp {
namespace {

using namespace std::chrono_literals;

struct FirstTag : gloox::TagHandler {
  void handleTag(gloox::Tag* tag) override {
    if (!first && tag) first.reset(tag->clone());
  }
  std::unique_ptr<gloox::Tag> first;
};

std::unique_ptr<gloox::Tag> xml(std::string text) {
  FirstTag handler;
  gloox::Parser parser(&handler);
  EXPECT_EQ(parser.feed(text), -1) << text;
  EXPECT_TRUE(handler.first) << text;
  return std::move(handler.first);
}

ExternalServicesParse parse(const std::string& text) { return parse_external_services(*xml(text)); }

SystemTime utc(int year, unsigned month, unsigned day, int h, int m, int s) {
  const std::chrono::sys_days date = std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day};
  return date + std::chrono::hours(h) + std::chrono::minutes(m) + std::chrono::seconds(s);
}

// XEP-0215 §3.1, Example 2 (the <iq/> around it dropped).
constexpr const char* kXepExample = R"(<services xmlns='urn:xmpp:extdisco:2'>
    <service host='stun.shakespeare.lit' port='9998' transport='udp' type='stun'/>
    <service host='relay.shakespeare.lit' password='jj929jkj5sadjfj93v3n' port='9999' transport='udp'
             type='turn' username='nb78932lkjlskjfdb7g8'/>
    <service host='192.0.2.1' port='8888' transport='udp' type='stun'/>
    <service host='192.0.2.1' port='8889' password='93jn3bakj9s832lrjbbz' transport='udp' type='turn'
             username='auu98sjl2wk3e9fjdsl7'/>
    <service host='ftp.shakespeare.lit' name='Shakespearean File Server' password='guest' port='20'
             transport='tcp' type='ftp' username='guest'/>
  </services>)";

// What Prosody 0.12.3's mod_external_services answers the interop test's
// configuration with (a STUN entry, and TURN with `secret = true`: TURN REST
// credentials valid for external_service_ttl, no `expires`), and the same
// TURN entry given its own `ttl`, which adds `expires`.
constexpr const char* kProsodyAnswer = R"(<services xmlns='urn:xmpp:extdisco:2'>
    <service type='stun' transport='udp' host='127.0.0.1' port='3478'/>
    <service type='turn' transport='udp' host='127.0.0.1' port='3479' username='1700086400'
             password='8Ydt0Ib8cgnlvUj9Z+Ppw/g0nmw=' restricted='1'/>
  </services>)";
constexpr const char* kProsodyAnswerWithTtl = R"(<services xmlns='urn:xmpp:extdisco:2'>
    <service type='turn' transport='udp' host='127.0.0.1' port='3479' username='1700086400'
             password='8Ydt0Ib8cgnlvUj9Z+Ppw/g0nmw=' expires='2023-11-15T22:13:20Z' restricted='1'/>
  </services>)";

TEST(ExternalServices, XepExample) {
  const auto p = parse(kXepExample);
  ASSERT_TRUE(p.valid);
  EXPECT_TRUE(p.rejected.empty());
  ASSERT_EQ(p.services.size(), 5u);
  EXPECT_EQ(p.services[0].type, "stun");
  EXPECT_EQ(p.services[0].host, "stun.shakespeare.lit");
  EXPECT_EQ(p.services[0].port, 9998);
  EXPECT_EQ(p.services[1].username, "nb78932lkjlskjfdb7g8");
  EXPECT_EQ(p.services[1].password, "jj929jkj5sadjfj93v3n");
  EXPECT_FALSE(p.services[1].restricted);
  EXPECT_EQ(p.services[4].name, "Shakespearean File Server");

  std::vector<IceServer> servers;
  std::vector<std::string> skipped;
  for (const auto& service : p.services) {
    const auto mapping = to_ice_server(service, "XEP-0215 shakespeare.lit");
    if (mapping.server) servers.push_back(*mapping.server);
    if (!mapping.skipped.empty()) skipped.push_back(mapping.skipped);
  }
  ASSERT_EQ(servers.size(), 4u);
  EXPECT_EQ(servers[1].kind, IceServerKind::kTurn);
  EXPECT_EQ(servers[1].host, "relay.shakespeare.lit");
  EXPECT_EQ(servers[1].port, 9999);
  EXPECT_EQ(servers[1].transport, transport::TurnTransport::kUdp);
  EXPECT_EQ(servers[3].origin, "XEP-0215 shakespeare.lit");
  EXPECT_EQ(skipped, std::vector<std::string>{"ftp is not STUN or TURN"});
}

TEST(ExternalServices, ProsodyWithTurnRestCredentials) {
  const auto p = parse(kProsodyAnswer);
  ASSERT_TRUE(p.valid);
  ASSERT_EQ(p.services.size(), 2u);
  const auto& turn = p.services[1];
  EXPECT_TRUE(turn.restricted);
  EXPECT_TRUE(turn.has_credentials());
  EXPECT_FALSE(turn.expires);
  // The TURN REST username is the expiry: 1700086400 = 2023-11-15T22:13:20Z.
  EXPECT_EQ(credentials_expiry(turn), utc(2023, 11, 15, 22, 13, 20));
  EXPECT_FALSE(credentials_expiry(p.services[0]));
  const auto with_ttl = parse(kProsodyAnswerWithTtl);
  ASSERT_EQ(with_ttl.services.size(), 1u);
  EXPECT_EQ(with_ttl.services[0].expires, utc(2023, 11, 15, 22, 13, 20));
  // restricted with credentials given: usable at once, nothing to ask.
  const auto mapping = to_ice_server(turn, "x");
  ASSERT_TRUE(mapping.server);
  EXPECT_FALSE(mapping.needs_credentials);
  EXPECT_EQ(mapping.server->password, "8Ydt0Ib8cgnlvUj9Z+Ppw/g0nmw=");
}

TEST(ExternalServices, RestrictedWithoutCredentialsAsksForThem) {
  const auto p = parse(R"(<services xmlns='urn:xmpp:extdisco:2'>
      <service host='turn.shakespeare.lit' type='turn' port='3478' restricted='true'/>
      <service host='turn.shakespeare.lit' type='turn' port='3479'/></services>)");
  ASSERT_EQ(p.services.size(), 2u);
  EXPECT_TRUE(to_ice_server(p.services[0], "x").needs_credentials);
  const auto open = to_ice_server(p.services[1], "x");
  EXPECT_FALSE(open.server);
  EXPECT_FALSE(open.needs_credentials);
  EXPECT_EQ(open.skipped, "turn without username and password");

  // §3.3, Example 5: host, type and (when known) port.
  const auto request = make_credentials_request(p.services[0]);
  EXPECT_EQ(request->xml(),
            "<credentials xmlns='urn:xmpp:extdisco:2'><service host='turn.shakespeare.lit' type='turn' "
            "port='3478'/></credentials>");
  // §3.3, Example 6: the answer parses like <services/>.
  const auto answer = parse(R"(<credentials xmlns='urn:xmpp:extdisco:2'>
      <service host='turn.shakespeare.lit' type='turn' password='jj929jkj5sadjfj93v3n'
               username='nb78932lkjlskjfdb7g8'/></credentials>)");
  ASSERT_TRUE(answer.valid);
  ASSERT_EQ(answer.services.size(), 1u);
  EXPECT_TRUE(answer.services[0].has_credentials());
}

TEST(ExternalServices, TransportsAndDefaultPorts) {
  const auto p = parse(R"(<services xmlns='urn:xmpp:extdisco:2'>
      <service host='192.0.2.1' type='stun'/>
      <service host='192.0.2.1' type='turn' transport='TCP' username='u' password='p'/>
      <service host='192.0.2.1' type='turns' transport='tcp' username='u' password='p'/>
      <service host='192.0.2.1' type='turns' transport='udp' username='u' password='p'/>
      <service host='192.0.2.1' type='stun' transport='tcp'/></services>)");
  ASSERT_EQ(p.services.size(), 5u);
  const auto stun = to_ice_server(p.services[0], "x").server;
  ASSERT_TRUE(stun);
  EXPECT_EQ(stun->port, 3478);
  const auto tcp = to_ice_server(p.services[1], "x").server;
  ASSERT_TRUE(tcp);
  EXPECT_EQ(tcp->transport, transport::TurnTransport::kTcp);
  const auto tls = to_ice_server(p.services[2], "x").server;
  ASSERT_TRUE(tls);
  EXPECT_EQ(tls->transport, transport::TurnTransport::kTls);
  EXPECT_EQ(tls->port, 5349);
  EXPECT_FALSE(to_ice_server(p.services[3], "x").server);  // TURN over DTLS
  EXPECT_FALSE(to_ice_server(p.services[4], "x").server);  // STUN over TCP
}

TEST(ExternalServices, BadEntriesAreRejectedOneByOne) {
  const auto p = parse(R"(<services xmlns='urn:xmpp:extdisco:2'>
      <service host='192.0.2.1' port='3478'/>
      <service type='stun' port='3478'/>
      <service type='stun' host='not a host' port='3478'/>
      <service type='stun' host='192.0.2.1' port='0'/>
      <service type='stun' host='192.0.2.1' port='65536'/>
      <service type='stun' host='192.0.2.1' port='34x'/>
      <service type='turn' host='192.0.2.1' restricted='yes'/>
      <service type='turn' host='192.0.2.1' expires='tomorrow'/>
      <service type='turn' host='192.0.2.1' expires='2023-11-15'/>
      <service type='turn' host='192.0.2.1' expires='2023-11-15T22:13:20'/>
      <service type='stun' host='192.0.2.9' port='3478'/>
      <x xmlns='jabber:x:data' type='result'/>
    </services>)");
  ASSERT_TRUE(p.valid);
  EXPECT_EQ(p.rejected.size(), 10u);
  ASSERT_EQ(p.services.size(), 1u);
  EXPECT_EQ(p.services[0].host, "192.0.2.9");
}

TEST(ExternalServices, WrongElementOrNamespaceIsNotValid) {
  EXPECT_FALSE(parse("<services xmlns='urn:xmpp:extdisco:1'><service type='stun' host='192.0.2.1'/></services>").valid);
  EXPECT_FALSE(parse("<query xmlns='urn:xmpp:extdisco:2'/>").valid);
  const auto empty = parse("<services xmlns='urn:xmpp:extdisco:2'/>");
  EXPECT_TRUE(empty.valid);
  EXPECT_TRUE(empty.services.empty());
}

TEST(ExternalServices, AtMostKMaxServices) {
  std::string text = "<services xmlns='urn:xmpp:extdisco:2'>";
  for (int i = 0; i < 100; ++i) text += "<service type='stun' host='192.0.2.1'/>";
  const auto p = parse(text + "</services>");
  EXPECT_EQ(p.services.size(), kMaxServices);
  EXPECT_EQ(p.rejected.size(), 1u);
}

TEST(ExternalServices, Xep0082DateTimes) {
  EXPECT_EQ(parse_xep0082_datetime("1969-07-21T02:56:15Z"), utc(1969, 7, 21, 2, 56, 15));
  EXPECT_EQ(parse_xep0082_datetime("1969-07-20T21:56:15-05:00"), utc(1969, 7, 21, 2, 56, 15));
  EXPECT_EQ(parse_xep0082_datetime("1969-07-21T02:56:15.123Z"), utc(1969, 7, 21, 2, 56, 15) + 123ms);
  for (const char* bad : {"", "1969-07-21", "1969-07-21T02:56:15", "1969-07-21 02:56:15Z", "1969-13-21T02:56:15Z",
                          "1969-07-21T25:56:15Z", "yesterday at noon, UTC", "1969-07-21T02:56:15Z\n"}) {
    EXPECT_FALSE(parse_xep0082_datetime(bad)) << bad;
  }
}

TEST(ExternalServices, RefreshAtHalfTheShortestLifetime) {
  const SystemTime now = utc(2024, 1, 1, 0, 0, 0);
  ExternalService stun, day, hour;
  day.expires = now + 24h;
  hour.expires = now + 1h;
  EXPECT_FALSE(refresh_delay(now, {stun}));
  EXPECT_EQ(refresh_delay(now, {stun, day}), std::chrono::seconds(12h));
  EXPECT_EQ(refresh_delay(now, {day, hour}), std::chrono::seconds(30min));
  ExternalService stale;
  stale.expires = now - 1h;  // already expired: ask again soon, but not in a loop
  EXPECT_EQ(refresh_delay(now, {stale}), kMinRefresh);
  ExternalService far;
  far.expires = now + 24h * 365;
  EXPECT_EQ(refresh_delay(now, {far}), kMaxRefresh);
}

TEST(ExternalServices, TurnRestUsernameGivesTheExpiry) {
  ExternalService turn;
  turn.type = "turn";
  turn.username = "1704070800:parrot";  // 2024-01-01T01:00:00Z
  EXPECT_EQ(credentials_expiry(turn), utc(2024, 1, 1, 1, 0, 0));
  EXPECT_EQ(refresh_delay(utc(2024, 1, 1, 0, 0, 0), {turn}), std::chrono::seconds(30min));
  turn.expires = utc(2024, 1, 1, 0, 10, 0);  // an explicit expires wins
  EXPECT_EQ(credentials_expiry(turn), turn.expires);
  for (const char* name : {"parrot", "12345678", "123456789012", "1704070800x", "", ":1704070800"}) {
    ExternalService other;
    other.type = "turn";
    other.username = name;
    EXPECT_FALSE(credentials_expiry(other)) << name;
  }
  ExternalService stun;
  stun.type = "stun";
  stun.username = "1704070800";
  EXPECT_FALSE(credentials_expiry(stun));
}

TEST(ExternalServices, ServicesRequest) {
  EXPECT_EQ(make_services_request()->xml(), "<services xmlns='urn:xmpp:extdisco:2'/>");
}

}  // namespace
}  // namespace parrot::bot::xmpp
