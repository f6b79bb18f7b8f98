// JingleTransfers (XEP-0234 receiving) driven directly: stanzas as gloox
// hands them over (real clients' fixtures where they fit), a real
// WorkerPool, a control GMainContext the test iterates, the Send callback
// capturing every stanza parrot sends, and a ReportStore the reports are
// read back from. SOCKS5 peers are blocking POSIX code in std::threads on
// loopback: a sender's streamhost, and a sender connecting to parrot's own
// direct candidate. Expected digests and DST.ADDR hashes come from
// OpenSSL's one-shot SHA256()/SHA1(), never from parrot's StreamHasher.
#include "bot/transfer/jingle_transfers.hpp"

#include <glib.h>
#include <gloox/tag.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "../../transport/worker/loop_helpers.hpp"
#include "../jingle/fixture_loader.hpp"
#include "bot/report_store.hpp"
#include "tests/unit/loopback_socket.hpp"
#include "transport/worker/worker_pool.hpp"

namespace parrot::bot::transfer {
namespace {

using jingle::test::load_fixture;
using jingle::test::parse_xml;
using nlohmann::json;
using parrot::test::closed_port;
using parrot::test::connect_loopback;
using parrot::test::Fd;
using parrot::test::ListeningSocket;
using parrot::test::read_exact;
using parrot::test::wait_for_close;
using parrot::test::write_all;

constexpr const char* kSelf = "parrot@example.org/parrot";
constexpr const char* kSender = "alice@example.org/laptop";
constexpr const char* kFt5 = "urn:xmpp:jingle:apps:file-transfer:5";
constexpr const char* kFt3 = "urn:xmpp:jingle:apps:file-transfer:3";
constexpr const char* kIbbTransport = "urn:xmpp:jingle:transports:ibb:1";
constexpr const char* kS5b = "urn:xmpp:jingle:transports:s5b:1";
constexpr const char* kStanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
constexpr const char* kReportNamespace = "urn:parrot:report:1";

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  std::string hex;
  for (std::size_t i = 0; i < size; ++i) {
    char pair[3];
    std::snprintf(pair, sizeof pair, "%02x", bytes[i]);
    hex += pair;
  }
  return hex;
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return to_hex(digest, sizeof digest);
}

std::string base64(const unsigned char* bytes, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}
std::string base64(const std::string& bytes) {
  return base64(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

// The XEP-0300 value of a sha-256 <hash/>: base64 of the raw digest.
std::string sha256_base64(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return base64(digest, sizeof digest);
}

// XEP-0065 §5.3.2 DST.ADDR: hex SHA-1 of sid + requester + target.
std::string dst_addr(const std::string& sid, const std::string& requester, const std::string& target) {
  const std::string input = sid + requester + target;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return to_hex(digest, sizeof digest);
}

// Deterministic bytes that differ from offset to offset.
std::string payload(std::size_t size, unsigned seed) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 131 + seed * 7 + i / 251) & 0xFF);
  return bytes;
}

// --- blocking POSIX peers ---------------------------------------------------

constexpr int kPeerGiveUpMs = 10000;

