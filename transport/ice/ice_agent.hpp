// IceAgent: the one owner of a call's libnice agent (RFC 8445 full ICE, one
// stream, 1 component with rtcp-mux or 2 for RTP + RTCP), with XEP-0176
// trickle, an end-of-candidates timer and a consent watchdog (RFC 7675).
//
// Thread confinement: an IceAgent is constructed, used and destroyed on the
// thread that runs `context` (a worker's GMainContext). libnice signals,
// receive callbacks and timers all dispatch on that thread, so no member is
// ever touched by two threads and there are no locks. The agent's sockets
// sit in a PolledContext (transport/worker) rather than on `context`
// itself, so a worker polls one epoll descriptor for all its calls. Other threads post
// closures to the worker (g_main_context_invoke_full). Debug builds assert
// the thread in every public method.
#pragma once

#include <glib.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "media/bytes.hpp"
#include "transport/glib_ptr.hpp"
#include "transport/ice/ice_candidate.hpp"
#include "transport/ice/nice_ptr.hpp"
#include "transport/worker/polled_context.hpp"
#include "transport/worker/wakeup_timer.hpp"

namespace parrot::transport {

enum class IceState { kNew, kGathering, kChecking, kConnected, kFailed, kClosed };
std::string_view to_string(IceState state) noexcept;

// Why an agent went to kFailed, as a value; the reason text is for people.
enum class IceFailure {
  kNone,
  kGatheringFailed,  // no usable local address or port
  kNoPairSucceeded,  // every candidate pair failed after end-of-candidates (RFC 8445 §7.2.5.3)
  kConsentLost,      // a working path went silent (RFC 7675 §5.1)
};

enum class TurnTransport { kUdp, kTcp, kTls };

// An entry of IceConfig::denied_addresses: an IP literal, or a textual
// prefix that ends where a group ends ("10.", "fe80:"). The agent refuses
// any other; parrot checks its --ice-deny flags with the same rule.
bool is_deny_entry(std::string_view entry);

struct TurnServer {
  std::string host;  // IP literal: libnice 0.1.21 does not resolve TURN names (resolve in bot/)
  std::uint16_t port = 3478;
  std::string username, password;
  TurnTransport transport = TurnTransport::kUdp;
};

struct IceConfig {
  bool controlling = false;
  unsigned components = 1;                     // 1 with rtcp-mux; 2 = RTP + RTCP (Dino, Gajim)
  std::vector<std::string> allowed_addresses;  // --ice-address: IP literals to gather on (loopback allowed); empty = all
  std::vector<std::string> denied_addresses;   // IP literals, or prefixes ending in '.' or ':' ("10.", "fe80:")
  std::uint16_t port_min = 0, port_max = 0;    // 0/0 = any
  std::string stun_host;                       // IP literal or name (libnice resolves); empty = no STUN
  std::uint16_t stun_port = 3478;
  std::vector<TurnServer> turn_servers;
  // 1:1 NAT (Janus nat_1_1_mapping): for every host candidate of the same
  // address family, also advertise a srflx candidate with this IP, the host
  // candidate's port and rel-addr/rel-port = the host candidate. The host
  // candidate is still advertised, so peers on the same LAN keep working.
  // libnice itself never learns of it: checks sent to the public address
  // arrive on the host socket and are answered from there.
  std::string public_address;
  // Only relay candidates are announced and paired (libnice's "force-relay"),
  // so the media goes through the TURN server or not at all: what `parrot
  // probe --relay-only` needs to prove a server's TURN works end to end.
  // public_address is then ignored (it maps host candidates).
  bool relay_only = false;
  bool ipv6 = true;
  // No datagram from the peer for this long while connected -> kFailed
  // ("consent lost") and send() refuses. RFC 7675 §5.1 allows at most 30 s.
  std::chrono::milliseconds consent_timeout{30000};
  // After the last add_remote_candidate() or set_remote_credentials(), take
  // the peer as done gathering (XEP-0176 has no end-of-candidates). Until
  // then a check list whose pairs all failed is not reported as kFailed,
  // since a trickled candidate may still arrive and work.
  std::chrono::milliseconds end_of_candidates_timeout{5000};
};

struct IceCredentials {
  std::string ufrag, pwd;
};

struct SelectedPair {
  IceCandidate local, remote;
};

class IceAgent {
 public:
  // All called on the agent's thread, possibly from inside an IceAgent call
  // (host candidates during gather()). An observer may not destroy the agent
  // from inside a callback; post the destruction instead.
  struct Observer {
    virtual void on_local_candidate(const IceCandidate& candidate) = 0;  // trickle, one by one
    virtual void on_gathering_done() = 0;
    virtual void on_ice_state(IceState state, const std::string& reason) = 0;
    virtual void on_selected_pair(const SelectedPair& pair) = 0;  // component 1, on every change
    // Non-STUN data (libnice answers STUN itself). The view is valid only
    // during the call.
    virtual void on_datagram(unsigned component, media::ByteView datagram) = 0;

