// The media half of one call, on its worker: for each transport (one for a
// BUNDLE group, else one per Jingle content) a CallTransport with an
// EchoEngine behind it, and codec probes fed through bounded queues and
// drained at low priority so they never delay the echo. Signalling (bot/
// jingle, the control thread) drives it through the methods below, posted to
// the worker; what it learns comes back through the Observer.
//
// Threads: created, used and destroyed on the thread running `context`.
#pragma once

#include <glib.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "call/call_facts.hpp"
#include "call/stream_timeline.hpp"
#include "media/echo/echo_engine.hpp"
#include "media/probes/decode_budget.hpp"
#include "transport/call/call_transport.hpp"
#include "transport/worker/thread_confined.hpp"

namespace parrot::call {

struct CallMediaSetup {
  struct Transport {
    transport::CallTransportConfig config;
    media::echo::EchoConfig echo;
    // Per echo stream (same order as echo.streams): the caller's payload
    // types, to name codecs and pick a probe (opus, VP8, VP9).
    std::vector<std::vector<PayloadName>> offered;
  };
  std::vector<Transport> transports;
  // Send parrot's test signal (the Opus tone with clicks, the numbered VP8
  // pattern) instead of the echo, on every stream whose codecs allow it
  // ("!mode tone", a receive-path test); the caller's media is still measured.
  bool test_signal = false;
  // With test_signal: send it this long after media can flow, then echo
  // (a call parrot places: a few seconds of tone, then the caller's voice).
  // Zero: the signal for the whole call.
  std::chrono::milliseconds test_signal_for{0};
  // The watchdog: a transport that has not connected this long after
  // CallMedia began, or that has carried no RTP from the caller for this
  // long once connected, ends the call (Observer::on_media_timeout).
  std::chrono::milliseconds connect_timeout{20000};
  std::chrono::milliseconds no_media_timeout{20000};
};

class CallMedia final {
 public:
  struct Observer {
    virtual void on_local_candidate(std::size_t transport, const transport::IceCandidate& candidate) = 0;
    virtual void on_gathering_done(std::size_t transport) = 0;
    // `failure` says why with kFailed (kNone otherwise); `reason` is for people.
    virtual void on_transport_state(std::size_t transport, transport::CallTransportState state,
                                    transport::TransportFailure failure, const std::string& reason) = 0;
    // The watchdog fired: `why` is a sentence for the report. Once per call.
    virtual void on_media_timeout(MediaTimeout timeout, const std::string& why) = 0;

   protected:
    ~Observer() = default;
  };

  // Throws std::invalid_argument for a setup that cannot work (no
  // transport, or what CallTransport and EchoEngine refuse).
  CallMedia(GMainContext* context, CallMediaSetup setup, Observer& observer);
  ~CallMedia();
  CallMedia(const CallMedia&) = delete;
  CallMedia& operator=(const CallMedia&) = delete;

  std::size_t transport_count() const noexcept { return units_.size(); }
  const transport::IceCredentials& local_credentials(std::size_t transport) const;
  void set_remote_credentials(std::size_t transport, const transport::IceCredentials& credentials);
  void add_remote_candidate(std::size_t transport, const transport::IceCandidate& candidate);
  void remote_gathering_done(std::size_t transport);
  void set_peer_fingerprint(std::size_t transport, const std::string& algorithm, const std::string& fingerprint,
                            std::optional<transport::DtlsRole> role = std::nullopt);
  void gather();
  // ICE restart of one transport (CallTransport::restart_ice): parrot's new
  // credentials and the local candidates to announce with them. The
  // no-media clock restarts too, so the new path gets its chance.
  std::pair<transport::IceCredentials, std::vector<transport::IceCandidate>> restart_ice(
      std::size_t transport, const transport::IceCredentials& remote);
  void set_extra_delay(std::chrono::milliseconds delay);
  // A content added to the call (content-add), echoed on an existing
  // transport. Throws std::invalid_argument as EchoEngine::add_stream does.
  void add_stream(std::size_t transport, const media::echo::StreamConfig& config, std::vector<PayloadName> offered);
  // A content added with a transport of its own (content-add on a call
  // without BUNDLE, Dino's video upgrade); returns its index. Gathering
  // starts at once. Throws std::invalid_argument like the constructor.
  std::size_t add_transport(CallMediaSetup::Transport setup);
  void close();

  // What the report needs, as of now (the first transport's path stands for
  // a BUNDLE call; per-content transports are listed in the JSON later).
  // The probes first take one more drain's worth of what is queued, so the
  // report counts the call's last moments too.
  CallFacts facts();
  // Each stream's figures over the call, one point a second (the report
  // page): {"streams": [{"media": "audio", "t_s": [...], ...}]}, streams in
  // the order of facts().streams.
  nlohmann::json timeline() const;

 private:
  struct Unit;
  media::Timestamp now() const;  // reads the clock
  media::Timestamp at(std::chrono::steady_clock::time_point time) const;
  struct ContextTicks {
    std::vector<CallMedia*> calls;
    std::unique_ptr<transport::Timer> probe_drain;
    std::unique_ptr<transport::Timer> watchdog;
  };
  static std::map<GMainContext*, ContextTicks>& context_ticks();
  void stop_ticks();
  void drain_probes();
  void check_activity();
  void sample_timelines();

  transport::ThreadConfined confined_;  // the thread running context_, where it was created
  GMainContext* context_;
  Observer& observer_;
  bool test_signal_;
  std::chrono::milliseconds test_signal_for_;
  std::chrono::steady_clock::time_point epoch_;
  // The worker's video decoding windows, shared by its calls; before
  // units_, whose probes hold leases on it.
  std::shared_ptr<media::probes::DecodeBudget> decode_budget_;
  std::vector<std::unique_ptr<Unit>> units_;
  bool ticked_ = false;  // registered in context_ticks()
  bool watchdog_fired_ = false;
  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds no_media_timeout_;
};

}  // namespace parrot::call
