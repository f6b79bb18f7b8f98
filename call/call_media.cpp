#include "call/call_media.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <map>
#include <optional>
#include <stdexcept>
#include <strings.h>

#include "media/demux.hpp"
#include "media/probes/probe_queue.hpp"
#include "media/probes/stream_probe.hpp"
#include "media/signals/opus_tone_source.hpp"
#include "media/signals/vp8_test_pattern.hpp"
#include "transport/worker/timer.hpp"
#include "transport/worker/wakeup_timer.hpp"

namespace parrot::call {

namespace {

// Packets a probe may fall behind before it samples instead: 2 s of ~1
// Mbit/s video, 640 ms of 20 ms audio packets against a drain every 100 ms.
// Slots cost what they hold, but a queue of 256 for 100-byte Opus packets
// was still a large share of an audio call's memory at a thousand calls.
constexpr std::size_t kVideoProbeQueuePackets = 256;
constexpr std::size_t kAudioProbeQueuePackets = 32;
// Drained this often, this much at a time (room for ~5 Mbit/s of video):
// one wake-up per call every 100 ms rather than one per packet, since with
// hundreds of calls on a worker each wake-up also scans every GLib source.
constexpr std::chrono::milliseconds kProbeDrainInterval{100};
constexpr std::size_t kProbePacketsPerDrain = 128;
// Video decoding windows open at once on a worker (decode_budget.hpp): at
// 1080p each takes about 7% of a core while open, so three bound the
// probes' share of a worker near a fifth of it. Forty 1 Mbit/s calls on
// one worker, windows unbounded, stacked them until the worker fell behind
// and calls lost packets.
constexpr std::size_t kVideoWindowsPerWorker = 3;

// One budget per worker thread, alive while one of its calls is.
std::shared_ptr<media::probes::DecodeBudget> worker_decode_budget() {
  thread_local std::weak_ptr<media::probes::DecodeBudget> shared;
  auto budget = shared.lock();
  if (!budget) {
    budget = std::make_shared<media::probes::DecodeBudget>(kVideoWindowsPerWorker);
    shared = budget;
  }
  return budget;
}
// The watchdog needs no finer grain than a second; the report page's
// timelines take their one point a second on the same tick.
constexpr std::chrono::milliseconds kWatchdogInterval{1000};

bool named(const std::vector<PayloadName>& offered, const char* codec) {
  return std::any_of(offered.begin(), offered.end(),
                     [codec](const PayloadName& p) { return strcasecmp(p.name.c_str(), codec) == 0; });
}

std::optional<std::uint8_t> payload_type_of(const std::vector<PayloadName>& offered, const char* codec) {
  for (const auto& p : offered) {
    if (strcasecmp(p.name.c_str(), codec) == 0) return p.id;
  }
  return std::nullopt;
}

std::vector<std::uint8_t> payload_types_named(const std::vector<PayloadName>& offered, const char* codec) {
  std::vector<std::uint8_t> ids;
  for (const auto& p : offered) {
    if (strcasecmp(p.name.c_str(), codec) == 0) ids.push_back(p.id);
  }
  return ids;
}

// The stream's RED and ULPFEC ids, so that echoed FEC is moved into
// parrot's sequence and timestamp spaces (media::echo::FecRewriter).
void name_fec_payload_types(media::echo::StreamConfig& config, const std::vector<PayloadName>& offered) {
  const auto claimed = [&](std::optional<std::uint8_t> id) -> std::optional<std::uint8_t> {
    if (!id || std::find(config.payload_types.begin(), config.payload_types.end(), *id) == config.payload_types.end())
      return std::nullopt;
    return id;
  };
  if (!config.red_payload_type) config.red_payload_type = claimed(payload_type_of(offered, "red"));
  if (!config.ulpfec_payload_type) config.ulpfec_payload_type = claimed(payload_type_of(offered, "ulpfec"));
}

// A test signal frame late by more than this is skipped rather than sent in
// a burst (a stalled worker must not flood the caller).
constexpr int kMaxCatchUpFrames = 3;

// Datagrams handed to the transport in one send; a video frame's packets
// at ~1 Mbit/s fit.
constexpr std::size_t kSendChunk = 16;

}  // namespace

// One transport's echo: the CallTransport, its EchoEngine, its probes.
struct CallMedia::Unit final : transport::CallTransport::Observer {
  Unit(CallMedia& owner, std::size_t index, CallMediaSetup::Transport setup)
      : owner_(owner),
        index_(index),
        offered_(std::move(setup.offered)),
        components_(setup.config.ice.components),
        encrypted_(setup.config.dtls.has_value()) {
    setup.echo.unix_time_at_epoch =
        std::chrono::duration_cast<media::Duration>(std::chrono::system_clock::now().time_since_epoch()) -
        std::chrono::duration_cast<media::Duration>(std::chrono::steady_clock::now() - owner_.epoch_);
    const bool encrypted = setup.config.dtls.has_value();
    for (std::size_t i = 0; i < setup.echo.streams.size() && i < offered_.size(); ++i)
      name_fec_payload_types(setup.echo.streams[i], offered_[i]);
    engine_ = std::make_unique<media::echo::EchoEngine>(setup.echo);
    if (encrypted) engine_->expect_srtp();
    for (std::size_t i = 0; i < setup.echo.streams.size(); ++i) {
      add_probe(i, setup.echo.streams[i].kind);
      if (owner_.test_signal_) add_signal(i, setup.echo.streams[i].kind, setup.echo.random_seed);
    }
    // The queue read the clock once for every timer it fires in this
    // dispatch; no read of our own.
    timer_ = std::make_unique<transport::WakeupTimer>(owner_.context_, [this](transport::WakeupTimer::Clock::time_point at) {
      const media::Timestamp now = owner_.at(at);
      engine_->on_timer(now);
      flush();
    });
    transport_ = std::make_unique<transport::CallTransport>(owner_.context_, std::move(setup.config), *this);
  }