void give_up_after(int fd) {
  timeval timeout{kPeerGiveUpMs / 1000, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
}

// A sender's connection to 127.0.0.1:port that gives up like every peer here.
int connect_peer(std::uint16_t port) {
  const int fd = connect_loopback(port);
  if (fd >= 0) give_up_after(fd);
  return fd;
}

// RFC 1928 CONNECT for a 40-character DOMAINNAME, DST.PORT 0, as a sender
// connecting to parrot's candidate; returns REP (0xFF: no reply at all).
int socks5_connect(int fd, const std::string& hash) {
  const unsigned char greeting[] = {5, 1, 0};
  if (!write_all(fd, greeting, sizeof greeting) || read_exact(fd, 2) != std::string("\x05\x00", 2)) return 0xFF;
  std::string request("\x05\x01\x00\x03", 4);
  request += static_cast<char>(hash.size());
  request += hash;
  request += std::string(2, '\0');
  if (!write_all(fd, request.data(), request.size())) return 0xFF;
  const std::string head = read_exact(fd, 4);
  if (head.size() != 4 || head[0] != 5) return 0xFF;
  if (head[3] == 3) {
    const std::string length = read_exact(fd, 1);
    if (length.size() != 1) return 0xFF;
    read_exact(fd, static_cast<unsigned char>(length[0]) + 2u);
  }
  return static_cast<unsigned char>(head[1]);
}

// A sender's XEP-0065 streamhost (its candidate): accepts connections until
// one asks for `expected` DST.ADDR (others get REP 0x02), then runs `serve`
// on it. Every DST.ADDR asked for is recorded.
class Streamhost {
 public:
  Streamhost(std::string expected, std::function<void(int)> serve)
      : expected_(std::move(expected)), serve_(std::move(serve)) {
    thread_ = std::thread([this] { run(); });
  }
  ~Streamhost() { join(); }
  Streamhost(const Streamhost&) = delete;
  Streamhost& operator=(const Streamhost&) = delete;

  std::uint16_t port() const { return listener_.port(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  // After join().
  const std::vector<std::string>& asked() const { return asked_; }
  bool served() const { return served_; }

 private:
  void run() {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(kPeerGiveUpMs);
    while (!served_ && std::chrono::steady_clock::now() < give_up) {
      pollfd waiting{listener_.fd(), POLLIN, 0};
      if (::poll(&waiting, 1, 100) <= 0) continue;
      Fd connection(listener_.accept_one());
      if (connection.get() < 0) continue;
      give_up_after(connection.get());
      const unsigned char method[] = {5, 0};
      if (read_exact(connection.get(), 3) != std::string("\x05\x01\x00", 3) ||
          !write_all(connection.get(), method, sizeof method)) {
        continue;
      }
      std::string request = read_exact(connection.get(), 5 + 40 + 2);
      if (request.size() != 47) continue;
      const std::string asked = request.substr(5, 40);
      asked_.push_back(asked);
      request[1] = asked == expected_ ? 0x00 : 0x02;
      if (!write_all(connection.get(), request.data(), request.size()) || asked != expected_) continue;
      served_ = true;
      serve_(connection.get());
    }
  }

  ListeningSocket listener_;
  std::string expected_;
  std::function<void(int)> serve_;
  std::vector<std::string> asked_;
  bool served_ = false;
  std::thread thread_;
};

// --- the fixture ------------------------------------------------------------

struct Reply {
  std::string type;       // result or error; empty: not answered (yet)
  std::string condition;  // for errors
  std::size_t position = 0;
};

class JingleFtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    JingleFtOptions options;
    options.checksum_grace = std::chrono::milliseconds(20);
    make_manager(options);
  }

  void TearDown() override {
    manager_.reset();
    pool_.stop();
    while (g_main_context_iteration(control_.get(), FALSE)) {
    }
  }

  void make_manager(JingleFtOptions options, std::optional<DirectCandidates> direct = std::nullopt) {
    manager_.reset();
    manager_ = std::make_unique<JingleTransfers>(control_.get(), pool_, &store_, options,
                                                 [this](std::unique_ptr<gloox::Tag> tag) { capture(std::move(tag)); });
    manager_->set_self(kSelf);
    if (direct) manager_->set_direct_candidates(*direct);
  }

  // Every stanza parrot sends is kept in order; IQ answers are also indexed
  // by id with their position, so ordering can be checked.
  void capture(std::unique_ptr<gloox::Tag> tag) {
    if (tag->name() == "iq" && (tag->findAttribute("type") == "result" || tag->findAttribute("type") == "error")) {
      Reply reply{tag->findAttribute("type"), {}, ++answers_};
      if (const gloox::Tag* error = tag->findChild("error")) {
        for (const gloox::Tag* child : error->children()) {
          if (child->xmlns() == kStanzas && child->name() != "text") reply.condition = child->name();
        }
      }
      replies_[tag->findAttribute("id")] = reply;
    }
    sent_.push_back(std::move(tag));
  }

  // A Jingle IQ from `from` as text; returns its id.
  std::string jingle(const std::string& id, const std::string& body, const std::string& from = kSender) {
    const auto iq =
        parse_xml("<iq type='set' from='" + from + "' to='" + kSelf + "' id='" + id + "'>" + body + "</iq>");
    EXPECT_TRUE(iq) << body;
    if (iq) manager_->on_jingle_iq(*iq);
    return id;
  }
  void fixture(const std::string& relative) {
    const auto iq = load_fixture(relative);
    ASSERT_TRUE(iq) << relative;
    manager_->on_jingle_iq(*iq);
  }

  static std::string file_xml(const std::string& name, std::size_t size, const std::string& extra = {}) {
    return "<file><name>" + name + "</name><size>" + std::to_string(size) + "</size>" + extra + "</file>";
  }
  static std::string ibb_xml(const std::string& ibb_sid, std::size_t block) {
    return "<transport xmlns='" + std::string(kIbbTransport) + "' sid='" + ibb_sid + "' block-size='" +
           std::to_string(block) + "'/>";
  }
  static std::string candidate_xml(const std::string& cid, std::uint16_t port, std::uint32_t priority,
                                    const std::string& type = "direct") {
    return "<candidate cid='" + cid + "' host='127.0.0.1' jid='" + kSender + "' port='" + std::to_string(port) +
           "' priority='" + std::to_string(priority) + "' type='" + type + "'/>";
  }
  static std::string s5b_xml(const std::string& tsid, const std::string& candidates) {
    return "<transport xmlns='" + std::string(kS5b) + "' sid='" + tsid + "'>" + candidates + "</transport>";
  }
  // session-initiate with one content 'c' (or contents given whole).
  static std::string initiate(const std::string& sid, const std::string& contents) {
    return "<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='" + sid + "' initiator='" + kSender +
           "'>" + contents + "</jingle>";
  }
  static std::string content(const std::string& file, const std::string& transport,
                             const std::string& name = "c", const std::string& senders = "initiator",
                             const std::string& ns = kFt5) {
    return "<content creator='initiator' name='" + name + "' senders='" + senders + "'><description xmlns='" + ns +
           "'>" + file + "</description>" + transport + "</content>";
  }
  static std::string checksum(const std::string& sid, const std::string& name, const std::string& b64) {
    return "<jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='" + sid + "'><checksum xmlns='" +
           std::string(kFt5) + "' creator='initiator' name='" + name +
           "'><file><hash xmlns='urn:xmpp:hashes:2' algo='sha-256'>" + b64 + "</hash></file></checksum></jingle>";
  }

  // An XEP-0047 IQ carrying `element`; false when the manager did not take it.
  bool ibb(const std::string& id, const std::string& element, const std::string& from = kSender) {
    const auto iq = parse_xml("<iq type='set' from='" + from + "' to='" + kSelf + "' id='" + id + "'>" + element +
                              "</iq>");
    EXPECT_TRUE(iq);
    return iq && manager_->on_ibb_iq(*iq);
  }
  void open(const std::string& ibb_sid, std::size_t block, const std::string& from = kSender) {
    ASSERT_TRUE(ibb("open-" + ibb_sid,
                    "<open xmlns='http://jabber.org/protocol/ibb' sid='" + ibb_sid + "' block-size='" +
                        std::to_string(block) + "' stanza='iq'/>",
                    from));
    ASSERT_EQ(reply("open-" + ibb_sid).type, "result");
  }
  void data(const std::string& id, const std::string& ibb_sid, std::uint64_t seq, const std::string& bytes,
            const std::string& from = kSender) {
    EXPECT_TRUE(ibb(id,
                    "<data xmlns='http://jabber.org/protocol/ibb' sid='" + ibb_sid + "' seq='" + std::to_string(seq) +
                        "'>" + base64(bytes) + "</data>",
                    from));
  }
  // The whole file in blocks of `block`, ids "<prefix><i>"; returns the last id.
  std::string send_file(const std::string& ibb_sid, const std::string& file, std::size_t block,
                        const std::string& prefix = "d", const std::string& from = kSender) {
    std::string id;
    for (std::size_t i = 0; i * block < file.size(); ++i) {
      id = prefix + std::to_string(i);
      data(id, ibb_sid, i, file.substr(i * block, block), from);
    }
    return id;
  }

  template <typename Done>
  bool pump_until(Done done) {
    return transport::test::iterate_until(control_.get(), done);
  }
  // Runs whatever is queued on the workers and the control loop now: a
  // marker task per worker runs after the tasks posted before it, and the
  // rounds cover answers that post further work.
  void settle() {
    for (int round = 0; round < 3; ++round) {
      std::atomic<int> drained{0};
      for (std::size_t i = 0; i < pool_.size(); ++i) pool_.at(i).post([&drained] { ++drained; });
      pump_until([&] { return drained == static_cast<int>(pool_.size()); });
      while (g_main_context_iteration(control_.get(), FALSE)) {
      }
    }
  }

  Reply reply(const std::string& id) const {
    const auto found = replies_.find(id);
    return found == replies_.end() ? Reply{} : found->second;
  }

  // parrot's Jingle IQs (type set) of `action` in session `sid`, in order.
  std::vector<const gloox::Tag*> sent_jingle(const std::string& action, const std::string& sid) const {
    std::vector<const gloox::Tag*> found;
    for (const auto& tag : sent_) {
      const gloox::Tag* element = tag->findChild("jingle");
      if (tag->name() != "iq" || tag->findAttribute("type") != "set" || element == nullptr) continue;
      if (element->findAttribute("action") == action && element->findAttribute("sid") == sid) {
        found.push_back(element);
      }
    }
    return found;
  }
  const gloox::Tag* only(const std::string& action, const std::string& sid) const {
    const auto found = sent_jingle(action, sid);
    EXPECT_EQ(found.size(), 1u) << action << " in " << sid;
    return found.size() == 1 ? found.front() : nullptr;
  }
  // Where a Jingle IQ of `action` in `sid` is among everything sent (-1: nowhere).
  int position_of(const std::string& action, const std::string& sid) const {
    for (std::size_t i = 0; i < sent_.size(); ++i) {
      const gloox::Tag* element = sent_[i]->findChild("jingle");
      if (element && element->findAttribute("action") == action && element->findAttribute("sid") == sid) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }
  // The reason condition of parrot's session-terminate (empty: none sent).
  std::string terminate_reason(const std::string& sid) const {
    const auto found = sent_jingle("session-terminate", sid);
    if (found.empty()) return {};
    const gloox::Tag* reason = found.back()->findChild("reason");
    if (reason == nullptr) return "(no reason)";
    for (const gloox::Tag* child : reason->children()) {
      if (child->name() != "text" && child->xmlns() != "urn:xmpp:jingle:apps:file-transfer:errors:0") {
        return child->name();
      }
    }
    return "(no condition)";
  }

  // The report `id` as stored in the ReportStore for `peer`'s bare JID.
  std::optional<json> stored(const std::string& id, const std::string& peer = kSender) const {
    const std::string bare_jid = peer.substr(0, peer.find('/'));
    for (const auto& entry : store_.recent(bare_jid, 100)) {
      auto parsed = json::parse(entry.json, nullptr, false);
      if (entry.kind == "file" && !parsed.is_discarded() && parsed.value("id", "") == id) return parsed;
    }
    return std::nullopt;
  }
  // The report `id` as sent in chat (<report xmlns='urn:parrot:report:1'>).
  std::optional<json> chatted(const std::string& id) const {
    for (const auto& tag : sent_) {
      const gloox::Tag* element = tag->findChild("report");
      if (tag->name() != "message" || element == nullptr || element->xmlns() != kReportNamespace) continue;
      auto parsed = json::parse(element->cdata(), nullptr, false);
      if (!parsed.is_discarded() && parsed.value("id", "") == id) return parsed;
    }
    return std::nullopt;
  }
  json wait_report(const std::string& id, const std::string& peer = kSender) {
    EXPECT_TRUE(pump_until([&] { return stored(id, peer).has_value(); })) << "no report for " << id;
    const json report = stored(id, peer).value_or(json::object());
    EXPECT_EQ(chatted(id).value_or(json()), report) << "the chat message and the store disagree on " << id;
    return report;
  }
  std::size_t reports_for(const std::string& id) const {
    std::size_t count = 0;
    for (const auto& entry : store_.recent("alice@example.org", 100)) {
      count += json::parse(entry.json, nullptr, false).value("id", "") == id ? 1u : 0u;
    }
    return count;
  }

  transport::GMainContextPtr control_ = transport::test::new_context();
  transport::WorkerPool pool_{2, "jft-test"};
  ReportStore store_{":memory:", 200};
  std::vector<std::unique_ptr<gloox::Tag>> sent_;
  std::unordered_map<std::string, Reply> replies_;
  std::size_t answers_ = 0;
  std::unique_ptr<JingleTransfers> manager_;
};

// --- IBB (XEP-0261) ---------------------------------------------------------

TEST_F(JingleFtTest, IbbOfferIsAcceptedInKindAndTheFileHashed) {
  // Not a multiple of the block size: the last block is short.
  const std::string file = payload(10 * 4096 + 123, 1);
  jingle("offer", initiate("ibb1", content(file_xml("photo.jpg", file.size(), "<range/>"), ibb_xml("i1", 4096))));
  EXPECT_EQ(reply("offer").type, "result");
  ASSERT_TRUE(manager_->owns("ibb1"));
  EXPECT_EQ(manager_->active(), 1u);

  const gloox::Tag* accept = only("session-accept", "ibb1");
  ASSERT_NE(accept, nullptr);
  EXPECT_EQ(accept->findAttribute("initiator"), kSender);
  EXPECT_EQ(accept->findAttribute("responder"), kSelf);
  const gloox::Tag* accepted = accept->findChild("content");
  ASSERT_NE(accepted, nullptr);
  EXPECT_EQ(accepted->findAttribute("name"), "c");
  EXPECT_EQ(accepted->findAttribute("creator"), "initiator");
  EXPECT_EQ(accepted->findAttribute("senders"), "initiator");
  const gloox::Tag* description = accepted->findChild("description");
  ASSERT_NE(description, nullptr);
  EXPECT_EQ(description->xmlns(), kFt5);
  ASSERT_NE(description->findChild("file"), nullptr);
  ASSERT_NE(description->findChild("file")->findChild("name"), nullptr);
  EXPECT_EQ(description->findChild("file")->findChild("name")->cdata(), "photo.jpg");
  // No <range/>: the whole file, even though the sender supports ranges.
  EXPECT_EQ(description->findChild("file")->findChild("range"), nullptr);
  const gloox::Tag* transport = accepted->findChild("transport");
  ASSERT_NE(transport, nullptr);
  EXPECT_EQ(transport->xmlns(), kIbbTransport);
  EXPECT_EQ(transport->findAttribute("sid"), "i1");
  EXPECT_EQ(transport->findAttribute("block-size"), "4096");

  open("i1", 4096);
  send_file("i1", file, 4096);
  const json report = wait_report("ibb1");
  for (std::size_t i = 0; i * 4096 < file.size(); ++i) {
    EXPECT_EQ(reply("d" + std::to_string(i)).type, "result") << i;
    if (i > 0) {
      EXPECT_GT(reply("d" + std::to_string(i)).position, reply("d" + std::to_string(i - 1)).position);
    }
  }
  EXPECT_EQ(report["verdict"], "FILE OK") << report.dump();
  EXPECT_EQ(report["mechanism"], "jingle-ft:5");
  EXPECT_EQ(report["transport"], "IBB");
  EXPECT_EQ(report["name"], "photo.jpg");
  EXPECT_EQ(report["bytes_received"], file.size());
  EXPECT_EQ(report["sha256"], sha256_hex(file));
  EXPECT_TRUE(report["match"].is_null()) << "no hash was sent";

  // XEP-0234 §8.1 <received/> in the offer's namespace, then parrot ends
  // the session itself (Dino's sender never does).
  const gloox::Tag* info = only("session-info", "ibb1");
  ASSERT_NE(info, nullptr);
  const gloox::Tag* received = info->findChild("received");
  ASSERT_NE(received, nullptr);
  EXPECT_EQ(received->xmlns(), kFt5);
  EXPECT_EQ(received->findAttribute("name"), "c");
  EXPECT_EQ(received->findAttribute("creator"), "initiator");
  EXPECT_EQ(terminate_reason("ibb1"), "success");
  EXPECT_LT(position_of("session-info", "ibb1"), position_of("session-terminate", "ibb1"));
  EXPECT_FALSE(manager_->owns("ibb1"));
  EXPECT_EQ(manager_->active(), 0u);
  EXPECT_EQ(reports_for("ibb1"), 1u);
}

// XEP-0047 §2.2: seq wraps 65535 -> 0; Conversations counts on to 65536
// instead (research §4.3). Both are the successor of 65535.
class JingleFtWrap : public JingleFtTest, public ::testing::WithParamInterface<bool> {};

TEST_P(JingleFtWrap, SequenceNumbersPast65535) {
  const bool counts_on = GetParam();
  // Tiny blocks: the seq crosses 65535 after 196 KiB rather than 256 MiB.
  constexpr std::size_t kBlock = 3;
  constexpr std::size_t kBlocks = 65536 + 4;
  const std::string file = payload(kBlock * kBlocks - 1, 2);
  jingle("offer", initiate("wrap", content(file_xml("w.bin", file.size()), ibb_xml("iw", kBlock))));
  ASSERT_NE(only("session-accept", "wrap"), nullptr);
  open("iw", kBlock);
  // In batches, as a sender with IQs in flight; each batch answered in order.
  constexpr std::size_t kBatch = 4096;
  for (std::size_t first = 0; first < kBlocks; first += kBatch) {
    const std::size_t end = std::min(first + kBatch, kBlocks);
    for (std::size_t i = first; i < end; ++i) {
      const std::uint64_t seq = counts_on ? i : i % 65536;
      data("d" + std::to_string(i), "iw", seq, file.substr(i * kBlock, kBlock));
    }
    const std::string last = "d" + std::to_string(end - 1);
    ASSERT_TRUE(pump_until([&] { return !reply(last).type.empty(); })) << last;
    for (std::size_t i = first; i < end; ++i) {
      const Reply answer = reply("d" + std::to_string(i));
      ASSERT_EQ(answer.type, "result") << "block " << i << ": " << answer.condition;
    }
    // 65,540 answers kept whole would only slow the searches below.
    std::erase_if(sent_, [](const auto& tag) { return tag->name() == "iq" && tag->findAttribute("type") == "result"; });
  }
  const json report = wait_report("wrap");
  EXPECT_EQ(report["verdict"], "FILE OK") << report.dump();
  EXPECT_EQ(report["bytes_received"], file.size());
  EXPECT_EQ(report["sha256"], sha256_hex(file));
  EXPECT_EQ(terminate_reason("wrap"), "success");
}

INSTANTIATE_TEST_SUITE_P(Ibb, JingleFtWrap, ::testing::Values(false, true),
                         [](const auto& param) { return param.param ? "CountingOn" : "Wrapping"; });

TEST_F(JingleFtTest, AnFt3OfferIsAnsweredInFt3) {
  // Legacy Conversations: :3 with <offer>, a hashes:1 sha-1 in hex, block 8192.
  fixture("conversations/ft3_session_initiate_ibb.xml");
  const std::string from = "alice@example.org/Conversations.old";
  EXPECT_EQ(reply("c3").type, "result");
  const gloox::Tag* accept = only("session-accept", "legacy3");
  ASSERT_NE(accept, nullptr);
  const gloox::Tag* description = accept->findChild("content") ? accept->findChild("content")->findChild("description")
                                                                : nullptr;
  ASSERT_NE(description, nullptr);
  EXPECT_EQ(description->xmlns(), kFt3);
  ASSERT_NE(description->findChild("offer"), nullptr) << description->xml();
  EXPECT_NE(description->findChild("offer")->findChild("file"), nullptr);
  EXPECT_EQ(accept->findChild("content")->findChild("transport")->findAttribute("block-size"), "8192");

  open("legacy3-ibb", 8192, from);
  data("d0", "legacy3-ibb", 0, "abc", from);
  const json report = wait_report("legacy3", from);
  EXPECT_EQ(report["verdict"], "FILE OK") << report.dump();
  EXPECT_EQ(report["mechanism"], "jingle-ft:3");
  EXPECT_EQ(report["sha256"], sha256_hex("abc"));
  EXPECT_EQ(report["match"], true) << "the offer's sha-1 is compared";
  const gloox::Tag* info = only("session-info", "legacy3");
  ASSERT_NE(info, nullptr);
  ASSERT_NE(info->findChild("received"), nullptr);
  EXPECT_EQ(info->findChild("received")->xmlns(), kFt3);
}

TEST_F(JingleFtTest, BlockSizesAreHeldToTheNegotiatedOne) {
  // 65535 is XEP-0047's maximum: accepted as offered.
  jingle("offer", initiate("max", content(file_xml("m.bin", 10), ibb_xml("im", 65535))));
  const gloox::Tag* accept = only("session-accept", "max");
  ASSERT_NE(accept, nullptr);
  EXPECT_EQ(accept->findChild("content")->findChild("transport")->findAttribute("block-size"), "65535");
  // XEP-0261 §2: an <open/> above what session-accept said is refused.
  jingle("offer2", initiate("small", content(file_xml("s.bin", 10), ibb_xml("is", 1024))));
  ASSERT_TRUE(ibb("big-open", "<open xmlns='http://jabber.org/protocol/ibb' sid='is' block-size='4096'/>"));
  EXPECT_EQ(reply("big-open").condition, "resource-constraint");
  // Above XEP-0047's maximum the offer itself is malformed: bad-request, and
  // no session is created.
  jingle("offer3", initiate("over", content(file_xml("o.bin", 10), ibb_xml("io", 65536))));
  EXPECT_EQ(reply("offer3").condition, "bad-request");
  EXPECT_FALSE(manager_->owns("over"));
  EXPECT_TRUE(sent_jingle("session-accept", "over").empty());
}

TEST_F(JingleFtTest, IbbDataFromAnotherJidIsNotTaken) {
  jingle("offer", initiate("peer", content(file_xml("p.bin", 10), ibb_xml("ip", 4096))));
  // research §4.3: only the negotiated peer may feed the stream.
  EXPECT_FALSE(ibb("stranger", "<open xmlns='http://jabber.org/protocol/ibb' sid='ip' block-size='4096'/>",
                   "mallory@example.org/x"));
  EXPECT_TRUE(reply("stranger").type.empty());
}

// --- checksums (XEP-0234 §8.2) ----------------------------------------------

class JingleFtChecksum : public JingleFtTest {
 protected:
  // A grace far beyond every deadline: a report can only come from a checksum.
  void SetUp() override {
    JingleFtOptions options;
    options.checksum_grace = std::chrono::minutes(10);
    make_manager(options);
  }
};

TEST_F(JingleFtChecksum, BeforeTheLastByte) {
  // Conversations' checksum shape (fixture) for its session and content.
  const std::string from = "alice@example.org/Conversations.AbCd";
  const std::string sid = "8c7142ba-6c4d-4c0e-a0f5-3e9a1e2d7b11";
  const std::string name = "56268b44-9f3c-4b0d-8d55-0b2a3c4d5e6f";
  jingle("offer", initiate(sid, content(file_xml("abc.txt", 3), ibb_xml("ib", 4096), name)), from);
  open("ib", 4096, from);
  data("d0", "ib", 0, "a", from);
  fixture("conversations/ft_session_info_checksum.xml");
  EXPECT_EQ(reply("a3").type, "result");
  data("d1", "ib", 1, "bc", from);
  const json report = wait_report(sid, from);
  EXPECT_EQ(report["verdict"], "FILE OK") << report.dump();
  EXPECT_EQ(report["match"], true);
  EXPECT_EQ(report["advertised"]["sha-256"], sha256_hex("abc"));
  EXPECT_EQ(terminate_reason(sid), "success");
}

TEST_F(JingleFtChecksum, AfterTheLastByteWithinTheGrace) {
  // Gajim's checksum names no content: with one content, it is that one's.
  const std::string from = "carol@example.org/gajim.XYZ";
  jingle("offer", initiate("gajim-session-1", content(file_xml("abc.txt", 3), ibb_xml("ig", 4096))), from);
  open("ig", 4096, from);
  data("d0", "ig", 0, "abc", from);
  ASSERT_TRUE(pump_until([&] { return !reply("d0").type.empty(); }));
  settle();
  // Every byte is in; parrot waits for the checksum.
  EXPECT_FALSE(stored("gajim-session-1", from).has_value());
  EXPECT_TRUE(sent_jingle("session-info", "gajim-session-1").empty());
  EXPECT_TRUE(sent_jingle("session-terminate", "gajim-session-1").empty());
  fixture("gajim/ft_session_info_checksum.xml");
  EXPECT_EQ(reply("g2").type, "result");
  const auto report = stored("gajim-session-1", from);
  ASSERT_TRUE(report) << "the checksum ends the wait at once";
  EXPECT_EQ((*report)["verdict"], "FILE OK") << report->dump();
  EXPECT_EQ((*report)["match"], true);
  EXPECT_NE(only("session-info", "gajim-session-1"), nullptr);
  EXPECT_EQ(terminate_reason("gajim-session-1"), "success");
}

TEST_F(JingleFtChecksum, AWrongChecksumIsAHashMismatch) {
  const std::string file = payload(5000, 3);
  jingle("offer", initiate("wrong", content(file_xml("f.bin", file.size()), ibb_xml("iw", 4096))));
  open("iw", 4096);
  const std::string last = send_file("iw", file, 4096);
  ASSERT_TRUE(pump_until([&] { return !reply(last).type.empty(); }));
  settle();
  jingle("sum", checksum("wrong", "c", sha256_base64(file + "x")));
  const auto report = stored("wrong");
  ASSERT_TRUE(report);
  EXPECT_EQ((*report)["verdict"], "HASH MISMATCH") << report->dump();
  EXPECT_EQ((*report)["sha256"], sha256_hex(file));
  EXPECT_EQ((*report)["advertised"]["sha-256"], sha256_hex(file + "x"));
  EXPECT_EQ((*report)["match"], false);
}

// --- refusals ---------------------------------------------------------------

class JingleFtRefusal : public JingleFtTest {
 protected:
  // The offer is acknowledged, nothing accepted, the session terminated with
  // `reason`, and a REFUSED report stored and sent.
  json expect_refused(const std::string& sid, const std::string& id, const std::string& reason,
                      const std::string& from = kSender) {
    EXPECT_EQ(reply(id).type, "result");
    EXPECT_TRUE(sent_jingle("session-accept", sid).empty());
    EXPECT_EQ(terminate_reason(sid), reason);
    EXPECT_FALSE(manager_->owns(sid));
    const json report = wait_report(sid, from);
    EXPECT_EQ(report["verdict"], "REFUSED") << report.dump();
    EXPECT_FALSE(report.value("failure", "").empty()) << report.dump();
    return report;
  }
};

TEST_F(JingleFtRefusal, ARangeWithAnOffset) {
  jingle("offer", initiate("range", content(file_xml("r.bin", 100, "<range offset='10'/>"), ibb_xml("ir", 4096))));
  expect_refused("range", "offer", "failed-application");
}

TEST_F(JingleFtRefusal, AFileOverTheSizeLimit) {
  // Dino's offer of 5,000,000,000 bytes against the default 4 GiB limit.
  fixture("dino/ft_session_initiate_ibb.xml");
  const std::string from = "bob@example.org/dino.1a2b";
  const json report = expect_refused("Xq2f0dZs7mJk", "d1", "decline", from);
  const gloox::Tag* reason = sent_jingle("session-terminate", "Xq2f0dZs7mJk").back()->findChild("reason");
  ASSERT_NE(reason, nullptr);
  const gloox::Tag* too_large = reason->findChild("file-too-large");
  ASSERT_NE(too_large, nullptr);
  EXPECT_EQ(too_large->xmlns(), "urn:xmpp:jingle:apps:file-transfer:errors:0");
  EXPECT_EQ(report["size"], 5000000000ULL);
}

TEST_F(JingleFtRefusal, OnlyUnknownTransports) {
  jingle("offer", initiate("unknown", content(file_xml("u.bin", 10),
                                              "<transport xmlns='urn:xmpp:jingle:transports:webrtc-datachannel:0'/>")));
  expect_refused("unknown", "offer", "unsupported-transports");
}

TEST_F(JingleFtRefusal, AFileRequest) {
  jingle("offer", initiate("request", content(file_xml("wanted.bin", 10), ibb_xml("iq", 4096), "c", "responder")));
  expect_refused("request", "offer", "unsupported-applications");
}

TEST_F(JingleFtRefusal, ABusyContact) {
  JingleFtOptions options;
  options.limits.max_per_contact = 1;
  make_manager(options);
  jingle("first", initiate("one", content(file_xml("1.bin", 10), ibb_xml("i1", 4096))));
  ASSERT_NE(only("session-accept", "one"), nullptr);
  jingle("second", initiate("two", content(file_xml("2.bin", 10), ibb_xml("i2", 4096))));
  expect_refused("two", "second", "busy");
  // Another contact is not held back by alice's transfer.
  const std::string bob = "bob@example.org/phone";
  jingle("third", initiate("three", content(file_xml("3.bin", 10), ibb_xml("i3", 4096))), bob);
  EXPECT_NE(only("session-accept", "three"), nullptr);
  EXPECT_EQ(manager_->active(), 2u);
}

TEST_F(JingleFtRefusal, OneOfTwoContentsIsRejectedTheOtherAccepted) {
  // Psi's session of two files: ft1 whole (empty <range/>, sha-256 of "abc"),
  // ft2 from offset 5, which parrot does not take.
  fixture("psi/ft_session_initiate_two_files.xml");
  const std::string from = "dave@example.org/psi";
  EXPECT_EQ(reply("p1").type, "result");
  const gloox::Tag* accept = only("session-accept", "psi-multi");
  ASSERT_NE(accept, nullptr);
  const auto contents = accept->findChildren("content");
  ASSERT_EQ(contents.size(), 1u);
  EXPECT_EQ(contents.front()->findAttribute("name"), "ft1");
  const gloox::Tag* reject = only("content-reject", "psi-multi");
  ASSERT_NE(reject, nullptr);
  const auto rejected = reject->findChildren("content");
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected.front()->findAttribute("name"), "ft2");
  EXPECT_TRUE(sent_jingle("session-terminate", "psi-multi").empty());
  const json refused = wait_report("psi-multi/ft2", from);
  EXPECT_EQ(refused["verdict"], "REFUSED") << refused.dump();

  open("ibb-a", 4096, from);
  data("d0", "ibb-a", 0, "abc", from);
  const json report = wait_report("psi-multi/ft1", from);
  EXPECT_EQ(report["verdict"], "FILE OK") << report.dump();
  EXPECT_EQ(report["match"], true);
  EXPECT_EQ(terminate_reason("psi-multi"), "success");
}

// --- SOCKS5 (XEP-0260) ------------------------------------------------------

// The streamhost's serve(): the whole file, then the sender's close.
std::function<void(int)> send_and_close(const std::string& file) {
  return [&file](int fd) { write_all(fd, file.data(), file.size()); };
}

std::string hash_xml(const std::string& file) {
  return "<hash xmlns='urn:xmpp:hashes:2' algo='sha-256'>" + sha256_base64(file) + "</hash>";
}

TEST_F(JingleFtTest, TheSendersCandidateAfterADeadOne) {
  const std::string file = payload(300000, 4);
  // XEP-0260 §2.2: the initiator's candidates take SHA-1(sid + initiator + responder).
  const std::string expected = dst_addr("t-s5b", kSender, kSelf);
  Streamhost streamhost(expected, send_and_close(file));
  // The dead candidate has the higher priority, so it is tried first.
  jingle("offer", initiate("s5b", content(file_xml("s.bin", file.size(), hash_xml(file)),
                                          s5b_xml("t-s5b", candidate_xml("dead", closed_port(), 8257636) +
                                                               candidate_xml("live", streamhost.port(), 8257536)))));
  EXPECT_EQ(reply("offer").type, "result");
  const gloox::Tag* accept = only("session-accept", "s5b");
  ASSERT_NE(accept, nullptr);
  const gloox::Tag* transport = accept->findChild("content")->findChild("transport");
  ASSERT_NE(transport, nullptr);
  EXPECT_EQ(transport->xmlns(), kS5b);
  EXPECT_EQ(transport->findAttribute("sid"), "t-s5b");

  const json report = wait_report("s5b");
  streamhost.join();
  EXPECT_EQ(streamhost.asked(), std::vector<std::string>{expected});
  EXPECT_EQ(report["verdict"], "FILE OK") << report.dump();
  EXPECT_EQ(report["transport"], "SOCKS5 direct");
  EXPECT_EQ(report["bytes_received"], file.size());
  EXPECT_EQ(report["sha256"], sha256_hex(file));
  EXPECT_EQ(report["match"], true);
  // XEP-0260 §2.4: exactly one candidate-used, naming the live candidate.
  std::vector<std::string> used;
  for (const gloox::Tag* info : sent_jingle("transport-info", "s5b")) {
    const gloox::Tag* child = info->findChild("content")->findChild("transport");
    EXPECT_EQ(child->findChild("candidate-error"), nullptr);
    if (const gloox::Tag* chosen = child->findChild("candidate-used")) used.push_back(chosen->findAttribute("cid"));
  }
  EXPECT_EQ(used, std::vector<std::string>{"live"});
  EXPECT_EQ(terminate_reason("s5b"), "success");
}

TEST_F(JingleFtTest, AGajimStreamhostGetsTheSessionSid) {
  // Gajim 1.x hashes the Jingle session id (research §4.1): parrot retries
  // with it after the transport sid is refused.
  const std::string file = payload(5000, 5);
  const std::string expected = dst_addr("gajim-sess", kSender, kSelf);
  Streamhost streamhost(expected, send_and_close(file));
  jingle("offer", initiate("gajim-sess", content(file_xml("g.bin", file.size(), hash_xml(file)),
                                                 s5b_xml("gajim-tr", candidate_xml("h1", streamhost.port(), 100)))));
  const json report = wait_report("gajim-sess");
  streamhost.join();
  EXPECT_EQ(streamhost.asked(), (std::vector<std::string>{dst_addr("gajim-tr", kSender, kSelf), expected}));
  EXPECT_EQ(report["verdict"], "FILE OK") << report.dump();
  EXPECT_EQ(report["sha256"], sha256_hex(file));
}

class JingleFtDirect : public JingleFtTest {
 protected:
  void SetUp() override {
    JingleFtOptions options;
    options.checksum_grace = std::chrono::milliseconds(20);
    make_manager(options, DirectCandidates{{"127.0.0.1"}, 0, 0});
  }
  // parrot's type='direct' candidates in its session-accept of `sid`.
  std::vector<const gloox::Tag*> direct_candidates(const std::string& sid) const {
    std::vector<const gloox::Tag*> found;
    const gloox::Tag* accept = only("session-accept", sid);
    if (accept == nullptr || accept->findChild("content") == nullptr) return found;
    const gloox::Tag* transport = accept->findChild("content")->findChild("transport");
    if (transport == nullptr) return found;
    for (const gloox::Tag* candidate : transport->findChildren("candidate")) {
      if (candidate->findAttribute("type") == "direct") found.push_back(candidate);
    }
    return found;
  }
};

TEST_F(JingleFtDirect, TheSenderConnectsToParrotsCandidate) {
  const std::string file = payload(200000, 6);
  jingle("offer", initiate("own", content(file_xml("o.bin", file.size(), hash_xml(file)), s5b_xml("t-own", ""))));
  const auto candidates = direct_candidates("own");
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates.front()->findAttribute("host"), "127.0.0.1");
  EXPECT_EQ(candidates.front()->findAttribute("jid"), kSelf);
  const int port = std::stoi(candidates.front()->findAttribute("port"));
  ASSERT_GT(port, 0);
  ASSERT_LE(port, 65535);

  // A wrong DST.ADDR (the SI order of the wrong sid) is refused with a
  // SOCKS5 error; the listener stays for the right one.
  Fd wrong(connect_peer(static_cast<std::uint16_t>(port)));
  ASSERT_GE(wrong.get(), 0);
  EXPECT_EQ(socks5_connect(wrong.get(), dst_addr("not-the-sid", kSelf, kSender)), 0x02);
  wrong.reset();

  // Owner first, as Conversations and Dino hash parrot's candidates.
  std::thread sender([&] {
    Fd right(connect_peer(static_cast<std::uint16_t>(port)));
    if (right.get() < 0 || socks5_connect(right.get(), dst_addr("t-own", kSelf, kSender)) != 0) return;
    write_all(right.get(), file.data(), file.size());
  });
  const json report = wait_report("own");
  sender.join();
  EXPECT_EQ(report["verdict"], "FILE OK") << report.dump();
  EXPECT_EQ(report["transport"], "SOCKS5 direct");
  EXPECT_EQ(report["bytes_received"], file.size());
  EXPECT_EQ(report["sha256"], sha256_hex(file));
  EXPECT_EQ(terminate_reason("own"), "success");
}

