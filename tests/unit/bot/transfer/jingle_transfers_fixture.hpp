// The fixture of JingleTransfers' tests (jingle_transfers_test.cpp: IBB,
// checksums, refusals, the end; jingle_ft_socks5_test.cpp: SOCKS5): the
// manager driven directly with stanzas as gloox hands them over (real
// clients' fixtures where they fit), a real WorkerPool, a control
// GMainContext the test iterates, the Send callback capturing every stanza
// parrot sends, and a ReportStore the reports are read back from. SOCKS5
// peers are blocking POSIX code in std::threads on loopback: a sender's
// streamhost, and a sender connecting to parrot's own direct candidate.
// Expected digests and DST.ADDR hashes come from OpenSSL's one-shot
// SHA256()/SHA1(), never from parrot's StreamHasher. Included by one test
// file per executable.
#pragma once

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
#include "bot/store/sqlite_store.hpp"
#include "tests/unit/loopback_socket.hpp"
#include "transport/worker/worker_pool.hpp"


namespace parrot::bot::transfer {
namespace jingle_ft_testing {

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
  SqliteStore store_{":memory:", 200};
  std::vector<std::unique_ptr<gloox::Tag>> sent_;
  std::unordered_map<std::string, Reply> replies_;
  std::size_t answers_ = 0;
  std::unique_ptr<JingleTransfers> manager_;
};

// --- IBB (XEP-0261) ---------------------------------------------------------


std::function<void(int)> send_and_close(const std::string& file) {
  return [&file](int fd) { write_all(fd, file.data(), file.size()); };
}

std::string hash_xml(const std::string& file) {
  return "<hash xmlns='urn:xmpp:hashes:2' algo='sha-256'>" + sha256_base64(file) + "</hash>";
}


}  // namespace jingle_ft_testing
}  // namespace parrot::bot::transfer
