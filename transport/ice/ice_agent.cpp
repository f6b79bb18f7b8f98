#include "transport/ice/ice_agent.hpp"

#include <nice/interfaces.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <exception>
#include <stdexcept>

#include "transport/glib_ptr.hpp"

namespace parrot::transport {
namespace {

constexpr std::size_t kLocalIdChars = 10;
constexpr auto kMinConsentCheckInterval = std::chrono::milliseconds{20};
constexpr auto kMaxConsentCheckInterval = std::chrono::milliseconds{1000};

// GLib cannot unwind C++ exceptions: every callback body goes through here.
template <typename F>
void guarded(const char* where, F&& body) noexcept {
  try {
    body();
  } catch (const std::exception& error) {
    g_warning("parrot ice: exception in %s: %s", where, error.what());
  } catch (...) {
    g_warning("parrot ice: unknown exception in %s", where);
  }
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

bool is_ipv6(std::string_view ip) { return ip.find(':') != std::string_view::npos; }
// nice_address_is_linklocal() is not exported by Debian's libnice 0.1.21.
bool is_ipv6_link_local(std::string_view ip) { return lower(ip.substr(0, 5)) == "fe80:"; }

bool is_deny_prefix(std::string_view entry) {
  return !entry.empty() && (entry.back() == '.' || entry.back() == ':') &&
         std::all_of(entry.begin(), entry.end(), [](char c) { return g_ascii_isxdigit(c) || c == '.' || c == ':'; });
}

bool is_ice_char_string(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return g_ascii_isalnum(c) || c == '+' || c == '/'; });
}

NiceAddress make_address(const std::string& ip, std::uint16_t port) {
  NiceAddress address;
  nice_address_init(&address);
  // Validate before set_port: set_port on an invalid address is a libnice
  // CRITICAL (Janus #1973).
  if (!nice_address_set_from_string(&address, ip.c_str())) throw std::invalid_argument("not an IP address: '" + ip + "'");
  nice_address_set_port(&address, port);
  return address;
}

std::string address_string(const NiceAddress& address) {
  std::array<gchar, NICE_ADDRESS_STRING_LEN> text{};
  nice_address_to_string(&address, text.data());
  return text.data();
}

NiceCandidateType to_nice(IceCandidateType type) {
  switch (type) {
    case IceCandidateType::kHost: return NICE_CANDIDATE_TYPE_HOST;
    case IceCandidateType::kServerReflexive: return NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE;
    case IceCandidateType::kPeerReflexive: return NICE_CANDIDATE_TYPE_PEER_REFLEXIVE;
    case IceCandidateType::kRelayed: return NICE_CANDIDATE_TYPE_RELAYED;
  }
  return NICE_CANDIDATE_TYPE_HOST;
}

IceCandidateType from_nice(NiceCandidateType type) {
  switch (type) {
    case NICE_CANDIDATE_TYPE_HOST: return IceCandidateType::kHost;
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: return IceCandidateType::kServerReflexive;
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE: return IceCandidateType::kPeerReflexive;
    case NICE_CANDIDATE_TYPE_RELAYED: return IceCandidateType::kRelayed;
  }
  return IceCandidateType::kHost;
}

NiceRelayType to_nice(TurnTransport transport) {
  switch (transport) {
    case TurnTransport::kUdp: return NICE_RELAY_TYPE_TURN_UDP;
    case TurnTransport::kTcp: return NICE_RELAY_TYPE_TURN_TCP;
    case TurnTransport::kTls: return NICE_RELAY_TYPE_TURN_TLS;
  }
  return NICE_RELAY_TYPE_TURN_UDP;
}

// XEP-0176 §5.2: `id` only has to be unique within the session.
std::string random_id() {
  constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id(kLocalIdChars, 'x');
  for (auto& c : id) c = kAlphabet[static_cast<std::size_t>(g_random_int_range(0, static_cast<gint32>(kAlphabet.size())))];
  return id;
}

IceCandidate from_nice(const NiceCandidate& nice) {
  IceCandidate candidate;
  candidate.foundation = nice.foundation;
  candidate.component = static_cast<std::uint8_t>(nice.component_id);
  candidate.ip = address_string(nice.addr);
  candidate.port = static_cast<std::uint16_t>(nice_address_get_port(&nice.addr));
  candidate.priority = nice.priority;
  candidate.type = from_nice(nice.type);
  if (nice_address_is_valid(&nice.base_addr) && !nice_address_equal(&nice.base_addr, &nice.addr)) {
    candidate.rel_addr = address_string(nice.base_addr);
    candidate.rel_port = static_cast<std::uint16_t>(nice_address_get_port(&nice.base_addr));
  }
  return candidate;
}

}  // namespace

