// JingleTransfers over IBB, checksums, refusals and the end of transfers
// and of the manager (the fixture: jingle_transfers_fixture.hpp).
#include "jingle_transfers_fixture.hpp"

namespace parrot::bot::transfer::jingle_ft_testing {
namespace {

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
}  // namespace parrot::bot::transfer::jingle_ft_testing
