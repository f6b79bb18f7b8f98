// PolledContext with real UDP sockets on loopback: a GSocket source in the
// private context (what libnice attaches for an agent's socket) dispatches
// when a datagram arrives, though only the worker's context is iterated.
#include "transport/worker/polled_context.hpp"

#include <gio/gio.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "loop_helpers.hpp"

namespace parrot::transport {
namespace {

using namespace std::chrono_literals;
using test::iterate_for;
using test::iterate_until;

// A non-blocking UDP socket on 127.0.0.1 and a GSocket source for it in
// `context` that reads what arrives (as libnice's component sources do).
class Receiver {
 public:
  explicit Receiver(GMainContext* context) {
    socket_.reset(g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr));
    if (!socket_) throw std::runtime_error("socket");
    g_socket_set_blocking(socket_.get(), FALSE);
    GObjectPtr<GInetAddress> loopback(g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4));
    GObjectPtr<GSocketAddress> any(g_inet_socket_address_new(loopback.get(), 0));
    if (!g_socket_bind(socket_.get(), any.get(), TRUE, nullptr)) throw std::runtime_error("bind");
    address_.reset(g_socket_get_local_address(socket_.get(), nullptr));
    source_.reset(g_socket_create_source(socket_.get(), G_IO_IN, nullptr));
    g_source_set_callback(source_.get(), G_SOURCE_FUNC(+[](GSocket* socket, GIOCondition, gpointer self) -> gboolean {
                            auto& receiver = *static_cast<Receiver*>(self);
                            char buffer[256];
                            gssize n = 0;
                            while ((n = g_socket_receive(socket, buffer, sizeof buffer, nullptr, nullptr)) > 0)
                              receiver.got.emplace_back(buffer, static_cast<std::size_t>(n));
                            return G_SOURCE_CONTINUE;
                          }),
                          this, nullptr);
    g_source_attach(source_.get(), context);
  }
  void send_from(GSocket* from, const std::string& text) const {
    g_socket_send_to(from, address_.get(), text.data(), text.size(), nullptr, nullptr);
  }
  int fd() const { return g_socket_get_fd(socket_.get()); }

  std::vector<std::string> got;

 private:
  GObjectPtr<GSocket> socket_;
  GObjectPtr<GSocketAddress> address_;
  AttachedSourcePtr source_;
};

GObjectPtr<GSocket> sender() {
  return GObjectPtr<GSocket>(g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr));
}

TEST(PolledContext, DispatchesItsSourcesWhenTheirDescriptorIsReady) {
  auto worker = test::new_context();
  PolledContext polled(worker.get());
  Receiver receiver(polled.get());
  polled.watch_descriptors();  // the socket came after the PolledContext
  EXPECT_GE(polled.watched(), 2u);  // the socket and the context's wake-up descriptor
  const auto out = sender();
  receiver.send_from(out.get(), "one");
  receiver.send_from(out.get(), "two");
  ASSERT_TRUE(iterate_until(worker.get(), [&] { return receiver.got.size() == 2; }));
  EXPECT_EQ(receiver.got, (std::vector<std::string>{"one", "two"}));
  // Quiet afterwards: nothing dispatches without data.
  iterate_for(worker.get(), 30ms);
  EXPECT_EQ(receiver.got.size(), 2u);
  receiver.send_from(out.get(), "three");
  ASSERT_TRUE(iterate_until(worker.get(), [&] { return receiver.got.size() == 3; }));
}

