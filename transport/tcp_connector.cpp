#include "transport/tcp_connector.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>
#include <vector>

#include "transport/glib_ptr.hpp"
#include "transport/unique_fd.hpp"

namespace parrot::transport {

// Owned by the chain of GIO callbacks; deletes itself when the chain ends.
// The connector only holds a pointer to cancel it.
struct TcpConnector::Attempt {
  Attempt(TcpConnector* owner_in, Done done_in) : owner(owner_in), done(std::move(done_in)) {}

  TcpConnector* owner;
  Done done;
  GObjectPtr<GCancellable> cancellable{g_cancellable_new()};
  GObjectPtr<GSocketClient> client{g_socket_client_new()};
  std::vector<std::pair<std::string, std::uint16_t>> targets;
  std::pair<std::string, std::uint16_t> fallback;  // used when there is no SRV record
  std::size_t next = 0;
  std::string last_error;

  void finish(TcpConnectResult result) {
    if (owner) {
      owner->attempt_ = nullptr;
      Done callback = std::move(done);
      delete this;
      callback(std::move(result));
      return;
    }
    UniqueFd unwanted(result.fd);  // cancelled meanwhile: nobody takes the socket
    delete this;
  }

  std::string current_peer() const {
    if (next == 0 || next > targets.size()) return {};
    const auto& [host, port] = targets[next - 1];
    return host + ":" + std::to_string(port);
  }

  void try_next() {
    if (!owner) return finish({});
    if (next >= targets.size()) {
      return finish({-1, current_peer(), last_error.empty() ? "no address to connect to" : last_error});
    }
    const auto& [host, port] = targets[next++];
    g_socket_client_connect_to_host_async(client.get(), host.c_str(), port, cancellable.get(), &on_connected, this);
  }

  static void on_resolved(GObject* source, GAsyncResult* result, gpointer data) {
    auto* self = static_cast<Attempt*>(data);
    GError* raw_error = nullptr;
    GList* records = g_resolver_lookup_service_finish(G_RESOLVER(source), result, &raw_error);
    GErrorPtr error(raw_error);
    if (records) {
      // Already ordered by priority and weight (RFC 2782) by GLib.
      for (GList* it = records; it; it = it->next) {
        auto* target = static_cast<GSrvTarget*>(it->data);
        self->targets.emplace_back(g_srv_target_get_hostname(target), g_srv_target_get_port(target));
      }
      g_resolver_free_targets(records);
    } else {
      self->targets.push_back(self->fallback);
    }
    self->try_next();
  }

  static void on_connected(GObject* source, GAsyncResult* result, gpointer data) {
    auto* self = static_cast<Attempt*>(data);
    GError* raw_error = nullptr;
    GObjectPtr<GSocketConnection> connection(
        g_socket_client_connect_to_host_finish(G_SOCKET_CLIENT(source), result, &raw_error));
    GErrorPtr error(raw_error);
    if (!connection) {
      self->last_error = self->current_peer() + ": " + (error ? error->message : "connect failed");
      return self->try_next();
    }
    // The GSocketConnection closes its descriptor when it goes; hand out a
    // duplicate that the receiver owns.
    const int fd = ::dup(g_socket_get_fd(g_socket_connection_get_socket(connection.get())));
    if (fd < 0) {
      self->last_error = self->current_peer() + ": dup failed";
      return self->try_next();
    }
    // Every connection made here carries stanzas or a handshake: small
    // writes that Nagle would hold back behind the peer's delayed ACK
    // (an IBB sender waits for each block's result).
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    self->finish({fd, self->current_peer(), {}});
  }
};

TcpConnector::TcpConnector(GMainContext* context, std::chrono::seconds per_target_timeout)
    : context_(context), timeout_(per_target_timeout) {}

TcpConnector::~TcpConnector() { cancel(); }

void TcpConnector::cancel() {
  if (!attempt_) return;
  attempt_->owner = nullptr;
  attempt_->done = nullptr;
  g_cancellable_cancel(attempt_->cancellable.get());
  attempt_ = nullptr;
}

void TcpConnector::connect_host(const std::string& host, std::uint16_t port, Done done) {
  cancel();
  auto* attempt = new Attempt(this, std::move(done));
  g_socket_client_set_timeout(attempt->client.get(), static_cast<guint>(timeout_.count()));
  attempt->targets.emplace_back(host, port);
  attempt_ = attempt;
  g_main_context_push_thread_default(context_);
  attempt->try_next();
  g_main_context_pop_thread_default(context_);
}

void TcpConnector::connect_service(const std::string& service, const std::string& domain,
                                   std::uint16_t fallback_port, Done done) {
  cancel();
  auto* attempt = new Attempt(this, std::move(done));
  g_socket_client_set_timeout(attempt->client.get(), static_cast<guint>(timeout_.count()));
  attempt_ = attempt;
  GObjectPtr<GResolver> resolver(g_resolver_get_default());
  g_main_context_push_thread_default(context_);
  attempt->fallback = {domain, fallback_port};
  g_resolver_lookup_service_async(resolver.get(), service.c_str(), "tcp", domain.c_str(),
                                  attempt->cancellable.get(), &Attempt::on_resolved, attempt);
  g_main_context_pop_thread_default(context_);
}

}  // namespace parrot::transport
