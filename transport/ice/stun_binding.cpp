#include "transport/ice/stun_binding.hpp"

#include <arpa/inet.h>
#include <gio/gio.h>
#include <stun/stunagent.h>
#include <stun/usages/bind.h>

#include <array>
#include <cstring>
#include <stdexcept>

namespace parrot::transport {

namespace {

// RFC 5389 §7.2.1: RTO 500 ms doubling, Rc = 7 sends; the last wait is
// 16 × RTO. Here 5 sends (0.5 + 1 + 2 + 4 s, then 8 s of waiting): a
// start-up check need not take 40 s to say a server is silent.
constexpr std::chrono::milliseconds kFirstRto{500};
constexpr int kSends = 5;

}  // namespace

struct StunBinding::State {
  GMainContext* context = nullptr;
  GObjectPtr<GSocket> socket;
  GObjectPtr<GSocketAddress> server;
  AttachedSourcePtr readable, timer;
  StunAgent agent{};
  StunMessage request{};
  std::array<std::uint8_t, STUN_MAX_MESSAGE_SIZE> request_bytes{};
  std::size_t request_length = 0;
  int sends = 0;
  std::chrono::milliseconds rto = kFirstRto;
  Done done;

  void send() {
    ++sends;
    g_socket_send_to(socket.get(), server.get(), reinterpret_cast<const gchar*>(request_bytes.data()), request_length,
                     nullptr, nullptr);  // a lost or refused send is a retransmission's problem
    arm_timer(sends < kSends ? rto : rto * 2);
    rto *= 2;
  }

  void arm_timer(std::chrono::milliseconds delay) {
    timer.reset(g_timeout_source_new(static_cast<guint>(delay.count())));
    g_source_set_callback(timer.get(), &State::on_timer, this, nullptr);
    g_source_attach(timer.get(), context);
  }

  void finish(std::optional<MappedAddress> mapped) {
    readable.reset();
    timer.reset();
    Done callback = std::move(done);
    done = nullptr;
    if (callback) callback(std::move(mapped));  // may destroy *this
  }

  static gboolean on_timer(gpointer self) noexcept {
    auto& state = *static_cast<State*>(self);
    if (state.sends >= kSends) {
      state.finish(std::nullopt);
      return G_SOURCE_REMOVE;
    }
    state.send();
    return G_SOURCE_REMOVE;  // send() armed a new one
  }

  static gboolean on_readable(GSocket* socket, GIOCondition, gpointer self) noexcept {
    auto& state = *static_cast<State*>(self);
    std::array<std::uint8_t, STUN_MAX_MESSAGE_SIZE> buffer{};
    const gssize got = g_socket_receive(socket, reinterpret_cast<gchar*>(buffer.data()), buffer.size(), nullptr, nullptr);
    if (got <= 0) return G_SOURCE_CONTINUE;  // ICMP errors and the like: keep waiting
    StunMessage response{};
    if (stun_agent_validate(&state.agent, &response, buffer.data(), static_cast<std::size_t>(got), nullptr, nullptr) !=
        STUN_VALIDATION_SUCCESS)
      return G_SOURCE_CONTINUE;  // not the answer to our transaction
    sockaddr_storage mapped{}, alternate{};
    socklen_t mapped_length = sizeof mapped, alternate_length = sizeof alternate;
    if (stun_usage_bind_process(&response, reinterpret_cast<sockaddr*>(&mapped), &mapped_length,
                                reinterpret_cast<sockaddr*>(&alternate), &alternate_length) !=
        STUN_USAGE_BIND_RETURN_SUCCESS)
      return G_SOURCE_CONTINUE;
    std::array<char, INET6_ADDRSTRLEN> text{};
    MappedAddress out;
    if (mapped.ss_family == AF_INET) {
      const auto& v4 = reinterpret_cast<const sockaddr_in&>(mapped);
      inet_ntop(AF_INET, &v4.sin_addr, text.data(), text.size());
      out.port = ntohs(v4.sin_port);
    } else {
      const auto& v6 = reinterpret_cast<const sockaddr_in6&>(mapped);
      inet_ntop(AF_INET6, &v6.sin6_addr, text.data(), text.size());
      out.port = ntohs(v6.sin6_port);
    }
    out.ip = text.data();
    state.finish(std::move(out));
    return G_SOURCE_REMOVE;
  }
};

StunBinding::StunBinding(GMainContext* context, const std::string& local_ip, const std::string& server_ip,
                         std::uint16_t server_port, Done done)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.context = context;
  s.done = std::move(done);
  GInetAddress* server_address = g_inet_address_new_from_string(server_ip.c_str());
  if (server_address == nullptr) throw std::invalid_argument("stun: not an IP address: '" + server_ip + "'");
  s.server.reset(g_inet_socket_address_new(server_address, server_port));
  const GSocketFamily family = g_inet_address_get_family(server_address);
  g_object_unref(server_address);

  GError* raw_error = nullptr;
  s.socket.reset(g_socket_new(family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &raw_error));
  if (!s.socket) {
    GErrorPtr error(raw_error);
    throw std::runtime_error(std::string("stun: no socket: ") + error->message);
  }
  g_socket_set_blocking(s.socket.get(), FALSE);
  GInetAddress* bind_address = local_ip.empty() ? g_inet_address_new_any(family)
                                                : g_inet_address_new_from_string(local_ip.c_str());
  if (bind_address == nullptr) throw std::invalid_argument("stun: not an IP address: '" + local_ip + "'");
  GObjectPtr<GSocketAddress> bind_to(g_inet_socket_address_new(bind_address, 0));
  g_object_unref(bind_address);
  if (!g_socket_bind(s.socket.get(), bind_to.get(), FALSE, &raw_error)) {
    GErrorPtr error(raw_error);
    throw std::runtime_error(std::string("stun: cannot bind: ") + error->message);
  }

  stun_agent_init(&s.agent, STUN_ALL_KNOWN_ATTRIBUTES, STUN_COMPATIBILITY_RFC5389,
                  static_cast<StunAgentUsageFlags>(STUN_AGENT_USAGE_USE_FINGERPRINT));
  s.request_length = stun_usage_bind_create(&s.agent, &s.request, s.request_bytes.data(), s.request_bytes.size());
  if (s.request_length == 0) throw std::runtime_error("stun: could not build a Binding request");

  s.readable.reset(g_socket_create_source(s.socket.get(), G_IO_IN, nullptr));
  g_source_set_callback(s.readable.get(), reinterpret_cast<GSourceFunc>(reinterpret_cast<void (*)()>(&State::on_readable)),
                        &s, nullptr);
  g_source_attach(s.readable.get(), context);
  s.send();
}

StunBinding::~StunBinding() = default;

}  // namespace parrot::transport