TEST_F(JingleFtDirect, InitiatorFirstIsAcceptedToo) {
  // Psi and Gajim hash initiator first for the responder's candidates.
  const std::string file = payload(1000, 7);
  jingle("offer", initiate("psi-order", content(file_xml("p.bin", file.size(), hash_xml(file)), s5b_xml("t-psi", ""))));
  const auto candidates = direct_candidates("psi-order");
  ASSERT_EQ(candidates.size(), 1u);
  const auto port = static_cast<std::uint16_t>(std::stoi(candidates.front()->findAttribute("port")));
  std::thread sender([&] {
    Fd connection(connect_peer(port));
    if (connection.get() < 0 || socks5_connect(connection.get(), dst_addr("t-psi", kSender, kSelf)) != 0) return;
    write_all(connection.get(), file.data(), file.size());
  });
  const json report = wait_report("psi-order");
  sender.join();
  EXPECT_EQ(report["verdict"], "FILE OK") << report.dump();
}

TEST_F(JingleFtDirect, NoFreePortMeansNoDirectCandidateButTheTransferGoesOn) {
  // A listener on the wildcard address: parrot's dual-stack bind of the
  // same port must fail, and the range has no other port.
  const ListeningSocket occupant(INADDR_ANY);
  ASSERT_GE(occupant.fd(), 0);
  const std::uint16_t taken = occupant.port();
  JingleFtOptions options;
  options.checksum_grace = std::chrono::milliseconds(20);
  make_manager(options, DirectCandidates{{"127.0.0.1"}, taken, taken});

  const std::string file = payload(4000, 8);
  Streamhost streamhost(dst_addr("t-busy", kSender, kSelf), send_and_close(file));
  jingle("offer", initiate("busy-port", content(file_xml("b.bin", file.size(), hash_xml(file)),
                                                s5b_xml("t-busy", candidate_xml("h", streamhost.port(), 100)))));
  EXPECT_EQ(reply("offer").type, "result");
  ASSERT_NE(only("session-accept", "busy-port"), nullptr);
  EXPECT_TRUE(direct_candidates("busy-port").empty());
  const json report = wait_report("busy-port");
  EXPECT_EQ(report["verdict"], "FILE OK") << report.dump();
}

