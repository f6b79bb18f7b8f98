// Concurrent Opus echo calls: N parrot calls (call/'s CallMedia, the
// real per-call media path: CallTransport + EchoEngine + Opus probe) on one
// worker, against N callers that each send a real Opus stream (one second
// of OpusToneSource frames encoded once and replayed) at 50 packets/s with
// an SR every 5 s, and count what comes back.
//
// The callers run in a second process (this binary re-executed with
// --caller-fd), pinned to the other core, so their CPU and their SRTP
// sessions stay out of parrot's process: Debian's libsrtp2 (NSS) slows with
// the live sessions of a process (docs/BENCHMARKS.md). Signalling between
// the two is a line protocol on a socketpair (credentials, trickled
// candidates, DTLS fingerprints), as Jingle would carry it.
//
// Per N, in the same run:
//   - baseline: the same packet rate through a raw UDP echo (epoll, one
//     thread, N sockets) that unprotects and protects each packet with one
//     of N SRTP sessions: the floor of any SRTP echo of N calls;
//   - parrot: ICE + DTLS setup of N calls (window of kSetupWindow at a
//     time), warm-up, then a measured window: parrot's worker thread CPU
//     (pthread_getcpuclockid), loss (callers' sent vs echoed back, after
//     a drain), RTT seen by the callers, and the jitter buffer's hold time
//     from CallMedia::facts().
//
//   - Janus (--janus): the same callers, packets, rate and SRTP profile
//     through N sessions of Janus's EchoTest (janus_echotest.hpp), Janus
//     pinned to parrot's core: Janus's whole-process CPU, loss, RTT and
//     memory beside parrot's. The run then happens in a network namespace
//     of its own (Janus needs a non-loopback interface; CAP_NET_ADMIN).
// --video sends VP8 (the test pattern, encoded once, ~1 Mbit/s at 30 fps)
// instead of Opus, echoed by a CallMedia configured as for a browser's VP8
// call.
//
//   build/tests/concurrent_calls_bench --calls 100,500,1000 [--janus] [--video]
//   tests/bench/concurrent_calls.sh     (the command docs/BENCHMARKS.md quotes)
#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "call/call_media.hpp"
#include "call/negotiated_setup.hpp"
#include "media/demux.hpp"
#include "media/rtcp/compound.hpp"
#include "media/rtp/header_extensions.hpp"
#include "media/rtp/rtp_packet.hpp"
#include "media/signals/opus_tone_source.hpp"
#include "media/signals/tone_with_clicks.hpp"
#include "media/signals/vp8_test_pattern.hpp"
#include "media/srtp/srtp_library.hpp"
#include "media/srtp/srtp_session.hpp"
#include "transport/call/call_transport.hpp"
#include "transport/glib_ptr.hpp"
#include "transport/worker/timer.hpp"
#include "transport/worker/worker.hpp"
#include "tests/bench/janus_echotest.hpp"
#include "tests/bench/janus_sdp.hpp"

namespace {

using namespace parrot;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::uint8_t kOpusPayloadType = 111;
constexpr std::uint8_t kVp8PayloadType = 96;
constexpr auto kPacketInterval = 20ms;
constexpr int kVideoFps = 30;
constexpr auto kRtcpInterval = 5s;
// ICE + DTLS setups in flight at once, as a busy server would see them.
constexpr std::size_t kSetupWindow = 32;
constexpr auto kSetupTimeout = 90s;
constexpr auto kDrain = 1500ms;
constexpr std::size_t kVerifyEvery = 50;

// ---- small system helpers ------------------------------------------------

double cpu_seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

clockid_t current_thread_clock() {
  clockid_t clock{};
  if (pthread_getcpuclockid(pthread_self(), &clock) != 0) throw std::runtime_error("pthread_getcpuclockid failed");
  return clock;
}

// Threads created later inherit the mask, so pinning the process before
// any worker starts pins them all.
void pin_process(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<unsigned>(cpu), &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0)
    std::fprintf(stderr, "note: cannot pin to CPU %d (%s); running unpinned\n", cpu, std::strerror(errno));
}

// 1,000 calls are 1,000 libnice agents (and sockets) per process.
void raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

// System-wide UDP error counters (/proc/net/snmp): the kernel's share of a loss.
struct UdpErrors {
  std::uint64_t in_errors = 0, receive_buffer_errors = 0, send_buffer_errors = 0;
};
UdpErrors read_udp_errors() {
  std::ifstream snmp("/proc/net/snmp");
  std::string names, values, line;
  while (std::getline(snmp, line)) {
    if (line.rfind("Udp:", 0) != 0) continue;
    if (names.empty()) {
      names = line;
    } else {
      values = line;
      break;
    }
  }
  std::istringstream n(names), v(values);
  std::string name, value;
  UdpErrors errors;
  while (n >> name && v >> value) {
    if (name == "InErrors") errors.in_errors = std::stoull(value);
    if (name == "RcvbufErrors") errors.receive_buffer_errors = std::stoull(value);
    if (name == "SndbufErrors") errors.send_buffer_errors = std::stoull(value);
  }
  return errors;
}

std::vector<std::string> split(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> tokens;
  for (std::string token; in >> token;) tokens.push_back(token);
  return tokens;
}

// ---- the line protocol between the two processes -------------------------

