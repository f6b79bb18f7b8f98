// XEP-0353 JMI payloads from Conversations and Dino, and the XEP-0203 delay.
#include "bot/jingle/jingle_message.hpp"

#include <gtest/gtest.h>

#include "bot/jingle/namespaces.hpp"
#include "fixture_loader.hpp"

namespace parrot::bot::jingle {
namespace {

JingleMessage parse_fixture(const std::string& path) {
  const auto message = test::load_fixture(path);
  EXPECT_NE(message, nullptr);
  if (!message) return {};
  const auto found = JingleMessage::from_message(*message);
  EXPECT_TRUE(found.has_value()) << path;
  if (!found) return {};
  EXPECT_TRUE(*found) << found->error;
  return found->value.value_or(JingleMessage{});
}

TEST(JingleMessageTest, ConversationsPropose) {
  const auto m = parse_fixture("conversations/propose.xml");
  EXPECT_EQ(m.kind, JingleMessageKind::kPropose);
  EXPECT_EQ(m.id, "eCo2CGR4FhcsTm1ygKdkWw");
  ASSERT_EQ(m.descriptions.size(), 2u);
  EXPECT_EQ(m.descriptions[0], (ProposedDescription{ns::kRtp, "audio"}));
  EXPECT_TRUE(m.proposes_media("audio"));
  EXPECT_TRUE(m.proposes_media("video"));
  EXPECT_FALSE(find_delay(*test::load_fixture("conversations/propose.xml")));
}

TEST(JingleMessageTest, DinoAudioPropose) {
  const auto m = parse_fixture("dino/propose.xml");
  EXPECT_EQ(m.id, "q2Xv7mVbYy9h3NdR");
  EXPECT_TRUE(m.proposes_media("audio"));
  EXPECT_FALSE(m.proposes_media("video"));
}

TEST(JingleMessageTest, DelayedProposeIsDetected) {
  const auto message = test::load_fixture("conversations/propose_delayed.xml");
  ASSERT_NE(message, nullptr);
  const auto delay = find_delay(*message);
  ASSERT_TRUE(delay);
  EXPECT_EQ(delay->stamp, "2023-05-14T09:31:07.512Z");
  EXPECT_EQ(delay->from, "conversations.im");
}

TEST(JingleMessageTest, FinishWithReason) {
  const auto m = parse_fixture("conversations/finish.xml");
  EXPECT_EQ(m.kind, JingleMessageKind::kFinish);
  ASSERT_TRUE(m.reason);
  EXPECT_EQ(m.reason->condition, ReasonCondition::kSuccess);
}

TEST(JingleMessageTest, RepliesParrotSends) {
  EXPECT_EQ((JingleMessage{JingleMessageKind::kProceed, "abc", {}, {}}).to_tag()->xml(),
            "<proceed xmlns='urn:xmpp:jingle-message:0' id='abc'/>");
  EXPECT_EQ((JingleMessage{JingleMessageKind::kRinging, "abc", {}, {}}).to_tag()->xml(),
            "<ringing xmlns='urn:xmpp:jingle-message:0' id='abc'/>");
  const JingleMessage reject{JingleMessageKind::kReject, "abc", {}, Reason{ReasonCondition::kBusy, "", ""}};
  EXPECT_EQ(
      reject.to_tag()->xml(),
      "<reject xmlns='urn:xmpp:jingle-message:0' id='abc'><reason xmlns='urn:xmpp:jingle:1'><busy/></reason></reject>");
  for (int k = 0; k <= static_cast<int>(JingleMessageKind::kFinish); ++k) {
    JingleMessage m{static_cast<JingleMessageKind>(k), "id1", {}, Reason{ReasonCondition::kCancel, "t", ""}};
    if (m.kind == JingleMessageKind::kPropose) m.descriptions.push_back({ns::kRtp, "video"});
    const auto again = JingleMessage::parse(*test::parse_xml(m.to_tag()->xml()));
    ASSERT_TRUE(again) << again.error;
    EXPECT_EQ(*again.value, m);
  }
}

TEST(JingleMessageTest, Refused) {
  EXPECT_FALSE(JingleMessage::parse(*test::parse_xml("<propose xmlns='urn:xmpp:jingle-message:0'/>")));
  EXPECT_FALSE(JingleMessage::parse(*test::parse_xml("<propose xmlns='urn:xmpp:jingle-message:0' id='x'/>")));
  EXPECT_FALSE(JingleMessage::parse(*test::parse_xml("<proceed xmlns='urn:xmpp:jingle-message:1' id='x'/>")));
  EXPECT_FALSE(JingleMessage::parse(*test::parse_xml(
      "<retract xmlns='urn:xmpp:jingle-message:0' id='x'><reason xmlns='urn:xmpp:jingle:1'/></retract>")));
  EXPECT_FALSE(JingleMessage::from_message(*test::parse_xml("<message><body>hi</body></message>")));
}

}  // namespace
}  // namespace parrot::bot::jingle