bool is_deny_entry(std::string_view entry) { return is_ip_literal(entry) || is_deny_prefix(entry); }

std::string_view to_string(IceState state) noexcept {
  switch (state) {
    case IceState::kNew: return "new";
    case IceState::kGathering: return "gathering";
    case IceState::kChecking: return "checking";
    case IceState::kConnected: return "connected";
    case IceState::kFailed: return "failed";
    case IceState::kClosed: return "closed";
  }
  return "unknown";
}

IceAgent::IceAgent(GMainContext* context, IceConfig config, Observer& observer)
    : context_(context), config_(std::move(config)), observer_(observer), owner_thread_(std::this_thread::get_id()) {
  if (context_ == nullptr) throw std::invalid_argument("ice: a GMainContext is required");
  if (config_.components < 1 || config_.components > 2) throw std::invalid_argument("ice: components must be 1 or 2");
  if (config_.port_min > config_.port_max || (config_.port_min == 0) != (config_.port_max == 0)) {
    throw std::invalid_argument("ice: port range must be 0/0 or 1 <= min <= max");
  }
  if (config_.consent_timeout.count() <= 0) throw std::invalid_argument("ice: consent_timeout must be positive");
  if (config_.end_of_candidates_timeout.count() < 0) throw std::invalid_argument("ice: end_of_candidates_timeout must not be negative");
  if (!config_.public_address.empty() && !is_ip_literal(config_.public_address)) {
    throw std::invalid_argument("ice: public address must be an IP literal: '" + config_.public_address + "'");
  }
  for (const auto& entry : config_.denied_addresses) {
    if (!is_deny_entry(entry)) {
      throw std::invalid_argument("ice: denied address must be an IP literal or a prefix ending in '.' or ':': '" + entry + "'");
    }
  }

  // RFC 5245 mode is libnice's RFC 8445 implementation; trickle makes the
  // agent wait for peer_candidate_gathering_done before declaring failure.
  // libnice's own consent option gives up after 10 s in 0.1.21, so the
  // watchdog below replaces it.
  consent_timer_.emplace(context_, [this](WakeupTimer::Clock::time_point now) {
    guarded("consent timer", [&] { on_consent_tick(now); });
  });
  io_context_ = std::make_unique<PolledContext>(context_);
  // The agent's own timers (check pacing, keepalives, TURN refreshes) go to
  // the PolledContext too, so a call adds no GSource to the worker's loop.
  agent_.reset(nice_agent_new_full(io_context_->get(), NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE));
  if (!agent_) throw std::runtime_error("ice: nice_agent_new_full failed");
  // XEP-0176 is UDP only; UPnP would reach out to the LAN's router.
  g_object_set(agent_.get(), "controlling-mode", config_.controlling ? TRUE : FALSE, "ice-tcp", FALSE, "ice-udp", TRUE,
               "upnp", FALSE, nullptr);
  if (config_.relay_only) g_object_set(agent_.get(), "force-relay", TRUE, nullptr);
  nice_agent_set_software(agent_.get(), "parrot");
  stream_id_ = nice_agent_add_stream(agent_.get(), config_.components);
  if (stream_id_ == 0) throw std::runtime_error("ice: nice_agent_add_stream failed");
  component_states_.assign(config_.components, NICE_COMPONENT_STATE_DISCONNECTED);

  for (guint component = 1; component <= config_.components; ++component) {
    if (config_.port_min != 0) nice_agent_set_port_range(agent_.get(), stream_id_, component, config_.port_min, config_.port_max);
  }
  configure_local_addresses();
  configure_servers();

  g_signal_connect(agent_.get(), "new-candidate-full", G_CALLBACK(&IceAgent::on_new_candidate), this);
  g_signal_connect(agent_.get(), "candidate-gathering-done", G_CALLBACK(&IceAgent::on_gathering_done_signal), this);
  g_signal_connect(agent_.get(), "component-state-changed", G_CALLBACK(&IceAgent::on_component_state), this);
  g_signal_connect(agent_.get(), "new-selected-pair-full", G_CALLBACK(&IceAgent::on_new_selected_pair), this);
  // Before gathering: data may arrive as soon as the first check succeeds.
  // The sockets go to the PolledContext: libnice attaches one GSource per
  // socket to the context given here, and on the worker's own context those
  // would be walked and polled on every iteration, for every call.
  for (guint component = 1; component <= config_.components; ++component) {
    nice_agent_attach_recv(agent_.get(), stream_id_, component, io_context_->get(), &IceAgent::on_receive, this);
  }

  read_local_credentials();
}