class Channel {
 public:
  explicit Channel(int fd) : fd_(fd) {}
  ~Channel() { close(fd_); }
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Any thread; lines are short, so one blocking write each.
  void send(const std::string& line) {
    const std::string framed = line + "\n";
    const std::lock_guard lock(mutex_);
    for (std::size_t done = 0; done < framed.size();) {
      const ssize_t n = write(fd_, framed.data() + done, framed.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error("the other process closed the channel");
      done += static_cast<std::size_t>(n);
    }
  }

  // One thread only. nullopt when nothing arrived within `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      if (const auto end = buffer_.find('\n'); end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() < 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[65536];
      const ssize_t n = read(fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error("the other process closed the channel");
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // The next line starting with `what`. Lines of the setup that arrive
  // late (a trickled candidate, a transport failure) are passed over;
  // failures are shown.
  std::string expect(std::string_view what, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      const auto line = receive(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
      if (!line) break;
      if (line->rfind(what, 0) == 0) return *line;
      if (line->rfind("failed", 0) == 0) std::fprintf(stderr, "late: %s\n", line->c_str());
    }
    throw std::runtime_error("no '" + std::string(what) + "' from the other process in time");
  }

 private:
  int fd_;
  std::mutex mutex_;
  std::string buffer_;
};

std::string candidate_text(const transport::IceCandidate& candidate) {
  std::string text;
  for (const auto& [name, value] : transport::candidate_attributes(candidate)) text += " " + name + "=" + value;
  return text;
}

std::optional<transport::IceCandidate> parse_candidate_text(const std::vector<std::string>& tokens, std::size_t from) {
  transport::CandidateAttributes attributes;
  for (std::size_t i = from; i < tokens.size(); ++i) {
    const auto eq = tokens[i].find('=');
    if (eq == std::string::npos) return std::nullopt;
    attributes.emplace_back(tokens[i].substr(0, eq), tokens[i].substr(eq + 1));
  }
  return transport::parse_candidate(attributes).candidate;
}

// ---- the media every caller sends ----------------------------------------

// One second of media, encoded once and replayed: Opus (50 frames of one
// packet, 50 packets/s) or VP8 (30 frames of several packets). Each echo is
// matched to the latest send of the same packet by its payload, which the
// servers echo unchanged; an RTT under one second is therefore unambiguous.
struct MediaSecond {
  struct Packet {
    std::vector<std::byte> payload;
    bool marker = false;
  };
  struct Frame {
    std::uint32_t rtp_timestamp = 0;  // from the second's start
    std::vector<Packet> packets;
  };
  std::uint8_t payload_type = 0;
  std::uint32_t clock_rate_hz = 0;
  Clock::duration frame_interval{};
  std::vector<Frame> frames;
  // RFC 6464 levels, one per frame, as -dBov (0..127): what libwebrtc
  // callers put in every audio packet. Empty: no header extension.
  std::vector<std::uint8_t> audio_levels;
  static constexpr std::uint8_t kAudioLevelId = 1;
  std::size_t packet_count = 0;
  std::size_t payload_bytes = 0;
  // Packet number (frames in order, packets in order) by payload.
  std::unordered_map<std::string_view, std::size_t> index;

  static MediaSecond opus(bool with_audio_levels) {
    MediaSecond second;
    second.payload_type = kOpusPayloadType;
    second.clock_rate_hz = 48000;
    second.frame_interval = kPacketInterval;
    media::signals::OpusToneConfig config;
    // 441.7 Hz moves the phase by 0.834 periods per 20 ms frame, so no two
    // of the 50 frames start alike and every payload is distinct.
    config.tone.frequency_hz = 441.7;
    media::signals::OpusToneSource source(config);
    // The same samples again, to measure each frame's level as a sender
    // does before encoding (RFC 6464 §3: RMS relative to full scale).
    media::signals::ToneWithClicks tone(config.tone);
    std::vector<std::int16_t> pcm(media::signals::OpusToneSource::kSamplesPerFrame *
                                  static_cast<std::size_t>(config.tone.channels));
    for (int i = 0; i < 50; ++i) {
      if (with_audio_levels) {
        tone.fill(pcm);
        double sum_squares = 0;
        for (const std::int16_t sample : pcm) sum_squares += static_cast<double>(sample) * sample;
        const double rms = std::sqrt(sum_squares / static_cast<double>(pcm.size())) / 32767.0;
        const double dbov = rms > 0 ? -20 * std::log10(rms) : 127.0;
        second.audio_levels.push_back(static_cast<std::uint8_t>(std::clamp(std::lround(dbov), 0L, 127L)));
      }
      const auto frame = source.next();
      if (frame.payload.empty()) throw std::runtime_error("libopus refused to encode the test tone");
      second.frames.push_back(Frame{static_cast<std::uint32_t>(i) * media::signals::OpusToneSource::kSamplesPerFrame,
                                    {Packet{{frame.payload.begin(), frame.payload.end()}, false}}});
    }
    second.build_index();
    return second;
  }

  // The test pattern encoded for `kbps`, 30 fps, 1080p. The encoder's rate
  // control settles over its first second, so the second one is kept,
  // starting with a forced keyframe: replayed, every loop starts
  // decodable. The scrolling bars are easy to code: even at 1080p libvpx
  // stays under its target (1,500 kbit/s asked gives about 970 of
  // payload), so describe() prints what the second really carries.
  static MediaSecond vp8(int kbps) {
    MediaSecond second;
    second.payload_type = kVp8PayloadType;
    second.clock_rate_hz = media::signals::Vp8TestPattern::kRtpClockRateHz;
    media::signals::Vp8TestPatternConfig config;
    config.frame_rate_fps = kVideoFps;
    config.bitrate_kbps = kbps;
    config.keyframe_interval = std::chrono::hours(1);
    config.width_px = 1920;
    config.height_px = 1080;
    second.frame_interval = std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(1)) / kVideoFps;
    media::signals::Vp8TestPattern pattern(config);
    for (int i = 0; i < 2 * kVideoFps; ++i) {
      if (i == kVideoFps) pattern.request_keyframe();
      const auto frame = pattern.next_frame();
      if (frame.packets.empty()) throw std::runtime_error("libvpx refused to encode the test pattern");
      if (i < kVideoFps) continue;
      Frame kept{static_cast<std::uint32_t>(i - kVideoFps) * (second.clock_rate_hz / static_cast<std::uint32_t>(kVideoFps)), {}};
      for (const auto& packet : frame.packets)
        kept.packets.push_back(Packet{{packet.payload.begin(), packet.payload.end()}, packet.marker});
      second.frames.push_back(std::move(kept));
    }
    second.build_index();
    return second;
  }

  std::string describe() const {
    char text[160];
    std::snprintf(text, sizeof text, "%s %zu packets/s each way, %.0f kbit/s of payload%s",
                  payload_type == kOpusPayloadType ? "Opus" : "VP8", packet_count,
                  static_cast<double>(payload_bytes) * 8 / 1000,
                  audio_levels.empty() ? "" : ", RFC 6464 audio level in every packet");
    return text;
  }
  static std::string_view view(media::ByteView bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  std::optional<std::size_t> find(media::ByteView payload) const {
    const auto found = index.find(view(payload));
    if (found == index.end()) return std::nullopt;
    return found->second;
  }

 private:
  void build_index() {
    for (const auto& frame : frames) {
      for (const auto& packet : frame.packets) {
        index.emplace(view(packet.payload), packet_count++);
        payload_bytes += packet.payload.size();
      }
    }
    if (index.size() != packet_count) throw std::runtime_error("two packets of the test second are identical");
  }
};

// Round-trip times in 10 µs buckets up to 2 s.
class Histogram {
 public:
  void add(Clock::duration d) {
    const auto us = std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(d).count());
    ++buckets_[std::min<std::size_t>(static_cast<std::size_t>(us / 10), buckets_.size() - 1)];
    max_us_ = std::max(max_us_, us);
    ++count_;
  }
  void clear() { *this = Histogram{}; }
  std::uint64_t count() const { return count_; }
  double max_ms() const { return static_cast<double>(max_us_) / 1000; }
  double percentile_ms(double p) const {
    if (count_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(p * static_cast<double>(count_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      seen += buckets_[i];
      if (seen >= rank) return static_cast<double>(i) * 0.01 + 0.005;
    }
    return max_ms();
  }

 private:
  std::vector<std::uint64_t> buckets_ = std::vector<std::uint64_t>(200'000);
  std::int64_t max_us_ = 0;
  std::uint64_t count_ = 0;
};

media::srtp::KeyingMaterial fixed_keys(media::srtp::SrtpProfile profile, bool caller) {
  media::srtp::KeyingMaterial keys;
  keys.profile = profile;
  const auto size = media::srtp::key_salt_bytes(profile);
  keys.local_key_salt.assign(size, std::byte{caller ? std::uint8_t{1} : std::uint8_t{2}});
  keys.remote_key_salt.assign(size, std::byte{caller ? std::uint8_t{2} : std::uint8_t{1}});
  return keys;
}

// ---- the caller process --------------------------------------------------

struct CallerTotals {
  std::uint64_t rtp_sent = 0, rtcp_sent = 0, send_failures = 0;
  std::uint64_t echoes = 0, rtcp_received = 0, unprotect_failures = 0, unmatched = 0;
};

// What every caller shares: the stream, the counters and the histogram.
// Lives on the callers' worker.
struct CallerShared {
  const MediaSecond& second;
  CallerTotals totals;
  Histogram rtt;
  bool measuring = false;
};

// One caller's RTP/RTCP, whatever carries its datagrams.
class Caller {
 public:
  Caller(CallerShared& shared, std::size_t index)
      : shared_(shared),
        ssrc_(0x10000000u + static_cast<std::uint32_t>(index)),
        sequence_(static_cast<std::uint16_t>(index * 7919u)),
        // Random-looking per caller, as RFC 3550 §5.1 asks of a sender's first timestamp.
        timestamp_base_(static_cast<std::uint32_t>(index * 2654435761u)),
        cname_("caller-" + std::to_string(index)) {}
  virtual ~Caller() = default;
  Caller(const Caller&) = delete;
  Caller& operator=(const Caller&) = delete;

  bool secure() const { return srtp_ != nullptr; }
  void set_keys(const media::srtp::KeyingMaterial& keys) { srtp_ = std::make_unique<media::srtp::SrtpSession>(keys); }

  // The caller's media clock: next frame and next report due at.
  Clock::time_point next_frame{}, next_report{};

  // One frame: one Opus packet, or a VP8 frame's packets back to back as
  // a camera's sender would send them.
  void send_frame(Clock::time_point now) {
    if (!srtp_) return;
    const MediaSecond& second = shared_.second;
    const std::size_t frame_index = frames_sent_ % second.frames.size();
    const MediaSecond::Frame& frame = second.frames[frame_index];
    std::size_t packet_number = packet_number_of_frame_[frame_index];
    rtp_timestamp_ = timestamp_base_ +
                     static_cast<std::uint32_t>((frames_sent_ / second.frames.size()) * second.clock_rate_hz) +
                     frame.rtp_timestamp;
    for (const auto& packet : frame.packets) {
      media::rtp::RtpHeader header;
      header.marker = packet.marker || packets_sent_ == 0;
      header.payload_type = second.payload_type;
      header.sequence_number = sequence_++;
      header.timestamp = rtp_timestamp_;
      header.ssrc = ssrc_;
      media::rtp::HeaderExtensionWriter extensions;
      if (!second.audio_levels.empty()) {
        // V (voice activity) set: the tone is never silence.
        const auto level = static_cast<std::byte>(0x80u | second.audio_levels[frame_index]);
        extensions.add(MediaSecond::kAudioLevelId, media::ByteView(&level, 1));
        header.extension_profile = extensions.profile();
        header.extension_data = extensions.data();
      }
      const std::size_t plain = media::rtp::serialize(header, packet.payload, buffer_);
      const auto length = srtp_->protect_rtp(buffer_, plain);
      ++packets_sent_;
      octets_sent_ += packet.payload.size();
      last_sequence_of_packet_[packet_number++] = header.sequence_number;
      sent_at_[header.sequence_number % sent_at_.size()] = now;
      ++shared_.totals.rtp_sent;
      if (!length || !send(media::ByteView(buffer_).first(*length))) ++shared_.totals.send_failures;
    }
    ++frames_sent_;
  }

  // An SR with a report block on parrot's stream, and SDES (RFC 3550 §6.1).
  void send_report() {
    if (!srtp_) return;
    media::rtcp::SenderReport report;
    report.sender_ssrc = ssrc_;
    const auto unix_now = std::chrono::system_clock::now().time_since_epoch();
    report.ntp = media::to_ntp(media::Timestamp{std::chrono::duration_cast<media::Duration>(unix_now)}, {});
    report.rtp_timestamp = rtp_timestamp_;
    report.packet_count = static_cast<std::uint32_t>(packets_sent_);
    report.octet_count = static_cast<std::uint32_t>(octets_sent_);
    if (remote_ssrc_) {
      media::rtcp::ReportBlock block;
      block.ssrc = *remote_ssrc_;
      block.extended_highest_sequence = static_cast<std::uint32_t>(highest_);
      const auto expected = highest_ - base_ + 1;
      block.cumulative_lost = static_cast<std::int32_t>(std::max<std::int64_t>(0, expected - received_));
      report.report_blocks.push_back(block);
    }
    const std::array<media::rtcp::Packet, 2> packets{report, media::rtcp::Sdes{{{ssrc_, cname_}}}};
    const std::size_t plain = media::rtcp::serialize_compound(packets, buffer_);
    const auto length = plain ? srtp_->protect_rtcp(buffer_, plain) : std::nullopt;
    ++shared_.totals.rtcp_sent;
    if (!length || !send(media::ByteView(buffer_).first(*length))) ++shared_.totals.send_failures;
  }

  // Echoes are told by their clear RTP header: the caller's sequence
  // number is parrot's minus a fixed offset (StreamRewriter), learnt from
  // the first echo, which is authenticated and matched to its send by its
  // payload. Every kVerifyEvery-th echo is authenticated and checked
  // again, so the callers' SRTP cost stays near one protect per packet.
  void on_datagram(Clock::time_point now, media::MutableByteView datagram) {
    if (!srtp_) return;
    if (media::classify_muxed_packet(datagram) == media::MuxedPacketKind::kRtcp) {
      if (srtp_->unprotect_rtcp(datagram)) {
        ++shared_.totals.rtcp_received;
      } else {
        ++shared_.totals.unprotect_failures;
      }
      return;
    }
    const auto header = media::rtp::RtpPacket::parse(datagram);
    if (!header || (remote_ssrc_ && header->ssrc() != *remote_ssrc_)) {
      ++shared_.totals.unprotect_failures;
      return;
    }
    const std::uint16_t sequence = header->sequence_number();
    const std::uint32_t ssrc = header->ssrc();
    if (!offset_ || ++since_verified_ >= kVerifyEvery) {
      since_verified_ = 0;
      const auto plain = srtp_->unprotect_rtp(datagram);
      const auto packet = plain ? media::rtp::RtpPacket::parse(media::ByteView(datagram).first(*plain)) : std::nullopt;
      if (!packet) {
        ++shared_.totals.unprotect_failures;
        return;
      }
      const auto sent = shared_.second.find(packet->payload());
      if (!sent) {
        ++shared_.totals.unmatched;
        return;
      }
      const auto offset = static_cast<std::uint16_t>(sequence - last_sequence_of_packet_[*sent]);
      if (offset_ && *offset_ != offset) ++shared_.totals.unmatched;
      offset_ = offset;
    }
    ++shared_.totals.echoes;
    note_sequence(ssrc, sequence);
    if (!shared_.measuring) return;
    // A send older than the ring (echoes many seconds late) has been
    // overwritten: counted, not timed.
    const auto rtt = now - sent_at_[static_cast<std::uint16_t>(sequence - *offset_) % sent_at_.size()];
    if (rtt < std::chrono::seconds(15)) {
      shared_.rtt.add(rtt);
    } else {
      ++shared_.totals.unmatched;
    }
  }

 protected:
  virtual bool send(media::ByteView datagram) = 0;

 private:
  // Extended highest sequence number of parrot's stream, for the RR.
  void note_sequence(std::uint32_t ssrc, std::uint16_t sequence) {
    if (!remote_ssrc_) {
      remote_ssrc_ = ssrc;
      base_ = highest_ = sequence;
    } else if (const auto step = static_cast<std::int16_t>(sequence - static_cast<std::uint16_t>(highest_)); step > 0) {
      highest_ += step;
    }
    ++received_;
  }

  CallerShared& shared_;
  std::uint32_t ssrc_;
  std::uint16_t sequence_;
  std::uint32_t timestamp_base_;
  std::string cname_;
  std::unique_ptr<media::srtp::SrtpSession> srtp_;
  std::uint64_t frames_sent_ = 0;
  std::uint64_t packets_sent_ = 0;
  std::uint64_t octets_sent_ = 0;
  std::uint32_t rtp_timestamp_ = 0;
  // The number of each frame's first packet in the second.
  std::vector<std::size_t> packet_number_of_frame_ = [this] {
    std::vector<std::size_t> first;
    std::size_t number = 0;
    for (const auto& frame : shared_.second.frames) {
      first.push_back(number);
      number += frame.packets.size();
    }
    return first;
  }();
  // Send times by sequence number (80 s of Opus, 30 of VP8), and the last
  // sequence number each packet of the second went out with.
  std::array<Clock::time_point, 4096> sent_at_{};
  std::vector<std::uint16_t> last_sequence_of_packet_ = std::vector<std::uint16_t>(shared_.second.packet_count);
  std::optional<std::uint16_t> offset_;
  std::size_t since_verified_ = 0;
  std::optional<std::uint32_t> remote_ssrc_;
  std::int64_t base_ = 0, highest_ = 0, received_ = 0;
  std::vector<std::byte> buffer_ = std::vector<std::byte>(1500);
};

// A caller as a client places a call: controlling ICE, DTLS server (it
// offered actpass and parrot answered active).
class IceCaller final : public Caller, private transport::CallTransport::Observer {
 public:
  IceCaller(CallerShared& shared, std::size_t index, Channel& channel, GMainContext* context,
            transport::CallTransportConfig config)
      : Caller(shared, index), index_(index), channel_(channel) {
    transport_ = std::make_unique<transport::CallTransport>(
        context, std::move(config), static_cast<transport::CallTransport::Observer&>(*this));
  }
  transport::CallTransport& transport() { return *transport_; }

 private:
  bool send(media::ByteView datagram) override { return transport_->send_media(1, datagram); }
  void on_local_candidate(const transport::IceCandidate& candidate) override {
    channel_.send("cand " + std::to_string(index_) + candidate_text(candidate));
  }
  // Janus gets the caller's candidates in its offer, not trickled.
  void on_gathering_done() override { channel_.send("gathered " + std::to_string(index_)); }
  void on_transport_state(transport::CallTransportState state, const std::string& reason) override {
    if (state == transport::CallTransportState::kFailed)
      channel_.send("failed " + std::to_string(index_) + " " + (reason.empty() ? "?" : reason));
  }
  void on_selected_pair(const transport::SelectedPair&) override {}
  void on_srtp_keys(const media::srtp::KeyingMaterial& keys) override {
    set_keys(keys);
    channel_.send("secure " + std::to_string(index_));
  }
  void on_media(unsigned, media::MutableByteView datagram) override { on_datagram(Clock::now(), datagram); }

  std::size_t index_;
  Channel& channel_;
  std::unique_ptr<transport::CallTransport> transport_;
};

gboolean on_raw_readable(gint, GIOCondition, gpointer data);

// A caller for the baseline: a plain UDP socket and fixed SRTP keys.
class RawCaller final : public Caller {
 public:
  RawCaller(CallerShared& shared, std::size_t index, GMainContext* context, media::srtp::SrtpProfile profile,
            std::uint16_t port)
      : Caller(shared, index), fd_(socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
    set_keys(fixed_keys(profile, true));
    source_.reset(g_unix_fd_source_new(fd_, G_IO_IN));
    g_source_set_callback(source_.get(), reinterpret_cast<GSourceFunc>(reinterpret_cast<void (*)()>(&on_raw_readable)),
                          this, nullptr);
    g_source_attach(source_.get(), context);
  }
  ~RawCaller() override {
    source_.reset();
    close(fd_);
  }
  void drain() {
    std::array<std::byte, 2048> buffer;
    for (;;) {
      const ssize_t n = recv(fd_, buffer.data(), buffer.size(), 0);
      if (n <= 0) return;
      on_datagram(Clock::now(), media::MutableByteView(buffer).first(static_cast<std::size_t>(n)));
    }
  }

 private:
  bool send(media::ByteView datagram) override {
    return ::send(fd_, datagram.data(), datagram.size(), 0) == static_cast<ssize_t>(datagram.size());
  }
  int fd_;
  transport::AttachedSourcePtr source_;
};

gboolean on_raw_readable(gint, GIOCondition, gpointer data) {
  static_cast<RawCaller*>(data)->drain();
  return G_SOURCE_CONTINUE;
}

// The caller process: reads commands, runs every caller on one worker.
int run_callers(int fd, media::srtp::SrtpProfile profile, int video_kbps, bool audio_levels) {
  const media::srtp::SrtpLibrary library;
  Channel channel(fd);
  const MediaSecond second = video_kbps > 0 ? MediaSecond::vp8(video_kbps) : MediaSecond::opus(audio_levels);
  const transport::Certificate certificate = transport::Certificate::generate();
  transport::Worker worker("callers");
  CallerShared shared{second, {}, {}, false};
  std::vector<std::unique_ptr<Caller>> callers;
  std::unique_ptr<transport::Timer> pacing;
  std::string parrot_fingerprint;
  CallerTotals at_measure, at_stop;
  double cpu_at_measure = 0, cpu_at_stop = 0;

  const auto caller = [&](std::size_t i) -> IceCaller* {
    return i < callers.size() ? dynamic_cast<IceCaller*>(callers[i].get()) : nullptr;
  };
  // Every caller sends one frame per frame interval (20 ms of Opus, 1/30 s
  // of VP8), phases spread evenly over the interval so the load is not one
  // burst; a caller more than 100 ms behind skips ahead (counted in none
  // of the loss figures: it never sent).
  const auto start_media = [&] {
    const auto start = Clock::now() + 20ms;
    const auto n = static_cast<std::int64_t>(std::max<std::size_t>(callers.size(), 1));
    for (std::size_t i = 0; i < callers.size(); ++i) {
      const auto k = static_cast<std::int64_t>(i);
      callers[i]->next_frame = start + second.frame_interval * k / n;
      callers[i]->next_report = start + 1s + kRtcpInterval * k / n;
    }
    pacing = std::make_unique<transport::Timer>(transport::Timer::repeating(worker.context(), 1ms, [&] {
      const auto now = Clock::now();
      for (auto& c : callers) {
        if (c->next_frame <= now) {
          c->send_frame(now);
          c->next_frame += second.frame_interval;
          if (c->next_frame < now - 100ms) c->next_frame = now + second.frame_interval;
        }
        if (c->next_report <= now) {
          c->send_report();
          c->next_report += kRtcpInterval;
        }
      }
    }));
  };

  for (;;) {
    const auto line = channel.receive(std::chrono::hours(1));
    if (!line) continue;
    const auto tokens = split(*line);
    if (tokens.empty()) continue;
    const std::string& command = tokens[0];
    if (command == "fp" && tokens.size() == 2) {
      parrot_fingerprint = tokens[1];
      channel.send("fp " + certificate.fingerprint_sha256());
    } else if (command == "call" && (tokens.size() == 2 || tokens.size() == 3)) {
      // "call <index> [address]": the address to gather on, 127.0.0.1
      // unless said (Janus's callers use the namespace's dummy interface).
      const std::size_t i = std::stoul(tokens[1]);
      worker.post([&, i, address = tokens.size() == 3 ? tokens[2] : std::string("127.0.0.1")] {
        transport::CallTransportConfig config;
        config.ice.controlling = true;
        config.ice.allowed_addresses = {address};
        config.certificate = &certificate;
        config.dtls = transport::DtlsParameters{transport::DtlsRole::kServer, "sha-256", parrot_fingerprint, {profile}};
        if (callers.size() <= i) callers.resize(i + 1);
        auto ice = std::make_unique<IceCaller>(shared, i, channel, worker.context(), std::move(config));
        const auto& own = ice->transport().local_credentials();
        channel.send("offer " + std::to_string(i) + " " + own.ufrag + " " + own.pwd);
        ice->transport().gather();
        callers[i] = std::move(ice);
      });
    } else if (command == "answer" && tokens.size() == 4) {
      worker.post([&, i = std::stoul(tokens[1]), credentials = transport::IceCredentials{tokens[2], tokens[3]}] {
        if (auto* c = caller(i)) c->transport().set_remote_credentials(credentials);
      });
    } else if (command == "cand" && tokens.size() > 2) {
      const auto candidate = parse_candidate_text(tokens, 2);
      if (!candidate) throw std::runtime_error("bad candidate line: " + *line);
      worker.post([&, i = std::stoul(tokens[1]), c = *candidate] {
        if (auto* target = caller(i)) target->transport().add_remote_candidate(c);
      });
    } else if (command == "raw") {
      std::promise<void> ready;
      worker.post([&] {
        for (std::size_t i = 1; i < tokens.size(); ++i)
          callers.push_back(std::make_unique<RawCaller>(shared, i - 1, worker.context(), profile,
                                                        static_cast<std::uint16_t>(std::stoul(tokens[i]))));
        ready.set_value();
      });
      ready.get_future().wait();
      channel.send("ready");
    } else if (command == "media") {
      worker.post(start_media);
    } else if (command == "measure") {
      worker.post([&] {
        at_measure = shared.totals;
        shared.rtt.clear();
        shared.measuring = true;
        cpu_at_measure = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
      });
    } else if (command == "stop") {
      worker.post([&] {
        pacing.reset();
        shared.measuring = false;
        at_stop = shared.totals;
        cpu_at_stop = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
      });
      std::this_thread::sleep_for(kDrain);
      std::promise<std::string> result;
      worker.post([&] {
        const CallerTotals& t = shared.totals;
        char text[512];
        std::snprintf(text, sizeof text,
                      "result rtp_sent=%llu echoes=%llu rtcp_sent=%llu rtcp_received=%llu send_failures=%llu "
                      "unprotect_failures=%llu unmatched=%llu window_sent=%llu window_echoes=%llu rtt_count=%llu "
                      "rtt_p50=%.3f rtt_p99=%.3f rtt_max=%.3f cpu=%.4f",
                      static_cast<unsigned long long>(t.rtp_sent), static_cast<unsigned long long>(t.echoes),
                      static_cast<unsigned long long>(t.rtcp_sent), static_cast<unsigned long long>(t.rtcp_received),
                      static_cast<unsigned long long>(t.send_failures),
                      static_cast<unsigned long long>(t.unprotect_failures),
                      static_cast<unsigned long long>(t.unmatched),
                      static_cast<unsigned long long>(at_stop.rtp_sent - at_measure.rtp_sent),
                      static_cast<unsigned long long>(at_stop.echoes - at_measure.echoes),
                      static_cast<unsigned long long>(shared.rtt.count()), shared.rtt.percentile_ms(0.5),
                      shared.rtt.percentile_ms(0.99), shared.rtt.max_ms(), cpu_at_stop - cpu_at_measure);
        result.set_value(text);
      });
      channel.send(result.get_future().get());
    } else if (command == "hangup") {
      std::promise<void> done;
      worker.post([&] {
        pacing.reset();
        callers.clear();
        shared.totals = {};
        done.set_value();
      });
      done.get_future().wait();
      channel.send("idle");
    } else if (command == "quit") {
      break;
    } else {
      throw std::runtime_error("unknown command: " + *line);
    }
  }
  worker.stop();
  return 0;
}

// ---- parrot's side -------------------------------------------------------

std::map<std::string, std::string> fields(const std::string& line) {
  std::map<std::string, std::string> out;
  for (const auto& token : split(line)) {
    if (const auto eq = token.find('='); eq != std::string::npos) out[token.substr(0, eq)] = token.substr(eq + 1);
  }
  return out;
}

struct Measured {
  // The measured server's CPU: parrot's worker thread, the raw echo's
  // thread, or Janus's whole process.
  double worker_cpu_s = 0;
  double process_cpu_s = 0;
  double wall_s = 0;
  std::map<std::string, std::string> callers;  // the caller process's result line
  UdpErrors udp_before, udp_after;
  double caller(const std::string& key) const {
    const auto found = callers.find(key);
    return found == callers.end() ? 0 : std::stod(found->second);
  }
};

// Runs the media phase once the calls are up: warm-up, measured window,
// stop, drain, the callers' result.
// `before_window` runs just before the window opens.
// `server_cpu` reads the CPU seconds the measured server has used.
Measured run_media(Channel& channel, const std::function<double()>& server_cpu, std::chrono::seconds warmup,
                   std::chrono::seconds window, const std::function<void()>& before_window = {}) {
  Measured m;
  channel.send("media");
  std::this_thread::sleep_for(warmup);
  if (before_window) before_window();
  channel.send("measure");
  // The caller's "measure" lands a moment later; that skew is noise next
  // to a window of seconds.
  m.udp_before = read_udp_errors();
  const double worker_start = server_cpu();
  const double process_start = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  const auto wall_start = Clock::now();
  std::this_thread::sleep_for(window);
  channel.send("stop");
  m.worker_cpu_s = server_cpu() - worker_start;
  m.process_cpu_s = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - process_start;
  m.wall_s = std::chrono::duration<double>(Clock::now() - wall_start).count();
  m.callers = fields(channel.expect("result", 30s));
  m.udp_after = read_udp_errors();
  return m;
}

// `label` goes before "loss:" ("janus "); parrot's line has none.
void print_loss(const Measured& m, const std::string& parrot_side, const char* label = "") {
  const auto sent = static_cast<std::uint64_t>(m.caller("rtp_sent"));
  const auto echoes = static_cast<std::uint64_t>(m.caller("echoes"));
  std::printf("  %sloss: callers sent %llu RTP, got %llu echoes back: %lld lost%s\n", label,
              static_cast<unsigned long long>(sent), static_cast<unsigned long long>(echoes),
              static_cast<long long>(sent) - static_cast<long long>(echoes), parrot_side.c_str());
  std::printf("        caller send failures %.0f, SRTP or header failures %.0f, unmatched echoes %.0f, kernel UDP InErrors +%llu RcvbufErrors +%llu "
              "SndbufErrors +%llu (system-wide)\n",
              m.caller("send_failures"), m.caller("unprotect_failures"), m.caller("unmatched"),
              static_cast<unsigned long long>(m.udp_after.in_errors - m.udp_before.in_errors),
              static_cast<unsigned long long>(m.udp_after.receive_buffer_errors - m.udp_before.receive_buffer_errors),
              static_cast<unsigned long long>(m.udp_after.send_buffer_errors - m.udp_before.send_buffer_errors));
}

// Baseline: a raw UDP echo of N sockets on one thread (epoll), one SRTP
// unprotect and protect per packet with the socket's own session, the SSRC
// changed as any echo must (one stream per direction and SSRC in libsrtp).
struct RawResult {
  double cpu_s = 0;
  double srtp_s = 0;  // thread CPU inside unprotect + protect (the two clock reads included)
  Measured measured;
};

RawResult run_raw_baseline(Channel& channel, std::size_t calls, media::srtp::SrtpProfile profile,
                           std::chrono::seconds warmup, std::chrono::seconds window) {
  struct Socket {
    int fd;
    media::srtp::SrtpSession srtp;
  };
  std::vector<Socket> sockets;
  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  std::string ports = "raw";
  for (std::size_t i = 0; i < calls; ++i) {
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      throw std::runtime_error(std::string("raw echo socket: ") + std::strerror(errno));
    sockets.push_back(Socket{fd, media::srtp::SrtpSession(fixed_keys(profile, false))});
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
    ports += " " + std::to_string(ntohs(address.sin_port));
  }
  // The echo thread polls `stop` every 50 ms at most (epoll timeout), so
  // joining it never waits on a packet that will not come.
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> srtp_ns{0};
  std::promise<clockid_t> clock_promise;
  std::thread echo([&] {
    clock_promise.set_value(current_thread_clock());
    std::array<epoll_event, 256> events;
    std::array<std::byte, 2048> buffer;
    while (!stop.load(std::memory_order_relaxed)) {
      const int ready = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 50);
      for (int e = 0; e < ready; ++e) {
        Socket& s = sockets[events[static_cast<std::size_t>(e)].data.u64];
        for (;;) {
          sockaddr_in from{};
          socklen_t from_length = sizeof from;
          const ssize_t n = recvfrom(s.fd, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from),
                                     &from_length);
          if (n <= 0) break;
          const media::MutableByteView datagram = media::MutableByteView(buffer).first(static_cast<std::size_t>(n));
          const double srtp_start = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
          const auto plain = s.srtp.unprotect_rtp(datagram);
          if (!plain) continue;
          media::write_u32(datagram, 8, media::read_u32(datagram, 8) + 1);
          const auto protected_length = s.srtp.protect_rtp(buffer, *plain);
          srtp_ns.fetch_add(static_cast<std::int64_t>((cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - srtp_start) * 1e9),
                            std::memory_order_relaxed);
          if (protected_length)
            sendto(s.fd, buffer.data(), *protected_length, 0, reinterpret_cast<sockaddr*>(&from), from_length);
        }
      }
    }
  });
  const clockid_t clock = clock_promise.get_future().get();
  channel.send(ports);
  channel.expect("ready", 60s);
  RawResult result;
  std::int64_t srtp_ns_start = 0;
  result.measured = run_media(
      channel, [clock] { return cpu_seconds(clock); }, warmup, window, [&] { srtp_ns_start = srtp_ns.load(); });
  result.srtp_s = static_cast<double>(srtp_ns.load() - srtp_ns_start) * 1e-9;
  result.cpu_s = result.measured.worker_cpu_s;
  channel.send("hangup");
  channel.expect("idle", 60s);
  stop = true;
  echo.join();
  for (const auto& s : sockets) close(s.fd);
  close(epoll);
  return result;
}

// One call on parrot's side: the CallMedia bot/call builds for an audio
// Opus offer, and its observer relaying candidates to the caller.
class ParrotCall final : public call::CallMedia::Observer {
 public:
  ParrotCall(std::size_t index, Channel& channel, std::atomic<std::size_t>& secure, std::atomic<std::size_t>& failed)
      : index_(index), channel_(channel), secure_(secure), failed_(failed) {}
  std::unique_ptr<call::CallMedia> media;

  void on_local_candidate(std::size_t, const transport::IceCandidate& candidate) override {
    channel_.send("cand " + std::to_string(index_) + candidate_text(candidate));
  }
  void on_gathering_done(std::size_t) override {}
  void on_transport_state(std::size_t, transport::CallTransportState state, transport::TransportFailure,
                          const std::string& reason) override {
    if (state == transport::CallTransportState::kSecure) ++secure_;
    if (state == transport::CallTransportState::kFailed) {
      ++failed_;
      std::fprintf(stderr, "parrot call %zu failed: %s\n", index_, reason.c_str());
    }
  }
  void on_media_timeout(call::MediaTimeout, const std::string& why) override {
    ++failed_;
    std::fprintf(stderr, "parrot call %zu: watchdog: %s\n", index_, why.c_str());
  }

 private:
  std::size_t index_;
  Channel& channel_;
  std::atomic<std::size_t>& secure_;
  std::atomic<std::size_t>& failed_;
};

struct ParrotFacts {
  std::uint64_t received = 0, sent = 0;
  std::uint64_t send_drops = 0, media_before_keys = 0;
  media::DropCounters drops;
  double held_ms_sum = 0, held_max_ms = 0, target_ms_sum = 0;
  std::uint64_t released = 0;
  std::uint64_t probe_skipped = 0;
  std::size_t streams = 0;
};

struct Options {
  std::vector<std::size_t> calls{100, 500, 1000};
  int warmup_s = 3;
  int window_s = 15;
  int parrot_cpu = 0;
  int caller_cpu = 1;
  bool probe = true;
  bool baseline = true;
  bool parrot = true;
  bool janus = false;
  int janus_event_loops = 0;
  int janus_debug_level = 3;
  bool video = false;
  int video_kbps = 1500;
  bool audio_levels = true;
  std::string profile = "cm";
};

// What the side-by-side summary compares, per server and N.
struct ServerFigures {
  std::size_t up = 0;
  double cpu_core = 0;      // the server's measured CPU, share of one core
  double process_core = 0;  // its whole process
  long long lost = 0;
  double rtt_p50 = 0, rtt_p99 = 0;
  double rss_per_call_kib = 0;
};

// Resident memory per call: the RSS grown from before the first call to
// the end of the measured window, over the calls that came up.
double rss_per_call_kib(std::uint64_t before, std::uint64_t after, std::size_t up) {
  return (static_cast<double>(after) - static_cast<double>(before)) / 1024 /
         static_cast<double>(std::max<std::size_t>(up, 1));
}

ServerFigures run_parrot(Channel& channel, std::size_t calls, const Options& options, media::srtp::SrtpProfile profile,
                         const MediaSecond& second, const transport::Certificate& certificate,
                         const std::string& caller_fingerprint, const RawResult* baseline) {
  // The callers verify the fingerprint of whichever server came before.
  channel.send("fp " + certificate.fingerprint_sha256());
  channel.expect("fp ", 30s);
  const std::uint64_t rss_before = bench::process_rss_bytes(getpid());
  transport::Worker worker("parrot");
  clockid_t worker_clock{};
  {
    std::promise<clockid_t> p;
    worker.post([&] { p.set_value(current_thread_clock()); });
    worker_clock = p.get_future().get();
  }
  std::atomic<std::size_t> secure{0}, failed{0};
  std::vector<std::unique_ptr<ParrotCall>> parrot;
  for (std::size_t i = 0; i < calls; ++i) parrot.push_back(std::make_unique<ParrotCall>(i, channel, secure, failed));

  // What call_manager.cpp builds for a one-content audio offer with Opus 111
  // and no feedback (what browsers and Conversations offer for audio), or
  // for a VP8 video offer with NACK, PLI and FIR (what browsers offer; no
  // transport-cc, as the callers send no transport-wide sequence numbers).
  const auto setup_for = [&](std::size_t i) {
    call::CallMediaSetup setup;
    call::CallMediaSetup::Transport unit;
    unit.config.ice.controlling = false;
    unit.config.ice.allowed_addresses = {"127.0.0.1"};
    unit.config.dtls = transport::DtlsParameters{transport::DtlsRole::kClient, "sha-256", caller_fingerprint, {profile}};
    unit.config.certificate = &certificate;
    unit.echo.random_seed = static_cast<std::uint32_t>(i + 1);
    call::NegotiatedStream stream;
    stream.media = options.video ? call::StreamMedia::kVideo : call::StreamMedia::kAudio;
    stream.clock_rate_hz = second.clock_rate_hz;
    stream.payload_types = {second.payload_type};
    stream.local_ssrc = 0x50000000u + static_cast<std::uint32_t>(i);
    stream.nack = stream.pli = stream.fir = options.video;
    // As the answer negotiates it when the caller offers RFC 6464.
    if (!second.audio_levels.empty()) stream.audio_level_extension_id = MediaSecond::kAudioLevelId;
    unit.echo.streams.push_back(call::echo_stream_config(stream));
    unit.offered.push_back(options.probe ? std::vector<call::PayloadName>{{second.payload_type,
                                                                            options.video ? "VP8" : "opus",
                                                                            second.clock_rate_hz}}
                                         : std::vector<call::PayloadName>{});
    setup.transports.push_back(std::move(unit));
    // The watchdog runs as in production; its limits are longer because
    // the first calls wait, connected and silent, until all N are up.
    setup.connect_timeout = kSetupTimeout;
    setup.no_media_timeout = kSetupTimeout;
    return setup;
  };

  // ---- setup: N calls, kSetupWindow in flight. A call counts as up when
  // both ends have SRTP keys: parrot (the DTLS client) gets them last, and
  // media sent before that would be dropped as kNoKeys. A failed call is
  // reported and does not hold the others back.
  std::size_t started = 0, caller_secure = 0, caller_failed = 0;
  const double setup_cpu_start = cpu_seconds(worker_clock);
  const auto setup_start = Clock::now();
  const auto done = [&] { return std::min(secure.load(), caller_secure) + std::max(failed.load(), caller_failed); };
  while (done() < calls && Clock::now() - setup_start < kSetupTimeout) {
    while (started < calls && started < done() + kSetupWindow) channel.send("call " + std::to_string(started++));
    const auto line = channel.receive(5ms);
    if (!line) continue;
    const auto tokens = split(*line);
    if (tokens.size() < 2) throw std::runtime_error("bad line from the callers: " + *line);
    const std::size_t i = std::stoul(tokens[1]);
    if (tokens[0] == "offer" && tokens.size() == 4) {
      worker.post([&, i, credentials = transport::IceCredentials{tokens[2], tokens[3]}] {
        ParrotCall& call = *parrot[i];
        try {
          call.media = std::make_unique<call::CallMedia>(worker.context(), setup_for(i), call);
          call.media->set_remote_credentials(0, credentials);
          const auto& own = call.media->local_credentials(0);
          channel.send("answer " + std::to_string(i) + " " + own.ufrag + " " + own.pwd);
          call.media->gather();
        } catch (const std::exception& e) {
          std::fprintf(stderr, "parrot call %zu: %s\n", i, e.what());
          ++failed;
        }
      });
    } else if (tokens[0] == "cand") {
      const auto candidate = parse_candidate_text(tokens, 2);
      if (!candidate) throw std::runtime_error("bad candidate line: " + *line);
      worker.post([&, i, c = *candidate] {
        if (parrot[i]->media) parrot[i]->media->add_remote_candidate(0, c);
      });
    } else if (tokens[0] == "secure") {
      ++caller_secure;
    } else if (tokens[0] == "failed") {
      ++caller_failed;
      std::fprintf(stderr, "caller %zu failed: %s\n", i, line->c_str());
    }
  }
  const double setup_s = std::chrono::duration<double>(Clock::now() - setup_start).count();
  const double setup_cpu = cpu_seconds(worker_clock) - setup_cpu_start;
  const std::size_t up = std::min(secure.load(), caller_secure);
  std::printf("\n%zu calls (%s, %s probe %s)\n", calls, std::string(media::srtp::to_string(profile)).c_str(),
              options.video ? "VP8" : "Opus", options.probe ? "on" : "off");
  std::printf("  setup: %zu of %zu calls secure on both sides in %.2f s (%zu at a time); parrot worker CPU %.2f ms "
              "per call setup%s\n",
              up, calls, setup_s, kSetupWindow, setup_cpu * 1e3 / static_cast<double>(std::max<std::size_t>(up, 1)),
              up == calls ? "" : "  ** NOT ALL CALLS CAME UP **");

  // Sums over every call's facts, on the worker (CallMedia is confined
  // there); called just before the window opens and after the drain.
  const auto collect = [&] {
    ParrotFacts f;
    std::promise<void> collected;
    worker.post([&] {
      for (const auto& call : parrot) {
        if (!call->media) continue;
        const call::CallFacts facts = call->media->facts();
        if (facts.transport) {
          f.send_drops += facts.transport->send_drops;
          f.media_before_keys += facts.transport->media_before_keys;
        }
        for (std::size_t r = 0; r < static_cast<std::size_t>(media::DropReason::kCount); ++r)
          f.drops.count(static_cast<media::DropReason>(r), facts.drops[static_cast<media::DropReason>(r)]);
        for (const auto& stream : facts.streams) {
          f.received += stream.echo.received.packets;
          f.sent += stream.echo.sent.packets;
          f.held_ms_sum += stream.echo.jitter_buffer.avg_held_ms * static_cast<double>(stream.echo.jitter_buffer.released);
          f.released += stream.echo.jitter_buffer.released;
          f.held_max_ms = std::max(f.held_max_ms, stream.echo.jitter_buffer.max_held_ms);
          f.target_ms_sum += stream.echo.jitter_buffer.target_delay_ms;
          f.probe_skipped += stream.probe_skipped;
          ++f.streams;
        }
      }
      collected.set_value();
    });
    collected.get_future().wait();
    return f;
  };
  ParrotFacts before;
  const Measured m = run_media(channel, [worker_clock] { return cpu_seconds(worker_clock); },
                               std::chrono::seconds(options.warmup_s),
                               std::chrono::seconds(options.window_s), [&] { before = collect(); });
  const ParrotFacts f = collect();
  const std::uint64_t rss_after = bench::process_rss_bytes(getpid());

  // CPU per echoed packet counts both directions' work for one packet
  // (receive, unprotect, buffer, protect, send), like transport_echo_bench.
  const double rate = static_cast<double>(calls * second.packet_count);
  const double core = m.worker_cpu_s / m.wall_s;
  const double window_sent = m.caller("window_sent");
  const double window_echoes = m.caller("window_echoes");
  std::printf("  parrot worker thread: %.1f%% of one core for %zu calls (%.0f packets/s each way) = %.3f%% of a "
              "core per call, %.2f µs per echoed packet (in + out)\n",
              core * 100, calls, rate, core * 100 / static_cast<double>(calls),
              m.worker_cpu_s * 1e6 / std::max(window_echoes, 1.0));
  std::printf("  parrot process (worker + main + GLib threads): %.1f%% of one core; caller process %.1f%%\n",
              m.process_cpu_s / m.wall_s * 100, m.caller("cpu") / m.wall_s * 100);
  if (baseline) {
    const double base_core = baseline->cpu_s / baseline->measured.wall_s;
    std::printf("  baseline (raw UDP echo + SRTP unprotect/protect, same rate, %zu sessions): %.1f%% of one core, "
                "%.2f µs per packet (SRTP %.2f µs of it) -> parrot = %.2fx the floor\n",
                calls, base_core * 100,
                baseline->cpu_s * 1e6 / std::max(baseline->measured.caller("window_echoes"), 1.0),
                baseline->srtp_s * 1e6 / std::max(baseline->measured.caller("window_echoes"), 1.0), core / base_core);
  }
  std::printf("  window: %.0f sent, %.0f echoes in %.1f s (%.0f pps each way; %.0f expected)\n", window_sent,
              window_echoes, m.wall_s, window_echoes / m.wall_s, rate);
  char where[512];
  std::snprintf(where, sizeof where,
                "\n        parrot: received %llu, echoed %llu, engine drops %llu (late %llu, no_keys %llu, auth %llu, "
                "buffer_full %llu), transport send drops %llu, before keys %llu",
                static_cast<unsigned long long>(f.received), static_cast<unsigned long long>(f.sent),
                static_cast<unsigned long long>(f.drops.total()),
                static_cast<unsigned long long>(f.drops[media::DropReason::kLate]),
                static_cast<unsigned long long>(f.drops[media::DropReason::kNoKeys]),
                static_cast<unsigned long long>(f.drops[media::DropReason::kSrtpAuthFail]),
                static_cast<unsigned long long>(f.drops[media::DropReason::kBufferFull]),
                static_cast<unsigned long long>(f.send_drops), static_cast<unsigned long long>(f.media_before_keys));
  print_loss(m, where);
  const double streams = static_cast<double>(std::max<std::size_t>(f.streams, 1));
  // Time in the jitter buffer of the packets released after `before`:
  // the measured window plus the drain.
  const double held_avg = (f.held_ms_sum - before.held_ms_sum) /
                          static_cast<double>(std::max<std::uint64_t>(f.released - before.released, 1));
  std::printf("  caller RTT (send -> echo back, %.0f samples): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              m.caller("rtt_count"), m.caller("rtt_p50"), m.caller("rtt_p99"), m.caller("rtt_max"));
  std::printf("  parrot jitter buffer: target %.1f ms at the end, held %.2f ms on average in the window (max %.1f ms "
              "over the calls' lives) -> RTT outside the buffer about p50 %.2f ms, p99 %.2f ms\n",
              f.target_ms_sum / streams, held_avg, f.held_max_ms, m.caller("rtt_p50") - held_avg,
              m.caller("rtt_p99") - held_avg);
  if (baseline)
    std::printf("  baseline RTT (raw echo, no buffer): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                baseline->measured.caller("rtt_p50"), baseline->measured.caller("rtt_p99"),
                baseline->measured.caller("rtt_max"));
  std::printf("  RTCP: callers sent %.0f SRs, received %.0f reports from parrot; %s probe skipped %llu packets\n",
              m.caller("rtcp_sent"), m.caller("rtcp_received"), options.video ? "VP8" : "Opus",
              static_cast<unsigned long long>(f.probe_skipped));
  ServerFigures figures;
  figures.up = up;
  figures.cpu_core = core;
  figures.process_core = m.process_cpu_s / m.wall_s;
  figures.lost = static_cast<long long>(m.caller("rtp_sent")) - static_cast<long long>(m.caller("echoes"));
  figures.rtt_p50 = m.caller("rtt_p50") - held_avg;
  figures.rtt_p99 = m.caller("rtt_p99") - held_avg;
  figures.rss_per_call_kib = rss_per_call_kib(rss_before, rss_after, up);
  std::printf("  parrot memory: RSS +%.1f MiB over the calls' setup and media = %.1f KiB per call (whole process)\n",
              (static_cast<double>(rss_after) - static_cast<double>(rss_before)) / (1024 * 1024),
              figures.rss_per_call_kib);
  std::fflush(stdout);

  channel.send("hangup");
  channel.expect("idle", 60s);
  std::promise<void> closed;
  worker.post([&] {
    for (auto& call : parrot) {
      if (call->media) call->media->close();
      call->media.reset();
    }
    closed.set_value();
  });
  closed.get_future().wait();
  worker.stop();
  return figures;
}

// ---- Janus's side ----------------------------------------------------------

// The fingerprint of the certificate Janus made at start, read from its
// answer to a throwaway offer (its ICE never completes; the session is
// destroyed at once).
std::string janus_fingerprint(bench::JanusEchoTest& janus, bool video, const std::string& caller_fingerprint) {
  bench::SdpOffer offer;
  offer.ufrag = "probe";
  offer.pwd = "probeprobeprobeprobeprobe";
  offer.fingerprint_sha256 = caller_fingerprint;
  offer.ssrc = 1;
  offer.cname = "probe";
  offer.video = video;
  transport::IceCandidate candidate;
  candidate.foundation = "1";
  candidate.ip = bench::kJanusCallerAddress;
  candidate.port = 9;
  candidate.priority = 1;
  offer.candidates.push_back(candidate);
  const auto handle = janus.attach();
  const auto answer = bench::parse_sdp_answer(janus.offer(handle, video, bench::build_sdp_offer(offer)));
  janus.destroy(handle);
  if (!answer) throw std::runtime_error("Janus's answer has no fingerprint");
  return answer->fingerprint_sha256;
}

ServerFigures run_janus(Channel& channel, std::size_t calls, const Options& options, const MediaSecond& second,
                        const std::string& caller_fingerprint) {
  bench::JanusOptions janus_options;
  janus_options.cpu = options.parrot_cpu;
  janus_options.event_loops = options.janus_event_loops;
  janus_options.debug_level = options.janus_debug_level;
  bench::JanusEchoTest janus(janus_options);
  const pid_t pid = janus.pid();
  channel.send("fp " + janus_fingerprint(janus, options.video, caller_fingerprint));
  channel.expect("fp ", 30s);
  const std::uint64_t rss_before = bench::process_rss_bytes(pid);

  // Per call: the caller's credentials and candidates until its gathering
  // is done; then the offer goes to Janus and the answer back to the caller.
  struct JanusCall {
    std::optional<bench::JanusEchoTest::Handle> handle;
    std::string ufrag, pwd;
    std::vector<transport::IceCandidate> candidates;
  };
  std::vector<JanusCall> janus_calls(calls);
  std::size_t started = 0, secure = 0, failed = 0;
  const double setup_cpu_start = bench::process_cpu_seconds(pid);
  const auto setup_start = Clock::now();
  const auto answer_call = [&](std::size_t i) {
    JanusCall& call = janus_calls[i];
    bench::SdpOffer offer;
    offer.ufrag = call.ufrag;
    offer.pwd = call.pwd;
    offer.fingerprint_sha256 = caller_fingerprint;
    offer.candidates = call.candidates;
    // The caller's SSRC and CNAME (Caller's constructor).
    offer.ssrc = 0x10000000u + static_cast<std::uint32_t>(i);
    offer.cname = "caller-" + std::to_string(i);
    offer.video = options.video;
    if (!options.video && options.audio_levels) offer.audio_level_id = MediaSecond::kAudioLevelId;
    call.handle = janus.attach();
    const std::string answer_sdp = janus.offer(*call.handle, options.video, bench::build_sdp_offer(offer));
    const auto answer = bench::parse_sdp_answer(answer_sdp);
    if (!answer || answer->candidates.empty() || answer->setup != "active")
      throw std::runtime_error("Janus's answer lacks credentials, a UDP candidate or setup:active:\n" + answer_sdp);
    channel.send("answer " + std::to_string(i) + " " + answer->ufrag + " " + answer->pwd);
    for (const auto& candidate : answer->candidates) channel.send("cand " + std::to_string(i) + candidate_text(candidate));
  };
  while (secure + failed < calls && Clock::now() - setup_start < kSetupTimeout) {
    while (started < calls && started < secure + failed + kSetupWindow)
      channel.send("call " + std::to_string(started++) + " " + bench::kJanusCallerAddress);
    const auto line = channel.receive(5ms);
    if (!line) continue;
    const auto tokens = split(*line);
    if (tokens.size() < 2) throw std::runtime_error("bad line from the callers: " + *line);
    const std::size_t i = std::stoul(tokens[1]);
    if (i >= calls) throw std::runtime_error("bad call index from the callers: " + *line);
    if (tokens[0] == "offer" && tokens.size() == 4) {
      janus_calls[i].ufrag = tokens[2];
      janus_calls[i].pwd = tokens[3];
    } else if (tokens[0] == "cand") {
      const auto candidate = parse_candidate_text(tokens, 2);
      if (!candidate) throw std::runtime_error("bad candidate line: " + *line);
      janus_calls[i].candidates.push_back(*candidate);
    } else if (tokens[0] == "gathered") {
      try {
        answer_call(i);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "Janus call %zu: %s\n", i, e.what());
        ++failed;
      }
    } else if (tokens[0] == "secure") {
      ++secure;
    } else if (tokens[0] == "failed") {
      ++failed;
      std::fprintf(stderr, "caller %zu (Janus) failed: %s\n", i, line->c_str());
    }
  }
  const double setup_s = std::chrono::duration<double>(Clock::now() - setup_start).count();
  const double setup_cpu = bench::process_cpu_seconds(pid) - setup_cpu_start;
  std::printf("\n%zu calls through Janus 1.1.2 EchoTest (same callers, packets and SRTP profile; Janus pinned to "
              "CPU %d, %s)\n",
              calls, options.parrot_cpu,
              options.janus_event_loops > 0 ? ("event_loops = " + std::to_string(options.janus_event_loops)).c_str()
                                            : "its default: one loop thread per handle");
  std::printf("  janus setup: %zu of %zu calls secure in %.2f s (%zu at a time, signalled over its HTTP API); Janus "
              "CPU %.2f ms per call setup%s\n",
              secure, calls, setup_s, kSetupWindow, setup_cpu * 1e3 / static_cast<double>(std::max<std::size_t>(secure, 1)),
              secure == calls ? "" : "  ** NOT ALL CALLS CAME UP **");
  if (secure < calls) std::fprintf(stderr, "the end of Janus's log:\n%s", janus.log_tail(400).c_str());

  std::uint64_t rss_after = 0;
  const Measured m = run_media(
      channel, [pid] { return bench::process_cpu_seconds(pid); }, std::chrono::seconds(options.warmup_s),
      std::chrono::seconds(options.window_s));
  rss_after = bench::process_rss_bytes(pid);
  const double rate = static_cast<double>(calls * second.packet_count);
  const double core = m.worker_cpu_s / m.wall_s;
  const double window_echoes = m.caller("window_echoes");
  std::printf("  janus process (all its threads): %.1f%% of one core for %zu calls (%.0f packets/s each way) = %.3f%% "
              "of a core per call, %.2f µs per echoed packet (in + out); caller process %.1f%%\n",
              core * 100, calls, rate, core * 100 / static_cast<double>(calls),
              m.worker_cpu_s * 1e6 / std::max(window_echoes, 1.0), m.caller("cpu") / m.wall_s * 100);
  std::printf("  janus window: %.0f sent, %.0f echoes in %.1f s (%.0f pps each way; %.0f expected)\n",
              m.caller("window_sent"), window_echoes, m.wall_s, window_echoes / m.wall_s, rate);
  print_loss(m, "", "janus ");
  std::printf("  janus RTT (send -> echo back; Janus holds no buffer): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              m.caller("rtt_p50"), m.caller("rtt_p99"), m.caller("rtt_max"));
  std::printf("  janus RTCP: callers sent %.0f SRs, received %.0f RTCP packets from Janus\n", m.caller("rtcp_sent"),
              m.caller("rtcp_received"));
  ServerFigures figures;
  figures.up = secure;
  figures.cpu_core = figures.process_core = core;
  figures.lost = static_cast<long long>(m.caller("rtp_sent")) - static_cast<long long>(m.caller("echoes"));
  figures.rtt_p50 = m.caller("rtt_p50");
  figures.rtt_p99 = m.caller("rtt_p99");
  figures.rss_per_call_kib = rss_per_call_kib(rss_before, rss_after, secure);
  std::printf("  janus memory: RSS +%.1f MiB over the calls' setup and media = %.1f KiB per call\n",
              (static_cast<double>(rss_after) - static_cast<double>(rss_before)) / (1024 * 1024),
              figures.rss_per_call_kib);
  std::fflush(stdout);

  channel.send("hangup");
  channel.expect("idle", 60s);
  for (const auto& call : janus_calls) {
    if (!call.handle) continue;
    try {
      janus.destroy(*call.handle);
    } catch (const std::exception&) {
      // Janus already dropped it (its ICE failed); stopping Janus frees the rest.
    }
  }
  return figures;
}

void print_side_by_side(std::size_t calls, const ServerFigures& parrot, const ServerFigures& janus) {
  std::printf("\nside by side at %zu calls (same run, same core):\n", calls);
  std::printf("  | server | calls up | CPU (share of one core) | per call | loss | RTT p50 | RTT p99 | RSS per call |\n");
  std::printf("  | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  std::printf("  | parrot (worker; whole process) | %zu | %.1f%%; %.1f%% | %.3f%% | %lld | %.2f ms | %.2f ms | %.1f KiB |\n",
              parrot.up, parrot.cpu_core * 100, parrot.process_core * 100,
              parrot.process_core * 100 / static_cast<double>(std::max<std::size_t>(parrot.up, 1)), parrot.lost,
              parrot.rtt_p50, parrot.rtt_p99, parrot.rss_per_call_kib);
  std::printf("  | Janus EchoTest (whole process) | %zu | %.1f%% | %.3f%% | %lld | %.2f ms | %.2f ms | %.1f KiB |\n",
              janus.up, janus.process_core * 100,
              janus.process_core * 100 / static_cast<double>(std::max<std::size_t>(janus.up, 1)), janus.lost,
              janus.rtt_p50, janus.rtt_p99, janus.rss_per_call_kib);
  if (parrot.process_core > 0 && janus.process_core > 0) {
    std::printf("  Janus uses %.2fx parrot's whole-process CPU for the same calls (parrot's RTT is outside its jitter "
                "buffer; Janus has none)\n",
                janus.process_core / parrot.process_core);
    // Only an extrapolation: cost per call grows with N (more sessions,
    // more sources), so the calls each really carries come from runs at N.
    std::printf("  calls per core if the cost per call stayed as at %zu: parrot %.0f, Janus %.0f\n", calls,
                static_cast<double>(parrot.up) / parrot.process_core, static_cast<double>(janus.up) / janus.process_core);
  }
}

std::optional<media::srtp::SrtpProfile> parse_profile(const std::string& name) {
  if (name == "cm") return media::srtp::SrtpProfile::kAes128CmSha1_80;
  if (name == "gcm") return media::srtp::SrtpProfile::kAeadAes128Gcm;
  return std::nullopt;
}

int run(int argc, char** argv) {
  Options options;
  int caller_fd = -1;
  CLI::App app{"concurrent Opus (or VP8) echo calls through parrot's CallMedia, against a raw UDP + SRTP echo and "
               "optionally Janus's EchoTest"};
  app.add_option("--calls", options.calls, "numbers of concurrent calls, one run each")->delimiter(',');
  app.add_option("--warmup", options.warmup_s, "seconds of media before the measured window");
  app.add_option("--seconds", options.window_s, "seconds measured");
  app.add_option("--parrot-cpu", options.parrot_cpu, "CPU for parrot's process (-1: unpinned)");
  app.add_option("--caller-cpu", options.caller_cpu, "CPU for the callers' process (-1: unpinned)");
  app.add_option("--profile", options.profile, "SRTP profile: cm (AES_CM_128_HMAC_SHA1_80) or gcm");
  app.add_flag("!--no-probe", options.probe, "offer no codec name, so CallMedia attaches no Opus or VP8 probe");
  app.add_flag("!--no-baseline", options.baseline, "skip the raw UDP + SRTP echo");
  app.add_flag("--janus", options.janus,
               "also run the calls through Janus's EchoTest (/usr/bin/janus), in a network namespace of the "
               "bench's own (needs CAP_NET_ADMIN)");
  app.add_flag("!--no-parrot", options.parrot, "skip parrot (with --janus: Janus and the baseline only)");
  app.add_option("--janus-event-loops", options.janus_event_loops,
                 "Janus's event_loops (0: its default, one loop thread per handle)");
  app.add_option("--janus-debug-level", options.janus_debug_level, "Janus's debug_level (4 logs every session)");
  app.add_flag("--video", options.video, "VP8 calls (the test pattern at 30 fps) instead of Opus");
  app.add_flag("--audio-level,!--no-audio-level", options.audio_levels,
               "callers put an RFC 6464 audio level in every Opus packet, as libwebrtc does (default); "
               "without it parrot's probe decodes every packet");
  app.add_option("--video-kbps", options.video_kbps,
                 "the VP8 encoder's target (the pattern undershoots: 1500 gives about 1 Mbit/s of payload)");
  app.add_option("--caller-fd", caller_fd)->group("");
  CLI11_PARSE(app, argc, argv);
  const auto profile = parse_profile(options.profile);
  if (!profile) {
    std::fprintf(stderr, "--profile: cm or gcm, not '%s'\n", options.profile.c_str());
    return 2;
  }
  raise_fd_limit();
  if (caller_fd >= 0) {
    pin_process(options.caller_cpu);
    return run_callers(caller_fd, *profile, options.video ? options.video_kbps : 0, options.audio_levels);
  }

  // Before any thread exists: the callers (forked below) and Janus inherit
  // the namespace; parrot runs in it too, so both servers share the setup.
  if (options.janus) bench::enter_janus_namespace();
  pin_process(options.parrot_cpu);
  mallopt(M_MMAP_THRESHOLD, 1 << 20);  // as bot/main.cpp sets it for parrot
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) throw std::runtime_error("socketpair failed");
  const pid_t child = fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    // Straight to exec: nothing but async-signal-safe calls after fork.
    fcntl(pair[1], F_SETFD, 0);
    char fd_text[16], cpu_text[16], kbps_text[16];
    std::snprintf(fd_text, sizeof fd_text, "%d", pair[1]);
    std::snprintf(cpu_text, sizeof cpu_text, "%d", options.caller_cpu);
    std::snprintf(kbps_text, sizeof kbps_text, "%d", options.video_kbps);
    char* const child_argv[] = {argv[0],
                                const_cast<char*>("--caller-fd"),
                                fd_text,
                                const_cast<char*>("--caller-cpu"),
                                cpu_text,
                                const_cast<char*>("--profile"),
                                options.profile.data(),
                                const_cast<char*>("--video-kbps"),
                                kbps_text,
                                const_cast<char*>(options.audio_levels ? "--audio-level" : "--no-audio-level"),
                                options.video ? const_cast<char*>("--video") : nullptr,
                                nullptr};
    execv("/proc/self/exe", child_argv);
    _exit(127);
  }
  close(pair[1]);
  int status = 0;
  {
    Channel channel(pair[0]);
    const media::srtp::SrtpLibrary library;
    const transport::Certificate certificate = transport::Certificate::generate();
    channel.send("fp " + certificate.fingerprint_sha256());
    const auto caller_fingerprint = split(channel.expect("fp ", 30s)).at(1);
    const MediaSecond second =
        options.video ? MediaSecond::vp8(options.video_kbps) : MediaSecond::opus(options.audio_levels);
    std::printf("parrot on CPU %d (one worker), callers on CPU %d (one worker, other process); %s per call; %d s "
                "warm-up, %d s measured\n",
                options.parrot_cpu, options.caller_cpu, second.describe().c_str(), options.warmup_s, options.window_s);
    if (options.janus) {
      // Both servers use Debian's libsrtp2, whose crypto is NSS unless a
      // process replaces its cipher and auth types: say which file each maps.
      bench::JanusOptions probe_options;
      probe_options.cpu = options.parrot_cpu;
      const bench::JanusEchoTest janus(probe_options);
      const std::string janus_srtp = bench::mapped_libsrtp(janus.pid());
      const std::string parrot_srtp = bench::mapped_libsrtp(getpid());
      std::printf("Janus %s links %s (%s); parrot maps %s: %s\n", bench::kJanusBinary,
                  janus_srtp.empty() ? "no libsrtp2" : janus_srtp.c_str(),
                  bench::maps_library(janus.pid(), "libnss3") ? "with NSS's libnss3 for its crypto" : "no libnss3 mapped",
                  parrot_srtp.empty() ? "no libsrtp2" : parrot_srtp.c_str(),
                  janus_srtp == parrot_srtp ? "the same library" : "a different library");
    }
    const auto load = [] {
      std::ifstream in("/proc/loadavg");
      std::string one, five;
      in >> one >> five;
      return one + " " + five;
    };
    for (const std::size_t calls : options.calls) {
      std::printf("\nload average (1, 5 min) before %zu calls: %s\n", calls, load().c_str());
      std::optional<RawResult> baseline;
      if (options.baseline)
        baseline = run_raw_baseline(channel, calls, *profile, std::chrono::seconds(std::min(options.warmup_s, 2)),
                                    std::chrono::seconds(std::max(options.window_s / 2, 1)));
      std::optional<ServerFigures> parrot, janus;
      if (options.parrot)
        parrot = run_parrot(channel, calls, options, *profile, second, certificate, caller_fingerprint,
                            baseline ? &*baseline : nullptr);
      if (options.janus) janus = run_janus(channel, calls, options, second, caller_fingerprint);
      if (parrot && janus) print_side_by_side(calls, *parrot, *janus);
    }
    channel.send("quit");
  }
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "concurrent_calls_bench: %s\n", e.what());
    return 1;
  }
}
