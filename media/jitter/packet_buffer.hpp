// Ordered, bounded storage for one stream's packets, indexed by unwrapped
// sequence number in a power-of-two ring. Slots keep their byte capacity,
// so a stream at steady state stores packets without allocating.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "media/bytes.hpp"
#include "media/time.hpp"

namespace parrot::media::jitter {

struct BufferedPacket {
  std::int64_t sequence = 0;   // unwrapped
  std::int64_t timestamp = 0;  // unwrapped RTP timestamp
  bool marker = false;
  Timestamp arrival{};
  std::vector<std::byte> bytes;  // the whole plain RTP packet
};

class PacketBuffer {
 public:
  // `capacity` is rounded up to a power of two (at least 16).
  explicit PacketBuffer(std::size_t capacity);

  std::size_t capacity() const noexcept { return slots_.size(); }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  // Stores a copy; false when that sequence number is already held.
  // The caller keeps the stored range within capacity (ring aliasing).
  bool insert(std::int64_t sequence, std::int64_t timestamp, bool marker, Timestamp arrival, ByteView bytes);
  const BufferedPacket* find(std::int64_t sequence) const noexcept;
  void erase(std::int64_t sequence) noexcept;
  // Erases the packet and swaps its bytes into `out`, whose old storage
  // the slot keeps for reuse. false when not held.
  bool take(std::int64_t sequence, std::vector<std::byte>& out) noexcept;
  // Moves every held packet into a ring of the new capacity.
  void resize(std::size_t capacity);
  std::size_t memory_bytes() const noexcept;

 private:
  struct Slot {
    bool occupied = false;
    BufferedPacket packet;
  };
  Slot& slot(std::int64_t sequence) noexcept { return slots_[static_cast<std::size_t>(sequence) & mask_]; }
  const Slot& slot(std::int64_t sequence) const noexcept { return slots_[static_cast<std::size_t>(sequence) & mask_]; }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace parrot::media::jitter