  // A probe for stream `index`, chosen by the codecs the caller offered.
  // RED and ULPFEC (libwebrtc's default video, and Chromium's red/48000)
  // are looked inside by the StreamProbe, and counted even for a codec
  // parrot cannot probe.
  void add_probe(std::size_t index, media::echo::MediaKind kind) {
    const auto& offered = index < offered_.size() ? offered_[index] : std::vector<PayloadName>{};
    media::probes::StreamProbeConfig config;
    const char* codec = nullptr;
    if (kind == media::echo::MediaKind::kAudio && named(offered, "opus")) {
      config.codec = media::probes::ProbedCodec::kOpus;
      codec = "opus";
      // Mono: libopus mixes a stereo stream down, the level and silence read
      // the same, and the probe costs 19 instead of 28 us per 20 ms packet
      // (probes_bench), a quarter of a call's media CPU at 100 calls.
      config.opus_channels = 1;
      // While the caller's packets carry RFC 6464 levels (libwebrtc's do),
      // level and silence come from them and a tenth is decoded.
      config.opus_sampling = media::probes::OpusSampling::windows();
    } else if (named(offered, "VP8")) {
      config.codec = media::probes::ProbedCodec::kVp8;
      codec = "VP8";
    } else if (named(offered, "VP9")) {
      config.codec = media::probes::ProbedCodec::kVp9;
      codec = "VP9";
    }
    config.video_sampling.budget = owner_.decode_budget_.get();
    if (codec != nullptr) config.codec_payload_types = payload_types_named(offered, codec);
    config.red_payload_type = payload_type_of(offered, "red");
    config.ulpfec_payload_type = payload_type_of(offered, "ulpfec");
    const bool attach = codec != nullptr || config.red_payload_type || config.ulpfec_payload_type;
    if (timelines_.size() <= index) timelines_.resize(index + 1);
    auto probe = std::make_unique<Probe>();
    // A stream with nothing to probe gets a one-slot queue nobody fills: it
    // keeps probes_ in stream order for the drain and the report.
    const std::size_t queue_packets = !attach                                  ? 1
                                      : kind == media::echo::MediaKind::kAudio ? kAudioProbeQueuePackets
                                                                               : kVideoProbeQueuePackets;
    probe->queue = std::make_unique<media::probes::ProbeQueue>(queue_packets);
    probe->stream = std::make_unique<media::probes::StreamProbe>(std::move(config));
    if (attach) engine_->attach_probe(index, probe->queue.get());
    probes_.push_back(std::move(probe));
  }
  // The test tone (Opus) or pattern (VP8) in place of stream `index`'s echo,
  // if the caller offered that codec; else the stream stays an echo.
  void add_signal(std::size_t index, media::echo::MediaKind kind, std::uint32_t seed) {
    const auto& offered = index < offered_.size() ? offered_[index] : std::vector<PayloadName>{};
    auto signal = std::make_unique<Signal>();
    signal->stream = index;
    if (kind == media::echo::MediaKind::kAudio) {
      const auto pt = payload_type_of(offered, "opus");
      if (!pt) return;
      media::signals::OpusToneConfig config;
      config.initial_rtp_timestamp = seed;
      signal->tone = std::make_unique<media::signals::OpusToneSource>(config);
      signal->payload_type = *pt;
      signal->interval = media::signals::OpusToneSource::kFrameDuration;
    } else {
      const auto pt = payload_type_of(offered, "VP8");
      if (!pt) return;
      media::signals::Vp8TestPatternConfig config;
      config.initial_rtp_timestamp = seed;
      signal->pattern = std::make_unique<media::signals::Vp8TestPattern>(config);
      signal->payload_type = *pt;
      signal->interval = signal->pattern->frame_interval();
    }
    engine_->set_source(index, media::echo::StreamSource::kLocal);
    signals_.push_back(std::move(signal));
    if (media_ready_) start_signals();
  }

