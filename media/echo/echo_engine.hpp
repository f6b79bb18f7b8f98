// The echo of one media transport (a BUNDLE group, or one Jingle content):
// datagrams from the caller and the current time go in; datagrams to send
// back and the next wake-up time come out. No I/O, no clock, no threads.
//
//   EchoEngine engine(config);
//   engine.set_srtp(keys);                        // after DTLS, if any
//   engine.on_datagram(now, datagram);            // each RTP/RTCP datagram
//   engine.on_timer(now);                         // at next_wakeup()
//   for (auto& d : engine.outbox()) send(d);      // after either call
//   engine.on_send_failed(d);                     // for each d that did not leave
//
// Per inbound stream: SRTP unprotect → RTP parse → jitter buffer → at
// playout time rewrite SSRC/sequence/timestamp → SRTP protect. RTCP: RR and
// SR at RFC 3550 intervals, NACKs answered from the send history, parrot's
// own gaps NACKed, PLI/FIR on parrot's stream relayed to the caller's.
#pragma once

#include <cstdint>
#include <memory>
#include <array>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "media/bytes.hpp"
#include "media/demux.hpp"
#include "media/echo/fec_rewriter.hpp"
#include "media/echo/rtcp_scheduler.hpp"
#include "media/echo/send_history.hpp"
#include "media/echo/stream_rewriter.hpp"
#include "media/echo/transport_feedback_generator.hpp"
#include "media/jitter/jitter_buffer.hpp"
#include "media/rtcp/packet.hpp"
#include "media/srtp/keying_material.hpp"
#include "media/srtp/srtp_session.hpp"
#include "media/stats/drop_reason.hpp"
#include "media/stats/return_loss.hpp"
#include "media/stats/return_path.hpp"
#include "media/stats/rate_history.hpp"
#include "media/stats/send_statistics.hpp"
#include "media/time.hpp"

namespace parrot::media::probes {
class ProbeQueue;
}

