// Two real libnice agents on one GMainContext, loopback only: every config
// here pins allowed_addresses to 127.0.0.1 (or ::1) so nothing else is used.
#include "transport/ice/ice_agent.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <functional>
#include <stdexcept>

#include "tests/unit/transport/worker/loop_helpers.hpp"

namespace parrot::transport {
namespace {

using namespace std::chrono_literals;

using test::iterate_for;
using test::iterate_until;

struct ContextUnref {
  void operator()(GMainContext* context) const noexcept { g_main_context_unref(context); }
};
using ContextPtr = std::unique_ptr<GMainContext, ContextUnref>;

media::ByteView bytes_of(const std::string& text) { return media::as_bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()); }

struct Recorder : IceAgent::Observer {
  std::vector<IceCandidate> local;
  bool gathering_done = false;
  std::vector<std::pair<IceState, std::string>> states;
  std::optional<SelectedPair> pair;
  std::vector<std::pair<unsigned, std::string>> datagrams;
  std::function<void(const IceCandidate&)> trickle;

  void on_local_candidate(const IceCandidate& candidate) override {
    local.push_back(candidate);
    if (trickle) trickle(candidate);
  }
  void on_gathering_done() override { gathering_done = true; }
  void on_ice_state(IceState state, const std::string& reason) override { states.emplace_back(state, reason); }
  void on_selected_pair(const SelectedPair& selected) override { pair = selected; }
  void on_datagram(unsigned component, media::ByteView datagram) override {
    datagrams.emplace_back(component, std::string(reinterpret_cast<const char*>(datagram.data()), datagram.size()));
  }
  bool saw(IceState state) const {
    return std::any_of(states.begin(), states.end(), [&](const auto& s) { return s.first == state; });
  }
  bool got(unsigned component, const std::string& payload) const {
    return std::find(datagrams.begin(), datagrams.end(), std::pair{component, payload}) != datagrams.end();
  }
};

IceConfig loopback_config(bool controlling, unsigned components = 1, const std::string& address = "127.0.0.1") {
  IceConfig config;
  config.controlling = controlling;
  config.components = components;
  config.allowed_addresses = {address};
  return config;
}

// A UDP socket bound on loopback that never answers: a peer that is there
// but silent, on a port the OS chose.
class SilentSocket {
 public:
  explicit SilentSocket(int family = AF_INET) : fd_(::socket(family, SOCK_DGRAM, 0)) {
    if (fd_ < 0) throw std::runtime_error("socket");
    sockaddr_storage storage{};
    socklen_t size = 0;
    if (family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&storage);
      in->sin_family = AF_INET;
      in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      size = sizeof(sockaddr_in);
    } else {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
      in6->sin6_family = AF_INET6;
      in6->sin6_addr = in6addr_loopback;
      size = sizeof(sockaddr_in6);
    }
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&storage), size) == 0 &&
             ::getsockname(fd_, reinterpret_cast<sockaddr*>(&storage), &size) == 0;
    port_ = family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port)
                              : ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
  }
  ~SilentSocket() { ::close(fd_); }
  SilentSocket(const SilentSocket&) = delete;
  SilentSocket& operator=(const SilentSocket&) = delete;
  bool bound() const { return bound_; }
  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  bool bound_ = false;
  std::uint16_t port_ = 0;
};

class IceAgentTest : public ::testing::Test {
 protected:
  void TearDown() override {
    a_.reset();
    b_.reset();
    iterate_for(context_.get(), 50ms);  // completes nice_agent_close_async
  }