void IceAgent::read_local_credentials() {
  gchar* ufrag = nullptr;
  gchar* pwd = nullptr;
  const bool have_credentials = nice_agent_get_local_credentials(agent_.get(), stream_id_, &ufrag, &pwd);
  const GCharPtr ufrag_owner(ufrag), pwd_owner(pwd);
  if (!have_credentials || ufrag == nullptr || pwd == nullptr) throw std::runtime_error("ice: no local credentials");
  local_credentials_ = {ufrag, pwd};
}

// Like close() but silent: the observer may be half destroyed already.
IceAgent::~IceAgent() {
  assert_thread();
  end_of_candidates_timer_.reset();
  consent_timer_.reset();
  if (agent_) {
    g_signal_handlers_disconnect_by_data(agent_.get(), this);
    detach_receive();
    agent_.reset();
  }
}

// No more on_receive. libnice 0.1.21 reads nothing from a component without
// a receive callback, and its sockets stay readable (a level-triggered
// spin), so the callback becomes one that drops the datagram. The
// PolledContext keeps running the agent's timers and sockets until the
// agent is finalized: an asynchronous close (TURN deallocation, RFC 8656
// §7) needs both, and frees the sockets at its end.
void IceAgent::detach_receive() noexcept {
  for (guint component = 1; component <= config_.components; ++component) {
    nice_agent_attach_recv(agent_.get(), stream_id_, component, io_context_->get(), &IceAgent::drop_datagram, nullptr);
  }
  PolledContext::run_until_finalized(std::move(io_context_), G_OBJECT(agent_.get()));
}

void IceAgent::drop_datagram(NiceAgent*, guint, guint, guint, gchar*, gpointer) noexcept {}

void IceAgent::assert_thread() const noexcept { assert(std::this_thread::get_id() == owner_thread_); }

// Allow-list given: exactly those addresses (loopback included, which
// libnice's own enumeration skips). Otherwise enumerate like libnice does
// and drop denied, link-local and (when disabled) IPv6 addresses ourselves,
// since once an address is added libnice stops enumerating.
void IceAgent::configure_local_addresses() {
  std::vector<std::string> addresses;
  if (!config_.allowed_addresses.empty()) {
    for (const auto& ip : config_.allowed_addresses) {
      if (!is_ip_literal(ip)) throw std::invalid_argument("ice: allowed address must be an IP literal: '" + ip + "'");
      if (is_ipv6(ip) && !config_.ipv6) throw std::invalid_argument("ice: IPv6 address allowed but IPv6 disabled: '" + ip + "'");
      if (!address_denied(ip)) addresses.push_back(ip);
    }
  } else {
    GList* ips = nice_interfaces_get_local_ips(FALSE);
    for (GList* item = ips; item != nullptr; item = item->next) {
      const std::string ip = static_cast<const char*>(item->data);
      if (!is_ip_literal(ip) || address_denied(ip) || (is_ipv6(ip) && (!config_.ipv6 || is_ipv6_link_local(ip)))) continue;
      addresses.push_back(ip);
    }
    g_list_free_full(ips, g_free);
  }
  if (addresses.empty()) {
    throw std::invalid_argument("ice: no local address left to gather on (on loopback only, allow 127.0.0.1 explicitly)");
  }
  for (const auto& ip : addresses) {
    NiceAddress address = make_address(ip, 0);
    nice_agent_add_local_address(agent_.get(), &address);
  }
}

