#include "transport/tcp_connector.hpp"

#include <gio/gio.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "transport/glib_ptr.hpp"

// A resolver that answers SRV lookups from a table, so the SRV and fallback
// paths are tested without asking the machine's DNS server (tests never send
// traffic off loopback). Name lookups are never needed: targets are IP literals.
struct TableResolver {
  GResolver parent;
};
struct TableResolverClass {
  GResolverClass parent_class;
};
G_DEFINE_TYPE(TableResolver, table_resolver, G_TYPE_RESOLVER)

namespace {
std::vector<std::pair<std::string, guint16>> g_srv_answer;  // empty: no such record
std::string g_srv_asked;
}  // namespace

static void table_resolver_lookup_service_async(GResolver* resolver, const gchar* rrname, GCancellable* cancellable,
                                                GAsyncReadyCallback callback, gpointer data) {
  g_srv_asked = rrname;
  GTask* task = g_task_new(resolver, cancellable, callback, data);
  if (g_srv_answer.empty()) {
    g_task_return_new_error(task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "no SRV record for %s", rrname);
  } else {
    GList* targets = nullptr;
    for (const auto& [host, port] : g_srv_answer) {
      targets = g_list_append(targets, g_srv_target_new(host.c_str(), port, 0, 0));
    }
    g_task_return_pointer(task, targets, reinterpret_cast<GDestroyNotify>(g_resolver_free_targets));
  }
  g_object_unref(task);
}

static GList* table_resolver_lookup_service_finish(GResolver*, GAsyncResult* result, GError** error) {
  return static_cast<GList*>(g_task_propagate_pointer(G_TASK(result), error));
}

static void table_resolver_class_init(TableResolverClass* klass) {
  klass->parent_class.lookup_service_async = table_resolver_lookup_service_async;
  klass->parent_class.lookup_service_finish = table_resolver_lookup_service_finish;
}

static void table_resolver_init(TableResolver*) {}

namespace parrot::transport {
namespace {

// A listening loopback socket on a free port, and a loop to run the connector on.
class TcpConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    real_resolver_.reset(g_resolver_get_default());
    GObjectPtr<GResolver> table(static_cast<GResolver*>(g_object_new(table_resolver_get_type(), nullptr)));
    g_resolver_set_default(table.get());
    g_srv_answer.clear();
    listener_.reset(g_socket_listener_new());
    port_ = g_socket_listener_add_any_inet_port(listener_.get(), nullptr, nullptr);
    ASSERT_NE(port_, 0);
  }

  TcpConnectResult run(const std::function<void(TcpConnector&, TcpConnector::Done)>& start) {
    std::optional<TcpConnectResult> result;
    GMainLoopPtr loop(g_main_loop_new(nullptr, FALSE));
    TcpConnector connector(nullptr, std::chrono::seconds(5));
    start(connector, [&](TcpConnectResult r) {
      result = std::move(r);
      g_main_loop_quit(loop.get());
    });
    const guint guard = g_timeout_add_seconds(30, [](gpointer l) -> gboolean {
      g_main_loop_quit(static_cast<GMainLoop*>(l));
      return G_SOURCE_REMOVE;
    }, loop.get());
    g_main_loop_run(loop.get());
    if (result) g_source_remove(guard);
    EXPECT_TRUE(result) << "connector never called back";
    return result ? std::move(*result) : TcpConnectResult{};
  }

  void TearDown() override { g_resolver_set_default(real_resolver_.get()); }

  GObjectPtr<GResolver> real_resolver_;
  GObjectPtr<GSocketListener> listener_;
  guint16 port_ = 0;
};

TEST_F(TcpConnectorTest, ConnectsToHostAndPort) {
  const auto result = run([&](TcpConnector& c, TcpConnector::Done done) { c.connect_host("127.0.0.1", port_, done); });
  ASSERT_TRUE(result.fd) << result.error;
  EXPECT_EQ(result.peer, "127.0.0.1:" + std::to_string(port_));
}

TEST_F(TcpConnectorTest, FallsBackToTheDomainWithoutAnSrvRecord) {
  // RFC 6120 §3.2.2: no _xmpp-client._tcp record, so the domain itself.
  const auto result = run(
      [&](TcpConnector& c, TcpConnector::Done done) { c.connect_service("xmpp-client", "127.0.0.1", port_, done); });
  EXPECT_EQ(g_srv_asked, "_xmpp-client._tcp.127.0.0.1");
  ASSERT_TRUE(result.fd) << result.error;
  EXPECT_EQ(result.peer, "127.0.0.1:" + std::to_string(port_));
}

TEST_F(TcpConnectorTest, TriesSrvTargetsInOrderPastOnesThatFail) {
  GObjectPtr<GSocketListener> closed(g_socket_listener_new());
  const guint16 dead_port = g_socket_listener_add_any_inet_port(closed.get(), nullptr, nullptr);
  closed.reset();  // a port where nothing listens
  g_srv_answer = {{"127.0.0.1", dead_port}, {"127.0.0.1", port_}};
  const auto result = run(
      [&](TcpConnector& c, TcpConnector::Done done) { c.connect_service("xmpp-client", "example.test", 5222, done); });
  EXPECT_EQ(g_srv_asked, "_xmpp-client._tcp.example.test");
  ASSERT_TRUE(result.fd) << result.error;
  EXPECT_EQ(result.peer, "127.0.0.1:" + std::to_string(port_));  // not the fallback example.test:5222
}

TEST_F(TcpConnectorTest, RefusedConnectionIsAnError) {
  const guint16 closed_port = port_;
  listener_.reset();  // nothing listens there any more
  const auto result = run([&](TcpConnector& c, TcpConnector::Done done) { c.connect_host("127.0.0.1", closed_port, done); });
  EXPECT_FALSE(result.fd);
  EXPECT_NE(result.error.find("127.0.0.1"), std::string::npos) << result.error;
}

TEST_F(TcpConnectorTest, CancelledAttemptNeverCallsBack) {
  GMainLoopPtr loop(g_main_loop_new(nullptr, FALSE));
  bool called = false;
  {
    TcpConnector connector(nullptr, std::chrono::seconds(5));
    connector.connect_host("127.0.0.1", port_, [&](TcpConnectResult) { called = true; });
  }  // destroyed with the attempt in flight
  for (int i = 0; i < 100; ++i) g_main_context_iteration(nullptr, FALSE);
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace parrot::transport
