#include "media/jitter/jitter_buffer.hpp"

#include <algorithm>
#include <bit>

namespace parrot::media::jitter {

namespace {
DelayEstimator::Config estimator_config(const JitterBufferConfig& config) {
  DelayEstimator::Config c;
  c.clock_rate_hz = config.clock_rate_hz;
  c.min_delay = config.min_delay;
  c.max_delay = config.max_delay;
  c.initial_delay = config.initial_delay;
  return c;
}
}  // namespace

JitterBuffer::JitterBuffer(const JitterBufferConfig& config)
    : config_(config),
      buffer_(std::min(config.initial_packets, config.max_packets)),
      estimator_(estimator_config(config)),
      max_capacity_(std::bit_ceil(std::max<std::size_t>(config.max_packets, 16))),
      nacks_(config.nack ? buffer_.capacity() : 0) {
  track_target();
}

void JitterBuffer::restart() {
  for (std::int64_t s = next_sequence_; s <= highest_sequence_ && !buffer_.empty(); ++s) {
    if (buffer_.find(s)) drops_.count(DropReason::kTooOld);
    buffer_.erase(s);
  }
  sequence_unwrapper_.reset();
  timestamp_unwrapper_.reset();
  cached_decision_.reset();
  estimator_.reset();
  started_ = false;
  released_any_ = false;
  last_released_marker_ = true;
  releasing_frame_.reset();
}

JitterBuffer::InsertResult JitterBuffer::insert(Timestamp now, const rtp::RtpPacket& packet,
                                                stats::ReceiveStatistics& statistics) {
  switch (statistics.on_packet(now, packet.sequence_number(), packet.timestamp(), packet.payload().size())) {
    case stats::ReceiveStatistics::Verdict::kDuplicate:
      drops_.count(DropReason::kDuplicate);
      return InsertResult::kDuplicate;
    case stats::ReceiveStatistics::Verdict::kUntrusted:
      drops_.count(DropReason::kTooOld);
      return InsertResult::kTooOld;
    case stats::ReceiveStatistics::Verdict::kRestart:
      restart();
      break;
    case stats::ReceiveStatistics::Verdict::kNew:
      break;
  }

  // From here on the buffer may change on any path, early returns included.
  cached_decision_.reset();
  const std::int64_t sequence = sequence_unwrapper_.unwrap(packet.sequence_number());
  const std::int64_t timestamp = timestamp_unwrapper_.unwrap(packet.timestamp());
  auto capacity = static_cast<std::int64_t>(buffer_.capacity());
  if (!started_) {
    started_ = true;
    next_sequence_ = highest_sequence_ = sequence;
  }
  if (sequence < next_sequence_) {
    // Before playout starts, a reordered first packet moves the start back.
    if (released_any_ || highest_sequence_ - sequence >= capacity) {
      drops_.count(DropReason::kLate);
      return InsertResult::kLate;
    }
    next_sequence_ = sequence;
  }
  InsertResult result = InsertResult::kBuffered;
  while (sequence - next_sequence_ >= capacity) {
    if (buffer_.capacity() < max_capacity_) {
      buffer_.resize(buffer_.capacity() * 2);
      if (config_.nack) nacks_.assign(buffer_.capacity(), NackState{});
      capacity = static_cast<std::int64_t>(buffer_.capacity());
      continue;
    }
    drop_oldest(DropReason::kBufferFull);
    result = InsertResult::kBufferFull;
  }
  // The time bound: media spanning more than max_buffered (plus any extra
  // delay) means playout cannot keep up; the oldest go.
  const std::int64_t max_span_ticks = duration_to_rtp_ticks(config_.max_buffered + extra_delay_, config_.clock_rate_hz);
  for (auto h = head(); h && timestamp - buffer_.find(*h)->timestamp > max_span_ticks; h = head()) {
    drop_oldest(DropReason::kBufferFull);
    result = InsertResult::kBufferFull;
  }
  if (!buffer_.insert(sequence, timestamp, packet.marker(), now, packet.data())) {
    drops_.count(DropReason::kDuplicate);
    return InsertResult::kDuplicate;
  }
  highest_sequence_ = std::max(highest_sequence_, sequence);
  // Video: a frame is playable when its last packet is in, so the marker
  // packet's delay is the frame's; the pacing of packets inside a frame is
  // not network jitter.
  if (!config_.video || packet.marker()) {
    estimator_.on_packet(now, timestamp);
    track_target();
  }
  cached_decision_.reset();
  return result;
}

void JitterBuffer::drop_oldest(DropReason reason) {
  if (buffer_.find(next_sequence_)) {
    buffer_.erase(next_sequence_);
    drops_.count(reason);
  } else {
    ++skipped_missing_;
  }
  if (releasing_frame_) releasing_frame_.reset();
  last_released_marker_ = false;  // a frame boundary is no longer known
  ++next_sequence_;
}

std::optional<std::int64_t> JitterBuffer::head() const noexcept {
  if (buffer_.empty()) return std::nullopt;
  for (std::int64_t s = next_sequence_; s <= highest_sequence_; ++s) {
    if (buffer_.find(s)) return s;
  }
  return std::nullopt;
}

std::optional<Timestamp> JitterBuffer::playout_time(std::int64_t unwrapped_timestamp) const noexcept {
  const auto earliest = estimator_.earliest_arrival(unwrapped_timestamp);
  if (!earliest) return std::nullopt;
  return *earliest + estimator_.target_delay() + extra_delay_;
}

bool JitterBuffer::is_recent_frame_or_older(std::int64_t timestamp, std::int64_t frame) const noexcept {
  // Within a second of media: a timestamp that leaps further back is a
  // sender restart, which the delay estimator handles, not FEC.
  return timestamp <= frame && frame - timestamp <= static_cast<std::int64_t>(config_.clock_rate_hz);
}

bool JitterBuffer::frame_complete(std::int64_t first) const noexcept {
  // The frame's start is known when the previous packet ended a frame (or
  // carried another timestamp); its end when the marker packet is here.
  const BufferedPacket* packet = buffer_.find(first);
  if (first != next_sequence_ || packet == nullptr) return false;
  // Without the previous marker and under the same timestamp, this is the
  // rest of a frame already released in part. A previous packet without a
  // marker under an older timestamp is no frame's middle: libwebrtc sends
  // ULPFEC (in RED) and padding after a frame's marker packet, in the same
  // sequence space, under that frame's timestamp.
  const std::int64_t timestamp = packet->timestamp;
  if (released_any_ && !last_released_marker_ && last_released_timestamp_ >= timestamp) return false;
  for (std::int64_t s = first; s <= highest_sequence_; ++s) {
    const BufferedPacket* p = buffer_.find(s);
    if (p == nullptr) return false;
    if (p->timestamp != timestamp) {
      // An older frame's FEC or padding the sender's pacer put in between.
      if (is_recent_frame_or_older(p->timestamp, timestamp)) continue;
      return false;
    }
    if (p->marker) return true;
  }
  return false;
}

ReleasedPacket JitterBuffer::release(std::int64_t sequence, Timestamp now) {
  skipped_missing_ += static_cast<std::uint64_t>(sequence - next_sequence_);
  const BufferedPacket* packet = buffer_.find(sequence);
  ReleasedPacket released;
  released.sequence = sequence;
  released.arrival = packet->arrival;
  released.held = now - packet->arrival;
  last_released_marker_ = packet->marker;
  last_released_timestamp_ = packet->timestamp;
  released.rtp_timestamp = static_cast<std::uint32_t>(packet->timestamp);
  buffer_.take(sequence, released_bytes_);
  released.bytes = released_bytes_;
  next_sequence_ = sequence + 1;
  released_any_ = true;
  ++released_;
  held_min_ = std::min(held_min_, released.held);
  held_max_ = std::max(held_max_, released.held);
  held_sum_ += released.held;
  return released;
}

std::optional<ReleasedPacket> JitterBuffer::pop(Timestamp now) {
  const HeadDecision decision = decide();
  if (!decision.head || now < decision.wakeup) return std::nullopt;
  cached_decision_.reset();
  const BufferedPacket* packet = buffer_.find(*decision.head);
  if (packet == nullptr) return std::nullopt;  // a stale decision would be a bug; never dereference it
  if (decision.continues_frame) return release(*decision.head, now);
  if (config_.video) {
    if (!decision.complete) ++incomplete_frames_;
    releasing_frame_ = packet->timestamp;
  }
  return release(*decision.head, now);
}

Timestamp JitterBuffer::next_wakeup() const noexcept { return decide().wakeup; }

JitterBuffer::HeadDecision JitterBuffer::decide() const noexcept {
  // Only insert(), pop() and the configuration change the decision.
  if (cached_decision_) return *cached_decision_;
  HeadDecision decision;
  decision.head = head();
  if (decision.head) {
    const BufferedPacket* packet = buffer_.find(*decision.head);
    if (releasing_frame_ && is_recent_frame_or_older(packet->timestamp, *releasing_frame_)) {
      // The rest of a video frame whose release has begun goes out at once,
      // and so does an older frame's FEC or padding sent in its middle.
      decision.continues_frame = true;
      decision.wakeup = Timestamp{};
    } else if (const auto when = playout_time(packet->timestamp)) {
      decision.complete = !config_.video || frame_complete(*decision.head);
      decision.wakeup = decision.complete ? *when : *when + config_.incomplete_frame_wait;
    } else {
      decision.head.reset();
    }
  }
  cached_decision_ = decision;
  return decision;
}

void JitterBuffer::collect_nacks(Timestamp now, Duration rtt, std::vector<std::uint16_t>& out) {
  if (!config_.nack || nacks_.empty() || !started_) return;
  const Duration interval = std::max(rtt, kMinNackInterval);
  const std::size_t mask = nacks_.size() - 1;
  for (std::int64_t s = next_sequence_; s < highest_sequence_; ++s) {
    if (buffer_.find(s)) continue;
    NackState& state = nacks_[static_cast<std::size_t>(s) & mask];
    if (state.sequence != s) state = NackState{s, Timestamp{}, 0};
    if (state.count >= config_.max_nacks_per_packet) continue;
    if (state.count > 0 && now - state.last_sent < interval) continue;
    state.last_sent = now;
    ++state.count;
    out.push_back(static_cast<std::uint16_t>(s & 0xFFFF));
  }
}

void JitterBuffer::set_extra_delay(Duration extra) {
  extra_delay_ = std::max(Duration{0}, extra);
  cached_decision_.reset();
}

void JitterBuffer::track_target() noexcept {
  target_min_ = std::min(target_min_, estimator_.target_delay());
  target_max_ = std::max(target_max_, estimator_.target_delay());
}

JitterBufferSnapshot JitterBuffer::snapshot() const noexcept {
  JitterBufferSnapshot s;
  s.released = released_;
  s.skipped_missing = skipped_missing_;
  s.incomplete_frames = incomplete_frames_;
  s.late = drops_[DropReason::kLate];
  s.buffer_full = drops_[DropReason::kBufferFull];
  s.too_old = drops_[DropReason::kTooOld];
  s.target_delay_ms = to_ms(estimator_.target_delay());
  s.min_target_delay_ms = to_ms(target_min_);
  s.max_target_delay_ms = to_ms(target_max_);
  if (released_ > 0) {
    s.min_held_ms = to_ms(held_min_);
    s.max_held_ms = to_ms(held_max_);
    s.avg_held_ms = to_ms(held_sum_) / static_cast<double>(released_);
  }
  s.buffered_packets = buffer_.size();
  s.memory_bytes = buffer_.memory_bytes() + released_bytes_.capacity() + nacks_.capacity() * sizeof(NackState);
  return s;
}

}  // namespace parrot::media::jitter
