// The steady-state echo path through two real IceAgents on loopback makes
// no C++ heap allocation per datagram: receive (PolledContext dispatch,
// on_receive), the consent count, and send_batch. Counted with a replaced
// operator new, so what is counted is parrot's own code: libnice and GLib
// allocate with malloc/g_slice and are not ours to change (libnice 0.1.21
// asks g_socket_receive_message() for every datagram's sender, a new
// GSocketAddress each time, whichever receive API is used).
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <new>

#include "tests/unit/transport/worker/loop_helpers.hpp"
#include "transport/ice/ice_agent.hpp"

// GCC takes the replaced operators below for a malloc/delete mismatch once
// it inlines them into make_unique; they are a matched pair.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {
thread_local bool g_counting = false;
thread_local std::size_t g_allocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  if (g_counting) ++g_allocations;
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }

namespace parrot::transport {
namespace {

using namespace std::chrono_literals;

// Echoes every datagram back (b), or counts the echoes (a): nothing here
// allocates either.
struct Echo : IceAgent::Observer {
  IceAgent* agent = nullptr;
  bool echo = false;
  std::size_t received = 0;
  IceState state = IceState::kNew;
  void on_local_candidate(const IceCandidate& candidate) override {
    if (peer != nullptr) peer->add_remote_candidate(candidate);
  }
  void on_gathering_done() override {}
  void on_ice_state(IceState s, const std::string&) override { state = s; }
  void on_selected_pair(const SelectedPair&) override {}
  void on_datagram(unsigned component, media::ByteView datagram) override {
    ++received;
    if (echo) {
      const std::array<media::ByteView, 1> one{datagram};
      agent->send_batch(component, one);
    }
  }
  IceAgent* peer = nullptr;
};

IceConfig loopback(bool controlling) {
  IceConfig config;
  config.controlling = controlling;
  config.allowed_addresses = {"127.0.0.1"};
  config.consent_timeout = 500ms;  // its tick (every 100 ms) runs during the count
  return config;
}

TEST(IceAllocation, EchoedDatagramsAllocateNothingInParrot) {
  auto context = test::new_context();
  Echo a_side, b_side;
  b_side.echo = true;
  auto a = std::make_unique<IceAgent>(context.get(), loopback(true), a_side);
  auto b = std::make_unique<IceAgent>(context.get(), loopback(false), b_side);
  a_side.agent = a.get();
  b_side.agent = b.get();
  a_side.peer = b.get();
  b_side.peer = a.get();
  a->set_remote_credentials(b->local_credentials());
  b->set_remote_credentials(a->local_credentials());
  a->gather();
  b->gather();
  ASSERT_TRUE(test::iterate_until(context.get(), [&] {
    return a_side.state == IceState::kConnected && b_side.state == IceState::kConnected;
  }));

  const std::array<std::byte, 172> packet{};  // an Opus packet's size under SRTP
  const std::array<media::ByteView, 1> one{media::ByteView(packet)};
  // Runs `rounds` send-and-echo round trips on a loop that wakes at least
  // every 10 ms; the tick and the deadline are made before counting.
  const Timer tick = Timer::repeating(context.get(), 10ms, [] {});
  const auto round_trips = [&](int rounds) {
    const auto deadline = std::chrono::steady_clock::now() + test::kDeadline;
    for (int i = 0; i < rounds; ++i) {
      const std::size_t before = a_side.received;
      a->send_batch(1, one);
      while (a_side.received == before && std::chrono::steady_clock::now() < deadline) g_main_context_iteration(context.get(), TRUE);
    }
    return std::chrono::steady_clock::now() < deadline;
  };
  ASSERT_TRUE(round_trips(50));  // warm-up: buffers reach their size

  g_counting = true;
  const bool done = round_trips(500);  // ~0.3 s or more: consent ticks and libnice keepalives included
  g_counting = false;
  ASSERT_TRUE(done);
  EXPECT_EQ(g_allocations, 0u) << "C++ allocations in 500 echoed datagrams";
  EXPECT_EQ(b->send_drops(), 0u);

  a.reset();
  b.reset();
  test::iterate_for(context.get(), 50ms);
}

}  // namespace
}  // namespace parrot::transport