  void create(IceConfig config_a, IceConfig config_b) {
    a_ = std::make_unique<IceAgent>(context_.get(), std::move(config_a), ra_);
    b_ = std::make_unique<IceAgent>(context_.get(), std::move(config_b), rb_);
  }
  void trickle_both_ways() {
    ra_.trickle = [this](const IceCandidate& c) { if (b_) b_->add_remote_candidate(c); };
    rb_.trickle = [this](const IceCandidate& c) { if (a_) a_->add_remote_candidate(c); };
  }
  void exchange_credentials() {
    a_->set_remote_credentials(b_->local_credentials());
    b_->set_remote_credentials(a_->local_credentials());
  }
  bool both_connected() {
    return iterate_until(context_.get(), [&] { return a_->state() == IceState::kConnected && b_->state() == IceState::kConnected; });
  }
  void connect(IceConfig config_a, IceConfig config_b) {
    create(std::move(config_a), std::move(config_b));
    trickle_both_ways();
    exchange_credentials();
    a_->gather();
    b_->gather();
    ASSERT_TRUE(both_connected()) << "a " << to_string(a_->state()) << ", b " << to_string(b_->state());
  }

  ContextPtr context_{g_main_context_new()};
  Recorder ra_, rb_;
  std::unique_ptr<IceAgent> a_, b_;
};

struct Roles {
  bool a_controlling;
  unsigned components;
};

class IceAgentConnectTest : public IceAgentTest, public ::testing::WithParamInterface<Roles> {};

TEST_P(IceAgentConnectTest, ConnectsAndCarriesDatagramsBothWaysOnEachComponent) {
  const auto [a_controlling, components] = GetParam();
  connect(loopback_config(a_controlling, components), loopback_config(!a_controlling, components));

  EXPECT_TRUE(ra_.gathering_done);
  EXPECT_TRUE(ra_.saw(IceState::kGathering));
  EXPECT_EQ(ra_.states.back().first, IceState::kConnected);
  for (const auto& candidate : ra_.local) {
    EXPECT_EQ(candidate.ip, "127.0.0.1");
    EXPECT_TRUE(parse_candidate(candidate_attributes(candidate)).candidate) << candidate.foundation;
  }
  for (unsigned component = 1; component <= components; ++component) {
    const std::string to_b = "a->b " + std::to_string(component);
    const std::string to_a = "b->a " + std::to_string(component);
    ASSERT_TRUE(iterate_until(context_.get(), [&] {
      a_->send(component, bytes_of(to_b));
      b_->send(component, bytes_of(to_a));
      return rb_.got(component, to_b) && ra_.got(component, to_a);
    }));
  }
  EXPECT_GT(a_->datagrams_sent(), 0u);
  EXPECT_GT(b_->datagrams_received(), 0u);
  EXPECT_FALSE(a_->send(components + 1, bytes_of("no such component")));

  ASSERT_TRUE(iterate_until(context_.get(), [&] { return a_->selected_pair().has_value() && ra_.pair.has_value(); }));
  const SelectedPair pair = *a_->selected_pair();
  EXPECT_EQ(pair.local.type, IceCandidateType::kHost);
  EXPECT_EQ(pair.remote.type, IceCandidateType::kHost);
  EXPECT_EQ(pair.local.protocol, "udp");
  EXPECT_EQ(pair.local.ip, "127.0.0.1");
  EXPECT_EQ(pair.remote.ip, "127.0.0.1");
  EXPECT_NE(pair.local.port, pair.remote.port);
}

INSTANTIATE_TEST_SUITE_P(RolesAndComponents, IceAgentConnectTest,
                         ::testing::Values(Roles{true, 1}, Roles{false, 1}, Roles{true, 2}, Roles{false, 2}),
                         [](const ::testing::TestParamInfo<Roles>& param_info) {
                           return std::string(param_info.param.a_controlling ? "AControlling" : "AControlled") + "_" +
                                  std::to_string(param_info.param.components) + "Components";
                         });

TEST_F(IceAgentTest, RemoteCandidatesBeforeCredentialsStillConnect) {
  create(loopback_config(true), loopback_config(false));
  trickle_both_ways();
  a_->gather();
  b_->gather();
  ASSERT_FALSE(ra_.local.empty());
  ASSERT_FALSE(rb_.local.empty());
  iterate_for(context_.get(), 100ms);
  EXPECT_NE(a_->state(), IceState::kConnected);
  exchange_credentials();
  EXPECT_TRUE(both_connected());
}

