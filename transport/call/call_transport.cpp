#include "transport/call/call_transport.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace parrot::transport {

std::string_view to_string(CallTransportState state) noexcept {
  constexpr std::array<std::string_view, 6> kNames{"new", "connecting", "connected", "secure", "failed", "closed"};
  const auto index = static_cast<std::size_t>(state);
  return index < kNames.size() ? kNames[index] : "unknown";
}

std::string_view to_string(TransportFailure failure) noexcept {
  switch (failure) {
    case TransportFailure::kNone: return "";
    case TransportFailure::kGatheringFailed: return "gathering-failed";
    case TransportFailure::kIceFailed: return "ice-failed";
    case TransportFailure::kConsentLost: return "consent-lost";
    case TransportFailure::kDtlsFailed: return "dtls-failed";
    case TransportFailure::kDtlsTimeout: return "dtls-timeout";
    case TransportFailure::kFingerprintMismatch: return "fingerprint-mismatch";
  }
  return "unknown";
}

bool is_dtls_failure(TransportFailure failure) noexcept {
  return failure == TransportFailure::kDtlsFailed || failure == TransportFailure::kDtlsTimeout ||
         failure == TransportFailure::kFingerprintMismatch;
}

TransportFailure transport_failure(IceFailure failure) noexcept {
  switch (failure) {
    case IceFailure::kGatheringFailed: return TransportFailure::kGatheringFailed;
    case IceFailure::kConsentLost: return TransportFailure::kConsentLost;
    case IceFailure::kNoPairSucceeded:
    case IceFailure::kNone:  // libnice failed without the agent saying why
      break;
  }
  return TransportFailure::kIceFailed;
}

TransportFailure transport_failure(DtlsFailure failure) noexcept {
  switch (failure) {
    case DtlsFailure::kTimeout: return TransportFailure::kDtlsTimeout;
    case DtlsFailure::kFingerprintMismatch: return TransportFailure::kFingerprintMismatch;
    case DtlsFailure::kPeerFingerprint:
    case DtlsFailure::kHandshake:
    case DtlsFailure::kNone:
      break;
  }
  return TransportFailure::kDtlsFailed;
}

CallTransport::CallTransport(GMainContext* context, CallTransportConfig config, Observer& observer)
    : context_(context),
      observer_(observer),
      dtls_parameters_(std::move(config.dtls)),
      certificate_(config.certificate),
      receive_buffer_(2048) {
  if (dtls_parameters_ && certificate_ == nullptr) throw std::invalid_argument("call transport: DTLS needs a certificate");
  ice_ = std::make_unique<IceAgent>(context, std::move(config.ice), static_cast<IceAgent::Observer&>(*this));
  ensure_dtls();
}

void CallTransport::set_peer_fingerprint(const std::string& algorithm, const std::string& fingerprint,
                                         std::optional<DtlsRole> role) {
  if (!dtls_parameters_ || dtls_) return;
  if (role) dtls_parameters_->role = *role;
  dtls_parameters_->peer_fingerprint_algorithm = algorithm;
  dtls_parameters_->peer_fingerprint = fingerprint;
  ensure_dtls();
}

void CallTransport::ensure_dtls() {
  if (!dtls_parameters_ || state_ == CallTransportState::kFailed || state_ == CallTransportState::kClosed) return;
  if (!dtls_) {
    if (dtls_parameters_->peer_fingerprint.empty()) return;
    DtlsSrtp::Config dtls;
    dtls.role = dtls_parameters_->role;
    dtls.certificate = certificate_;
    dtls.peer_fingerprint_algorithm = dtls_parameters_->peer_fingerprint_algorithm;
    dtls.peer_fingerprint = dtls_parameters_->peer_fingerprint;
    dtls.profiles = dtls_parameters_->profiles;
    dtls_ = std::make_unique<DtlsSrtp>(std::move(dtls), static_cast<DtlsSrtp::Observer&>(*this));
  }
  if (ice_connected_once_ && dtls_->state() == DtlsState::kNew) {
    dtls_->start();
    arm_dtls_timer();
  }
}

