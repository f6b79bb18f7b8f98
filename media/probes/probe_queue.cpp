#include "media/probes/probe_queue.hpp"

#include <stdexcept>
#include <utility>

namespace parrot::media::probes {

ProbeQueue::ProbeQueue(std::size_t max_packets) {
  if (max_packets == 0) throw std::invalid_argument("ProbeQueue: max_packets must be at least 1");
  ring_.resize(max_packets);
  // Reserving up front is what lets offer() stay allocation-free on the echo path.
  for (auto& slot : ring_) slot.payload.reserve(kMaxPayloadBytes);
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
  std::swap(out, slot);
  // A caller-supplied packet may arrive with a small buffer; restore the
  // slot's capacity here, off the echo path, rather than in offer().
  if (slot.payload.capacity() < kMaxPayloadBytes) slot.payload.reserve(kMaxPayloadBytes);
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