TEST_F(IceAgentTest, SendBeforeConnectedIsRefusedAndCounted) {
  create(loopback_config(true), loopback_config(false));
  EXPECT_EQ(a_->state(), IceState::kNew);
  EXPECT_FALSE(a_->send(1, bytes_of("early")));
  EXPECT_EQ(a_->send_drops(), 1u);
  EXPECT_EQ(a_->datagrams_sent(), 0u);
}

// A batch leaves in one libnice call (sendmmsg on a UDP socket) and arrives
// in the order it was given; before connecting, all of it is refused and
// counted.
TEST_F(IceAgentTest, SendBatchKeepsOrderAndCountsWhatLeft) {
  create(loopback_config(true), loopback_config(false));
  const std::array<media::ByteView, 2> early{bytes_of("early 1"), bytes_of("early 2")};
  EXPECT_EQ(a_->send_batch(1, early), 0u);
  EXPECT_EQ(a_->send_drops(), 2u);
  a_.reset();
  b_.reset();
  connect(loopback_config(true), loopback_config(false));
  ASSERT_TRUE(iterate_until(context_.get(), [&] {
    a_->send(1, bytes_of("warm"));
    return rb_.got(1, "warm");
  }));
  std::vector<std::string> texts;
  for (int i = 0; i < 40; ++i) texts.push_back("batch " + std::to_string(i));
  std::vector<media::ByteView> views;
  for (const auto& text : texts) views.push_back(bytes_of(text));  // 40: more than one chunk of 16
  const auto sent_before = a_->datagrams_sent();
  EXPECT_EQ(a_->send_batch(1, views), views.size());
  EXPECT_EQ(a_->datagrams_sent(), sent_before + views.size());
  ASSERT_TRUE(iterate_until(context_.get(), [&] { return rb_.got(1, texts.back()); }));
  std::vector<std::string> arrived;
  for (const auto& [component, payload] : rb_.datagrams)
    if (payload.rfind("batch ", 0) == 0) arrived.push_back(payload);
  EXPECT_EQ(arrived, texts);
}

// Connected agents add no GSource to the worker's context: their sockets
// and libnice's timers live in PolledContexts, the consent watchdog in the
// shared wake-up heap. GLib walks every source of a context on each
// iteration, so with hundreds of calls per worker this is what keeps an
// iteration's cost flat.
TEST_F(IceAgentTest, ConnectedAgentsAddNoSourceToTheWorkerContext) {
  connect(loopback_config(true), loopback_config(false));
  a_->remote_gathering_done();  // no end-of-candidates timer left
  b_->remote_gathering_done();
  ASSERT_TRUE(iterate_until(context_.get(), [&] {
    b_->send(1, bytes_of("alive"));
    return ra_.got(1, "alive");
  }));
  // The names of the worker context's sources. Source ids are process-wide
  // and increasing: a new one bounds the search.
  const auto source_names = [&] {
    SourceRefPtr probe(g_idle_source_new());
    const guint last_id = g_source_attach(probe.get(), context_.get());
    g_source_destroy(probe.get());
    std::vector<std::string> names;
    for (guint id = 1; id < last_id; ++id) {
      GSource* source = g_main_context_find_source_by_id(context_.get(), id);
      if (source != nullptr) names.emplace_back(g_source_get_name(source) != nullptr ? g_source_get_name(source) : "(unnamed)");
    }
    std::sort(names.begin(), names.end());
    return names;
  };
  // Setup's sources (end-of-candidates, check pacing) go soon after connecting.
  const std::vector<std::string> expected{"parrot polled contexts", "parrot wakeups"};
  iterate_until(context_.get(), [&] { return source_names() == expected; });
  EXPECT_EQ(source_names(), expected);
}

