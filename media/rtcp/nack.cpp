#include "media/rtcp/nack.hpp"

#include <algorithm>
#include <array>
#include <bit>

namespace parrot::media::rtcp {

namespace {

constexpr std::size_t kFixedBodySize = 8;  // sender SSRC, media SSRC
constexpr std::size_t kItemSize = 4;
constexpr std::uint32_t kRingSize = 65536;
constexpr std::uint32_t kNone = kRingSize;
constexpr std::uint32_t kBlpBits = 16;

// All 65536 sequence numbers as a bitmap (8 KiB on the stack): deduplicates
// and orders an arbitrary list without allocating, in time linear in the
// list plus 1024 word scans.
class SequenceSet {
 public:
  explicit SequenceSet(std::span<const std::uint16_t> sequence_numbers) noexcept {
    for (const std::uint16_t s : sequence_numbers) words_[s >> 6] |= std::uint64_t{1} << (s & 63);
  }

  bool contains(std::uint32_t s) const noexcept { return ((words_[(s >> 6) & 1023] >> (s & 63)) & 1) != 0; }

  // The smallest member in [from, to), or kNone.
  std::uint32_t next(std::uint32_t from, std::uint32_t to) const noexcept {
    while (from < to) {
      const std::uint64_t bits = words_[from >> 6] >> (from & 63);
      if (bits != 0) {
        const std::uint32_t found = from + static_cast<std::uint32_t>(std::countr_zero(bits));
        return found < to ? found : kNone;
      }
      from = ((from >> 6) + 1) << 6;
    }
    return kNone;
  }

