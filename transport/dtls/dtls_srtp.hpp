// DTLS-SRTP (RFC 5763, RFC 5764) over an already established datagram path,
// sans I/O: datagrams from the peer go in through feed(), datagrams for the
// peer and the outcome come out through the Observer, and the owner drives
// the retransmission timer (RFC 6347 §4.2.4) from its own event loop.
//
// DTLS 1.2 with OpenSSL 3. The peer is authenticated only by the
// certificate fingerprint from signalling (XEP-0320, RFC 8122 §5): no CA,
// no name, no dates (Dino's certificates start one day in the future;
// docs/client-quirks.md#dino-calls).
// A session never yields keys without a matching fingerprint.
//
// Threads: a DtlsSrtp is confined to the worker thread of its call. Create,
// use and destroy it there. Observer callbacks run synchronously inside
// start(), feed(), handle_timeout() and close(); they must not call back into
// the session or destroy it (post the teardown instead).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "media/bytes.hpp"
#include "media/srtp/keying_material.hpp"
#include "transport/dtls/certificate.hpp"
#include "transport/openssl_ptr.hpp"

namespace parrot::transport {

enum class DtlsRole {
  kClient,  // XEP-0320 setup='active': sends the ClientHello
  kServer,  // setup='passive': answers it
};

enum class DtlsState { kNew, kConnecting, kConnected, kFailed, kClosed };

class DtlsSrtp {
 public:
  struct Config {
    DtlsRole role = DtlsRole::kClient;
    // Not owned; must outlive the session. Its SSL_CTX is shared.
    const Certificate* certificate = nullptr;
    // XEP-0320 'hash' attribute (IANA hash function textual name, any case):
    // sha-1, sha-224, sha-256, sha-384 or sha-512. Anything else makes the
    // session fail at start() with "unsupported fingerprint algorithm: ...".
    std::string peer_fingerprint_algorithm = "sha-256";
    // The peer's <fingerprint/>. Empty or malformed makes the session fail at
    // start(): DTLS without authentication is never offered.
    std::string peer_fingerprint;
    // Our preference order; as the server, ours wins over the client's.
    std::vector<media::srtp::SrtpProfile> profiles = {media::srtp::SrtpProfile::kAeadAes128Gcm,
                                                      media::srtp::SrtpProfile::kAes128CmSha1_80,
                                                      media::srtp::SrtpProfile::kAes128CmSha1_32};
    // Largest datagram handed to on_dtls_datagram (UDP payload), 256..16384.
    std::size_t mtu = 1200;
    // Handshake retransmission: the first timeout, doubled on each expiry up
    // to the maximum. OpenSSL's 1 s start is tuned for TCP-like paths; a call
    // on an ICE pair that just answered checks can retry much sooner (WebRTC
    // starts at 50 ms). OpenSSL gives up after 12 expiries in a row
    // (about 25 s with these values): failure "handshake timeout".
    // At least 20 ms (OpenSSL treats under 15 ms left as expired).
    std::chrono::milliseconds initial_retransmit_timeout{100};
    std::chrono::milliseconds max_retransmit_timeout{3200};
  };

  class Observer {
   public:
    // Send exactly this datagram to the peer (whole DTLS records, at most
    // Config::mtu bytes). Valid only during the call. An exception thrown
    // here is swallowed and the datagram is lost (DTLS retransmits).
    virtual void on_dtls_datagram(media::ByteView datagram) = 0;
    // Handshake done, fingerprint verified, profile negotiated. Once.
    virtual void on_dtls_connected(const media::srtp::KeyingMaterial& keys) = 0;
    // The session is over without keys (or lost them to a fatal alert).
    // Reasons: "fingerprint mismatch", "no common SRTP profile",
    // "handshake timeout", "alert: <description>", "no peer fingerprint",
    // "malformed peer fingerprint", "unsupported fingerprint algorithm: X",
    // "handshake: <OpenSSL reason>". Once; never after on_dtls_closed.
    virtual void on_dtls_failed(const std::string& reason) = 0;
    // The peer sent close_notify (RFC 5246 §7.2.1); already answered.
    virtual void on_dtls_closed() = 0;

   protected:
    ~Observer() = default;
  };

  // Throws std::invalid_argument on a bad config (no certificate, no
  // profiles, MTU or timeouts out of range) and std::runtime_error if
  // OpenSSL cannot create the session.
  DtlsSrtp(Config config, Observer& observer);
  DtlsSrtp(const DtlsSrtp&) = delete;
  DtlsSrtp& operator=(const DtlsSrtp&) = delete;
  ~DtlsSrtp();

  // Client: sends the ClientHello. Server: waits for it. Only acts in kNew.
  // A server that is fed a DTLS datagram before start() starts implicitly
  // (the peer's ICE may complete first).
  void start();
  // One datagram from the peer, already classified as DTLS (RFC 7983
  // first byte 20..63). Never throws on bad input: datagrams that are not
  // well-formed DTLS records, arrive in kNew (client), kFailed or kClosed,
  // carry application data, or (once connected) hold no record of the
  // current epoch are dropped and counted. Records OpenSSL
  // itself discards (bad MAC, replays, stale epochs) are not counted.
  void feed(media::ByteView datagram);
  // Time until handle_timeout() is due; nullopt when no timer is pending.
  // Re-read it after every start/feed/handle_timeout and re-arm the timer.
  std::optional<std::chrono::milliseconds> timeout() const;
  // Retransmits the last flight if the timer expired; harmless if early.
  void handle_timeout();
  // Sends close_notify if connected, then kClosed; no callback for our own
  // close. Idempotent; also stops a handshake in progress.
  void close();

  DtlsState state() const noexcept { return state_; }
  std::optional<media::srtp::SrtpProfile> profile() const noexcept { return profile_; }
  // True once the peer's certificate matched Config::peer_fingerprint.
  bool fingerprint_ok() const noexcept { return fingerprint_ok_; }
  const std::string& failure_reason() const noexcept { return failure_reason_; }
  std::size_t datagrams_dropped() const noexcept { return datagrams_dropped_; }
  std::size_t datagrams_sent() const noexcept { return datagrams_sent_; }

 private:
  friend struct DtlsSrtpCallbacks;

  void drive();
  void drive_handshake();
  void drive_records();
  void on_handshake_done();
  void fail(std::string reason);
  std::string describe_error();
  void assert_owner_thread() const noexcept;

  Config config_;
  Observer& observer_;
  SslPtr ssl_;  // owns the datagram BIO (SSL_set_bio)
  const EVP_MD* peer_digest_ = nullptr;
  DtlsState state_ = DtlsState::kNew;
  std::optional<media::srtp::SrtpProfile> profile_;
  bool fingerprint_ok_ = false;
  bool fingerprint_mismatch_ = false;  // set by the verify callback
  std::string peer_alert_;             // last fatal alert received
  std::string failure_reason_;
  std::optional<media::ByteView> pending_datagram_;  // what the BIO's read returns next
  std::size_t datagrams_dropped_ = 0;
  std::size_t datagrams_sent_ = 0;
  std::thread::id owner_thread_;
};

}  // namespace parrot::transport
