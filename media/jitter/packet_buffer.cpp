#include "media/jitter/packet_buffer.hpp"

#include <bit>
#include <utility>

namespace parrot::media::jitter {

PacketBuffer::PacketBuffer(std::size_t capacity)
    : slots_(std::bit_ceil(std::max<std::size_t>(capacity, 16))), mask_(slots_.size() - 1) {}

bool PacketBuffer::insert(std::int64_t sequence, std::int64_t timestamp, bool marker, Timestamp arrival,
                          ByteView bytes) {
  Slot& s = slot(sequence);
  if (s.occupied && s.packet.sequence == sequence) return false;
  if (!s.occupied) ++size_;
  s.occupied = true;
  s.packet.sequence = sequence;
  s.packet.timestamp = timestamp;
  s.packet.marker = marker;
  s.packet.arrival = arrival;
  s.packet.bytes.assign(bytes.begin(), bytes.end());
  return true;
}

const BufferedPacket* PacketBuffer::find(std::int64_t sequence) const noexcept {
  const Slot& s = slot(sequence);
  return s.occupied && s.packet.sequence == sequence ? &s.packet : nullptr;
}

void PacketBuffer::erase(std::int64_t sequence) noexcept {
  Slot& s = slot(sequence);
  if (s.occupied && s.packet.sequence == sequence) {
    s.occupied = false;
    --size_;
  }
}

bool PacketBuffer::take(std::int64_t sequence, std::vector<std::byte>& out) noexcept {
  Slot& s = slot(sequence);
  if (!s.occupied || s.packet.sequence != sequence) return false;
  out.swap(s.packet.bytes);
  s.occupied = false;
  --size_;
  return true;
}

void PacketBuffer::resize(std::size_t capacity) {
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(std::bit_ceil(std::max<std::size_t>(capacity, 16))));
  mask_ = slots_.size() - 1;
  size_ = 0;
  for (Slot& s : old) {
    if (!s.occupied) continue;
    Slot& target = slot(s.packet.sequence);
    if (!target.occupied) ++size_;
    target = std::move(s);
  }
}

std::size_t PacketBuffer::memory_bytes() const noexcept {
  std::size_t total = slots_.capacity() * sizeof(Slot);
  for (const Slot& s : slots_) total += s.packet.bytes.capacity();
  return total;
}

}  // namespace parrot::media::jitter
