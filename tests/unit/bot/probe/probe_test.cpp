// `parrot probe`: its options (the same ICE checks as parrot's), what it
// writes for CI (JUnit XML that parses whatever a server's error says), and
// its file sender (SI over IBB).
#include "bot/probe/file_sender.hpp"
#include "bot/probe/probe_config.hpp"
#include "bot/probe/probe_result.hpp"

#include <gtest/gtest.h>

#include "transport/bytestream/base64.hpp"
#include "transport/bytestream/stream_hasher.hpp"

#include <cstdlib>
#include <optional>
#include <sstream>
#include <vector>

namespace parrot::bot::probe {
namespace {

struct Parsed {
  ProbeConfigResult result;
  std::string out, err;
};

Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "probe");
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  std::ostringstream out, err;
  Parsed parsed{parse_probe_config(static_cast<int>(argv.size()), argv.data(), out, err), {}, {}};
  parsed.out = out.str();
  parsed.err = err.str();
  return parsed;
}

class ProbeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("PARROT_PASSWORD", "from-env", 1); }
  void TearDown() override { ::unsetenv("PARROT_PASSWORD"); }
};

TEST_F(ProbeConfigTest, ReadsTheAccountTargetAndWhatToProbe) {
  const auto parsed = parse({"--jid", "me@example.org", "--target", "parrot@example.org/ignored-not", "--relay-only"});
  EXPECT_FALSE(parsed.result.config) << "a target with a resource is refused";
  const auto ok = parse({"--jid", "me@example.org/ci", "--target", "Parrot@Example.org", "--relay-only", "--video",
                         "--file", "64k", "--seconds", "3", "--junit", "out.xml", "--turn",
                         "turn:u:p@192.0.2.1:3478", "--ice-address", "127.0.0.1"});
  ASSERT_TRUE(ok.result.config) << ok.err;
  EXPECT_EQ(ok.result.config->account.jid, "me@example.org");
  EXPECT_EQ(ok.result.config->account.resource, "ci");
  EXPECT_EQ(ok.result.config->account.password, "from-env");
  EXPECT_EQ(ok.result.options.target, "parrot@example.org");
  EXPECT_TRUE(ok.result.options.relay_only);
  EXPECT_TRUE(ok.result.options.video);
  EXPECT_EQ(ok.result.options.file_bytes, 64u * 1024);
  EXPECT_EQ(ok.result.options.seconds, 3);
  EXPECT_EQ(ok.result.options.junit_path, "out.xml");
  ASSERT_EQ(ok.result.config->ice_servers.turn.size(), 1u);
  EXPECT_EQ(ok.result.config->ice_servers.turn[0].host, "192.0.2.1");
  EXPECT_FALSE(ok.result.config->stream.stream_management);
}

TEST_F(ProbeConfigTest, RefusesWhatParrotRefusesWithExitTwo) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--jid", "me@example.org"},                                              // no target
           {"--jid", "me@example.org", "--target", "me@example.org"},                // itself
           {"--jid", "me@example.org", "--target", "p@example.org", "--turn", "turn:nope"},
           {"--jid", "me@example.org", "--target", "p@example.org", "--ice-port-min", "5000"},
           {"--jid", "me@example.org", "--target", "p@example.org", "--ice-address", "localhost"},
           {"--jid", "me@example.org", "--target", "p@example.org", "--file", "0"},
           {"--jid", "me@example.org", "--target", "p@example.org", "--file", "12q"},
           {"--jid", "me@example.org", "--target", "p@example.org", "--seconds", "0"}}) {
    const auto parsed = parse(args);
    EXPECT_FALSE(parsed.result.config) << args.back();
    EXPECT_EQ(parsed.result.exit_code, kProbeUsage) << args.back();
    EXPECT_NE(parsed.err.find("parrot probe: "), std::string::npos) << parsed.err;
  }
}

TEST_F(ProbeConfigTest, HelpNamesTheExitCodes) {
  const auto parsed = parse({"--help"});
  EXPECT_FALSE(parsed.result.config);
  EXPECT_EQ(parsed.result.exit_code, kProbeOk);
  EXPECT_NE(parsed.out.find("4: a step timed out"), std::string::npos) << parsed.out;
  EXPECT_NE(parsed.out.find("--relay-only"), std::string::npos);
}

ProbeResult failed_relay() {
  ProbeResult result;
  result.account = "me@example.org";
  result.target = "parrot@example.org";
  result.checks = {{"login", CheckStatus::kPassed, "logged in as me@example.org/probe", 0.1},
                   {"relay-path", CheckStatus::kFailed, "no relay via <turn> & \"x\" \x01 'y'", 8},
                   {"file-checksum", CheckStatus::kSkipped, "not asked (no --file)", 0}};
  result.exit_code = kProbeFailed;
  result.failure = "relay-path: no relay";
  return result;
}