namespace parrot::media::echo {

enum class MediaKind { kAudio, kVideo };

// What a stream sends back: the caller's media echoed, or frames handed to
// send_local() (a test tone or pattern: "!mode tone", a call parrot places).
enum class StreamSource { kEcho, kLocal };

// One RTP payload of a kLocal stream, timestamped in the stream's clock
// (continuous from frame to frame, any starting value).
struct LocalFrame {
  std::uint8_t payload_type = 0;
  ByteView payload;
  std::uint32_t timestamp = 0;
  bool marker = false;
};

struct StreamConfig {
  MediaKind kind = MediaKind::kAudio;
  std::uint32_t clock_rate_hz = 48000;
  // The caller's payload type ids for this media; echoed unchanged.
  std::vector<std::uint8_t> payload_types;
  // The caller's SSRC when announced (XEP-0339); else the first one seen
  // with one of payload_types is taken.
  std::optional<std::uint32_t> remote_ssrc;
  std::uint32_t local_ssrc = 0;
  // Negotiated RTCP feedback (XEP-0293): NACK both ways, PLI and FIR relay.
  bool nack = false;
  bool pli = false;
  bool fir = false;
  // RFC 2198 RED and RFC 5109 ULPFEC ids, when negotiated: echoed FEC gets
  // its SN base and TS recovery moved into parrot's spaces (FecRewriter).
  std::optional<std::uint8_t> red_payload_type;
  std::optional<std::uint8_t> ulpfec_payload_type;
  // XEP-0294 ids of the header extensions the caller's packets carry (the
  // answer keeps the offer's ids, and both directions use them); 0 = not
  // negotiated. In echoed packets parrot writes its own transport-wide
  // sequence numbers and send times there (see the README).
  std::uint8_t transport_sequence_extension_id = 0;
  std::uint8_t abs_send_time_extension_id = 0;
  // RFC 6464 audio level: read on every packet offered to the probe.
  std::uint8_t audio_level_extension_id = 0;
  // XEP-0293 congestion control feedback: transport-cc (needs the
  // transport-wide sequence extension) and goog-remb.
  bool transport_cc = false;
  bool remb = false;
};

struct EchoConfig {
  std::vector<StreamConfig> streams;
  std::string cname = "parrot";
  // The Unix time at which the caller's Timestamp counts zero: SRs carry
  // NTP wall-clock time, and media/ has no clock of its own.
  Duration unix_time_at_epoch{};
  // Extra playout delay for every stream (a "!delay 2000" test).
  Duration extra_delay{};
  // REMB sent to the caller's streams (a bitrate-limit test), if any.
  std::optional<std::uint64_t> remb_cap_bps;
  // Seeds initial sequence numbers, timestamps and RTCP intervals.
  std::uint32_t random_seed = 1;
  Duration audio_min_delay = std::chrono::milliseconds(20);
  Duration video_min_delay = std::chrono::milliseconds(20);
  Duration max_delay = std::chrono::milliseconds(500);
  Duration send_history = std::chrono::seconds(1);
};

struct OutgoingDatagram {
  ByteView bytes;
  bool rtcp = false;  // goes to the RTCP component when RTCP is not muxed
  // What the engine counted for it as sent, for on_send_failed() to undo.
  enum class Counted : std::uint8_t { kRtcp, kMedia, kRetransmission };
  Counted counted = Counted::kRtcp;
  std::uint32_t stream = 0;         // index, for kMedia and kRetransmission
  std::uint32_t payload_bytes = 0;  // for kMedia
  std::uint16_t sequence_number = 0;  // for kMedia, as sent
};

struct StreamSnapshot {
  MediaKind kind = MediaKind::kAudio;
  std::uint32_t local_ssrc = 0;
  std::optional<std::uint32_t> remote_ssrc;
  std::string remote_cname;
  // Payload types seen, with packet counts, for naming the codec.
  std::vector<std::pair<std::uint8_t, std::uint64_t>> payload_types;
  stats::ReceiveSnapshot received;
  jitter::JitterBufferSnapshot jitter_buffer;
  stats::SendSnapshot sent;
  stats::ReturnPathSnapshot return_path;  // whether the caller hears parrot
  stats::ReturnLossSnapshot return_loss;  // what the caller lost of what parrot sent
  std::uint64_t nacks_sent = 0;        // sequence numbers parrot asked for
  std::uint64_t nacks_received = 0;    // sequence numbers the caller asked for
  std::uint64_t plis_relayed = 0;
  std::uint64_t firs_relayed = 0;
  std::uint64_t source_changes = 0;    // caller switched SSRC on this stream
  bool bye_received = false;
  // What the caller sent, as it arrived (RTP payload bytes), over the call.
  stats::RateHistory::Snapshot upstream;
  // The congestion control feedback parrot gave about this stream:
  // transport-wide feedback (the caller estimates from it), or REMB values.
  bool transport_cc_feedback = false;
  std::uint64_t transport_feedback_sent = 0;  // on this stream's transport, all its streams together
  std::uint64_t remb_sent = 0;
  std::optional<std::uint64_t> remb_last_bps;
  std::optional<std::uint64_t> remb_max_bps;
};

struct EchoSnapshot {
  std::vector<StreamSnapshot> streams;
  DropCounters drops;  // engine and SRTP drops together
  std::uint64_t rtcp_received = 0;
  std::uint64_t rtcp_sent = 0;
  std::uint64_t rtcp_unknown_skipped = 0;
  std::uint64_t transport_feedback_sent = 0;      // transport-cc packets parrot sent
  std::uint64_t transport_feedback_received = 0;  // the caller's, about parrot's echo
  bool encrypted = false;
  std::optional<srtp::SrtpProfile> srtp_profile;
};

class EchoEngine {
 public:
  // Throws std::invalid_argument on a config that cannot work (no
  // streams, a zero clock rate, a payload type claimed twice).
  explicit EchoEngine(EchoConfig config);
  ~EchoEngine();
  EchoEngine(const EchoEngine&) = delete;
  EchoEngine& operator=(const EchoEngine&) = delete;

  // From now on datagrams are SRTP/SRTCP under these keys. A call that
  // negotiated no DTLS never calls this and is echoed in the clear.
  void set_srtp(const srtp::KeyingMaterial& keys);
  // SRTP is expected: until set_srtp, datagrams are counted kNoKeys.
  void expect_srtp() noexcept { expect_srtp_ = true; }

  void set_extra_delay(Duration extra);
  // A stream added to a running call (an audio call upgraded to video by
  // content-add); returns its index. Throws std::invalid_argument like the
  // constructor (zero clock rate, a payload type already claimed).
  std::size_t add_stream(const StreamConfig& stream);
  std::size_t stream_count() const noexcept { return streams_.size(); }
  void set_remb_cap(std::optional<std::uint64_t> bps) noexcept { config_.remb_cap_bps = bps; }
  // kLocal: the caller's packets on stream `index` are still received,
  // measured and probed, but no longer echoed; send_local() feeds the stream
  // instead. Each switch re-anchors parrot's sequence and timestamp spaces,
  // so the caller hears one continuous stream. Unknown indexes are ignored.
  void set_source(std::size_t index, StreamSource source) noexcept;
  // Sends one frame on a kLocal stream now, as parrot's SSRC, kept for NACKs
  // like an echoed packet; the outbox holds it (and is cleared first, like
  // every on_* call). False, with nothing sent, for a kEcho stream, an
  // unknown index, a payload type over 127, a packet over kMaxDatagram, or
  // while SRTP is expected and has no keys yet.
  bool send_local(Timestamp now, std::size_t index, const LocalFrame& frame);
  // True once after each PLI or FIR the caller sent about a kLocal stream:
  // the signal's next frame should be a keyframe (RFC 4585 §6.3.1).
  bool take_keyframe_request(std::size_t index) noexcept;
  // Inbound payloads of stream `index` are offered to `queue` (not owned;
  // nullptr detaches). The queue never blocks and may skip.
  void attach_probe(std::size_t index, probes::ProbeQueue* queue) noexcept;