  ~Unit() {
    signal_timer_.reset();
    timer_.reset();
    transport_.reset();
  }

  // Signals start once media can flow (keys, or a plain path), so the
  // pattern's first keyframe is not thrown away before SRTP exists.
  void on_media_ready() {
    if (media_ready_) return;
    media_ready_ = true;
    start_signals();
  }
  void start_signals() {
    if (signals_.empty()) return;
    media::Duration tick = signals_.front()->interval;
    for (auto& signal : signals_) {
      if (!signal->started) {
        signal->next_due = owner_.now();
        signal->started = true;
        if (owner_.test_signal_for_.count() > 0) signal->until = signal->next_due + owner_.test_signal_for_;
      }
      tick = std::min(tick, signal->interval);
    }
    signal_timer_ = std::make_unique<transport::Timer>(transport::Timer::repeating(
        owner_.context_, std::chrono::duration_cast<std::chrono::milliseconds>(tick), [this] { send_signals(); }));
    send_signals();
  }
  void send_signals() {
    const media::Timestamp now = owner_.now();
    for (auto& signal : signals_) {
      if (signal->finished) continue;
      if (signal->until && now >= *signal->until) {
        engine_->set_source(signal->stream, media::echo::StreamSource::kEcho);
        signal->finished = true;
        continue;
      }
      if (now - signal->next_due > signal->interval * kMaxCatchUpFrames) signal->next_due = now;
      for (; signal->next_due <= now; signal->next_due += signal->interval) {
        if (signal->tone) {
          const auto frame = signal->tone->next();
          if (frame.payload.empty()) continue;
          send_local(now, signal->stream, media::echo::LocalFrame{signal->payload_type, frame.payload, frame.rtp_timestamp, false});
        } else {
          if (engine_->take_keyframe_request(signal->stream)) signal->pattern->request_keyframe();
          const auto frame = signal->pattern->next_frame();
          for (const auto& packet : frame.packets)
            send_local(now, signal->stream, media::echo::LocalFrame{signal->payload_type, packet.payload, frame.rtp_timestamp,
                                                               packet.marker});
        }
      }
    }
    flush();
  }
  void send_local(media::Timestamp now, std::size_t stream, const media::echo::LocalFrame& frame) {
    if (engine_->send_local(now, stream, frame)) send_outbox();
  }

