// SiTransfers' in-band path (an XEP-0095/0096 offer, then XEP-0047 IBB)
// driven with stanzas as gloox hands them over, a real WorkerPool and a
// control GMainContext that the test pumps: which IQ gets which answer, in
// which order, and what the report says, including when the manager goes
// away with blocks still queued on its worker. Digests are checked against
// OpenSSL's one-shot SHA-256, not against the code under test.
#include "bot/transfer/si_transfers.hpp"

#include <glib.h>
#include <gloox/tag.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../jingle/fixture_loader.hpp"
#include "transport/bytestream/base64.hpp"
#include "transport/worker/worker_pool.hpp"

namespace parrot::bot::transfer {
namespace {

using jingle::test::parse_xml;

constexpr const char* kSender = "alice@example.org/pidgin";
constexpr const char* kSelf = "parrot@example.org/parrot";
constexpr const char* kReportNamespace = "urn:parrot:report:1";

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EXPECT_EQ(EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr), 1);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    char pair[3];
    std::snprintf(pair, sizeof pair, "%02x", digest[i]);
    hex += pair;
  }
  return hex;
}

// Deterministic bytes that differ from block to block.
std::string payload(std::size_t size, unsigned seed) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 131 + seed * 7 + i / 251) & 0xFF);
  return bytes;
}

struct Reply {
  std::string type;       // result or error
  std::string condition;  // for errors
};

class SiInBand : public ::testing::Test {
 protected:
  void SetUp() override { make_manager(SiOptions{}); }

  void TearDown() override {
    si_.reset();
    pool_.stop();
    while (g_main_context_iteration(control_, FALSE)) {
    }
    g_main_context_unref(control_);
  }

  void make_manager(SiOptions options) {
    si_ = std::make_unique<SiTransfers>(control_, pool_, nullptr, options,
                                        [this](std::unique_ptr<gloox::Tag> tag) { sent_.push_back(std::move(tag)); });
  }

  void offer(const std::string& sid, std::size_t size) {
    const auto iq = parse_xml(
        "<iq type='set' from='" + std::string(kSender) + "' to='" + kSelf + "' id='offer-" + sid +
        "'><si xmlns='http://jabber.org/protocol/si' id='" + sid +
        "' profile='http://jabber.org/protocol/si/profile/file-transfer'>"
        "<file xmlns='http://jabber.org/protocol/si/profile/file-transfer' name='f.bin' size='" +
        std::to_string(size) +
        "'/><feature xmlns='http://jabber.org/protocol/feature-neg'><x xmlns='jabber:x:data' type='form'>"
        "<field var='stream-method' type='list-single'><option><value>http://jabber.org/protocol/ibb</value>"
        "</option></field></x></feature></si></iq>");
    ASSERT_TRUE(iq);
    ASSERT_TRUE(SiTransfers::is_si_iq(*iq));
    si_->on_iq(*iq, kSelf);
    ASSERT_EQ(reply("offer-" + sid).type, "result");
  }

  // An IBB IQ set carrying `element` (already with the IBB namespace).
  bool ibb(const std::string& id, const std::string& element) {
    const auto iq = parse_xml("<iq type='set' from='" + std::string(kSender) + "' to='" + kSelf + "' id='" + id +
                              "'>" + element + "</iq>");
    EXPECT_TRUE(iq);
    return iq && si_->on_ibb_iq(*iq);
  }
  void open(const std::string& sid, std::size_t block_size = 4096) {
    ASSERT_TRUE(ibb("open-" + sid, "<open xmlns='http://jabber.org/protocol/ibb' sid='" + sid + "' block-size='" +
                                       std::to_string(block_size) + "' stanza='iq'/>"));
    ASSERT_EQ(reply("open-" + sid).type, "result");
  }
  void data(const std::string& id, const std::string& sid, unsigned seq, const std::string& bytes) {
    EXPECT_TRUE(ibb(id, "<data xmlns='http://jabber.org/protocol/ibb' sid='" + sid + "' seq='" +
                            std::to_string(seq) + "'>" +
                            transport::bytestream::base64_encode(bytes.data(), bytes.size()) + "</data>"));
  }
  void close(const std::string& id, const std::string& sid) {
    EXPECT_TRUE(ibb(id, "<close xmlns='http://jabber.org/protocol/ibb' sid='" + sid + "'/>"));
  }

  // Runs the control loop until `done` holds; gives up after a minute so a
  // broken build fails instead of hanging (a deadline, not a measurement).
  template <typename Done>
  bool pump_until(Done done) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (!done()) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      if (!g_main_context_iteration(control_, FALSE)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }

