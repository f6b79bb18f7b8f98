// bot/transfer/si/elements: real SI offers (Psi, Pidgin, slixmpp), XEP-0065
// queries and XEP-0047 elements parse as their senders meant them, bad ones
// are refused with the condition the XEP prescribes, and the replies carry
// what the sender's library looks for.
#include "bot/transfer/si/elements.hpp"

#include <gtest/gtest.h>

#include "../jingle/fixture_loader.hpp"

namespace si = parrot::bot::transfer::si;
using parrot::bot::jingle::test::load_fixture;
using parrot::bot::jingle::test::parse_xml;

namespace {

const gloox::Tag& child_of(const std::unique_ptr<gloox::Tag>& iq, const std::string& name) {
  EXPECT_NE(iq, nullptr);
  const gloox::Tag* child = iq->findChild(name);
  EXPECT_NE(child, nullptr) << name;
  return *child;
}

si::OfferParse offer_from(const std::string& xml) {
  const auto iq = parse_xml(xml);
  return si::parse_si_offer(child_of(iq, "si"));
}

std::string offer_xml(const std::string& file_attrs, const std::string& methods,
                      const std::string& profile = si::kFileProfile) {
  const std::string options = methods.empty() ? "" : "<option><value>" + methods + "</value></option>";
  return "<iq type='set' id='1'><si xmlns='http://jabber.org/protocol/si' id='s1' profile='" + profile +
         "'><file xmlns='http://jabber.org/protocol/si/profile/file-transfer' " + file_attrs +
         "/><feature xmlns='http://jabber.org/protocol/feature-neg'><x xmlns='jabber:x:data' type='form'>"
         "<field var='stream-method' type='list-single'>" + options + "</field></x></feature></si></iq>";
}

}  // namespace

TEST(SiOffer, PsiOfferWithRange) {
  const auto iq = load_fixture("psi/si_offer.xml");
  const auto parsed = si::parse_si_offer(child_of(iq, "si"));
  ASSERT_TRUE(parsed.offer) << parsed.message;
  EXPECT_EQ(parsed.offer->id, "ft_1498");
  EXPECT_EQ(parsed.offer->file.name, "tags.info");
  EXPECT_EQ(parsed.offer->file.size, 1455u);
  EXPECT_TRUE(parsed.offer->file.range_offered);
  EXPECT_TRUE(parsed.offer->file.md5.empty());
  ASSERT_EQ(parsed.offer->stream_methods.size(), 2u);
  EXPECT_EQ(parsed.offer->chosen_method, si::kBytestreamsNamespace);
}

TEST(SiOffer, PidginOfferOverFourGiB) {
  const auto iq = load_fixture("pidgin/si_offer.xml");
  const auto parsed = si::parse_si_offer(child_of(iq, "si"));
  ASSERT_TRUE(parsed.offer) << parsed.message;
  EXPECT_EQ(parsed.offer->file.name, "holiday video.mkv");
  EXPECT_EQ(parsed.offer->file.size, 5368709120u);  // gloox's atol would do, atoi would not
  EXPECT_FALSE(parsed.offer->file.range_offered);
  EXPECT_EQ(parsed.offer->chosen_method, si::kBytestreamsNamespace);
}

TEST(SiOffer, SlixmppOfferCarriesMd5) {
  const auto iq = load_fixture("slixmpp/si_offer.xml");
  const auto parsed = si::parse_si_offer(child_of(iq, "si"));
  ASSERT_TRUE(parsed.offer) << parsed.message;
  EXPECT_EQ(parsed.offer->file.size, 0u);
  EXPECT_EQ(parsed.offer->file.md5, "d41d8cd98f00b204e9800998ecf8427e");
}

TEST(SiOffer, IbbOnlyChoosesIbb) {
  const auto parsed = offer_from(offer_xml("name='a' size='3'", si::kIbbNamespace));
  ASSERT_TRUE(parsed.offer) << parsed.message;
  EXPECT_EQ(parsed.offer->chosen_method, si::kIbbNamespace);
}