 private:
  std::array<std::uint64_t, kRingSize / 64> words_{};
};

// Where the ring walk starts: just after the widest gap between members, so
// that no item has to straddle a stretch of received packets. Serial-number
// order (media/sequence.hpp, RFC 1982) is undefined across a half-ring span;
// the widest gap gives a total order for any list and equals it for lists
// spanning less than half the ring.
std::uint32_t walk_start(const SequenceSet& set) noexcept {
  const std::uint32_t first = set.next(0, kRingSize);
  std::uint32_t previous = first;
  std::uint32_t widest_gap = 0;
  std::uint32_t start = first;
  for (std::uint32_t s = set.next(first + 1, kRingSize); s != kNone; s = set.next(s + 1, kRingSize)) {
    if (s - previous > widest_gap) {
      widest_gap = s - previous;
      start = s;
    }
    previous = s;
  }
  if (first + kRingSize - previous >= widest_gap) start = first;
  return start;
}

// The same cover for the common short list, sorted in a small array
// instead of an 8 KiB bitmap: the echo engine NACKs a handful at a time.
inline constexpr std::size_t kShortList = 64;

template <typename Emit>
void for_each_item_short(std::span<const std::uint16_t> sequence_numbers, Emit&& emit) {
  std::array<std::uint16_t, kShortList> sorted{};
  std::copy(sequence_numbers.begin(), sequence_numbers.end(), sorted.begin());
  const auto end = sorted.begin() + static_cast<std::ptrdiff_t>(sequence_numbers.size());
  std::sort(sorted.begin(), end);
  const auto n = static_cast<std::size_t>(std::unique(sorted.begin(), end) - sorted.begin());
  // Start after the widest gap, the wrap-around gap winning ties (as walk_start).
  std::size_t start = 0;
  std::uint32_t widest_gap = 0;
  for (std::size_t i = 1; i < n; ++i) {
    if (std::uint32_t{sorted[i]} - sorted[i - 1] > widest_gap) {
      widest_gap = std::uint32_t{sorted[i]} - sorted[i - 1];
      start = i;
    }
  }
  if (std::uint32_t{sorted[0]} + kRingSize - sorted[n - 1] >= widest_gap) start = 0;
  for (std::size_t k = 0; k < n;) {
    const std::uint16_t pid = sorted[(start + k) % n];
    std::uint16_t blp = 0;
    for (++k; k < n; ++k) {
      const auto distance = static_cast<std::uint16_t>(sorted[(start + k) % n] - pid);
      if (distance > kBlpBits) break;
      blp = static_cast<std::uint16_t>(blp | (1u << (distance - 1)));
    }
    emit(Nack::Item{pid, blp});
  }
}

// Greedy cover of the ring from `start`: each item takes the next lost
// packet as PID and every member within the 16 following. On a line this is
// optimal; cutting the ring at the widest gap keeps it so.
template <typename Emit>
void for_each_item(std::span<const std::uint16_t> sequence_numbers, Emit&& emit) {
  if (sequence_numbers.empty()) return;
  if (sequence_numbers.size() <= kShortList) return for_each_item_short(sequence_numbers, emit);
  const SequenceSet set{sequence_numbers};
  const std::uint32_t start = walk_start(set);
  // The next member at ring offset >= `offset` from start, as an offset.
  const auto next_offset = [&](std::uint32_t offset) -> std::uint32_t {
    const std::uint32_t from = start + offset;
    if (from < kRingSize) {
      const std::uint32_t found = set.next(from, kRingSize);
      if (found != kNone) return found - start;
      const std::uint32_t wrapped = set.next(0, start);
      return wrapped == kNone ? kNone : wrapped + kRingSize - start;
    }
    const std::uint32_t wrapped = set.next(from - kRingSize, start);
    return wrapped == kNone ? kNone : wrapped + kRingSize - start;
  };
  for (std::uint32_t offset = next_offset(0); offset != kNone;) {
    const auto pid = static_cast<std::uint16_t>(start + offset);
    std::uint16_t blp = 0;
    for (std::uint32_t bit = 0; bit < kBlpBits && offset + 1 + bit < kRingSize; ++bit) {
      if (set.contains(static_cast<std::uint16_t>(pid + 1 + bit))) blp = static_cast<std::uint16_t>(blp | (1u << bit));
    }
    emit(Nack::Item{pid, blp});
    if (offset + 1 + kBlpBits >= kRingSize) break;
    offset = next_offset(offset + 1 + kBlpBits);
  }
}

}  // namespace

std::optional<Nack> Nack::parse(const CommonHeader& /*header*/, ByteView body) {
  if (body.size() < kFixedBodySize + kItemSize) return std::nullopt;
  Nack nack;
  nack.sender_ssrc = read_u32(body, 0);
  nack.media_ssrc = read_u32(body, 4);
  const std::size_t items = (body.size() - kFixedBodySize) / kItemSize;
  nack.sequence_numbers.reserve(items);
  for (std::size_t i = 0; i < items; ++i) {
    const std::size_t at = kFixedBodySize + i * kItemSize;
    const std::uint16_t pid = read_u16(body, at);
    const std::uint16_t blp = read_u16(body, at + 2);
    nack.sequence_numbers.push_back(pid);
    for (std::uint32_t bit = 0; bit < kBlpBits; ++bit) {
      if ((blp >> bit) & 1) nack.sequence_numbers.push_back(static_cast<std::uint16_t>(pid + 1 + bit));
    }
  }
  return nack;
}

std::vector<Nack::Item> Nack::pack(std::span<const std::uint16_t> sequence_numbers) {
  std::vector<Item> items;
  for_each_item(sequence_numbers, [&](Item item) { items.push_back(item); });
  return items;
}

std::size_t Nack::serialized_size() const noexcept {
  std::size_t items = 0;
  for_each_item(sequence_numbers, [&](Item) { ++items; });
  return items == 0 ? 0 : kHeaderSize + kFixedBodySize + items * kItemSize;
}

std::size_t Nack::serialize(MutableByteView out) const noexcept {
  const std::size_t size = serialized_size();
  if (size == 0 || out.size() < size) return 0;
  CommonHeader::write(out, kFmtGenericNack, kPacketTypeRtpFeedback, size);
  write_u32(out, kHeaderSize, sender_ssrc);
  write_u32(out, kHeaderSize + 4, media_ssrc);
  std::size_t at = kHeaderSize + kFixedBodySize;
  for_each_item(sequence_numbers, [&](Item item) {
    write_u16(out, at, item.pid);
    write_u16(out, at + 2, item.blp);
    at += kItemSize;
  });
  return size;
}

}  // namespace parrot::media::rtcp