  void on_local_candidate(const transport::IceCandidate& candidate) override {
    owner_.observer_.on_local_candidate(index_, candidate);
  }
  void on_gathering_done() override { owner_.observer_.on_gathering_done(index_); }
  void on_transport_state(transport::CallTransportState state, const std::string& reason) override {
    if ((state == transport::CallTransportState::kConnected || state == transport::CallTransportState::kSecure) &&
        !connected_at_)
      connected_at_ = owner_.now();
    if (state == transport::CallTransportState::kConnected && !encrypted_) on_media_ready();
    owner_.observer_.on_transport_state(index_, state, transport_->failure(), reason);
  }
  void on_selected_pair(const transport::SelectedPair&) override {}
  void on_srtp_keys(const media::srtp::KeyingMaterial& keys) override {
    engine_->set_srtp(keys);
    on_media_ready();
  }
  void on_media(unsigned, media::MutableByteView datagram) override {
    // RTCP alone (receiver reports from a muted client's stack) is not media.
    const media::Timestamp now = owner_.now();  // one clock read per datagram
    // RFC 5761 §4, once: the transport sorted by first byte (RFC 7983) and
    // passes only RTP/RTCP; the engine takes the kind from here.
    const media::MuxedPacketKind kind = media::classify_muxed_packet(datagram);
    if (kind == media::MuxedPacketKind::kRtp) last_rtp_ = now;
    engine_->on_datagram(now, datagram, kind);
    flush();
  }

  // Sends what the engine produced, a run of datagrams for one component
  // per send (sendmmsg(2) for a video frame's packets); what could not
  // leave is not counted sent.
  void send_outbox() {
    const auto outbox = engine_->outbox();
    std::array<media::ByteView, kSendChunk> views{};
    for (std::size_t first = 0; first < outbox.size();) {
      const unsigned component = component_of(outbox[first]);
      std::size_t n = 0;
      while (first + n < outbox.size() && n < views.size() && component_of(outbox[first + n]) == component) {
        views[n] = outbox[first + n].bytes;
        ++n;
      }
      const std::size_t sent = transport_->send_media(component, std::span(views).first(n));
      for (std::size_t i = sent; i < n; ++i) engine_->on_send_failed(outbox[first + i]);
      first += n;
    }
  }
  unsigned component_of(const media::echo::OutgoingDatagram& d) const noexcept { return d.rtcp && components_ == 2 ? 2 : 1; }
  // Sends what the engine produced and re-arms its wake-up.
  void flush() {
    send_outbox();
    if (!timer_) return;  // closed
    const media::Timestamp wakeup = engine_->next_wakeup();
    if (wakeup == media::kNever) {
      timer_->disarm();
      return;
    }
    // Re-armed after every datagram: an entry moved in the worker's one
    // wake-up heap, at an absolute time, so no second clock read.
    timer_->arm_at(owner_.epoch_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(wakeup.time_since_epoch()));
  }

  void drain(std::size_t budget) {
    media::probes::ProbePacket packet;
    for (auto& probe : probes_) {
      for (std::size_t n = 0; n < budget && probe->queue->pop_into(packet); ++n) probe->stream->on_packet(packet);
    }
  }