  // One datagram from the transport: RTP or RTCP (RFC 5761 demux), SRTP
  // when keys are set. Modified in place (decryption).
  void on_datagram(Timestamp now, MutableByteView datagram);
  // The same when the caller has told RTP from RTCP already
  // (classify_muxed_packet), so a datagram is classified once on its way in.
  void on_datagram(Timestamp now, MutableByteView datagram, MuxedPacketKind kind);
  void on_timer(Timestamp now);
  Timestamp next_wakeup() const noexcept;
  // What to send, in order; valid until the next on_* call.
  std::span<const OutgoingDatagram> outbox() const noexcept { return outbox_; }
  // One datagram of outbox() that the transport could not send: it leaves
  // the sent counts (packets, octets and the SR's, retransmissions, RTCP)
  // and is counted DropReason::kNotSent, so the report says what really
  // left. It stays in the NACK history: the caller may still ask for it.
  void on_send_failed(const OutgoingDatagram& datagram) noexcept;

  EchoSnapshot snapshot() const;

  static constexpr std::size_t kMaxDatagram = 1500;
  static constexpr Duration kNackCheckInterval = std::chrono::milliseconds(20);
  static constexpr Duration kMinFeedbackRelayGap = std::chrono::milliseconds(100);
  static constexpr Duration kSourceSilenceBeforeSwitch = std::chrono::seconds(2);
  static constexpr double kAssumedSessionBandwidthBps = 64'000;
  // REMB without transport-cc (see send_reports): never below libwebrtc's
  // own start rate, and half as much again as what arrives.
  static constexpr std::uint64_t kRembFloorBps = 300'000;
  static constexpr double kRembHeadroom = 1.5;

 private:
  struct Stream;

  void on_rtp(Timestamp now, MutableByteView datagram);
  void on_rtcp(Timestamp now, MutableByteView datagram);
  Stream* stream_for(Timestamp now, std::uint32_t ssrc, std::uint8_t payload_type);
  void play_due(Timestamp now);
  void send_echo(Timestamp now, Stream& stream, const jitter::ReleasedPacket& packet);
  void send_nacks(Timestamp now);
  void send_reports(Timestamp now);
  void relay_picture_request(Timestamp now, Stream& stream, bool full_intra);
  void answer_nack(Timestamp now, Stream& stream, std::span<const std::uint16_t> sequence_numbers);
  void queue_feedback(const Stream& stream, rtcp::Packet feedback);
  void queue_feedback(std::uint32_t local_ssrc, rtcp::Packet feedback);
  void send_transport_feedback(Timestamp now);
  std::optional<std::uint64_t> remb_estimate(Timestamp now) const;
  // parrot's own transport-wide sequence number and send time in an echoed
  // or resent packet, where the caller's were.
  void stamp_extensions(Timestamp now, const Stream& stream, MutableByteView packet);
  // Serializes `packets` as one compound RTCP datagram into the outbox.
  void queue_rtcp(std::span<const rtcp::Packet> packets);
  // A buffer in the outbox with room for `size` plus the SRTP trailer.
  MutableByteView next_buffer(std::size_t size);
  void commit_buffer(std::size_t size, OutgoingDatagram::Counted counted, const Stream* stream = nullptr,
                     std::size_t payload_bytes = 0, std::uint16_t sequence_number = 0);
  double session_bandwidth_bps() const noexcept;
  void begin_call(Timestamp now);

  EchoConfig config_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::unique_ptr<srtp::SrtpSession> srtp_;
  bool expect_srtp_ = false;
  std::mt19937 random_;  // initial sequence numbers and timestamps of streams
  std::array<bool, 128> claimed_{};  // payload types taken by a stream
  RtcpScheduler rtcp_scheduler_;
  DropCounters drops_;

  std::vector<std::vector<std::byte>> buffers_;
  std::vector<OutgoingDatagram> outbox_;
  std::vector<rtcp::Packet> rtcp_scratch_;
  std::vector<std::uint16_t> nack_scratch_;
  std::vector<std::byte> history_scratch_;
  Timestamp next_nack_check_ = kNever;
  std::uint64_t rtcp_received_ = 0;
  std::vector<std::optional<std::uint32_t>> reported_highest_;  // on_rtcp's scratch, one per stream
  std::uint64_t rtcp_sent_ = 0;
  std::uint64_t rtcp_unknown_skipped_ = 0;

  // Transport-wide congestion control: feedback on the caller's packets,
  // parrot's own numbering of what it sends.
  std::unique_ptr<TransportFeedbackGenerator> feedback_generator_;
  std::uint8_t transport_sequence_extension_id_ = 0;
  std::uint16_t next_transport_sequence_ = 1;
  std::vector<rtcp::TransportFeedback> feedback_scratch_;
  std::uint64_t transport_feedback_received_ = 0;
};

}  // namespace parrot::media::echo
