#include "media/probes/probe_queue.hpp"

#include <stdexcept>
#include <utility>

namespace parrot::media::probes {

ProbeQueue::ProbeQueue(std::size_t max_packets) {
  if (max_packets == 0) throw std::invalid_argument("ProbeQueue: max_packets must be at least 1");
  // No payload storage up front: reserving kMaxPayloadBytes in every slot
  // made the queue most of an audio call's memory (256 x 1.5 KiB, every
  // page touched) for 100-byte Opus payloads. Each slot grows to the largest
  // payload it has held and keeps that, so once warm offer() allocates only
  // for a payload larger than any before.
  ring_.resize(max_packets);
}

bool ProbeQueue::offer(Timestamp arrival, std::uint8_t payload_type, std::uint32_t rtp_ts, std::uint16_t seq,
                       bool marker, ByteView payload, std::optional<rtp::AudioLevel> audio_level) {
  if (size_ == ring_.size() || payload.size() > kMaxPayloadBytes) {
    ++skipped_;
    return false;
  }
  auto& slot = ring_[(head_ + size_) % ring_.size()];
  slot.arrival = arrival;
  slot.payload_type = payload_type;
  slot.rtp_timestamp = rtp_ts;
  slot.sequence_number = seq;
  slot.marker = marker;
  slot.audio_level = audio_level;
  // assign() into a vector with enough capacity reuses its storage.
  slot.payload.assign(payload.begin(), payload.end());
  ++size_;
  ++accepted_;
  return true;
}

bool ProbeQueue::pop_into(ProbePacket& out) {
  if (size_ == 0) return false;
  auto& slot = ring_[head_];
  // The consumer's previous buffer goes back into the ring: buffers
  // circulate, so none is freed and each keeps what it grew to.
  std::swap(out, slot);
  head_ = (head_ + 1) % ring_.size();
  --size_;
  return true;
}

std::optional<ProbePacket> ProbeQueue::pop() {
  if (size_ == 0) return std::nullopt;
  ProbePacket out;
  pop_into(out);
  return out;
}

}  // namespace parrot::media::probes
