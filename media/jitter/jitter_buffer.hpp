// One inbound stream's jitter buffer: packets and the time go in, packets
// come out in sequence order at their playout time. See README.md for the
// decisions it makes at each call.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "media/jitter/delay_estimator.hpp"
#include "media/jitter/packet_buffer.hpp"
#include "media/rtp/rtp_packet.hpp"
#include "media/sequence.hpp"
#include "media/stats/drop_reason.hpp"
#include "media/stats/receive_statistics.hpp"

namespace parrot::media::jitter {

struct JitterBufferConfig {
  std::uint32_t clock_rate_hz = 48000;
  // Video: release a frame (packets sharing a timestamp, ended by the
  // marker bit) only when all of it is here, or when waiting longer would
  // only add delay (incomplete_frame_wait past its playout time).
  bool video = false;
  Duration incomplete_frame_wait = std::chrono::milliseconds(100);
  Duration min_delay = std::chrono::milliseconds(20);
  Duration max_delay = std::chrono::milliseconds(500);
  Duration initial_delay = std::chrono::milliseconds(60);
  // Memory bounds: packets held, and media time between oldest and newest.
  // The ring starts at initial_packets and doubles while a stream needs
  // more, up to max_packets, so memory follows the stream's real rate.
  std::size_t initial_packets = 32;
  std::size_t max_packets = 512;
  Duration max_buffered = std::chrono::milliseconds(1000);
  // NACK (RFC 4585): ask again every max(rtt, kMinNackInterval), this many times.
  bool nack = false;
  int max_nacks_per_packet = 10;
};

struct ReleasedPacket {
  MutableByteView bytes;      // the plain RTP packet, rewritable in place; valid until the next call
  std::int64_t sequence = 0;  // unwrapped
  std::uint32_t rtp_timestamp = 0;
  Timestamp arrival{};
  Duration held{};            // release time - arrival
};

struct JitterBufferSnapshot {
  std::uint64_t released = 0;
  std::uint64_t skipped_missing = 0;   // sequence numbers played past without a packet
  std::uint64_t incomplete_frames = 0; // video frames released with a gap
  std::uint64_t late = 0;
  std::uint64_t buffer_full = 0;
  std::uint64_t too_old = 0;
  double target_delay_ms = 0;
  double min_target_delay_ms = 0;
  double max_target_delay_ms = 0;
  double min_held_ms = 0;   // time packets spent in the buffer
  double avg_held_ms = 0;
  double max_held_ms = 0;
  std::size_t buffered_packets = 0;
  std::size_t memory_bytes = 0;
};

class JitterBuffer {
 public:
  explicit JitterBuffer(const JitterBufferConfig& config);

  enum class InsertResult { kBuffered, kDuplicate, kLate, kTooOld, kBufferFull };

  // `packet` is already SRTP-unprotected. `statistics` are the stream's
  // RFC 3550 receive statistics, owned by the stream so that they outlive
  // the buffer (a new caller SSRC gets a new buffer, not new totals); they
  // see the packet first and their verdict decides duplicates and sequence
  // restarts (NetEq's PacketBuffer::InsertPacket takes its
  // StatisticsCalculator the same way). Counts in drops() what it refuses.
  InsertResult insert(Timestamp now, const rtp::RtpPacket& packet, stats::ReceiveStatistics& statistics);

  // The next packet due at `now`, in sequence order, or nullopt.
  std::optional<ReleasedPacket> pop(Timestamp now);
  // Swaps the bytes of the packet pop() last returned with `storage`, so a
  // caller that keeps them (a send history) copies nothing; the buffer
  // reuses what it gets back.
  void exchange_released_bytes(std::vector<std::byte>& storage) noexcept { released_bytes_.swap(storage); }
  // When pop() next has something (kNever when empty).
  Timestamp next_wakeup() const noexcept;

  // Sequence numbers to NACK at `now` (RFC 4585 §6.2.1): missing between
  // the playout point and the newest packet, not yet due for playout, not
  // asked about within max(rtt, kMinNackInterval). Appends to `out`.
  void collect_nacks(Timestamp now, Duration rtt, std::vector<std::uint16_t>& out);

  // Extra delay for every packet (a user's "!delay" test); the time bound
  // grows with it (the packet bound stays).
  void set_extra_delay(Duration extra);
  Duration target_delay() const noexcept { return estimator_.target_delay(); }

  const DropCounters& drops() const noexcept { return drops_; }
  JitterBufferSnapshot snapshot() const noexcept;

  static constexpr Duration kMinNackInterval = std::chrono::milliseconds(20);

 private:
  std::optional<Timestamp> playout_time(std::int64_t unwrapped_timestamp) const noexcept;
  // What pop() would do next: which packet, from when, and why.
  struct HeadDecision {
    std::optional<std::int64_t> head;
    Timestamp wakeup = kNever;
    bool continues_frame = false;  // the rest of a frame being released
    bool complete = true;          // video: the head frame is all here
  };
  HeadDecision decide() const noexcept;
  // First held sequence number at or after next_sequence_.
  std::optional<std::int64_t> head() const noexcept;
  // `timestamp` is `frame`'s or up to a second older (a packet of the frame,
  // or an older frame's FEC or padding).
  bool is_recent_frame_or_older(std::int64_t timestamp, std::int64_t frame) const noexcept;
  bool frame_complete(std::int64_t first) const noexcept;
  void drop_oldest(DropReason reason);
  void restart();
  void track_target() noexcept;
  ReleasedPacket release(std::int64_t sequence, Timestamp now);

  JitterBufferConfig config_;
  PacketBuffer buffer_;
  DelayEstimator estimator_;
  DropCounters drops_;
  SequenceUnwrapper sequence_unwrapper_;
  TimestampUnwrapper timestamp_unwrapper_;
  Duration extra_delay_{};
  std::size_t max_capacity_;

  bool started_ = false;
  std::int64_t next_sequence_ = 0;     // the playout point
  std::int64_t highest_sequence_ = 0;
  bool released_any_ = false;
  bool last_released_marker_ = true;   // a frame boundary before the first packet
  std::int64_t last_released_timestamp_ = 0;
  // A video frame being released packet by packet: its timestamp.
  std::optional<std::int64_t> releasing_frame_;

  mutable std::optional<HeadDecision> cached_decision_;

  // The released packet's bytes stay valid until the next call.
  std::vector<std::byte> released_bytes_;

  // NACK bookkeeping for missing sequence numbers, a small ring.
  struct NackState {
    std::int64_t sequence = -1;
    Timestamp last_sent{};
    int count = 0;
  };
  std::vector<NackState> nacks_;

  std::uint64_t released_ = 0;
  std::uint64_t skipped_missing_ = 0;
  std::uint64_t incomplete_frames_ = 0;
  Duration held_min_ = Duration::max();
  Duration held_max_{};
  Duration held_sum_{};
  Duration target_min_ = Duration::max();
  Duration target_max_{};
};

}  // namespace parrot::media::jitter