TEST_F(IceAgentTest, SilentPeerLosesConsentAndSendingStops) {
  IceConfig config_a = loopback_config(true);
  config_a.consent_timeout = 1500ms;
  connect(std::move(config_a), loopback_config(false));
  ASSERT_TRUE(iterate_until(context_.get(), [&] {
    b_->send(1, bytes_of("alive"));
    return ra_.got(1, "alive");
  }));

  // Traffic keeps consent: twice the timeout with the peer talking.
  const gint64 talk_until = g_get_monotonic_time() + 3'000'000;
  iterate_until(context_.get(), [&] {
    b_->send(1, bytes_of("keepalive"));
    return g_get_monotonic_time() > talk_until || a_->state() != IceState::kConnected;
  });
  ASSERT_EQ(a_->state(), IceState::kConnected);

  b_.reset();
  ASSERT_TRUE(iterate_until(context_.get(), [&] { return a_->state() == IceState::kFailed; }));
  EXPECT_NE(ra_.states.back().second.find("consent lost"), std::string::npos) << ra_.states.back().second;
  EXPECT_EQ(a_->failure(), IceFailure::kConsentLost);
  const auto drops = a_->send_drops();
  EXPECT_FALSE(a_->send(1, bytes_of("after consent")));
  EXPECT_EQ(a_->send_drops(), drops + 1);
}

// RFC 8445 §9, and libwebrtc: media goes on over the previously selected
// pair while a restart's checks run. Both sides send all the way through
// (a offers the restart, b answers it, the new pair connects): libnice
// 0.1.21 must accept every datagram and deliver it.
TEST_F(IceAgentTest, RestartKeepsSendingOnThePreviousPairUntilTheNewOneConnects) {
  connect(loopback_config(true), loopback_config(false));
  std::size_t sent = 0;
  std::size_t refused = 0;
  std::size_t sent_while_restarting = 0;
  const auto exchange = [&] {
    const std::string number = std::to_string(sent++);
    refused += a_->send(1, bytes_of("a" + number)) ? 0u : 1u;
    refused += b_->send(1, bytes_of("b" + number)) ? 0u : 1u;
    if (a_->sending_on_previous_pair() || b_->sending_on_previous_pair()) ++sent_while_restarting;
    iterate_for(context_.get(), 5ms);
  };
  for (int i = 0; i < 5; ++i) exchange();

  const IceCredentials a_before = a_->local_credentials();
  const IceCredentials new_a = a_->restart(std::nullopt);  // the offer: b's answer is still to come
  EXPECT_NE(new_a.ufrag, a_before.ufrag);
  EXPECT_EQ(a_->state(), IceState::kChecking);
  EXPECT_TRUE(a_->sending_on_previous_pair());
  for (int i = 0; i < 10; ++i) exchange();
  // The offer carries a's candidates; b's answer takes a while to reach a,
  // so b's checks reach a first.
  const IceCredentials new_b = b_->restart(new_a);
  for (const auto& candidate : ra_.local) b_->add_remote_candidate(candidate);
  EXPECT_TRUE(b_->sending_on_previous_pair());
  for (int i = 0; i < 40; ++i) exchange();
  a_->set_remote_credentials(new_b);
  for (const auto& candidate : rb_.local) a_->add_remote_candidate(candidate);
  ASSERT_TRUE(iterate_until(context_.get(), [&] {
    exchange();
    return a_->state() == IceState::kConnected && b_->state() == IceState::kConnected;
  })) << "a " << to_string(a_->state()) << ", b " << to_string(b_->state());
  EXPECT_FALSE(a_->sending_on_previous_pair());
  EXPECT_FALSE(b_->sending_on_previous_pair());
  for (int i = 0; i < 5; ++i) exchange();

  EXPECT_EQ(refused, 0u);
  EXPECT_EQ(a_->send_drops() + b_->send_drops(), 0u);
  EXPECT_GE(sent_while_restarting, 20u);
  ASSERT_TRUE(iterate_until(context_.get(), [&] { return ra_.datagrams.size() >= sent && rb_.datagrams.size() >= sent; }))
      << "a got " << ra_.datagrams.size() << ", b got " << rb_.datagrams.size() << " of " << sent;
  for (std::size_t i = 0; i < sent; ++i) {
    EXPECT_TRUE(rb_.got(1, "a" + std::to_string(i))) << i;
    EXPECT_TRUE(ra_.got(1, "b" + std::to_string(i))) << i;
  }
}