   protected:
    virtual ~Observer() = default;  // virtual only to keep -Wnon-virtual-dtor quiet in implementers
  };

  // Throws std::invalid_argument for a bad config (components not 1 or 2,
  // an address that is not an IP literal, port_min > port_max, a TURN host
  // that is not an IP literal, no address left after the deny-list).
  IceAgent(GMainContext* context, IceConfig config, Observer& observer);
  ~IceAgent();  // close(): nice_agent_close_async then unref, on this thread
  IceAgent(const IceAgent&) = delete;
  IceAgent& operator=(const IceAgent&) = delete;

  const IceCredentials& local_credentials() const noexcept { return local_credentials_; }
  // Throws std::invalid_argument when ufrag or pwd is empty.
  void set_remote_credentials(const IceCredentials& credentials);
  // Starts gathering; host candidates are reported before it returns. A
  // gathering failure (no usable address or port) reports kFailed.
  void gather();
  // Any time, before or after credentials and gather(): held back until
  // both exist. Throws std::invalid_argument when the component is not in
  // 1..components or the address is not an IP literal. Candidates libnice
  // cannot use here (IPv6 link-local, IPv6 with ipv6 = false) are ignored.
  void add_remote_candidate(const IceCandidate& candidate);
  // Explicit end-of-candidates; the timer calls it too. Idempotent.
  void remote_gathering_done();
  // ICE restart (RFC 8445 §9) with the peer's new credentials when the
  // peer offered it, or nullopt to offer one (the answer's credentials
  // follow with set_remote_credentials). New local credentials are
  // generated, the peer's candidates are forgotten (new ones follow with
  // add_remote_candidate), checks start again, and the state goes back to
  // checking, also from a consent loss (kFailed). Local candidates stay:
  // local_candidates() gives them for the answer. A pair that was connected
  // keeps carrying send() until the new checks connect
  // (sending_on_previous_pair()), and stays in use if every new pair fails
  // (connected again, as libwebrtc keeps its old connection) until consent
  // runs out. Throws std::invalid_argument for empty
  // credentials, std::logic_error after close(), std::runtime_error if
  // libnice refuses.
  const IceCredentials& restart(const std::optional<IceCredentials>& remote);
  // Every local candidate reported so far (host, srflx, relay, mapped).
  const std::vector<IceCandidate>& local_candidates() const noexcept { return local_candidates_; }
  // False (and counted in send_drops) unless connected or restarting on a
  // pair that was connected, or when libnice would block or fails. Never
  // throws.
  bool send(unsigned component, media::ByteView datagram) noexcept;
  // Several datagrams in order, in one libnice call (sendmmsg(2) on a UDP
  // socket): how many left, from the front; the rest are counted in
  // send_drops. Never throws.
  std::size_t send_batch(unsigned component, std::span<const media::ByteView> datagrams) noexcept;
  // True while a restart's checks run and send() still goes out on the pair
  // selected before it.
  bool sending_on_previous_pair() const noexcept { return previous_pair_kept_; }