void IceAgent::configure_servers() {
  if (!config_.stun_host.empty()) {
    g_object_set(agent_.get(), "stun-server", config_.stun_host.c_str(), "stun-server-port", guint{config_.stun_port}, nullptr);
  }
  for (const auto& server : config_.turn_servers) {
    if (!is_ip_literal(server.host)) throw std::invalid_argument("ice: TURN host must be an IP literal: '" + server.host + "'");
    if (server.port == 0) throw std::invalid_argument("ice: TURN port must not be 0");
    for (guint component = 1; component <= config_.components; ++component) {
      if (!nice_agent_set_relay_info(agent_.get(), stream_id_, component, server.host.c_str(), server.port,
                                     server.username.c_str(), server.password.c_str(), to_nice(server.transport))) {
        throw std::invalid_argument("ice: TURN server refused by libnice: '" + server.host + "'");
      }
    }
  }
}

bool IceAgent::address_denied(const std::string& ip) const {
  const std::string address = lower(ip);
  return std::any_of(config_.denied_addresses.begin(), config_.denied_addresses.end(), [&](const std::string& entry) {
    const std::string denied = lower(entry);
    return address == denied || (is_deny_prefix(denied) && address.compare(0, denied.size(), denied) == 0);
  });
}

namespace {

// RFC 8445 §5.3: ufrag 4-256 and pwd 22-256 ice-chars; be lenient on the
// lower bounds (old clients), strict on the alphabet.
void check_remote_credentials(const IceCredentials& credentials) {
  if (credentials.ufrag.empty() || credentials.pwd.empty() || credentials.ufrag.size() > 256 || credentials.pwd.size() > 256 ||
      !is_ice_char_string(credentials.ufrag) || !is_ice_char_string(credentials.pwd)) {
    throw std::invalid_argument("ice: remote ufrag/pwd must be 1-256 ice-chars");
  }
}

}  // namespace

void IceAgent::set_remote_credentials(const IceCredentials& credentials) {
  assert_thread();
  check_remote_credentials(credentials);
  if (!agent_) return;
  nice_agent_set_remote_credentials(agent_.get(), stream_id_, credentials.ufrag.c_str(), credentials.pwd.c_str());
  remote_credentials_ = credentials;
  arm_end_of_candidates_timer();
  flush_pending_remote();
}

void IceAgent::gather() {
  assert_thread();
  if (!agent_ || gather_started_) return;
  gather_started_ = true;
  set_state(IceState::kGathering, {});
  const bool gathering = nice_agent_gather_candidates(agent_.get(), stream_id_);
  // libnice has created the sockets (host, and TURN over TCP) and its
  // discovery timers by now.
  io_context_->watch_descriptors();
  if (!gathering) {
    fail(IceFailure::kGatheringFailed, "gathering failed: no usable local address or port");
    return;
  }
  flush_pending_remote();
}

void IceAgent::add_remote_candidate(const IceCandidate& candidate) {
  assert_thread();
  if (candidate.component < 1 || candidate.component > config_.components) {
    throw std::invalid_argument("ice: remote candidate for component " + std::to_string(candidate.component) + " of " +
                                std::to_string(config_.components));
  }
  if (!is_ip_literal(candidate.ip) || candidate.port == 0 || lower(candidate.protocol) != "udp") {
    throw std::invalid_argument("ice: remote candidate needs a UDP IP literal and a port");
  }
  // Link-local needs a scope id XEP-0176 cannot carry (Dino skips them too).
  if (is_ipv6(candidate.ip) && (!config_.ipv6 || is_ipv6_link_local(candidate.ip))) return;
  if (!agent_) return;
  pending_remote_.push_back(candidate);
  arm_end_of_candidates_timer();
  flush_pending_remote();
}

void IceAgent::remote_gathering_done() {
  assert_thread();
  remote_done_requested_ = true;
  end_of_candidates_timer_.reset();
  flush_pending_remote();
}