// libwebrtc keeps its old connection when a restart finds no new one; so
// does parrot: the restart's checks all fail, the old pair carries on.
TEST_F(IceAgentTest, RestartWhoseChecksAllFailStaysOnThePreviousPair) {
  SilentSocket silent;
  ASSERT_TRUE(silent.bound());
  IceConfig config_a = loopback_config(true);
  config_a.end_of_candidates_timeout = 300ms;
  connect(std::move(config_a), loopback_config(false));
  a_->restart(std::nullopt);
  // The answer names only an address where nobody answers.
  IceCandidate nowhere;
  nowhere.foundation = "9";
  nowhere.ip = "127.0.0.1";
  nowhere.port = silent.port();
  nowhere.priority = 2122260223;
  a_->set_remote_credentials({"gone", "abcdefghijklmnopqrstuvwx"});
  a_->add_remote_candidate(nowhere);
  std::size_t sent = 0;
  ASSERT_TRUE(iterate_until(context_.get(), [&] {
    b_->send(1, bytes_of("b still here"));  // keeps a's consent
    EXPECT_TRUE(a_->send(1, bytes_of("a" + std::to_string(sent++))));
    iterate_for(context_.get(), 5ms);
    return a_->state() == IceState::kConnected;
  }, 30s)) << to_string(a_->state());
  EXPECT_EQ(ra_.states.back().second, "ice restart failed: staying on the previous pair");
  EXPECT_FALSE(a_->sending_on_previous_pair());
  EXPECT_TRUE(a_->send(1, bytes_of("after")));
  ASSERT_TRUE(iterate_until(context_.get(), [&] { return rb_.got(1, "after"); }));
  EXPECT_EQ(a_->send_drops(), 0u);
}

// The kept pair stays under the consent clock (RFC 7675 §5.1): a peer that
// falls silent during the restart ends the sending as it would have before.
TEST_F(IceAgentTest, RestartingPairStillLosesConsentToASilentPeer) {
  IceConfig config_a = loopback_config(true);
  config_a.consent_timeout = 500ms;
  connect(std::move(config_a), loopback_config(false));
  const std::size_t heard = ra_.datagrams.size();
  ASSERT_TRUE(iterate_until(context_.get(), [&] {
    b_->send(1, bytes_of("alive"));  // consent fresh just before the restart
    return ra_.datagrams.size() > heard;
  }));
  a_->restart(std::nullopt);
  ASSERT_TRUE(a_->sending_on_previous_pair());
  EXPECT_TRUE(a_->send(1, bytes_of("still on the old pair")));
  b_.reset();
  ASSERT_TRUE(iterate_until(context_.get(), [&] { return a_->state() == IceState::kFailed; }));
  EXPECT_NE(ra_.states.back().second.find("consent lost"), std::string::npos) << ra_.states.back().second;
  EXPECT_FALSE(a_->sending_on_previous_pair());
  EXPECT_FALSE(a_->send(1, bytes_of("after consent")));
}

// After a consent loss there is no pair to keep: nothing leaves until the
// restart's checks connect.
TEST_F(IceAgentTest, RestartAfterConsentLossSendsOnlyOnceConnected) {
  IceConfig config_a = loopback_config(true);
  config_a.consent_timeout = 300ms;
  IceConfig config_b = loopback_config(false);
  config_b.consent_timeout = 300ms;
  connect(std::move(config_a), std::move(config_b));
  ASSERT_TRUE(iterate_until(context_.get(), [&] { return a_->state() == IceState::kFailed; }));
  const IceCredentials new_a = a_->restart(std::nullopt);
  EXPECT_FALSE(a_->sending_on_previous_pair());
  EXPECT_FALSE(a_->send(1, bytes_of("no pair")));
  ASSERT_TRUE(iterate_until(context_.get(), [&] { return b_->state() == IceState::kFailed; }));
  const IceCredentials new_b = b_->restart(new_a);
  a_->set_remote_credentials(new_b);
  for (const auto& candidate : rb_.local) a_->add_remote_candidate(candidate);
  for (const auto& candidate : ra_.local) b_->add_remote_candidate(candidate);
  ASSERT_TRUE(both_connected());
  ASSERT_TRUE(iterate_until(context_.get(), [&] {
    a_->send(1, bytes_of("back"));
    return rb_.got(1, "back");
  }));
}

