// The network half of one call's media path (one Jingle content, or a
// BUNDLE group): an ICE agent, DTLS-SRTP on its selected pair, and the
// RFC 7983 demultiplexer between them. It hands media datagrams (SRTP, or
// plain RTP when the call negotiated no DTLS) and the SRTP keys to its
// observer; it knows nothing of RTP beyond the first-byte ranges.
//
//   CallTransport transport(worker.context(), config, observer);
//   transport.gather();                          // candidates trickle out
//   transport.set_remote_credentials(...); transport.add_remote_candidate(...);
//   // ICE connects → DTLS (client role starts it) → on_srtp_keys → on_media
//   transport.send_media(1, srtp_datagram);
//
// Components: DTLS runs on component 1. With two components (RTCP not
// muxed, as Dino and Gajim offer), the keys it yields protect both, and
// component 2 carries RTCP only.
//
// Threads: confined to the thread running `context`, like its IceAgent and
// DtlsSrtp; observer callbacks run there. An observer must not destroy the
// transport from inside a callback.
#pragma once

#include <glib.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "media/bytes.hpp"
#include "media/srtp/keying_material.hpp"
#include "transport/datagram_demux.hpp"
#include "transport/dtls/certificate.hpp"
#include "transport/dtls/dtls_srtp.hpp"
#include "transport/ice/ice_agent.hpp"
#include "transport/worker/timer.hpp"

namespace parrot::transport {

enum class CallTransportState {
  kNew,
  kConnecting,  // ICE checking
  kConnected,   // ICE connected; DTLS handshaking, or plain RTP flowing
  kSecure,      // DTLS done, SRTP keys handed over
  kFailed,
  kClosed,
};
std::string_view to_string(CallTransportState state) noexcept;

// Why a transport went to kFailed, as a value carried to the report (its
// "failure_code") and to the decisions that depend on it; the reason text
// beside it is only for people.
enum class TransportFailure {
  kNone,
  kGatheringFailed,      // no usable local address or port: parrot's side
  kIceFailed,            // no candidate pair succeeded
  kConsentLost,          // the path worked, then went silent (RFC 7675)
  kDtlsFailed,           // the handshake failed: an alert, no common profile, a bad fingerprint attribute
  kDtlsTimeout,          // the peer never completed the handshake
  kFingerprintMismatch,  // the peer's certificate is not the one signalled (RFC 5763 §5)
};
// "gathering-failed", "ice-failed", "consent-lost", "dtls-failed",
// "dtls-timeout", "fingerprint-mismatch"; "" for kNone. Stable: reports keep them.
std::string_view to_string(TransportFailure failure) noexcept;
// The DTLS failures: the keys were never agreed, so no ICE restart helps.
bool is_dtls_failure(TransportFailure failure) noexcept;
TransportFailure transport_failure(IceFailure failure) noexcept;
TransportFailure transport_failure(DtlsFailure failure) noexcept;

struct DtlsParameters {
  // parrot's role: XEP-0320 setup='active' is the client. An answer to
  // 'actpass' is 'active' (docs/architecture.md, "A call, end to end").
  DtlsRole role = DtlsRole::kClient;
  std::string peer_fingerprint_algorithm = "sha-256";
  // May stay empty until the answer arrives (set_peer_fingerprint): DTLS
  // waits for it, and DTLS datagrams arriving before it are dropped (the
  // peer retransmits).
  std::string peer_fingerprint;
  std::vector<media::srtp::SrtpProfile> profiles = DtlsSrtp::Config{}.profiles;
  friend bool operator==(const DtlsParameters&, const DtlsParameters&) = default;
};

struct CallTransportConfig {
  IceConfig ice;
  // nullopt: plain RTP without DTLS (Gajim 1.x, Pidgin); the report says so.
  std::optional<DtlsParameters> dtls;
  // Required with DTLS; not owned, outlives the transport.
  const Certificate* certificate = nullptr;
};

struct CallTransportStats {
  CallTransportState state = CallTransportState::kNew;
  TransportFailure failure = TransportFailure::kNone;
  std::string failure_reason;
  IceState ice_state = IceState::kNew;
  std::optional<SelectedPair> selected_pair;
  std::optional<double> connect_ms;  // gather() to ICE connected
  std::optional<double> keys_ms;     // gather() to SRTP keys
  bool encrypted = false;
  DtlsState dtls_state = DtlsState::kNew;
  std::optional<media::srtp::SrtpProfile> srtp_profile;
  bool fingerprint_ok = false;
  DatagramCounters received;                // by RFC 7983 class
  std::uint64_t media_sent = 0;
  std::uint64_t send_drops = 0;             // ICE not connected, consent lost, would block
  std::uint64_t media_before_keys = 0;      // SRTP that arrived before DTLS finished: dropped
  std::uint64_t dtls_datagrams_dropped = 0;  // garbage, or before the fingerprint was known
};

class CallTransport final : private IceAgent::Observer, private DtlsSrtp::Observer {
 public:
  struct Observer {
    virtual void on_local_candidate(const IceCandidate& candidate) = 0;
    virtual void on_gathering_done() = 0;
    virtual void on_transport_state(CallTransportState state, const std::string& reason) = 0;
    virtual void on_selected_pair(const SelectedPair& pair) = 0;
    virtual void on_srtp_keys(const media::srtp::KeyingMaterial& keys) = 0;
    // An RTP or RTCP datagram (SRTP with DTLS), writable so SRTP can
    // decrypt in place; valid only during the call.
    virtual void on_media(unsigned component, media::MutableByteView datagram) = 0;

