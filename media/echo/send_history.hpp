// The packets parrot sent on one outbound stream, kept (plain, before SRTP)
// for a bounded time so NACKs can be answered (RFC 4585 §6.2.1). Each packet
// is resent at most kMaxResends times and not twice within kMinResendGap,
// so a NACK storm cannot turn parrot into an amplifier.
#pragma once

#include <cstdint>
#include <vector>

#include "media/bytes.hpp"
#include "media/time.hpp"

namespace parrot::media::echo {

class SendHistory {
 public:
  // Starts with `initial_packets` slots (rounded up to a power of two) and
  // doubles, up to `max_packets`, while a slot to reuse is younger than
  // `max_age`: memory follows the stream's rate. Nothing older than
  // `max_age` is answered.
  SendHistory(std::size_t initial_packets, std::size_t max_packets, Duration max_age);

  void store(Timestamp now, std::uint16_t sequence_number, ByteView packet);
  // Takes the packet by swapping it with `packet`, which gets the slot's
  // old storage back for reuse; returns the stored bytes.
  MutableByteView store_swap(Timestamp now, std::uint16_t sequence_number, std::vector<std::byte>& packet);
  // The packet to resend for a NACK at `now`, or an empty view when it is
  // gone, too old or resent enough already.
  ByteView for_resend(Timestamp now, std::uint16_t sequence_number) noexcept;
  std::size_t memory_bytes() const noexcept;

  static constexpr int kMaxResends = 3;
  static constexpr Duration kMinResendGap = std::chrono::milliseconds(10);

 private:
  struct Entry {
    bool used = false;
    std::uint16_t sequence_number = 0;
    Timestamp sent{};
    Timestamp last_resent{};
    int resends = 0;
    std::vector<std::byte> bytes;
  };
  void grow();
  Entry& slot_for(Timestamp now, std::uint16_t sequence_number);

  std::vector<Entry> entries_;
  std::size_t mask_;
  std::size_t max_packets_;
  Duration max_age_;
};

}  // namespace parrot::media::echo