// Remote candidates wait for the credentials (checks need the peer's pwd for
// MESSAGE-INTEGRITY) and for gather() (pairs need local candidates).
void IceAgent::flush_pending_remote() {
  if (!agent_ || !remote_credentials_ || !gather_started_) return;
  for (const auto& remote : pending_remote_) {
    NiceCandidatePtr nice(nice_candidate_new(to_nice(remote.type)));
    nice->stream_id = stream_id_;
    nice->component_id = remote.component;
    nice->transport = NICE_CANDIDATE_TRANSPORT_UDP;
    nice->priority = remote.priority;
    g_strlcpy(nice->foundation, remote.foundation.c_str(), NICE_CANDIDATE_MAX_FOUNDATION);
    nice->addr = make_address(remote.ip, remote.port);
    if (!remote.rel_addr.empty() && is_ip_literal(remote.rel_addr)) nice->base_addr = make_address(remote.rel_addr, remote.rel_port);
    GSList single{nice.get(), nullptr};
    nice_agent_set_remote_candidates(agent_.get(), stream_id_, remote.component, &single);
  }
  pending_remote_.clear();
  if (remote_done_requested_ && !remote_done_applied_) {
    remote_done_applied_ = true;
    nice_agent_peer_candidate_gathering_done(agent_.get(), stream_id_);
    update_state();
  }
  // libnice has (re)started its check timer in the agent's context.
  if (io_context_) io_context_->watch_descriptors();
}

const IceCredentials& IceAgent::restart(const std::optional<IceCredentials>& remote) {
  assert_thread();
  if (!agent_) throw std::logic_error("ice: restart after close");
  if (remote) check_remote_credentials(*remote);
  if (!nice_agent_restart_stream(agent_.get(), stream_id_)) throw std::runtime_error("ice: libnice refused the restart");
  read_local_credentials();
  // RFC 8445 §9: during a restart "media can continue to flow on the
  // previously selected pair", and libwebrtc does so: it keeps sending on
  // its old connection until a new one is writable, so a restart loses
  // nothing its way. libnice 0.1.21 allows it: nice_stream_restart forgets
  // the peer's candidates and the check list but keeps the component's
  // selected pair (its remote candidate is held as restart_candidate) and
  // the valid candidates that admit inbound data, and
  // nice_agent_send_messages_nonblocking sends on that pair until checks
  // select a new one. So a pair that was connected goes on carrying send(),
  // under the consent clock that was running (RFC 7675 §5.1: consent is
  // per pair, and this one is still in use); after a consent loss there is
  // no such pair and send() refuses until the new checks connect.
  previous_pair_kept_ = previous_pair_kept_ || (state_ == IceState::kConnected && selected_pair_.has_value());
  staying_on_previous_pair_ = false;
  if (!previous_pair_kept_) consent_timer_->disarm();
  // A new round of candidates and of end-of-candidates.
  pending_remote_.clear();
  remote_credentials_.reset();
  remote_done_requested_ = false;
  remote_done_applied_ = false;
  component_states_.assign(config_.components, NICE_COMPONENT_STATE_CONNECTING);
  set_state(IceState::kChecking, {});
  if (remote) {
    set_remote_credentials(*remote);
  } else {
    // An offer: libnice 0.1.21 keeps the peer's old credentials across
    // restart_stream and would answer the peer's new checks with triggered
    // checks signed with the old password, which fail for good. With none
    // set it holds those checks until the answer's credentials arrive
    // (RFC 8445 §7.3: a check before the credentials is answered, and
    // acted on once they are known).
    nice_agent_set_remote_credentials(agent_.get(), stream_id_, "", "");
  }
  arm_end_of_candidates_timer();
  io_context_->watch_descriptors();
  return local_credentials_;
}

void IceAgent::arm_end_of_candidates_timer() {
  if (remote_done_requested_) return;
  end_of_candidates_timer_ = start_timer(config_.end_of_candidates_timeout, &IceAgent::on_end_of_candidates_timer);
}

