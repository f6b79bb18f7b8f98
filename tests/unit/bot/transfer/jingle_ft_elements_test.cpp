// Jingle FT stanza elements (bot/transfer/jingle_ft/elements) on real
// clients' stanzas (tests/interop/fixtures/<client>/ft_*.xml, sources named
// in each file's first line) and on hand-made hostile variants.
#include <gtest/gtest.h>

#include <string>

#include "bot/transfer/jingle_ft/elements.hpp"
#include "tests/unit/bot/jingle/fixture_loader.hpp"

namespace parrot::bot::transfer::jingle_ft {
namespace {

using jingle::test::jingle_child;
using jingle::test::load_fixture;
using jingle::test::parse_xml;

constexpr const char* kAbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr const char* kAbcSha1 = "a9993e364706816aba3e25717850c26c9cd0d89d";

FtJingle parse_fixture(const std::string& path) {
  const auto iq = load_fixture(path);
  EXPECT_NE(iq, nullptr) << path;
  auto parsed = FtJingle::parse(*jingle_child(*iq));
  EXPECT_TRUE(parsed) << parsed.error;
  return *parsed.value;
}

TEST(JingleFtElements, ConversationsS5bOffer) {
  const auto iq = load_fixture("conversations/ft_session_initiate_s5b.xml");
  EXPECT_TRUE(is_file_offer(*iq));
  const FtJingle jingle = parse_fixture("conversations/ft_session_initiate_s5b.xml");
  EXPECT_EQ(jingle.action, ::parrot::bot::jingle::Action::kSessionInitiate);
  ASSERT_EQ(jingle.contents.size(), 1u);
  const FtContent& content = jingle.contents[0];
  EXPECT_EQ(content.senders, "initiator");
  ASSERT_TRUE(content.file);
  EXPECT_EQ(content.file->xmlns, kFt5);
  EXPECT_EQ(content.file->name, "IMG_20261101_120000.jpg");
  EXPECT_EQ(content.file->size, 123456u);
  EXPECT_EQ(content.file->media_type, "image/jpeg");  // from <mediaType>
  EXPECT_TRUE(content.file->hashes.empty());
  const auto* s5b = std::get_if<S5bTransport>(&content.transport);
  ASSERT_NE(s5b, nullptr);
  EXPECT_EQ(s5b->sid, "de44d675-1f2e-4c3b-9a8d-7e6f5a4b3c2d");
  ASSERT_EQ(s5b->candidates.size(), 2u);
  EXPECT_EQ(s5b->candidates[0].type, CandidateType::kDirect);
  EXPECT_EQ(s5b->candidates[0].port, 39123);
  EXPECT_EQ(s5b->candidates[0].priority, 8257536u);
  EXPECT_EQ(s5b->candidates[1].type, CandidateType::kProxy);
  EXPECT_EQ(s5b->candidates[1].jid, "proxy.example.org");
}

TEST(JingleFtElements, ConversationsActivatedAndChecksum) {
  const FtJingle activated = parse_fixture("conversations/ft_transport_info_activated.xml");
  const auto* s5b = std::get_if<S5bTransport>(&activated.contents.at(0).transport);
  ASSERT_NE(s5b, nullptr);
  EXPECT_EQ(s5b->activated, "0f92fbe9-aaaa-bbbb-cccc-111122223333");
  EXPECT_FALSE(s5b->candidate_used);

  const FtJingle info = parse_fixture("conversations/ft_session_info_checksum.xml");
  ASSERT_EQ(info.checksums.size(), 1u);
  const Checksum& checksum = info.checksums[0];
  EXPECT_EQ(checksum.name, "56268b44-9f3c-4b0d-8d55-0b2a3c4d5e6f");
  ASSERT_EQ(checksum.hashes.size(), 2u);
  EXPECT_EQ(checksum.hashes[0].algo, "sha-1");
  EXPECT_EQ(checksum.hashes[0].hex(), kAbcSha1);
  EXPECT_EQ(checksum.hashes[1].hex(), kAbcSha256);
  EXPECT_FALSE(info.other_info);
}

TEST(JingleFtElements, DinoIbbOfferWithSizeAbove4GiB) {
  const FtJingle jingle = parse_fixture("dino/ft_session_initiate_ibb.xml");
  const FtContent& content = jingle.contents.at(0);
  EXPECT_EQ(content.name, "a-file-offer");
  EXPECT_EQ(content.file->size, 5000000000u);  // gloox's atoi would overflow
  const auto* ibb = std::get_if<IbbTransport>(&content.transport);
  ASSERT_NE(ibb, nullptr);
  EXPECT_EQ(ibb->sid, "Lb8w3pQe");
  EXPECT_EQ(ibb->block_size, 4096u);
}

TEST(JingleFtElements, GajimHashUsedAndNamelessChecksum) {
  const FtJingle offer = parse_fixture("gajim/ft_session_initiate_s5b.xml");
  const FileDescription& file = *offer.contents.at(0).file;
  EXPECT_EQ(file.date, "2026-11-01T10:00:00Z");
  EXPECT_EQ(file.hash_used, std::vector<std::string>{"sha-256"});
  EXPECT_EQ(std::get<S5bTransport>(offer.contents[0].transport).mode, "tcp");

  const FtJingle info = parse_fixture("gajim/ft_session_info_checksum.xml");
  ASSERT_EQ(info.checksums.size(), 1u);
  EXPECT_TRUE(info.checksums[0].name.empty());
  EXPECT_TRUE(info.checksums[0].creator.empty());
  EXPECT_EQ(info.checksums[0].hashes.at(0).hex(), kAbcSha256);
}

TEST(JingleFtElements, PsiTwoFilesWithRanges) {
  const FtJingle jingle = parse_fixture("psi/ft_session_initiate_two_files.xml");
  ASSERT_EQ(jingle.contents.size(), 2u);
  const FileDescription& first = *jingle.contents[0].file;
  EXPECT_EQ(first.media_type, "text/plain");
  ASSERT_TRUE(first.range);
  EXPECT_EQ(first.range->offset, 0u);  // empty <range/>: ranges supported
  EXPECT_FALSE(first.range->length);
  EXPECT_EQ(first.hashes.at(0).hex(), kAbcSha256);
  const FileDescription& second = *jingle.contents[1].file;
  EXPECT_EQ(second.range->offset, 5u);
}

TEST(JingleFtElements, LegacyFt3OfferWithHexHash) {
  const FtJingle jingle = parse_fixture("conversations/ft3_session_initiate_ibb.xml");
  const FileDescription& file = *jingle.contents.at(0).file;
  EXPECT_EQ(file.xmlns, kFt3);
  EXPECT_FALSE(file.request);
  EXPECT_EQ(file.name, "old.jpg");
  ASSERT_EQ(file.hashes.size(), 1u);
  EXPECT_TRUE(file.hashes[0].legacy);
  EXPECT_EQ(file.hashes[0].hex(), kAbcSha1);
  // Answered in kind: the :3 shape keeps its <offer> wrapper.
  const auto tag = file.to_tag();
  EXPECT_EQ(tag->xmlns(), kFt3);
  ASSERT_NE(tag->findChild("offer"), nullptr);
  EXPECT_EQ(tag->findChild("offer")->findChild("file")->findChild("name")->cdata(), "old.jpg");
}

TEST(JingleFtElements, DescriptionRoundTrip) {
  FileDescription file;
  file.xmlns = kFt5;
  file.name = "a b.txt";
  file.size = 18446744073709551615u;
  file.media_type = "text/plain";
  file.hashes.push_back(Hash{"sha-256", "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", false});
  file.hash_used = {"sha-512"};
  const auto tag = file.to_tag();
  auto parsed = FileDescription::parse(*tag);
  ASSERT_TRUE(parsed) << parsed.error;
  EXPECT_EQ(*parsed.value, file);
}

TEST(JingleFtElements, S5bTransportInfoRoundTrip) {
  S5bTransport used;
  used.sid = "t1";
  used.candidate_used = "c1";
  auto parsed = S5bTransport::parse(*used.to_tag());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed.value, used);