TEST(ProbeResultTest, JunitCountsAndEscapes) {
  const std::string xml = to_junit(failed_relay());
  EXPECT_NE(xml.find("<testsuite name=\"parrot probe\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<failure message=\"no relay via &lt;turn&gt; &amp; &quot;x&quot;   &#39;y&#39;\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<skipped message=\"not asked (no --file)\"/>"), std::string::npos) << xml;
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
}

TEST(ProbeResultTest, JsonAndTextSayWhatFailed) {
  const auto json = to_json(failed_relay());
  EXPECT_FALSE(json["ok"].get<bool>());
  EXPECT_EQ(json["exit_code"], 1);
  EXPECT_EQ(json["checks"][1]["status"], "failed");
  EXPECT_TRUE(json["target_report"].is_null());
  const std::string text = to_text(failed_relay());
  EXPECT_NE(text.find("FAILED (exit 1): relay-path: no relay"), std::string::npos) << text;
}

}  // namespace
}  // namespace parrot::bot::probe

namespace parrot::bot::probe {
namespace {

std::unique_ptr<gloox::Tag> reply(const std::string& id, const std::string& type = "result") {
  auto iq = std::make_unique<gloox::Tag>("iq");
  iq->addAttribute("type", type);
  iq->addAttribute("id", id);
  return iq;
}

TEST(IbbFileSenderTest, OffersOpensSendsInAWindowAndClosesWithTheDigest) {
  constexpr std::uint64_t kSize = 10 * IbbFileSender::kBlockSize + 5;  // 11 blocks: more than a window
  std::vector<std::unique_ptr<gloox::Tag>> sent;
  std::optional<bool> done;
  IbbFileSender sender([&](std::unique_ptr<gloox::Tag> stanza) { sent.push_back(std::move(stanza)); },
                       "parrot@example.org/parrot", kSize, 7, [] {}, [&](bool ok, const std::string&) { done = ok; });
  sender.start();
  ASSERT_EQ(sent.size(), 1u);
  const gloox::Tag* si = sent[0]->findChild("si");
  ASSERT_NE(si, nullptr);
  EXPECT_EQ(si->findChild("file")->findAttribute("size"), std::to_string(kSize));
  EXPECT_EQ(sent[0]->findAttribute("to"), "parrot@example.org/parrot");
  EXPECT_FALSE(sender.on_iq_reply(*reply("someone-else-1")));
  EXPECT_TRUE(sender.on_iq_reply(*reply(sender.sid() + "-offer")));
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1]->findChild("open")->findAttribute("block-size"), "4096");
  sender.on_iq_reply(*reply(sender.sid() + "-open"));
  EXPECT_EQ(sent.size(), 2u + IbbFileSender::kWindow) << "no more than the window in flight";
  sender.on_iq_reply(*reply(sender.sid() + "-data-1"));  // out of order: ignored
  EXPECT_EQ(sent.size(), 2u + IbbFileSender::kWindow);
  std::vector<std::uint8_t> bytes;
  for (std::uint64_t block = 0; block < 11; ++block) {
    sender.on_iq_reply(*reply(sender.sid() + "-data-" + std::to_string(block)));
  }
  ASSERT_EQ(sent.size(), 2u + 11 + 1);
  EXPECT_NE(sent.back()->findChild("close"), nullptr);
  for (std::size_t i = 2; i < 13; ++i) {
    EXPECT_EQ(sent[i]->findChild("data")->findAttribute("seq"), std::to_string(i - 2));
    std::vector<std::byte> decoded;
    ASSERT_EQ(transport::bytestream::base64_decode(sent[i]->findChild("data")->cdata(), 1 << 20, decoded),
              transport::bytestream::Base64Status::kOk);
    for (auto b : decoded) bytes.push_back(static_cast<std::uint8_t>(b));
  }
  EXPECT_FALSE(done);
  sender.on_iq_reply(*reply(sender.sid() + "-close"));
  ASSERT_TRUE(done && *done);
  ASSERT_EQ(bytes.size(), kSize);
  transport::bytestream::StreamHasher hasher{"sha-256"};
  hasher.update(std::span<const std::uint8_t>(bytes));
  EXPECT_EQ(sender.sha256(), hasher.finish().front().hex());
}

TEST(IbbFileSenderTest, ARefusalEndsItWithTheReason) {
  std::optional<std::string> why;
  IbbFileSender sender([](std::unique_ptr<gloox::Tag>) {}, "p@example.org/r", 100, 1, [] {},
                       [&](bool, const std::string& text) { why = text; });
  sender.start();
  auto error = reply(sender.sid() + "-offer", "error");
  auto* element = new gloox::Tag(error.get(), "error");
  new gloox::Tag(element, "forbidden");
  sender.on_iq_reply(*error);
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, "the target refused the file offer: forbidden");
}

}  // namespace
}  // namespace parrot::bot::probe
