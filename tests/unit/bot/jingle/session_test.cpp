// Session, the XEP-0166 §6 state machine: a table of every action in every
// state for both roles, then the real-client behaviours parrot must
// tolerate (docs/client-quirks.md#calls), driven by the stanzas in
// tests/interop/fixtures/.
#include "bot/jingle/session.hpp"

#include <gtest/gtest.h>

#include "fixture_loader.hpp"

namespace parrot::bot::jingle {
namespace {

const std::string kParrot = "parrot@example.org/bot";
const std::string kPeer = "alice@example.org/Conversations.AbCd";
const std::string kSid = "eCo2CGR4FhcsTm1ygKdkWw";

Jingle fixture(const std::string& path) {
  const auto iq = test::load_fixture(path);
  EXPECT_NE(iq, nullptr) << path;
  if (!iq || !test::jingle_child(*iq)) return {};
  auto parsed = Jingle::parse(*test::jingle_child(*iq));
  EXPECT_TRUE(parsed) << path << ": " << parsed.error;
  return parsed ? *parsed.value : Jingle{};
}

Content content(const std::string& name, Creator creator = Creator::kInitiator) {
  Content result;
  result.name = name;
  result.creator = creator;
  IceUdpTransport ice;
  ice.ufrag = "tZ0b";
  ice.pwd = "N8x2bKwGQ1tC3u1vC4l3kYzz";
  result.transport = ice;
  return result;
}

Jingle stanza(Action action, std::vector<Content> contents = {}) {
  Jingle jingle;
  jingle.action = action;
  jingle.sid = kSid;
  jingle.contents = std::move(contents);
  return jingle;
}

// A session in `state`, parrot in `role`, with one accepted content "0".
Session make_session(SessionRole role, SessionState state) {
  const Jingle offer = stanza(Action::kSessionInitiate, {content("0")});
  if (role == SessionRole::kResponder) {
    auto [decision, session] = Session::receive_initiate(offer, kPeer, kParrot);
    EXPECT_TRUE(decision.ack());
    if (state == SessionState::kActive) {
      EXPECT_TRUE(session->accept());
    }
    if (state == SessionState::kEnded) {
      EXPECT_TRUE(session->terminate(Reason{}));
    }
    return std::move(*session);
  }
  Session session = Session::initiate(offer, kParrot, kPeer);
  if (state == SessionState::kActive) {
    EXPECT_TRUE(session.handle(stanza(Action::kSessionAccept, {content("0")}), kPeer).accepted);
  }
  if (state == SessionState::kEnded) {
    EXPECT_TRUE(session.terminate(Reason{}));
  }
  return session;
}

// What an incoming action needs to be well-formed in the table below.
Jingle well_formed(Action action, SessionRole role) {
  switch (action) {
    case Action::kContentAdd:
      return stanza(action, {content("v", role == SessionRole::kResponder ? Creator::kInitiator : Creator::kResponder)});
    case Action::kSessionInfo: {
      Jingle jingle = stanza(action);
      jingle.session_info.push_back(SessionInfo{SessionInfoKind::kRinging, std::nullopt, {}});
      return jingle;
    }
    case Action::kSessionTerminate: {
      Jingle jingle = stanza(action);
      jingle.reason = Reason{ReasonCondition::kSuccess, {}, {}};
      return jingle;
    }
    default: return stanza(action, {content("0")});
  }
}

enum class Expect { kAck, kIgnored, kOutOfOrder, kTieBreak };

struct Row {
  SessionRole role;
  SessionState state;
  Action action;
  Expect expect;
  SessionState after;
};

constexpr auto R = SessionRole::kResponder;
constexpr auto I = SessionRole::kInitiator;
constexpr auto P = SessionState::kPending;
constexpr auto A = SessionState::kActive;
constexpr auto E = SessionState::kEnded;

const Row kTable[] = {
    // parrot is the responder
    {R, P, Action::kSessionInitiate, Expect::kOutOfOrder, P},
    {R, A, Action::kSessionInitiate, Expect::kOutOfOrder, A},
    {R, E, Action::kSessionInitiate, Expect::kOutOfOrder, E},
    {R, P, Action::kSessionAccept, Expect::kOutOfOrder, P},
    {R, A, Action::kSessionAccept, Expect::kIgnored, A},  // Movim's renegotiation accept
    {R, E, Action::kSessionAccept, Expect::kOutOfOrder, E},
    {R, P, Action::kSessionInfo, Expect::kAck, P},
    {R, A, Action::kSessionInfo, Expect::kAck, A},
    {R, E, Action::kSessionInfo, Expect::kOutOfOrder, E},
    {R, P, Action::kSessionTerminate, Expect::kAck, E},
    {R, A, Action::kSessionTerminate, Expect::kAck, E},
    {R, E, Action::kSessionTerminate, Expect::kIgnored, E},
    {R, P, Action::kTransportInfo, Expect::kAck, P},
    {R, A, Action::kTransportInfo, Expect::kAck, A},
    {R, E, Action::kTransportInfo, Expect::kOutOfOrder, E},
    {R, P, Action::kContentAdd, Expect::kOutOfOrder, P},
    {R, A, Action::kContentAdd, Expect::kAck, A},
    {R, E, Action::kContentAdd, Expect::kOutOfOrder, E},
    {R, P, Action::kContentAccept, Expect::kOutOfOrder, P},
    {R, A, Action::kContentAccept, Expect::kOutOfOrder, A},
    {R, E, Action::kContentAccept, Expect::kOutOfOrder, E},
    {R, P, Action::kContentReject, Expect::kOutOfOrder, P},
    {R, A, Action::kContentReject, Expect::kOutOfOrder, A},
    {R, E, Action::kContentReject, Expect::kOutOfOrder, E},
    {R, P, Action::kContentRemove, Expect::kAck, P},
    {R, A, Action::kContentRemove, Expect::kAck, A},
    {R, E, Action::kContentRemove, Expect::kOutOfOrder, E},
    {R, P, Action::kContentModify, Expect::kAck, P},
    {R, A, Action::kContentModify, Expect::kAck, A},
    {R, E, Action::kContentModify, Expect::kOutOfOrder, E},
    {R, P, Action::kDescriptionInfo, Expect::kIgnored, P},
    {R, A, Action::kDescriptionInfo, Expect::kIgnored, A},
    {R, E, Action::kDescriptionInfo, Expect::kOutOfOrder, E},
    {R, A, Action::kSecurityInfo, Expect::kIgnored, A},
    {R, E, Action::kSecurityInfo, Expect::kOutOfOrder, E},
    {R, P, Action::kTransportReplace, Expect::kAck, P},
    {R, A, Action::kTransportReplace, Expect::kAck, A},
    {R, E, Action::kTransportReplace, Expect::kOutOfOrder, E},
    {R, P, Action::kTransportAccept, Expect::kOutOfOrder, P},
    {R, A, Action::kTransportAccept, Expect::kOutOfOrder, A},
    {R, A, Action::kTransportReject, Expect::kOutOfOrder, A},
    {R, E, Action::kTransportReject, Expect::kOutOfOrder, E},
    // parrot is the initiator (!callme)
    {I, P, Action::kSessionInitiate, Expect::kTieBreak, P},
    {I, A, Action::kSessionInitiate, Expect::kOutOfOrder, A},
    {I, P, Action::kSessionAccept, Expect::kAck, A},
    {I, A, Action::kSessionAccept, Expect::kIgnored, A},
    {I, E, Action::kSessionAccept, Expect::kOutOfOrder, E},
    {I, P, Action::kTransportInfo, Expect::kAck, P},  // candidates before the accept
    {I, P, Action::kSessionInfo, Expect::kAck, P},    // Dino's ringing
    {I, P, Action::kSessionTerminate, Expect::kAck, E},
    {I, P, Action::kContentAdd, Expect::kOutOfOrder, P},
    {I, A, Action::kContentAdd, Expect::kAck, A},
    {I, A, Action::kContentAccept, Expect::kOutOfOrder, A},
    {I, E, Action::kTransportInfo, Expect::kOutOfOrder, E},
};

TEST(SessionTest, EveryActionInEveryState) {
  for (const Row& row : kTable) {
    SCOPED_TRACE(std::string(to_string(row.role)) + " " + std::string(to_string(row.state)) + " " +
                 std::string(to_string(row.action)));
    Session session = make_session(row.role, row.state);
    const Decision decision = session.handle(well_formed(row.action, row.role), kPeer);
    switch (row.expect) {
      case Expect::kAck:
        EXPECT_TRUE(decision.ack()) << decision.error->text;
        EXPECT_FALSE(decision.ignored);
        break;
      case Expect::kIgnored:
        EXPECT_TRUE(decision.ack());
        EXPECT_TRUE(decision.ignored);
        break;
      case Expect::kOutOfOrder:
        ASSERT_FALSE(decision.ack());
        EXPECT_EQ(decision.error->jingle, JingleError::kOutOfOrder);
        EXPECT_EQ(decision.error->stanza_condition(), "unexpected-request");
        break;
      case Expect::kTieBreak:
        ASSERT_FALSE(decision.ack());
        EXPECT_EQ(decision.error->jingle, JingleError::kTieBreak);
        EXPECT_EQ(decision.error->stanza_condition(), "conflict");
        break;
    }
    EXPECT_EQ(session.state(), row.after);
  }
}

TEST(SessionTest, WhatHappenedIsReported) {
  Session session = make_session(R, A);
  Decision d = session.handle(well_formed(Action::kContentAdd, R), kPeer);
  ASSERT_EQ(d.contents_added.size(), 1u);
  EXPECT_EQ(d.contents_added[0].name, "v");
  EXPECT_EQ(session.find_content("v")->status, Session::ContentStatus::kPendingRemote);
  EXPECT_TRUE(session.accept_content("v"));
  EXPECT_EQ(session.find_content("v")->status, Session::ContentStatus::kAccepted);

  Content modified = content("v");
  modified.senders = Senders::kInitiator;
  d = session.handle(stanza(Action::kContentModify, {modified}), kPeer);
  ASSERT_EQ(d.contents_modified.size(), 1u);
  EXPECT_EQ(d.contents_modified[0], (ContentSenders{"v", Senders::kInitiator}));
  EXPECT_EQ(session.find_content("v")->senders, Senders::kInitiator);

  d = session.handle(stanza(Action::kTransportReplace, {content("0")}), kPeer);
  EXPECT_EQ(d.transport_replace, std::vector<std::string>{"0"});

  d = session.handle(stanza(Action::kContentRemove, {content("v")}), kPeer);
  EXPECT_EQ(d.contents_removed, std::vector<std::string>{"v"});
  EXPECT_FALSE(d.no_contents_left);
  d = session.handle(stanza(Action::kContentRemove, {content("0")}), kPeer);
  EXPECT_TRUE(d.no_contents_left);

  d = session.handle(well_formed(Action::kSessionTerminate, R), kPeer);
  EXPECT_TRUE(d.remote_ended);
  ASSERT_TRUE(d.end_reason);
  EXPECT_EQ(d.end_reason->condition, ReasonCondition::kSuccess);
  EXPECT_TRUE(session.ended_by_peer());
}

TEST(SessionTest, ParrotsOwnContentAddIsAnsweredByThePeer) {
  Session session = make_session(R, A);
  EXPECT_FALSE(session.add_content(content("v", Creator::kInitiator)));  // parrot is not the initiator
  ASSERT_TRUE(session.add_content(content("v", Creator::kResponder)));
  // Both sides adding "v" at once is a glare (XEP-0166 §7.2.3).
  Decision d = session.handle(stanza(Action::kContentAdd, {content("v", Creator::kInitiator)}), kPeer);
  ASSERT_FALSE(d.ack());
  EXPECT_EQ(d.error->jingle, JingleError::kTieBreak);
  d = session.handle(stanza(Action::kContentAccept, {content("v", Creator::kResponder)}), kPeer);
  ASSERT_TRUE(d.ack());
  EXPECT_EQ(d.contents_accepted, std::vector<std::string>{"v"});
  // A second accept for it is out of order: it is no longer pending.
  d = session.handle(stanza(Action::kContentAccept, {content("v", Creator::kResponder)}), kPeer);
  EXPECT_EQ(d.error->jingle, JingleError::kOutOfOrder);

  ASSERT_TRUE(session.add_content(content("w", Creator::kResponder)));
  d = session.handle(stanza(Action::kContentReject, {content("w", Creator::kResponder)}), kPeer);
  EXPECT_EQ(d.contents_rejected, std::vector<std::string>{"w"});
  EXPECT_EQ(session.find_content("w"), nullptr);
}

TEST(SessionTest, MismatchesAreUnknownSessionOrBadRequest) {
  Session session = make_session(R, A);
  Jingle other_sid = stanza(Action::kTransportInfo, {content("0")});
  other_sid.sid = "other";
  EXPECT_EQ(session.handle(other_sid, kPeer).error->jingle, JingleError::kUnknownSession);
  Decision d = session.handle(stanza(Action::kTransportInfo, {content("0")}), "mallory@example.org/x");
  EXPECT_EQ(d.error->jingle, JingleError::kUnknownSession);
  EXPECT_EQ(d.error->stanza_condition(), "item-not-found");

  Jingle wrong_initiator = stanza(Action::kTransportInfo, {content("0")});
  wrong_initiator.initiator = "mallory@example.org/x";
  d = session.handle(wrong_initiator, kPeer);
  ASSERT_FALSE(d.ack());
  EXPECT_FALSE(d.error->jingle);
  EXPECT_EQ(d.error->stanza_condition(), "bad-request");

  // Movim's initiator attribute is the bare JID (docs/client-quirks.md#movim-calls).
  Jingle bare_initiator = stanza(Action::kTransportInfo, {content("0")});
  bare_initiator.initiator = "alice@example.org";
  EXPECT_TRUE(session.handle(bare_initiator, kPeer).ack());

  d = session.handle(stanza(Action::kTransportInfo, {content("0", Creator::kResponder)}), kPeer);
  EXPECT_EQ(d.error->stanza_condition(), "bad-request");  // wrong creator for "0"
  d = session.handle(stanza(Action::kTransportInfo, {content("0"), content("0")}), kPeer);
  EXPECT_EQ(d.error->stanza_condition(), "bad-request");  // duplicate names
  d = session.handle(stanza(Action::kTransportInfo, {content("9")}), kPeer);
  EXPECT_EQ(d.error->jingle, JingleError::kOutOfOrder);  // unknown content
  d = session.handle(stanza(Action::kContentAdd, {content("v", Creator::kResponder)}), kPeer);
  EXPECT_EQ(d.error->stanza_condition(), "bad-request");  // the peer cannot create as parrot
  d = session.handle(stanza(Action::kContentAdd, {content("0")}), kPeer);
  EXPECT_EQ(d.error->stanza_condition(), "bad-request");  // name already in the session

  std::vector<Content> many;
  for (int i = 0; i < 16; ++i) many.push_back(content("n" + std::to_string(i)));
  d = session.handle(stanza(Action::kContentAdd, many), kPeer);
  EXPECT_EQ(d.error->stanza_condition(), "bad-request");  // 1 + 16 > kMaxContents
  EXPECT_EQ(session.contents().size(), 1u);

  EXPECT_EQ(unknown_session().error->jingle, JingleError::kUnknownSession);
  const std::string xml = ErrorReply{JingleError::kOutOfOrder, {}}.to_tag()->xml();
  EXPECT_NE(xml.find("<out-of-order xmlns='urn:xmpp:jingle:errors:1'/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("unexpected-request"), std::string::npos) << xml;
}

TEST(SessionTest, ReceiveInitiateValidates) {
  auto [d1, s1] = Session::receive_initiate(stanza(Action::kTransportInfo, {content("0")}), kPeer, kParrot);
  EXPECT_EQ(d1.error->jingle, JingleError::kUnknownSession);
  EXPECT_FALSE(s1);
  auto [d2, s2] = Session::receive_initiate(stanza(Action::kSessionInitiate, {content("0", Creator::kResponder)}),
                                            kPeer, kParrot);
  EXPECT_EQ(d2.error->stanza_condition(), "bad-request");
  EXPECT_FALSE(s2);
  auto [d3, s3] = Session::receive_initiate(stanza(Action::kSessionInitiate), kPeer, kParrot);
  EXPECT_EQ(d3.error->stanza_condition(), "bad-request");
  Jingle spoofed = stanza(Action::kSessionInitiate, {content("0")});
  spoofed.initiator = "mallory@example.org/x";
  auto [d4, s4] = Session::receive_initiate(spoofed, kPeer, kParrot);
  EXPECT_EQ(d4.error->stanza_condition(), "bad-request");
  EXPECT_FALSE(s4);
}

TEST(SessionTest, ConversationsTrickleAfterInitiate) {
  auto [decision, session] =
      Session::receive_initiate(fixture("conversations/session_initiate_audio_video.xml"), kPeer, kParrot);
  ASSERT_TRUE(decision.ack());
  EXPECT_TRUE(decision.initiated);
  ASSERT_TRUE(session);
  EXPECT_EQ(session->role(), SessionRole::kResponder);
  EXPECT_EQ(session->contents().size(), 2u);
  ASSERT_EQ(decision.transports.size(), 2u);  // credentials and fingerprint, no candidates yet
  EXPECT_TRUE(decision.transports[0].candidates.empty());
  EXPECT_TRUE(decision.transports[0].fingerprint);

  // transport-info before parrot's session-accept, one candidate per stanza.
  const Decision trickle = session->handle(fixture("conversations/transport_info_candidate.xml"), kPeer);
  ASSERT_TRUE(trickle.ack());
  ASSERT_EQ(trickle.transports.size(), 1u);
  EXPECT_EQ(trickle.transports[0].content, "0");
  ASSERT_EQ(trickle.transports[0].candidates.size(), 1u);
  EXPECT_EQ(trickle.transports[0].candidates[0].ip, "203.0.113.7");
  EXPECT_FALSE(trickle.transports[0].credentials_changed);

  // Conversations' ICE restart: new credentials, no candidates (§1.1).
  Jingle restart = stanza(Action::kTransportInfo, {content("0")});
  std::get<IceUdpTransport>(restart.contents[0].transport).ufrag = "n3w0";
  const Decision d = session->handle(restart, kPeer);
  ASSERT_TRUE(d.ack());
  EXPECT_TRUE(d.transports[0].credentials_changed);
  EXPECT_TRUE(d.transports[0].candidates.empty());
  EXPECT_EQ(session->find_content("0")->remote_ufrag, "n3w0");
}

TEST(SessionTest, DinoCandidatesInInitiateAndMuteInfo) {
  const std::string dino = "bob@example.org/dino.1a2b";
  auto [decision, session] = Session::receive_initiate(fixture("dino/session_initiate_audio_video.xml"), dino, kParrot);
  ASSERT_TRUE(decision.ack()) << decision.error->text;
  ASSERT_EQ(decision.transports.size(), 2u);
  EXPECT_EQ(decision.transports[0].content, "audio");
  EXPECT_EQ(decision.transports[0].candidates.size(), 4u);
  EXPECT_EQ(decision.transports[1].candidates.size(), 2u);
  ASSERT_TRUE(session->accept());
  EXPECT_FALSE(session->accept());

  const Decision mute = session->handle(fixture("dino/session_info_mute.xml"), dino);
  ASSERT_TRUE(mute.ack());
  ASSERT_EQ(mute.session_info.size(), 1u);
  EXPECT_EQ(mute.session_info[0].kind, SessionInfoKind::kMute);
  EXPECT_EQ(mute.session_info[0].name, "video");

  Jingle unknown_info = stanza(Action::kSessionInfo);
  unknown_info.sid = session->sid();
  unknown_info.unsupported_session_info = true;
  const Decision d = session->handle(unknown_info, dino);
  ASSERT_FALSE(d.ack());
  EXPECT_EQ(d.error->jingle, JingleError::kUnsupportedInfo);
  EXPECT_EQ(d.error->stanza_condition(), "feature-not-implemented");

  Jingle ping = stanza(Action::kSessionInfo);
  ping.sid = session->sid();
  EXPECT_TRUE(session->handle(ping, dino).ignored);
}

TEST(SessionTest, MovimTrickleAndSecondAccept) {
  const std::string movim = "carol@example.org/movim7a1";
  auto [decision, session] = Session::receive_initiate(fixture("movim/session_initiate.xml"), movim, kParrot);
  ASSERT_TRUE(decision.ack()) << decision.error->text;
  const Decision trickle = session->handle(fixture("movim/transport_info_candidates.xml"), movim);
  ASSERT_TRUE(trickle.ack()) << trickle.error->text;
  ASSERT_EQ(trickle.transports.size(), 1u);
  EXPECT_EQ(trickle.transports[0].candidates.size(), 1u);  // the TCP and mDNS ones are skipped
  EXPECT_EQ(trickle.transports[0].skipped_candidates, 2u);
  EXPECT_TRUE(trickle.transports[0].pwd.empty());  // ufrag only: not a credential change
  EXPECT_FALSE(trickle.transports[0].credentials_changed);
  ASSERT_TRUE(session->accept());

  Jingle again = fixture("movim/session_initiate.xml");
  again.action = Action::kSessionAccept;
  const Decision d = session->handle(again, movim);
  EXPECT_TRUE(d.ack());
  EXPECT_TRUE(d.ignored);
  EXPECT_EQ(session->state(), SessionState::kActive);
}

TEST(SessionTest, InitiatorAcceptDropsMissingContents) {
  Session session = Session::initiate(stanza(Action::kSessionInitiate, {content("0"), content("1")}), kParrot, kPeer);
  EXPECT_EQ(session.role(), SessionRole::kInitiator);
  // Contents the answer never offered are malformed; nothing changes.
  Decision d = session.handle(stanza(Action::kSessionAccept, {content("x")}), kPeer);
  EXPECT_EQ(d.error->stanza_condition(), "bad-request");
  EXPECT_EQ(session.state(), SessionState::kPending);
  d = session.handle(stanza(Action::kSessionAccept, {content("0")}), kPeer);
  ASSERT_TRUE(d.accepted);
  EXPECT_EQ(d.contents_removed, std::vector<std::string>{"1"});
  EXPECT_EQ(session.contents().size(), 1u);
  EXPECT_FALSE(session.accept());  // only a responder accepts locally
  EXPECT_TRUE(session.terminate(Reason{ReasonCondition::kSuccess, {}, {}}));
  EXPECT_FALSE(session.terminate(Reason{}));
  EXPECT_EQ(session.end_reason()->condition, ReasonCondition::kSuccess);
  EXPECT_FALSE(session.ended_by_peer());
}

}  // namespace
}  // namespace parrot::bot::jingle