  // The answer to IQ `id`, once (empty type: none yet).
  Reply reply(const std::string& id) const {
    for (const auto& tag : sent_) {
      if (tag->name() != "iq" || tag->findAttribute("id") != id) continue;
      Reply found{tag->findAttribute("type"), {}};
      if (const gloox::Tag* error = tag->findChild("error")) {
        for (const gloox::Tag* child : error->children()) {
          if (child->xmlns() == "urn:ietf:params:xml:ns:xmpp-stanzas" && child->name() != "text") {
            found.condition = child->name();
          }
        }
      }
      return found;
    }
    return {};
  }
  // Where the answer to IQ `id` is among the stanzas sent (-1: nowhere).
  int position(const std::string& id) const {
    for (std::size_t i = 0; i < sent_.size(); ++i) {
      if (sent_[i]->name() == "iq" && sent_[i]->findAttribute("id") == id) return static_cast<int>(i);
    }
    return -1;
  }
  std::optional<nlohmann::json> report(const std::string& sid) const {
    for (const auto& tag : sent_) {
      const gloox::Tag* element = tag->findChild("report");
      if (tag->name() != "message" || element == nullptr || element->xmlns() != kReportNamespace) continue;
      auto json = nlohmann::json::parse(element->cdata(), nullptr, false);
      if (!json.is_discarded() && json.value("id", "") == sid) return json;
    }
    return std::nullopt;
  }
  nlohmann::json wait_report(const std::string& sid) {
    EXPECT_TRUE(pump_until([&] { return report(sid).has_value(); })) << "no report for " << sid;
    return report(sid).value_or(nlohmann::json::object());
  }

  GMainContext* control_ = g_main_context_new();
  transport::WorkerPool pool_{2, "si-test"};
  std::vector<std::unique_ptr<gloox::Tag>> sent_;
  std::unique_ptr<SiTransfers> si_;
};

TEST_F(SiInBand, AWholeFileIsHashedAndEveryBlockAnsweredInOrder) {
  constexpr std::size_t kBlock = 4096;
  constexpr std::size_t kBlocks = 256;
  const std::string file = payload(kBlock * kBlocks - 100, 1);
  offer("whole", file.size());
  open("whole");
  // All blocks before the control loop runs once: they queue on the worker,
  // as a sender with many IQs in flight makes them.
  for (std::size_t i = 0; i * kBlock < file.size(); ++i) {
    data("d" + std::to_string(i), "whole", static_cast<unsigned>(i), file.substr(i * kBlock, kBlock));
  }
  const nlohmann::json facts = wait_report("whole");
  int previous = -1;
  for (std::size_t i = 0; i < kBlocks; ++i) {
    const std::string id = "d" + std::to_string(i);
    EXPECT_EQ(reply(id).type, "result") << id;
    EXPECT_GT(position(id), previous) << id << " answered out of order";
    previous = position(id);
  }
  EXPECT_EQ(facts["verdict"], "FILE OK") << facts.dump();
  EXPECT_EQ(facts["transport"], "IBB");
  EXPECT_EQ(facts["bytes_received"], file.size());
  EXPECT_EQ(facts["sha256"], sha256_hex(file));
  // The close that Pidgin and slixmpp send after the last byte is answered.
  close("late-close", "whole");
  EXPECT_EQ(reply("late-close").type, "result");
}

TEST_F(SiInBand, AnEmptyFileIsCompleteAtTheClose) {
  offer("empty", 0);
  open("empty");
  close("c", "empty");
  const nlohmann::json facts = wait_report("empty");
  EXPECT_EQ(reply("c").type, "result");
  EXPECT_EQ(facts["verdict"], "FILE OK") << facts.dump();
  EXPECT_EQ(facts["sha256"], sha256_hex(""));
}

TEST_F(SiInBand, AGapFailsTheStreamAndTheBlocksAlreadySentAfterIt) {
  const std::string first = payload(4096, 2);
  offer("gap", 4 * 4096);
  open("gap");
  data("d0", "gap", 0, first);
  data("d2", "gap", 2, payload(4096, 3));
  // Queued before the control thread learns of the gap: the worker itself
  // must refuse it, and nothing of it may reach the digests.
  data("d3", "gap", 3, payload(4096, 4));
  const nlohmann::json facts = wait_report("gap");
  ASSERT_TRUE(pump_until([&] { return !reply("d3").type.empty(); }));
  EXPECT_EQ(reply("d0").type, "result");
  EXPECT_EQ(reply("d2").condition, "unexpected-request");
  EXPECT_EQ(reply("d3").condition, "item-not-found");
  EXPECT_LT(position("d0"), position("d2"));
  EXPECT_LT(position("d2"), position("d3"));
  EXPECT_EQ(facts["verdict"], "FAILED") << facts.dump();
  EXPECT_EQ(facts["bytes_received"], 4096);
  EXPECT_EQ(facts["sha256"], sha256_hex(first));
}