   protected:
    ~Observer() = default;
  };

  // Throws std::invalid_argument on a bad config (DTLS without a
  // certificate, or what IceAgent and DtlsSrtp refuse).
  CallTransport(GMainContext* context, CallTransportConfig config, Observer& observer);
  ~CallTransport();
  CallTransport(const CallTransport&) = delete;
  CallTransport& operator=(const CallTransport&) = delete;

  const IceCredentials& local_credentials() const noexcept { return ice_->local_credentials(); }
  void set_remote_credentials(const IceCredentials& credentials) { ice_->set_remote_credentials(credentials); }
  void gather();
  void add_remote_candidate(const IceCandidate& candidate) { ice_->add_remote_candidate(candidate); }
  void remote_gathering_done() { ice_->remote_gathering_done(); }
  // ICE restart with the peer's new credentials, or nullopt to offer one
  // (IceAgent::restart); the
  // DTLS association and SRTP keys carry over to the new pair. Allowed while
  // connecting or connected, and after an ICE failure (consent lost) once
  // DTLS had completed; throws std::logic_error otherwise (closed, a DTLS
  // failure, a handshake that never finished) and what IceAgent throws.
  // The state goes to kConnecting, then back to kSecure (or kConnected).
  const IceCredentials& restart_ice(const std::optional<IceCredentials>& remote);
  const std::vector<IceCandidate>& local_candidates() const noexcept { return ice_->local_candidates(); }
  // The peer's XEP-0320 fingerprint when it was not known at construction
  // (parrot placed the call), and then parrot's role too, which the answer's
  // setup decides. Ignored once DTLS has started.
  void set_peer_fingerprint(const std::string& algorithm, const std::string& fingerprint,
                            std::optional<DtlsRole> role = std::nullopt);

  // RTP/RTCP to the peer: component 1, or 2 for RTCP when not muxed. False
  // (counted) before keys on a DTLS call, or when ICE cannot send.
  bool send_media(unsigned component, media::ByteView datagram) noexcept;
  // Several datagrams for one component in order, in one send (IceAgent::
  // send_batch): how many left, from the front; the rest are counted.
  std::size_t send_media(unsigned component, std::span<const media::ByteView> datagrams) noexcept;
  // close_notify to the peer, then ICE closed. Idempotent.
  void close();

  CallTransportState state() const noexcept { return state_; }
  // Set with kFailed; kNone otherwise (and again after an ICE restart).
  TransportFailure failure() const noexcept { return failure_; }
  CallTransportStats stats() const;

 private:
  // IceAgent::Observer
  void on_local_candidate(const IceCandidate& candidate) override;
  void on_gathering_done() override;
  void on_ice_state(IceState state, const std::string& reason) override;
  void on_selected_pair(const SelectedPair& pair) override;
  void on_datagram(unsigned component, media::ByteView datagram) override;
  // DtlsSrtp::Observer
  void on_dtls_datagram(media::ByteView datagram) override;
  void on_dtls_connected(const media::srtp::KeyingMaterial& keys) override;
  void on_dtls_failed(const std::string& reason) override;
  void on_dtls_closed() override;

  void set_state(CallTransportState state, const std::string& reason = {});
  void fail(TransportFailure failure, const std::string& reason);
  // Creates the DTLS session once the fingerprint is known, and starts it
  // once ICE has connected.
  void ensure_dtls();
  void arm_dtls_timer();
  double ms_since_gather() const;

  GMainContext* context_;
  Observer& observer_;
  std::unique_ptr<IceAgent> ice_;
  std::optional<DtlsParameters> dtls_parameters_;
  const Certificate* certificate_;
  std::unique_ptr<DtlsSrtp> dtls_;
  Timer dtls_timer_;
  CallTransportState state_ = CallTransportState::kNew;
  TransportFailure failure_ = TransportFailure::kNone;
  std::string failure_reason_;
  bool ice_connected_once_ = false;
  std::chrono::steady_clock::time_point gather_started_{};
  std::optional<double> connect_ms_;
  std::optional<double> keys_ms_;
  DatagramCounters received_;
  std::uint64_t media_sent_ = 0;
  std::uint64_t send_drops_ = 0;
  std::uint64_t media_before_keys_ = 0;
  std::uint64_t dtls_before_fingerprint_ = 0;
  // libnice's receive buffer is read-only to us; SRTP decrypts in place.
  std::vector<std::byte> receive_buffer_;
};

}  // namespace parrot::transport