AttachedSourcePtr IceAgent::start_timer(std::chrono::milliseconds interval, GSourceFunc callback) {
  AttachedSourcePtr source(g_timeout_source_new(static_cast<guint>(interval.count())));
  g_source_set_callback(source.get(), callback, this, nullptr);
  g_source_attach(source.get(), context_);
  return source;
}

bool IceAgent::send(unsigned component, media::ByteView datagram) noexcept {
  assert_thread();
  const bool has_pair = state_ == IceState::kConnected || (state_ == IceState::kChecking && previous_pair_kept_);
  if (!agent_ || !has_pair || component < 1 || component > config_.components) {
    ++send_drops_;
    return false;
  }
  // One message, no copy: libnice writes straight from the caller's buffer
  // and reports WOULD_BLOCK instead of queueing (a late media packet is
  // worthless; the caller counts the drop).
  GOutputVector buffer{datagram.data(), datagram.size()};
  NiceOutputMessage message{&buffer, 1};
  GError* raw_error = nullptr;
  const gint sent = nice_agent_send_messages_nonblocking(agent_.get(), stream_id_, component, &message, 1, nullptr, &raw_error);
  const GErrorPtr error(raw_error);
  if (sent != 1) {
    ++send_drops_;
    return false;
  }
  ++datagrams_sent_;
  return true;
}

std::size_t IceAgent::send_batch(unsigned component, std::span<const media::ByteView> datagrams) noexcept {
  assert_thread();
  const bool has_pair = state_ == IceState::kConnected || (state_ == IceState::kChecking && previous_pair_kept_);
  if (!agent_ || !has_pair || component < 1 || component > config_.components) {
    send_drops_ += datagrams.size();
    return 0;
  }
  // On the stack, a chunk at a time: no allocation per packet. libnice
  // 0.1.21 hands several messages on a UDP socket to
  // g_socket_send_messages(), one sendmmsg(2), in order; it stops at the
  // first that would block and says how many left.
  constexpr std::size_t kChunk = 16;
  std::array<GOutputVector, kChunk> buffers{};
  std::array<NiceOutputMessage, kChunk> messages{};
  std::size_t sent_total = 0;
  while (sent_total < datagrams.size()) {
    const std::size_t n = std::min(kChunk, datagrams.size() - sent_total);
    for (std::size_t i = 0; i < n; ++i) {
      const media::ByteView datagram = datagrams[sent_total + i];
      buffers[i] = GOutputVector{datagram.data(), datagram.size()};
      messages[i] = NiceOutputMessage{&buffers[i], 1};
    }
    GError* raw_error = nullptr;
    const gint sent = nice_agent_send_messages_nonblocking(agent_.get(), stream_id_, component, messages.data(),
                                                           static_cast<guint>(n), nullptr, &raw_error);
    const GErrorPtr error(raw_error);
    const std::size_t went = sent > 0 ? static_cast<std::size_t>(sent) : 0;
    sent_total += went;
    if (went < n) break;
  }
  datagrams_sent_ += sent_total;
  send_drops_ += datagrams.size() - sent_total;
  return sent_total;
}

void IceAgent::close() {
  assert_thread();
  if (!agent_) return;
  end_of_candidates_timer_.reset();
  consent_timer_.reset();
  // The agent outlives this call until its async close completes: cut every
  // path back into `this` first.
  g_signal_handlers_disconnect_by_data(agent_.get(), this);
  detach_receive();
  agent_.reset();
  pending_remote_.clear();
  set_state(IceState::kClosed, "closed");
}