CallTransport::~CallTransport() {
  dtls_timer_.cancel();
  // The agent goes first: no more datagrams into a half-destroyed DTLS.
  ice_.reset();
  dtls_.reset();
}

void CallTransport::gather() {
  gather_started_ = std::chrono::steady_clock::now();
  ice_->gather();
}

double CallTransport::ms_since_gather() const {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - gather_started_).count();
}

const IceCredentials& CallTransport::restart_ice(const std::optional<IceCredentials>& remote) {
  if (state_ == CallTransportState::kClosed) throw std::logic_error("call transport: restart after close");
  const bool secure = !dtls_parameters_ || (dtls_ && dtls_->state() == DtlsState::kConnected);
  if (state_ == CallTransportState::kFailed && (!secure || is_dtls_failure(failure_)))
    throw std::logic_error("call transport: cannot restart after " + failure_reason_);
  const IceCredentials& local = ice_->restart(remote);
  if (state_ == CallTransportState::kFailed) {
    // The one way out of kFailed: the path failed, the keys did not.
    state_ = CallTransportState::kConnecting;
    failure_ = TransportFailure::kNone;
    failure_reason_.clear();
    observer_.on_transport_state(state_, {});
  } else {
    set_state(ice_connected_once_ ? CallTransportState::kConnecting : state_);
  }
  return local;
}

void CallTransport::set_state(CallTransportState state, const std::string& reason) {
  if (state_ == state || state_ == CallTransportState::kFailed || state_ == CallTransportState::kClosed) return;
  state_ = state;
  if (state == CallTransportState::kFailed) failure_reason_ = reason;
  observer_.on_transport_state(state, reason);
}

void CallTransport::fail(TransportFailure failure, const std::string& reason) {
  if (state_ == CallTransportState::kFailed || state_ == CallTransportState::kClosed) return;
  failure_ = failure;
  set_state(CallTransportState::kFailed, reason);
}

void CallTransport::on_local_candidate(const IceCandidate& candidate) { observer_.on_local_candidate(candidate); }

void CallTransport::on_gathering_done() { observer_.on_gathering_done(); }

void CallTransport::on_selected_pair(const SelectedPair& pair) { observer_.on_selected_pair(pair); }

void CallTransport::on_ice_state(IceState state, const std::string& reason) {
  switch (state) {
    case IceState::kChecking:
      set_state(CallTransportState::kConnecting);
      break;
    case IceState::kConnected:
      if (ice_connected_once_) {
        // READY ↔ CONNECTED bounces: DTLS starts once. After an ICE restart
        // the same DTLS association goes on over the new pair.
        if (state_ == CallTransportState::kConnecting)
          set_state(dtls_ && dtls_->state() == DtlsState::kConnected ? CallTransportState::kSecure
                                                                     : CallTransportState::kConnected);
        break;
      }
      ice_connected_once_ = true;
      connect_ms_ = ms_since_gather();
      set_state(CallTransportState::kConnected);
      ensure_dtls();
      break;
    case IceState::kFailed:
      // A secure association survives for an ICE restart (consent lost on a
      // network change); an unfinished handshake does not.
      if (dtls_ && dtls_->state() != DtlsState::kConnected) dtls_->close();
      dtls_timer_.cancel();
      fail(transport_failure(ice_->failure()), reason.empty() ? "ICE failed" : reason);
      break;
    case IceState::kClosed:
      set_state(CallTransportState::kClosed);
      break;
    case IceState::kNew:
    case IceState::kGathering:
      break;
  }
}