TEST_F(IceAgentTest, EndOfCandidatesTimerLetsUnreachablePeerFail) {
  SilentSocket silent;
  ASSERT_TRUE(silent.bound());
  IceCandidate remote;
  remote.foundation = "1";
  remote.ip = "127.0.0.1";
  remote.port = silent.port();
  remote.priority = 2122260223;
  // a_ gets the end-of-candidates timer quickly; b_ (the control) would only
  // after a minute, so libnice must keep it checking.
  IceConfig quick = loopback_config(true);
  quick.end_of_candidates_timeout = 300ms;
  IceConfig slow = loopback_config(true);
  slow.end_of_candidates_timeout = 60s;
  create(std::move(quick), std::move(slow));
  for (IceAgent* agent : {a_.get(), b_.get()}) {
    agent->set_remote_credentials({"ufrg", "abcdefghijklmnopqrstuvwx"});
    agent->gather();
    agent->add_remote_candidate(remote);
  }
  ASSERT_TRUE(iterate_until(context_.get(), [&] { return a_->state() == IceState::kFailed; }, 60s)) << to_string(a_->state());
  EXPECT_NE(ra_.states.back().second.find("ICE failed"), std::string::npos);
  EXPECT_FALSE(a_->send(1, bytes_of("nobody")));
  iterate_for(context_.get(), 500ms);
  EXPECT_EQ(b_->state(), IceState::kChecking);
  b_->remote_gathering_done();
  EXPECT_TRUE(iterate_until(context_.get(), [&] { return b_->state() == IceState::kFailed; }));
}

TEST_F(IceAgentTest, PortRangeIsHonoured) {
  SilentSocket probe;
  ASSERT_TRUE(probe.bound());
  const std::uint16_t port_min = std::min<std::uint16_t>(probe.port(), 65535 - 40);
  const std::uint16_t port_max = port_min + 40;
  IceConfig config_a = loopback_config(true, 2);
  config_a.port_min = port_min;
  config_a.port_max = port_max;
  connect(std::move(config_a), loopback_config(false, 2));
  ASSERT_EQ(ra_.local.size(), 2u);
  for (const auto& candidate : ra_.local) {
    EXPECT_GE(candidate.port, port_min);
    EXPECT_LE(candidate.port, port_max);
  }
}

TEST_F(IceAgentTest, Ipv6LoopbackConnects) {
  SilentSocket probe(AF_INET6);
  if (!probe.bound()) GTEST_SKIP() << "no ::1 on this machine";
  connect(loopback_config(true, 1, "::1"), loopback_config(false, 1, "::1"));
  ASSERT_TRUE(iterate_until(context_.get(), [&] {
    a_->send(1, bytes_of("v6"));
    return rb_.got(1, "v6");
  }));
  ASSERT_TRUE(a_->selected_pair());
  EXPECT_EQ(a_->selected_pair()->local.ip, "::1");
}

TEST_F(IceAgentTest, PublicAddressAddsMappedCandidate) {
  IceConfig config = loopback_config(false);
  config.public_address = "203.0.113.7";
  a_ = std::make_unique<IceAgent>(context_.get(), std::move(config), ra_);
  a_->gather();
  ASSERT_TRUE(iterate_until(context_.get(), [&] { return ra_.gathering_done; }));
  ASSERT_EQ(ra_.local.size(), 2u);
  const IceCandidate& host = ra_.local[0];
  const IceCandidate& mapped = ra_.local[1];
  EXPECT_EQ(host.type, IceCandidateType::kHost);
  EXPECT_EQ(mapped.type, IceCandidateType::kServerReflexive);
  EXPECT_EQ(mapped.ip, "203.0.113.7");
  EXPECT_EQ(mapped.port, host.port);
  EXPECT_EQ(mapped.rel_addr, host.ip);
  EXPECT_EQ(mapped.rel_port, host.port);
  EXPECT_LT(mapped.priority, host.priority);
  EXPECT_NE(mapped.foundation, host.foundation);
  EXPECT_NE(mapped.id, host.id);
  EXPECT_TRUE(parse_candidate(candidate_attributes(mapped)).candidate);
}