  // One point of each stream's timeline: the counters as of now; the
  // timeline keeps what changed since the last tick.
  void sample_timelines(double t_s) {
    const media::echo::EchoSnapshot snapshot = engine_->snapshot();
    for (std::size_t i = 0; i < snapshot.streams.size() && i < timelines_.size() && i < probes_.size(); ++i) {
      const auto& stream = snapshot.streams[i];
      TimelineSample sample;
      sample.t_s = t_s;
      sample.packets = stream.received.packets;
      sample.lost = stream.received.lost;
      sample.bytes = stream.received.bytes;
      sample.jitter_buffer_ms = stream.jitter_buffer.target_delay_ms;
      if (const auto audio = probes_[i]->stream->audio()) {
        sample.audio_samples = audio->samples;
        sample.audio_level_dbfs = audio->level_dbfs;
      }
      if (const auto video = probes_[i]->stream->video()) sample.pictures = video->pictures;
      timelines_[i].add(sample);
    }
  }

  struct Signal {
    std::size_t stream = 0;
    std::uint8_t payload_type = 0;
    std::unique_ptr<media::signals::OpusToneSource> tone;
    std::unique_ptr<media::signals::Vp8TestPattern> pattern;
    media::Duration interval{};
    media::Timestamp next_due{};
    std::optional<media::Timestamp> until;
    bool started = false;
    bool finished = false;  // handed back to the echo
  };
  struct Probe {
    std::unique_ptr<media::probes::ProbeQueue> queue;
    std::unique_ptr<media::probes::StreamProbe> stream;
  };