// The states of all components fold into one: any failed -> failed, all
// connected/ready -> connected. libnice 0.1.21 fails a component as soon as
// every pair so far failed (it stores peer_candidate_gathering_done but never
// reads it), yet a trickled candidate may still work and libnice recovers
// from FAILED when one does; so failure counts only after end-of-candidates. libnice may bounce READY -> CONNECTED or go
// back to CONNECTING on new candidates; once connected we stay connected
// until failure or consent loss. A restart that fails while the pair from
// before it works is not a failure: that pair goes on.
void IceAgent::update_state() {
  if (state_ == IceState::kFailed || state_ == IceState::kClosed) return;
  bool any_failed = false;
  bool all_connected = true;
  bool any_connecting = false;
  for (const guint state : component_states_) {
    any_failed = any_failed || state == NICE_COMPONENT_STATE_FAILED;
    all_connected = all_connected && (state == NICE_COMPONENT_STATE_CONNECTED || state == NICE_COMPONENT_STATE_READY);
    any_connecting = any_connecting || state == NICE_COMPONENT_STATE_CONNECTING;
  }
  if (all_connected) staying_on_previous_pair_ = false;
  if (any_failed && remote_done_applied_ && (previous_pair_kept_ || staying_on_previous_pair_)) {
    // A restart whose new pairs all failed while the pair from before it
    // still works (the consent clock has not run out): libwebrtc keeps its
    // old connection selected then, and parrot stays on the old pair too,
    // until consent runs out or another restart. libnice 0.1.21 keeps
    // sending on it after failing the component.
    staying_on_previous_pair_ = true;
    set_state(IceState::kConnected, "ice restart failed: staying on the previous pair");
  } else if (any_failed && remote_done_applied_) {
    fail(IceFailure::kNoPairSucceeded, "ICE failed: no candidate pair succeeded");
  } else if (all_connected && state_ != IceState::kConnected) {
    consent_interval_ = std::clamp(config_.consent_timeout / 5, kMinConsentCheckInterval, kMaxConsentCheckInterval);
    last_tick_ = heard_by_ = WakeupTimer::Clock::now();
    received_at_last_tick_ = datagrams_received_;
    consent_timer_->arm_at(last_tick_ + consent_interval_);
    set_state(IceState::kConnected, {});
  } else if (any_connecting && (state_ == IceState::kNew || state_ == IceState::kGathering)) {
    set_state(IceState::kChecking, {});
  }
}

void IceAgent::set_state(IceState state, const std::string& reason) {
  if (state == state_) return;
  state_ = state;
  // Connected again: libnice sends on the newly selected pair from now on.
  if (state != IceState::kChecking) previous_pair_kept_ = false;
  if (state == IceState::kFailed || state == IceState::kClosed) {
    end_of_candidates_timer_.reset();
    if (consent_timer_) consent_timer_->disarm();
  }
  observer_.on_ice_state(state, reason);
}

void IceAgent::fail(IceFailure failure, const std::string& reason) {
  if (state_ == IceState::kFailed || state_ == IceState::kClosed) return;
  failure_ = failure;
  set_state(IceState::kFailed, reason);
}

void IceAgent::report_local_candidate(const NiceCandidate& nice) {
  IceCandidate candidate = from_nice(nice);
  if (candidate.type == IceCandidateType::kHost && address_denied(candidate.ip)) return;
  // Under force-relay libnice pairs only relay candidates, and 0.1.21
  // signals only those too; this keeps out anything else it might signal
  // (a peer-reflexive one learnt from checks), which could never be used.
  if (config_.relay_only && candidate.type != IceCandidateType::kRelayed) return;
  candidate.id = random_id();
  local_candidates_.push_back(candidate);
  observer_.on_local_candidate(candidate);
  if (config_.public_address.empty() || config_.relay_only || candidate.type != IceCandidateType::kHost ||
      is_ipv6(candidate.ip) != is_ipv6(config_.public_address)) {
    return;
  }
  // RFC 8445 §5.1.2.1: priority = 2^24 type preference (100 for srflx)
  // + 2^8 local preference + (256 - component); keep the host's local
  // preference. A distinct foundation because the base differs in type.
  constexpr std::uint32_t kSrflxTypePreference = 100;
  IceCandidate mapped = candidate;
  mapped.type = IceCandidateType::kServerReflexive;
  mapped.foundation = ("n" + candidate.foundation).substr(0, 32);
  mapped.ip = config_.public_address;
  mapped.rel_addr = candidate.ip;
  mapped.rel_port = candidate.port;
  mapped.priority = (kSrflxTypePreference << 24) | (candidate.priority & 0x00FFFF00u) | (256u - candidate.component);
  mapped.id = random_id();
  local_candidates_.push_back(mapped);
  observer_.on_local_candidate(mapped);
}