  S5bTransport error;
  error.sid = "t1";
  error.candidate_error = true;
  EXPECT_TRUE(S5bTransport::parse(*error.to_tag()).value->candidate_error);
  S5bTransport proxy_error;
  proxy_error.sid = "t1";
  proxy_error.proxy_error = true;
  EXPECT_TRUE(S5bTransport::parse(*proxy_error.to_tag()).value->proxy_error);

  S5bTransport offer;
  offer.sid = "t2";
  offer.dstaddr = "0123";
  offer.candidates.push_back(S5bCandidate{"c", "127.0.0.1", "proxy.example.org", 7777, 655360, CandidateType::kProxy});
  EXPECT_EQ(*S5bTransport::parse(*offer.to_tag()).value, offer);
}

TEST(JingleFtElements, ReceivedAndChecksumTags) {
  const auto received = received_tag(kFt5, "initiator", "a-file-offer");
  EXPECT_EQ(received->xml(),
            "<received xmlns='urn:xmpp:jingle:apps:file-transfer:5' creator='initiator' name='a-file-offer'/>");
  Checksum checksum{kFt5, "initiator", "x", {Hash{"sha-1", "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=", false}}};
  auto parsed = Checksum::parse(*checksum.to_tag());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed.value, checksum);
}

TEST(JingleFtElements, IbbTransportWithoutSidOrBlockSize) {
  // Conversations' transport-accept may carry neither (research §5, #3514).
  const auto tag = parse_xml("<transport xmlns='urn:xmpp:jingle:transports:ibb:1'/>");
  auto parsed = IbbTransport::parse(*tag);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed.value->sid.empty());
  EXPECT_FALSE(parsed.value->block_size);
}