  CallMedia& owner_;
  std::size_t index_;
  std::vector<std::vector<PayloadName>> offered_;
  unsigned components_;
  bool encrypted_;
  bool media_ready_ = false;
  std::unique_ptr<media::echo::EchoEngine> engine_;
  std::vector<std::unique_ptr<Signal>> signals_;
  std::unique_ptr<transport::Timer> signal_timer_;
  std::vector<std::unique_ptr<Probe>> probes_;
  std::vector<StreamTimeline> timelines_;  // per stream, like probes_
  std::unique_ptr<transport::CallTransport> transport_;
  std::unique_ptr<transport::WakeupTimer> timer_;  // the engine's next_wakeup()
  media::Timestamp created_at_ = owner_.now();  // the connect timeout counts from here
  std::optional<media::Timestamp> connected_at_;
  std::optional<media::Timestamp> last_rtp_;
};

CallMedia::CallMedia(GMainContext* context, CallMediaSetup setup, Observer& observer)
    : context_(context),
      observer_(observer),
      test_signal_(setup.test_signal),
      test_signal_for_(setup.test_signal_for),
      epoch_(std::chrono::steady_clock::now()),
      decode_budget_(worker_decode_budget()),
      connect_timeout_(setup.connect_timeout),
      no_media_timeout_(setup.no_media_timeout) {
  if (setup.transports.empty()) throw std::invalid_argument("call: no transport to set up");
  for (std::size_t i = 0; i < setup.transports.size(); ++i)
    units_.push_back(std::make_unique<Unit>(*this, i, std::move(setup.transports[i])));
  ticked_ = true;
  ContextTicks& ticks = context_ticks()[context_];
  ticks.calls.push_back(this);
  if (!ticks.probe_drain) {
    ticks.probe_drain = std::make_unique<transport::Timer>(transport::Timer::repeating(context, kProbeDrainInterval, [context] {
      for (CallMedia* call : context_ticks()[context].calls) call->drain_probes();
    }));
    ticks.watchdog = std::make_unique<transport::Timer>(transport::Timer::repeating(context, kWatchdogInterval, [context] {
      // A copy: a watchdog verdict only posts to the control thread, but a
      // call must never be skipped or visited twice if the list changes.
      const std::vector<CallMedia*> calls = context_ticks()[context].calls;
      for (CallMedia* call : calls) {
        call->sample_timelines();
        call->check_activity();
      }
    }));
  }
}

CallMedia::~CallMedia() {
  stop_ticks();
  units_.clear();
}

// One probe-drain and one watchdog timer per worker context, shared by its
// calls: with hundreds of calls on a worker, timers per call meant hundreds
// more sources for GLib to scan on every iteration and a wake-up per call.
// Each CallMedia lives on one thread, so the table is per thread.
std::map<GMainContext*, CallMedia::ContextTicks>& CallMedia::context_ticks() {
  thread_local std::map<GMainContext*, ContextTicks> ticks;
  return ticks;
}

void CallMedia::stop_ticks() {
  if (!ticked_) return;
  ticked_ = false;
  auto& table = context_ticks();
  const auto found = table.find(context_);
  if (found == table.end()) return;
  std::erase(found->second.calls, this);
  if (found->second.calls.empty()) table.erase(found);
}

media::Timestamp CallMedia::now() const { return at(std::chrono::steady_clock::now()); }

media::Timestamp CallMedia::at(std::chrono::steady_clock::time_point time) const {
  return media::Timestamp{std::chrono::duration_cast<media::Duration>(time - epoch_)};
}

void CallMedia::drain_probes() {
  confined_.check("CallMedia::drain_probes");
  for (auto& unit : units_) unit->drain(kProbePacketsPerDrain);
}

void CallMedia::sample_timelines() {
  const double t_s = std::chrono::duration<double>(now().time_since_epoch()).count();
  for (auto& unit : units_) unit->sample_timelines(t_s);
}

void CallMedia::check_activity() {
  confined_.check("CallMedia::check_activity");
  if (watchdog_fired_) return;
  const media::Timestamp at = now();
  const auto seconds = [](std::chrono::milliseconds d) { return std::to_string((d.count() + 500) / 1000); };
  std::string why;
  MediaTimeout timeout = MediaTimeout::kNeverConnected;
  for (const auto& unit : units_) {
    if (!unit->connected_at_) {
      if (at - unit->created_at_ >= connect_timeout_) {
        timeout = MediaTimeout::kNeverConnected;
        why = "no path to you connected within " + seconds(connect_timeout_) + " s (ICE never completed)";
      }
    } else {
      const media::Timestamp since = unit->last_rtp_.value_or(*unit->connected_at_);
      if (at - since >= no_media_timeout_) {
        timeout = MediaTimeout::kNoMedia;
        why = "no media from you for " + seconds(no_media_timeout_) + " s" +
              (unit->last_rtp_ ? "" : " after the path connected");
      }
    }
    if (!why.empty()) break;
  }
  if (why.empty()) return;
  watchdog_fired_ = true;
  observer_.on_media_timeout(timeout, why);
}

const transport::IceCredentials& CallMedia::local_credentials(std::size_t transport) const {
  return units_.at(transport)->transport_->local_credentials();
}
void CallMedia::set_remote_credentials(std::size_t transport, const transport::IceCredentials& credentials) {
  confined_.check("CallMedia::set_remote_credentials");
  units_.at(transport)->transport_->set_remote_credentials(credentials);
}
void CallMedia::add_remote_candidate(std::size_t transport, const transport::IceCandidate& candidate) {
  confined_.check("CallMedia::add_remote_candidate");
  units_.at(transport)->transport_->add_remote_candidate(candidate);
}
void CallMedia::remote_gathering_done(std::size_t transport) {
  confined_.check("CallMedia::remote_gathering_done");
  units_.at(transport)->transport_->remote_gathering_done();
}
void CallMedia::set_peer_fingerprint(std::size_t transport, const std::string& algorithm, const std::string& fingerprint,
                                     std::optional<transport::DtlsRole> role) {
  confined_.check("CallMedia::set_peer_fingerprint");
  units_.at(transport)->transport_->set_peer_fingerprint(algorithm, fingerprint, role);
}
void CallMedia::gather() {
  confined_.check("CallMedia::gather");
  for (auto& unit : units_) unit->transport_->gather();
}
std::pair<transport::IceCredentials, std::vector<transport::IceCandidate>> CallMedia::restart_ice(
    std::size_t transport, const transport::IceCredentials& remote) {
  confined_.check("CallMedia::restart_ice");
  Unit& unit = *units_.at(transport);
  transport::IceCredentials local = unit.transport_->restart_ice(remote);
  if (unit.connected_at_) unit.last_rtp_ = now();
  return {std::move(local), unit.transport_->local_candidates()};
}

void CallMedia::set_extra_delay(std::chrono::milliseconds delay) {
  confined_.check("CallMedia::set_extra_delay");
  for (auto& unit : units_) unit->engine_->set_extra_delay(delay);
}
void CallMedia::add_stream(std::size_t transport, const media::echo::StreamConfig& config,
                           std::vector<PayloadName> offered) {
  confined_.check("CallMedia::add_stream");
  Unit& unit = *units_.at(transport);
  media::echo::StreamConfig named = config;
  name_fec_payload_types(named, offered);
  const std::size_t index = unit.engine_->add_stream(named);
  if (unit.offered_.size() <= index) unit.offered_.resize(index + 1);
  unit.offered_[index] = std::move(offered);
  unit.add_probe(index, config.kind);
  if (test_signal_) unit.add_signal(index, config.kind, config.local_ssrc);
}

std::size_t CallMedia::add_transport(CallMediaSetup::Transport setup) {
  confined_.check("CallMedia::add_transport");
  units_.push_back(std::make_unique<Unit>(*this, units_.size(), std::move(setup)));
  units_.back()->transport_->gather();
  return units_.size() - 1;
}

void CallMedia::close() {
  confined_.check("CallMedia::close");
  stop_ticks();
  for (auto& unit : units_) {
    unit->signal_timer_.reset();
    unit->timer_.reset();
    unit->transport_->close();
  }
}

CallFacts CallMedia::facts() {
  confined_.check("CallMedia::facts");
  drain_probes();
  CallFacts facts;
  facts.transport = units_.front()->transport_->stats();
  for (const auto& unit : units_) {
    const media::echo::EchoSnapshot snapshot = unit->engine_->snapshot();
    if (units_.size() > 1) {
      std::string media;
      for (const auto& stream : snapshot.streams)
        media += (media.empty() ? "" : "+") + std::string(stream.kind == media::echo::MediaKind::kAudio ? "audio" : "video");
      facts.transports.emplace_back(media, unit->transport_->stats());
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(media::DropReason::kCount); ++i) {
      const auto reason = static_cast<media::DropReason>(i);
      facts.drops.count(reason, snapshot.drops[reason]);
    }
    for (std::size_t i = 0; i < snapshot.streams.size(); ++i) {
      StreamFacts stream;
      stream.echo = snapshot.streams[i];
      if (i < unit->offered_.size()) stream.offered = unit->offered_[i];
      const auto& probe = unit->probes_[i];
      stream.audio = probe->stream->audio();
      stream.video = probe->stream->video();
      stream.carriage = probe->stream->carriage();
      stream.probe_skipped = probe->queue->skipped();
      for (const auto& signal : unit->signals_) {
        if (signal->stream != i) continue;
        stream.sent_back = signal->tone ? "test tone" : "test pattern";
        if (signal->finished) stream.sent_back += ", then echo";
      }
      facts.streams.push_back(std::move(stream));
    }
  }
  return facts;
}

nlohmann::json CallMedia::timeline() const {
  confined_.check("CallMedia::timeline");
  // The last second before the end is left out: a sliver of an interval
  // would show a rate from a handful of packets.
  nlohmann::json streams = nlohmann::json::array();
  for (const auto& unit : units_) {
    const media::echo::EchoSnapshot snapshot = unit->engine_->snapshot();
    for (std::size_t i = 0; i < snapshot.streams.size() && i < unit->timelines_.size(); ++i) {
      nlohmann::json stream = unit->timelines_[i].to_json();
      stream["media"] = snapshot.streams[i].kind == media::echo::MediaKind::kAudio ? "audio" : "video";
      streams.push_back(std::move(stream));
    }
  }
  return {{"interval_s", std::chrono::duration<double>(kWatchdogInterval).count()}, {"streams", streams}};
}

}  // namespace parrot::call