  IceState state() const noexcept { return state_; }
  IceFailure failure() const noexcept { return failure_; }
  std::optional<SelectedPair> selected_pair() const { return selected_pair_; }
  std::uint64_t datagrams_sent() const noexcept { return datagrams_sent_; }
  std::uint64_t datagrams_received() const noexcept { return datagrams_received_; }
  std::uint64_t send_drops() const noexcept { return send_drops_; }

  // Stops everything: kClosed, no more callbacks, sockets and TURN
  // allocations released. Idempotent.
  void close();

 private:

  static void on_new_candidate(NiceAgent*, NiceCandidate* candidate, gpointer self) noexcept;
  static void on_gathering_done_signal(NiceAgent*, guint stream_id, gpointer self) noexcept;
  static void on_component_state(NiceAgent*, guint stream_id, guint component, guint state, gpointer self) noexcept;
  static void on_new_selected_pair(NiceAgent*, guint stream_id, guint component, NiceCandidate* local,
                                   NiceCandidate* remote, gpointer self) noexcept;
  static void on_receive(NiceAgent*, guint stream_id, guint component, guint size, gchar* data, gpointer self) noexcept;
  static void drop_datagram(NiceAgent*, guint, guint, guint, gchar*, gpointer) noexcept;
  static gboolean on_end_of_candidates_timer(gpointer self) noexcept;

  void assert_thread() const noexcept;
  void detach_receive() noexcept;
  void configure_local_addresses();
  void read_local_credentials();  // libnice's current ufrag/pwd into local_credentials_
  void configure_servers();
  void flush_pending_remote();
  void arm_end_of_candidates_timer();
  AttachedSourcePtr start_timer(std::chrono::milliseconds interval, GSourceFunc callback);
  void on_consent_tick(WakeupTimer::Clock::time_point now);
  void update_state();
  void set_state(IceState state, const std::string& reason);
  void fail(IceFailure failure, const std::string& reason);
  void report_local_candidate(const NiceCandidate& candidate);
  // The selected local candidate as parrot advertised it (a prflx that is
  // really the --public-address srflx keeps that type).
  IceCandidate as_advertised(IceCandidate local) const;
  bool address_denied(const std::string& ip) const;

  GMainContext* context_;
  IceConfig config_;
  Observer& observer_;
  std::thread::id owner_thread_;
  // The agent's context: its sockets (nice_agent_attach_recv) and timers.
  // Handed over at close to run until the agent is finalized.
  std::unique_ptr<PolledContext> io_context_;
  NiceAgentPtr agent_;
  guint stream_id_ = 0;
  IceCredentials local_credentials_;
  std::optional<IceCredentials> remote_credentials_;
  std::vector<IceCandidate> local_candidates_;
  std::vector<IceCandidate> pending_remote_;  // until credentials and gather()
  bool gather_started_ = false;
  bool remote_done_requested_ = false;
  bool remote_done_applied_ = false;
  std::vector<guint> component_states_;
  IceState state_ = IceState::kNew;
  IceFailure failure_ = IceFailure::kNone;
  std::optional<SelectedPair> selected_pair_;
  bool previous_pair_kept_ = false;  // restarting, and send() uses the old selected pair
  bool staying_on_previous_pair_ = false;  // a restart found no new pair; the old one carries on
  AttachedSourcePtr end_of_candidates_timer_;
  std::chrono::milliseconds consent_interval_{};
  std::optional<WakeupTimer> consent_timer_;  // armed while connected
  // Consent without a clock read per datagram: each tick compares the
  // count of datagrams with the last tick's.
  WakeupTimer::Clock::time_point last_tick_{};
  WakeupTimer::Clock::time_point heard_by_{};  // the peer was heard at or after this
  std::uint64_t received_at_last_tick_ = 0;
  std::uint64_t datagrams_sent_ = 0;
  std::uint64_t datagrams_received_ = 0;
  std::uint64_t send_drops_ = 0;
};

}  // namespace parrot::transport