TEST_F(JingleFtTest, TransportReplaceToIbbAfterCandidateError) {
  const std::string file = payload(9000, 9);
  jingle("offer", initiate("fallback", content(file_xml("f.bin", file.size()),
                                               s5b_xml("t-fb", candidate_xml("dead", closed_port(), 100)))));
  ASSERT_NE(only("session-accept", "fallback"), nullptr);
  // XEP-0260 §2.5: none of the sender's candidates answered.
  ASSERT_TRUE(pump_until([&] { return !sent_jingle("transport-info", "fallback").empty(); }));
  const gloox::Tag* error = only("transport-info", "fallback");
  ASSERT_NE(error, nullptr);
  EXPECT_NE(error->findChild("content")->findChild("transport")->findChild("candidate-error"), nullptr);

  jingle("replace", "<jingle xmlns='urn:xmpp:jingle:1' action='transport-replace' sid='fallback'>"
                    "<content creator='initiator' name='c'>" +
                        ibb_xml("fb-ibb", 4096) + "</content></jingle>");
  EXPECT_EQ(reply("replace").type, "result");
  const gloox::Tag* accept = only("transport-accept", "fallback");
  ASSERT_NE(accept, nullptr);
  const gloox::Tag* transport = accept->findChild("content")->findChild("transport");
  ASSERT_NE(transport, nullptr);
  EXPECT_EQ(transport->xmlns(), kIbbTransport);
  EXPECT_EQ(transport->findAttribute("sid"), "fb-ibb");
  EXPECT_EQ(transport->findAttribute("block-size"), "4096");

  open("fb-ibb", 4096);
  send_file("fb-ibb", file, 4096);
  const json report = wait_report("fallback");
  EXPECT_EQ(report["verdict"], "FILE OK") << report.dump();
  EXPECT_EQ(report["transport"], "IBB");
  EXPECT_EQ(report["sha256"], sha256_hex(file));
}