TEST(JingleFtElements, HostileInputIsRefused) {
  const char* bad[] = {
      // size: negative, overflowing, not a number
      "<description xmlns='urn:xmpp:jingle:apps:file-transfer:5'><file><size>-1</size></file></description>",
      "<description xmlns='urn:xmpp:jingle:apps:file-transfer:5'><file><size>18446744073709551616</size></file>"
      "</description>",
      "<description xmlns='urn:xmpp:jingle:apps:file-transfer:5'><file><size>1e9</size></file></description>",
      "<description xmlns='urn:xmpp:jingle:apps:file-transfer:5'><file><range offset='x'/></file></description>",
      "<description xmlns='urn:xmpp:jingle:apps:file-transfer:5'/>",
      "<description xmlns='urn:xmpp:jingle:apps:file-transfer:5'><file><hash xmlns='urn:xmpp:hashes:2'>AA==</hash>"
      "</file></description>",
  };
  for (const char* xml : bad) {
    const auto tag = parse_xml(xml);
    ASSERT_NE(tag, nullptr) << xml;
    EXPECT_FALSE(FileDescription::parse(*tag)) << xml;
  }
  const char* bad_transports[] = {
      "<transport xmlns='urn:xmpp:jingle:transports:ibb:1' sid='s' block-size='0'/>",
      "<transport xmlns='urn:xmpp:jingle:transports:ibb:1' sid='s' block-size='65536'/>",
  };
  for (const char* xml : bad_transports) EXPECT_FALSE(IbbTransport::parse(*parse_xml(xml))) << xml;
  const char* bad_s5b[] = {
      "<transport xmlns='urn:xmpp:jingle:transports:s5b:1'/>",
      "<transport xmlns='urn:xmpp:jingle:transports:s5b:1' sid='s'><candidate cid='c' host='h' jid='j' port='0' "
      "priority='1'/></transport>",
      "<transport xmlns='urn:xmpp:jingle:transports:s5b:1' sid='s'><candidate cid='c' host='h' jid='j' "
      "priority='-1'/></transport>",
      "<transport xmlns='urn:xmpp:jingle:transports:s5b:1' sid='s'><candidate cid='c' host='h' jid='j' "
      "priority='1' type='wormhole'/></transport>",
      "<transport xmlns='urn:xmpp:jingle:transports:s5b:1' sid='s'><candidate host='h' jid='j' "
      "priority='1'/></transport>",
      "<transport xmlns='urn:xmpp:jingle:transports:s5b:1' sid='s'><candidate-used/></transport>",
  };
  for (const char* xml : bad_s5b) EXPECT_FALSE(S5bTransport::parse(*parse_xml(xml))) << xml;
}

TEST(JingleFtElements, HashValuesThatAreNotDigests) {
  EXPECT_FALSE((Hash{"sha-256", "!!!", false}.hex()));
  EXPECT_FALSE((Hash{"sha-256", std::string(100, 'A'), false}.hex()));  // decodes past 64 bytes
  // hashes:2 is base64 only: a hex-looking value is decoded as base64.
  EXPECT_EQ((Hash{"sha-1", "abcd", false}.hex()), "69b71d");
}

TEST(JingleFtElements, FileRequestIsMarked) {
  const auto tag = parse_xml(
      "<description xmlns='urn:xmpp:jingle:apps:file-transfer:3'><request><file><name>x</name></file></request>"
      "</description>");
  auto parsed = FileDescription::parse(*tag);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed.value->request);
}

TEST(JingleFtElements, ParseU64) {
  EXPECT_EQ(parse_u64("0"), 0u);
  EXPECT_EQ(parse_u64("18446744073709551615"), 18446744073709551615u);
  EXPECT_FALSE(parse_u64("18446744073709551616"));
  EXPECT_FALSE(parse_u64(""));
  EXPECT_FALSE(parse_u64(" 1"));
  EXPECT_FALSE(parse_u64("+1"));
}

}  // namespace
}  // namespace parrot::bot::transfer::jingle_ft