TEST(SiOffer, HashIsLowercasedAndMalformedIgnored) {
  auto parsed = offer_from(offer_xml("name='a' size='3' hash='D41D8CD98F00B204E9800998ECF8427E'", si::kIbbNamespace));
  ASSERT_TRUE(parsed.offer);
  EXPECT_EQ(parsed.offer->file.md5, "d41d8cd98f00b204e9800998ecf8427e");
  parsed = offer_from(offer_xml("name='a' size='3' hash='xyz'", si::kIbbNamespace));
  ASSERT_TRUE(parsed.offer);
  EXPECT_TRUE(parsed.offer->file.md5.empty());
  EXPECT_TRUE(parsed.offer->file.md5_malformed);
}

TEST(SiOffer, RefusalsNameTheXepCondition) {
  EXPECT_EQ(offer_from(offer_xml("name='a' size='3'", "jabber:iq:oob")).error, si::OfferError::kNoValidStreams);
  EXPECT_EQ(offer_from(offer_xml("name='a' size='3'", "")).error, si::OfferError::kNoValidStreams);
  EXPECT_EQ(offer_from(offer_xml("name='a' size='3'", si::kIbbNamespace, "urn:example:other")).error,
            si::OfferError::kBadProfile);
  for (const char* attrs : {"size='3'", "name='a'", "name='a' size='-1'", "name='a' size='3x'",
                            "name='a' size='99999999999999999999999'", "name='a' size=''"}) {
    EXPECT_EQ(offer_from(offer_xml(attrs, si::kIbbNamespace)).error, si::OfferError::kBadRequest) << attrs;
  }
  EXPECT_EQ(offer_from("<iq><si xmlns='http://jabber.org/protocol/si' id='x' "
                       "profile='http://jabber.org/protocol/si/profile/file-transfer'>"
                       "<file xmlns='http://jabber.org/protocol/si/profile/file-transfer' name='a' size='1'/></si></iq>")
                .error,
            si::OfferError::kBadRequest);
}

TEST(SiOffer, MaxUint64SizeParses) {
  const auto parsed = offer_from(offer_xml("name='a' size='18446744073709551615'", si::kIbbNamespace));
  ASSERT_TRUE(parsed.offer);
  EXPECT_EQ(parsed.offer->file.size, 18446744073709551615u);
  EXPECT_EQ(offer_from(offer_xml("name='a' size='18446744073709551616'", si::kIbbNamespace)).error,
            si::OfferError::kBadRequest);
}

TEST(Bytestreams, PidginStreamhostsInOrder) {
  const auto iq = load_fixture("pidgin/bytestreams_query.xml");
  const auto parsed = si::parse_bytestream_query(child_of(iq, "query"));
  ASSERT_TRUE(parsed.query) << parsed.message;
  EXPECT_EQ(parsed.query->sid, "purple5a1b2c3e");
  ASSERT_EQ(parsed.query->hosts.size(), 3u);
  EXPECT_EQ(parsed.query->hosts[0].host, "192.168.1.20");
  EXPECT_EQ(parsed.query->hosts[0].port, 43511);
  EXPECT_EQ(parsed.query->hosts[2].jid, "proxy.example.com");
}

TEST(Bytestreams, SlixmppProxyOnly) {
  const auto iq = load_fixture("slixmpp/bytestreams_query.xml");
  const auto parsed = si::parse_bytestream_query(child_of(iq, "query"));
  ASSERT_TRUE(parsed.query) << parsed.message;
  ASSERT_EQ(parsed.query->hosts.size(), 1u);
  EXPECT_EQ(parsed.query->hosts[0].jid, "proxy.parrot.test");
  EXPECT_EQ(parsed.query->hosts[0].port, 45295);
}

