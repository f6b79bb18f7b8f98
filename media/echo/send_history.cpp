#include "media/echo/send_history.hpp"

#include <algorithm>
#include <bit>
#include <utility>

namespace parrot::media::echo {

SendHistory::SendHistory(std::size_t initial_packets, std::size_t max_packets, Duration max_age)
    : entries_(std::bit_ceil(std::max<std::size_t>(initial_packets, 16))),
      mask_(entries_.size() - 1),
      max_packets_(std::max(entries_.size(), std::bit_ceil(std::min<std::size_t>(max_packets, 65536)))),
      max_age_(max_age) {}

void SendHistory::grow() {
  std::vector<Entry> old = std::exchange(entries_, std::vector<Entry>(entries_.size() * 2));
  mask_ = entries_.size() - 1;
  for (Entry& e : old) {
    if (e.used) entries_[e.sequence_number & mask_] = std::move(e);
  }
}

SendHistory::Entry& SendHistory::slot_for(Timestamp now, std::uint16_t sequence_number) {
  while (entries_.size() < max_packets_) {
    const Entry& existing = entries_[sequence_number & mask_];
    if (!existing.used || existing.sequence_number == sequence_number || now - existing.sent >= max_age_) break;
    grow();
  }
  Entry& entry = entries_[sequence_number & mask_];
  entry.used = true;
  entry.sequence_number = sequence_number;
  entry.sent = now;
  entry.resends = 0;
  return entry;
}

void SendHistory::store(Timestamp now, std::uint16_t sequence_number, ByteView packet) {
  slot_for(now, sequence_number).bytes.assign(packet.begin(), packet.end());
}

MutableByteView SendHistory::store_swap(Timestamp now, std::uint16_t sequence_number, std::vector<std::byte>& packet) {
  Entry& entry = slot_for(now, sequence_number);
  entry.bytes.swap(packet);
  return entry.bytes;
}

ByteView SendHistory::for_resend(Timestamp now, std::uint16_t sequence_number) noexcept {
  Entry& entry = entries_[sequence_number & mask_];
  if (!entry.used || entry.sequence_number != sequence_number || now - entry.sent > max_age_) return {};
  if (entry.resends >= kMaxResends || (entry.resends > 0 && now - entry.last_resent < kMinResendGap)) return {};
  ++entry.resends;
  entry.last_resent = now;
  return entry.bytes;
}

std::size_t SendHistory::memory_bytes() const noexcept {
  std::size_t total = entries_.capacity() * sizeof(Entry);
  for (const Entry& e : entries_) total += e.bytes.capacity();
  return total;
}

}  // namespace parrot::media::echo