// --- timeouts and teardown ---------------------------------------------------

TEST_F(JingleFtTest, AnIdleTransferFails) {
  JingleFtOptions options;
  options.limits.idle = std::chrono::seconds(1);
  make_manager(options);
  jingle("offer", initiate("idle", content(file_xml("i.bin", 8192), ibb_xml("ii", 4096))));
  open("ii", 4096);
  const std::string part = payload(3000, 10);
  data("d0", "ii", 0, part);
  const json report = wait_report("idle");
  EXPECT_EQ(reply("d0").type, "result");
  EXPECT_EQ(report["verdict"], "FAILED") << report.dump();
  EXPECT_EQ(report["bytes_received"], 3000);
  // The digests of what came, fetched from the worker that hashed it.
  EXPECT_EQ(report["sha256"], sha256_hex(part)) << report.dump();
  EXPECT_NE(report.value("failure", "").find("nothing arrived for 1 s"), std::string::npos) << report.dump();
  EXPECT_EQ(terminate_reason("idle"), "failed-transport");
  EXPECT_EQ(manager_->active(), 0u);
}

TEST_F(JingleFtTest, TheManagerMayGoWithTransfersUnderWay) {
  jingle("offer-ibb", initiate("gone-ibb", content(file_xml("g.bin", 64 * 4096), ibb_xml("ig", 4096))));
  open("ig", 4096);
  // SOCKS5: a connected streamhost that sent part of the file and waits.
  const std::string part = payload(100000, 11);
  std::atomic<bool> streaming{false};
  Streamhost streamhost(dst_addr("t-gone", kSender, kSelf), [&](int fd) {
    write_all(fd, part.data(), part.size());
    streaming = true;
    wait_for_close(fd);
  });
  jingle("offer-s5b", initiate("gone-s5b", content(file_xml("h.bin", 1000000),
                                                   s5b_xml("t-gone", candidate_xml("h", streamhost.port(), 100)))));
  ASSERT_TRUE(pump_until([&] { return streaming.load() && !sent_jingle("transport-info", "gone-s5b").empty(); }));
  EXPECT_EQ(manager_->active(), 2u);
  // IBB: every block of the file handed over, their answers not yet back
  // from the worker when the manager goes.
  for (unsigned i = 0; i < 64; ++i) data("d" + std::to_string(i), "ig", i, payload(4096, i));

  manager_.reset();
  // The destructor ends both: a terminate and a report each.
  EXPECT_EQ(terminate_reason("gone-ibb"), "gone");
  EXPECT_EQ(terminate_reason("gone-s5b"), "gone");
  EXPECT_EQ(stored("gone-ibb").value_or(json::object()).value("verdict", ""), "CANCELLED");
  EXPECT_EQ(stored("gone-s5b").value_or(json::object()).value("verdict", ""), "CANCELLED");
  const std::size_t before = sent_.size();
  // Every task the workers still had runs and posts back; none of it may
  // reach the destroyed manager or its Send.
  streamhost.join();  // parrot closed the SOCKS5 connection
  EXPECT_TRUE(streamhost.served());
  pool_.stop();
  while (g_main_context_iteration(control_.get(), FALSE)) {
  }
  EXPECT_EQ(sent_.size(), before);
}

}  // namespace
}  // namespace parrot::bot::transfer