TEST(Bytestreams, BadQueries) {
  const auto parse = [](const std::string& inner, const std::string& attrs = "sid='s'") {
    const auto iq = parse_xml("<iq><query xmlns='http://jabber.org/protocol/bytestreams' " + attrs + ">" + inner +
                              "</query></iq>");
    return si::parse_bytestream_query(child_of(iq, "query"));
  };
  EXPECT_EQ(parse("<streamhost jid='a' host='h' port='1'/>", "").condition, "bad-request");
  EXPECT_EQ(parse("<streamhost jid='a' host='h' port='1'/>", "sid='s' mode='udp'").condition, "not-acceptable");
  EXPECT_EQ(parse("").condition, "bad-request");
  EXPECT_EQ(parse("<streamhost jid='a' host='h' port='0'/><streamhost jid='a' host='h' port='70000'/>"
                  "<streamhost jid='a' zeroconf='_jabber.bytestreams'/>")
                .condition,
            "bad-request");
  const auto mixed = parse("<streamhost jid='a' host='h' port='x'/><streamhost jid='b' host='h2' port='5'/>");
  ASSERT_TRUE(mixed.query);
  EXPECT_EQ(mixed.query->skipped, 1u);
  EXPECT_EQ(mixed.query->hosts[0].jid, "b");
}

TEST(Ibb, SlixmppOpenAndData) {
  auto iq = load_fixture("slixmpp/ibb_open.xml");
  auto parsed = si::parse_ibb(child_of(iq, "open"));
  ASSERT_TRUE(parsed.element) << parsed.message;
  EXPECT_EQ(parsed.element->kind, si::IbbElement::Kind::kOpen);
  EXPECT_EQ(parsed.element->block_size, 4096u);
  EXPECT_EQ(parsed.element->sid, "7c3a9f0e");
  EXPECT_EQ(parsed.element->stanza, "iq");
  iq = load_fixture("slixmpp/ibb_data.xml");
  parsed = si::parse_ibb(child_of(iq, "data"));
  ASSERT_TRUE(parsed.element);
  EXPECT_EQ(parsed.element->seq, "0");
  EXPECT_EQ(parsed.element->data, "cGFycm90");
}

TEST(Ibb, BadOpens) {
  const auto open = [](const std::string& attrs) {
    const auto iq = parse_xml("<iq><open xmlns='http://jabber.org/protocol/ibb' " + attrs + "/></iq>");
    return si::parse_ibb(child_of(iq, "open"));
  };
  EXPECT_EQ(open("sid='s' block-size='65536'").condition, "resource-constraint");
  EXPECT_EQ(open("sid='s' block-size='0'").condition, "bad-request");
  EXPECT_EQ(open("block-size='4096'").condition, "bad-request");
  EXPECT_EQ(open("sid='s' block-size='4096' stanza='presence'").condition, "bad-request");
  EXPECT_TRUE(open("sid='s' block-size='65535'").element);
}

TEST(Replies, AcceptNamesTheMethodInASubmitForm) {
  const auto reply = si::si_accept(si::IqRef{"romeo@example.net/psi", "ab9ea"}, si::kBytestreamsNamespace);
  EXPECT_EQ(reply->findAttribute("type"), "result");
  EXPECT_EQ(reply->findAttribute("to"), "romeo@example.net/psi");
  EXPECT_EQ(reply->findAttribute("id"), "ab9ea");
  const gloox::Tag* value = reply->findTag("iq/si/feature/x/field/value");
  ASSERT_NE(value, nullptr) << reply->xml();
  EXPECT_EQ(value->cdata(), si::kBytestreamsNamespace);
  EXPECT_EQ(reply->findTag("iq/si/feature/x")->findAttribute("type"), "submit");
}

TEST(Replies, NoValidStreamsAndStreamhostUsed) {
  const auto error = si::offer_error(si::IqRef{"a@b/c", "7"}, si::OfferError::kNoValidStreams, "why");
  EXPECT_EQ(error->findAttribute("type"), "error");
  ASSERT_NE(error->findTag("iq/error/bad-request"), nullptr) << error->xml();
  const gloox::Tag* nvs = error->findTag("iq/error/no-valid-streams");
  ASSERT_NE(nvs, nullptr) << error->xml();
  EXPECT_EQ(nvs->xmlns(), si::kSiNamespace);
  const auto used = si::streamhost_used(si::IqRef{"a@b/c", "8"}, "sid1", "proxy.example.com");
  const gloox::Tag* tag = used->findTag("iq/query/streamhost-used");
  ASSERT_NE(tag, nullptr) << used->xml();
  EXPECT_EQ(tag->findAttribute("jid"), "proxy.example.com");
  EXPECT_EQ(used->findTag("iq/query")->findAttribute("sid"), "sid1");
}