TEST_F(IceAgentTest, RelayOnlyAnnouncesNoOtherCandidate) {
  // `parrot probe --relay-only`: without a TURN server nothing is left to
  // announce, not the host candidate and not the --public-address twin.
  IceConfig config = loopback_config(true);
  config.relay_only = true;
  config.public_address = "203.0.113.7";
  a_ = std::make_unique<IceAgent>(context_.get(), std::move(config), ra_);
  a_->gather();
  ASSERT_TRUE(iterate_until(context_.get(), [&] { return ra_.gathering_done; }));
  EXPECT_TRUE(ra_.local.empty()) << ra_.local.size() << " candidate(s), the first " << to_string(ra_.local[0].type);
}

TEST_F(IceAgentTest, CloseStopsEverything) {
  connect(loopback_config(true), loopback_config(false));
  a_->close();
  EXPECT_EQ(a_->state(), IceState::kClosed);
  EXPECT_EQ(ra_.states.back().first, IceState::kClosed);
  EXPECT_FALSE(a_->send(1, bytes_of("closed")));
  const auto reported = ra_.states.size();
  a_->close();
  EXPECT_EQ(ra_.states.size(), reported);
}

TEST_F(IceAgentTest, ConfigErrorsThrow) {
  const auto throws = [&](IceConfig config) {
    EXPECT_THROW(IceAgent(context_.get(), std::move(config), ra_), std::invalid_argument);
  };
  IceConfig config = loopback_config(false, 3);
  throws(config);
  config = loopback_config(false);
  config.allowed_addresses = {"localhost"};
  throws(config);
  config = loopback_config(false);
  config.denied_addresses = {"127."};
  throws(config);
  config = loopback_config(false);
  config.denied_addresses = {"not-an-address"};
  throws(config);
  config = loopback_config(false);
  config.port_min = 5000;
  config.port_max = 4000;
  throws(config);
  config = loopback_config(false);
  config.port_min = 5000;
  throws(config);
  config = loopback_config(false);
  config.turn_servers = {TurnServer{"turn.example.org", 3478, "user", "pass", TurnTransport::kUdp}};
  throws(config);
  config = loopback_config(false);
  config.public_address = "nat.example.org";
  throws(config);
  config = loopback_config(false, 1, "::1");
  config.ipv6 = false;
  throws(config);
}

TEST_F(IceAgentTest, RemoteCandidateErrors) {
  create(loopback_config(true), loopback_config(false));
  IceCandidate remote;
  remote.foundation = "1";
  remote.ip = "127.0.0.1";
  remote.port = 9;
  remote.priority = 1;
  remote.component = 2;
  EXPECT_THROW(a_->add_remote_candidate(remote), std::invalid_argument);
  remote.component = 1;
  remote.ip = "example.org";
  EXPECT_THROW(a_->add_remote_candidate(remote), std::invalid_argument);
  EXPECT_THROW(a_->set_remote_credentials({"", "pwd"}), std::invalid_argument);
  EXPECT_THROW(a_->set_remote_credentials({"uf rag", "abcdefghijklmnopqrstuvwx"}), std::invalid_argument);
}

TEST_F(IceAgentTest, LocalCredentialsAreUsable) {
  create(loopback_config(true), loopback_config(false));
  EXPECT_GE(a_->local_credentials().ufrag.size(), 4u);
  EXPECT_GE(a_->local_credentials().pwd.size(), 22u);
  EXPECT_NE(a_->local_credentials().ufrag, b_->local_credentials().ufrag);
}

}  // namespace
}  // namespace parrot::transport