// Many private contexts on one worker: each datagram reaches its own
// receiver, and a context destroyed stops watching while the others go on.
TEST(PolledContext, ManyContextsShareOneWorkerAndLeaveOneByOne) {
  auto worker = test::new_context();
  constexpr int kContexts = 20;
  std::vector<std::unique_ptr<PolledContext>> polled;
  std::vector<std::unique_ptr<Receiver>> receivers;
  for (int i = 0; i < kContexts; ++i) {
    polled.push_back(std::make_unique<PolledContext>(worker.get()));
    receivers.push_back(std::make_unique<Receiver>(polled.back()->get()));
    polled.back()->watch_descriptors();
  }
  const auto out = sender();
  for (int i = 0; i < kContexts; ++i) receivers[static_cast<std::size_t>(i)]->send_from(out.get(), std::to_string(i));
  ASSERT_TRUE(iterate_until(worker.get(), [&] {
    return std::all_of(receivers.begin(), receivers.end(), [](const auto& r) { return r->got.size() == 1; });
  }));
  for (int i = 0; i < kContexts; ++i) EXPECT_EQ(receivers[static_cast<std::size_t>(i)]->got.front(), std::to_string(i));

  // The first half goes (receiver first: its socket leaves the private
  // context, then the context stops watching).
  for (int i = 0; i < kContexts / 2; ++i) {
    receivers[static_cast<std::size_t>(i)].reset();
    polled[static_cast<std::size_t>(i)].reset();
  }
  for (int i = kContexts / 2; i < kContexts; ++i) receivers[static_cast<std::size_t>(i)]->send_from(out.get(), "again");
  ASSERT_TRUE(iterate_until(worker.get(), [&] {
    return std::all_of(receivers.begin() + kContexts / 2, receivers.end(), [](const auto& r) { return r->got.size() == 2; });
  }));
}

// A socket that goes away inside the private context is noticed at the
// next look; its descriptor number, reused by a socket of another context,
// is that context's from then on.
TEST(PolledContext, AReusedDescriptorNumberBelongsToItsNewContext) {
  auto worker = test::new_context();
  PolledContext first(worker.get());
  auto receiver = std::make_unique<Receiver>(first.get());
  first.watch_descriptors();
  const int fd = receiver->fd();
  PolledContext second(worker.get());
  receiver.reset();  // socket closed: epoll forgets it by itself
  Receiver reused(second.get());
  second.watch_descriptors();
  ASSERT_EQ(reused.fd(), fd) << "the kernel gives the lowest free number; another test thread took it?";
  first.watch_descriptors();  // sees its socket gone, and leaves the number to `second`
  const auto out = sender();
  reused.send_from(out.get(), "mine");
  ASSERT_TRUE(iterate_until(worker.get(), [&] { return reused.got.size() == 1; }));
}

// Timeouts in the private context (libnice's check and keepalive timers)
// fire through the worker's wake-up heap, in order.
TEST(PolledContext, RunsThePrivateContextsTimeouts) {
  auto worker = test::new_context();
  PolledContext polled(worker.get());
  std::vector<int> fired;
  const auto add = [&](guint ms, int id) {
    struct Fired {
      std::vector<int>* log;
      int id;
    };
    SourceRefPtr source(g_timeout_source_new(ms));
    g_source_set_callback(
        source.get(), [](gpointer data) -> gboolean {
          const auto* f = static_cast<Fired*>(data);
          f->log->push_back(f->id);
          return G_SOURCE_REMOVE;
        },
        new Fired{&fired, id}, [](gpointer data) { delete static_cast<Fired*>(data); });
    g_source_attach(source.get(), polled.get());
  };
  add(30, 2);
  add(5, 1);
  polled.watch_descriptors();  // as IceAgent does after a libnice call
  ASSERT_TRUE(iterate_until(worker.get(), [&] { return fired.size() == 2; }));
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
}

// Handed over with an object, the private context goes on running (here a
// timer that drops the object's last reference, as libnice's asynchronous
// close does) and is freed once the object is finalized.
TEST(PolledContext, RunsUntilItsObjectIsFinalized) {
  auto worker = test::new_context();
  auto polled = std::make_unique<PolledContext>(worker.get());
  GObject* object = G_OBJECT(g_object_new(G_TYPE_OBJECT, nullptr));
  bool finalized = false;
  g_object_weak_ref(object, [](gpointer flag, GObject*) { *static_cast<bool*>(flag) = true; }, &finalized);
  SourceRefPtr release(g_timeout_source_new(10));
  g_source_set_callback(
      release.get(), [](gpointer data) -> gboolean {
        g_object_unref(static_cast<GObject*>(data));
        return G_SOURCE_REMOVE;
      },
      object, nullptr);
  g_source_attach(release.get(), polled->get());
  polled->watch_descriptors();
  PolledContext::run_until_finalized(std::move(polled), object);
  ASSERT_TRUE(iterate_until(worker.get(), [&] { return finalized; }));
  iterate_for(worker.get(), 20ms);  // nothing of the freed context runs any more
}

TEST(PolledContext, RefusesANullWorkerContext) { EXPECT_THROW(PolledContext(nullptr), std::invalid_argument); }

}  // namespace
}  // namespace parrot::transport
