// JingleTransfers over SOCKS5 (XEP-0260): the sender's candidates, Gajim's
// session sid, parrot's own direct candidates, and the fallback to IBB
// (the fixture: jingle_transfers_fixture.hpp).
#include "jingle_transfers_fixture.hpp"

namespace parrot::bot::transfer::jingle_ft_testing {
namespace {

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


}  // namespace
}  // namespace parrot::bot::transfer::jingle_ft_testing