TEST_F(SiInBand, ABlockOverTheBlockSizeIsNotAcceptable) {
  offer("big", 8192);
  open("big", 4096);
  // XEP-0047 §2.2: block-size bounds the decoded bytes of one <data/>.
  data("d0", "big", 0, payload(8192, 5));
  const nlohmann::json facts = wait_report("big");
  EXPECT_EQ(reply("d0").condition, "not-acceptable");
  EXPECT_EQ(facts["verdict"], "FAILED") << facts.dump();
  EXPECT_EQ(facts["bytes_received"], 0);
}

TEST_F(SiInBand, BytesPastTheAnnouncedSizeAreReportedAsMore) {
  offer("long", 5000);
  open("long");
  data("d0", "long", 0, payload(4096, 6));
  // Crosses the 5,000 announced bytes: refused whole, reported as more.
  data("d1", "long", 1, payload(4096, 7));
  const nlohmann::json facts = wait_report("long");
  EXPECT_EQ(reply("d0").type, "result");
  EXPECT_EQ(reply("d1").condition, "not-acceptable");
  EXPECT_EQ(facts["verdict"], "TOO LONG") << facts.dump();
  EXPECT_NE(facts["failure"].get<std::string>().find("more than"), std::string::npos) << facts.dump();
}

TEST_F(SiInBand, ACloseBeforeTheLastByteIsAnsweredAfterTheBlocksAndReported) {
  const std::string part = payload(4096, 8);
  offer("short", 8192);
  open("short");
  data("d0", "short", 0, part);
  close("c", "short");
  const nlohmann::json facts = wait_report("short");
  EXPECT_EQ(reply("c").type, "result");
  EXPECT_LT(position("d0"), position("c"));
  EXPECT_EQ(facts["bytes_received"], 4096);
  EXPECT_EQ(facts["verdict"], "SHORT") << facts.dump();
  EXPECT_EQ(facts["sha256"], sha256_hex(part));
  EXPECT_NE(facts["failure"].get<std::string>().find("closed the stream after 4,096 of 8,192"), std::string::npos)
      << facts.dump();
}

TEST_F(SiInBand, AMalformedElementEndsTheStreamWithTheDigestsSoFar) {
  const std::string part = payload(1000, 9);
  offer("odd", 8192);
  open("odd");
  data("d0", "odd", 0, part);
  // Its error must not overtake d0's result, which is still on the worker.
  ASSERT_TRUE(ibb("x", "<jump xmlns='http://jabber.org/protocol/ibb' sid='odd'/>"));
  const nlohmann::json facts = wait_report("odd");
  EXPECT_EQ(reply("x").condition, "bad-request");
  EXPECT_LT(position("d0"), position("x"));
  EXPECT_EQ(facts["verdict"], "FAILED") << facts.dump();
  EXPECT_EQ(facts["sha256"], sha256_hex(part));
}

TEST_F(SiInBand, AnIdleStreamEndsWithTheDigestsOfWhatCame) {
  si_.reset();
  SiOptions options;
  options.limits.idle = std::chrono::seconds(1);
  make_manager(options);
  const std::string part = payload(3000, 10);
  offer("idle", 8192);
  open("idle");
  data("d0", "idle", 0, part);
  // The timer is on the control thread, the hashes on the worker: the
  // report must still carry the digests of the block that came.
  const nlohmann::json facts = wait_report("idle");
  EXPECT_EQ(reply("d0").type, "result");
  EXPECT_EQ(facts["verdict"], "FAILED") << facts.dump();
  EXPECT_EQ(facts["bytes_received"], 3000);
  EXPECT_EQ(facts["sha256"], sha256_hex(part));
  // TransferLimits::idle is in seconds; the message says the same number.
  EXPECT_NE(facts["failure"].get<std::string>().find("nothing arrived for 1 s"), std::string::npos) << facts.dump();
}

TEST_F(SiInBand, TheManagerMayGoWhileBlocksAreQueued) {
  offer("gone", 64 * 4096);
  open("gone");
  for (unsigned i = 0; i < 64; ++i) data("d" + std::to_string(i), "gone", i, payload(4096, i));
  const std::size_t before = sent_.size();
  si_.reset();
  // Every task the worker still had runs and posts back; none of it may
  // reach the destroyed manager or its send function.
  pool_.stop();
  while (g_main_context_iteration(control_, FALSE)) {
  }
  EXPECT_EQ(sent_.size(), before);
}

}  // namespace
}  // namespace parrot::bot::transfer