void CallTransport::on_datagram(unsigned component, media::ByteView datagram) {
  // RFC 7983 §7: tell the classes apart before anything parses them.
  switch (received_.classify_and_count(datagram)) {
    case DatagramClass::kDtls:
      if (!dtls_parameters_ || component != 1) return;
      if (!dtls_) {
        ++dtls_before_fingerprint_;
        return;
      }
      dtls_->feed(datagram);
      arm_dtls_timer();
      return;
    case DatagramClass::kRtpRtcp:
      if (dtls_parameters_ && (!dtls_ || dtls_->state() != DtlsState::kConnected)) {
        ++media_before_keys_;
        return;
      }
      if (datagram.size() > receive_buffer_.size()) receive_buffer_.resize(datagram.size());
      std::copy(datagram.begin(), datagram.end(), receive_buffer_.begin());
      observer_.on_media(component, media::MutableByteView(receive_buffer_).first(datagram.size()));
      return;
    case DatagramClass::kStun:  // libnice consumes STUN; a stray one is dropped
    case DatagramClass::kZrtp:
    case DatagramClass::kTurnChannel:
    case DatagramClass::kUnknown:
      return;
  }
}

bool CallTransport::send_media(unsigned component, media::ByteView datagram) noexcept {
  if (dtls_parameters_ && (!dtls_ || dtls_->state() != DtlsState::kConnected)) {
    ++send_drops_;
    return false;
  }
  if (!ice_->send(component, datagram)) return false;  // counted by the agent
  ++media_sent_;
  return true;
}

std::size_t CallTransport::send_media(unsigned component, std::span<const media::ByteView> datagrams) noexcept {
  if (dtls_parameters_ && (!dtls_ || dtls_->state() != DtlsState::kConnected)) {
    send_drops_ += datagrams.size();
    return 0;
  }
  const std::size_t sent = ice_->send_batch(component, datagrams);  // the rest counted by the agent
  media_sent_ += sent;
  return sent;
}

void CallTransport::on_dtls_datagram(media::ByteView datagram) { ice_->send(1, datagram); }

void CallTransport::on_dtls_connected(const media::srtp::KeyingMaterial& keys) {
  dtls_timer_.cancel();
  keys_ms_ = ms_since_gather();
  set_state(CallTransportState::kSecure);
  observer_.on_srtp_keys(keys);
}

void CallTransport::on_dtls_failed(const std::string& reason) {
  dtls_timer_.cancel();
  fail(transport_failure(dtls_->failure()), "DTLS: " + reason);
}

void CallTransport::on_dtls_closed() {
  dtls_timer_.cancel();
  set_state(CallTransportState::kClosed, "peer closed DTLS");
}

void CallTransport::arm_dtls_timer() {
  if (!dtls_) return;
  const auto timeout = dtls_->timeout();
  if (!timeout) {
    dtls_timer_.cancel();
    return;
  }
  dtls_timer_ = Timer(context_, std::max(*timeout, std::chrono::milliseconds(1)), [this] {
    dtls_->handle_timeout();
    arm_dtls_timer();
  });
}

void CallTransport::close() {
  dtls_timer_.cancel();
  if (dtls_) dtls_->close();
  ice_->close();
  set_state(CallTransportState::kClosed);
}

CallTransportStats CallTransport::stats() const {
  CallTransportStats s;
  s.state = state_;
  s.failure = failure_;
  s.failure_reason = failure_reason_;
  s.ice_state = ice_->state();
  s.selected_pair = ice_->selected_pair();
  s.connect_ms = connect_ms_;
  s.keys_ms = keys_ms_;
  s.encrypted = dtls_parameters_.has_value();
  s.dtls_datagrams_dropped = dtls_before_fingerprint_;
  if (dtls_) {
    s.dtls_state = dtls_->state();
    s.srtp_profile = dtls_->profile();
    s.fingerprint_ok = dtls_->fingerprint_ok();
    s.dtls_datagrams_dropped += dtls_->datagrams_dropped();
  }
  s.received = received_;
  s.media_sent = media_sent_;
  s.send_drops = send_drops_ + ice_->send_drops();
  s.media_before_keys = media_before_keys_;
  return s;
}

}  // namespace parrot::transport