IceCandidate IceAgent::as_advertised(IceCandidate local) const {
  // libnice never learnt of the --public-address srflx (it exists only in
  // signalling), so when the peer's checks answer with that mapped address
  // libnice makes a peer-reflexive candidate of it (RFC 8445 §7.2.5.3.1).
  // It is the candidate parrot advertised: report it as such.
  if (local.type != IceCandidateType::kPeerReflexive) return local;
  for (const IceCandidate& advertised : local_candidates_) {
    if (advertised.ip == local.ip && advertised.port == local.port && advertised.component == local.component) {
      local.type = advertised.type;
      local.rel_addr = advertised.rel_addr;
      local.rel_port = advertised.rel_port;
      break;
    }
  }
  return local;
}

void IceAgent::on_new_candidate(NiceAgent*, NiceCandidate* candidate, gpointer self) noexcept {
  guarded("new-candidate-full", [&] { static_cast<IceAgent*>(self)->report_local_candidate(*candidate); });
}

void IceAgent::on_gathering_done_signal(NiceAgent*, guint, gpointer self) noexcept {
  guarded("candidate-gathering-done", [&] { static_cast<IceAgent*>(self)->observer_.on_gathering_done(); });
}

void IceAgent::on_component_state(NiceAgent*, guint, guint component, guint state, gpointer self) noexcept {
  guarded("component-state-changed", [&] {
    auto& agent = *static_cast<IceAgent*>(self);
    if (component < 1 || component > agent.component_states_.size()) return;
    agent.component_states_[component - 1] = state;
    agent.update_state();
  });
}

void IceAgent::on_new_selected_pair(NiceAgent*, guint, guint component, NiceCandidate* local, NiceCandidate* remote,
                                    gpointer self) noexcept {
  guarded("new-selected-pair-full", [&] {
    if (component != 1) return;
    auto& agent = *static_cast<IceAgent*>(self);
    agent.selected_pair_ = SelectedPair{agent.as_advertised(from_nice(*local)), from_nice(*remote)};
    agent.observer_.on_selected_pair(*agent.selected_pair_);
  });
}

void IceAgent::on_receive(NiceAgent*, guint, guint component, guint size, gchar* data, gpointer self) noexcept {
  guarded("recv", [&] {
    auto& agent = *static_cast<IceAgent*>(self);
    // RFC 7675 §5.1: after consent expiry the session is over; late
    // packets must not revive the echo.
    if (agent.state_ == IceState::kFailed || agent.state_ == IceState::kClosed) return;
    ++agent.datagrams_received_;  // the consent clock reads this count, not the time
    agent.observer_.on_datagram(component, media::as_bytes(reinterpret_cast<const std::uint8_t*>(data), size));
  });
}

gboolean IceAgent::on_end_of_candidates_timer(gpointer self) noexcept {
  guarded("end-of-candidates timer", [&] { static_cast<IceAgent*>(self)->remote_gathering_done(); });
  return G_SOURCE_REMOVE;
}

// RFC 7675 §5.1: consent expires 30 s after the last proof that the peer
// wants our traffic. libnice 0.1.21 does not tell us when its consent checks
// succeed, so inbound data (media and RTCP never pause that long in a live
// call) stands in for it. Rather than read the clock for every datagram,
// each tick looks whether the count moved: if it did, the peer was heard
// after the previous tick, and that earlier time is what counts, so consent
// never outlives the timeout (it may end up to one tick, a fifth of it,
// sooner).
void IceAgent::on_consent_tick(WakeupTimer::Clock::time_point now) {
  if (datagrams_received_ != received_at_last_tick_) heard_by_ = last_tick_;
  received_at_last_tick_ = datagrams_received_;
  last_tick_ = now;
  // Also picks up sockets libnice made from its own timers.
  if (io_context_) io_context_->watch_descriptors();
  const auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(now - heard_by_);
  if (silent < config_.consent_timeout) {
    consent_timer_->arm_at(now + consent_interval_);
    return;
  }
  fail(IceFailure::kConsentLost, "consent lost: nothing from the peer for " + std::to_string(silent.count()) + " ms");
}

}  // namespace parrot::transport
