#include "media/rtcp/transport_feedback.hpp"

#include <algorithm>

namespace parrot::media::rtcp {

namespace {

// Packet status symbols (draft §3.1.1).
constexpr std::uint8_t kNotReceived = 0;
constexpr std::uint8_t kSmallDelta = 1;
constexpr std::uint8_t kLargeDelta = 2;

constexpr std::size_t kMaxRunLength = 0x1FFF;   // 13 bits
constexpr std::size_t kOneBitSymbols = 14;
constexpr std::size_t kTwoBitSymbols = 7;

std::uint8_t symbol_of(const TransportFeedback::PacketStatus& status) noexcept {
  if (!status.received) return kNotReceived;
  return status.delta_ticks >= 0 && status.delta_ticks <= 0xFF ? kSmallDelta : kLargeDelta;
}

// The chunks for `packets[0, count)`, greedily: a run of 14 or more equal
// symbols as one run-length chunk (a whole vector's worth or more), else 14
// one-bit symbols while no large delta is among them, else a run of 7 or
// more, else 7 two-bit symbols. A vector past the end is zero-filled; the
// status count tells the receiver where the list stops.
template <typename Emit>
void for_each_chunk(const std::vector<TransportFeedback::PacketStatus>& packets, std::size_t count, Emit emit) {
  std::size_t i = 0;
  while (i < count) {
    const std::uint8_t symbol = symbol_of(packets[i]);
    std::size_t run = 1;
    while (i + run < count && run < kMaxRunLength && symbol_of(packets[i + run]) == symbol) ++run;
    if (run >= kOneBitSymbols) {
      emit(static_cast<std::uint16_t>((symbol << 13) | run));
      i += run;
      continue;
    }
    const std::size_t one_bit = std::min(kOneBitSymbols, count - i);
    bool any_large = false;
    for (std::size_t k = 0; k < one_bit; ++k) any_large = any_large || symbol_of(packets[i + k]) == kLargeDelta;
    if (!any_large) {
      std::uint16_t chunk = 0x8000;
      for (std::size_t k = 0; k < one_bit; ++k) {
        if (symbol_of(packets[i + k]) == kSmallDelta) chunk |= static_cast<std::uint16_t>(1u << (kOneBitSymbols - 1 - k));
      }
      emit(chunk);
      i += one_bit;
      continue;
    }
    if (run >= kTwoBitSymbols) {
      emit(static_cast<std::uint16_t>((symbol << 13) | run));
      i += run;
      continue;
    }
    const std::size_t two_bit = std::min(kTwoBitSymbols, count - i);
    std::uint16_t chunk = 0xC000;
    for (std::size_t k = 0; k < two_bit; ++k) {
      chunk |= static_cast<std::uint16_t>(symbol_of(packets[i + k]) << (2 * (kTwoBitSymbols - 1 - k)));
    }
    emit(chunk);
    i += two_bit;
  }
}

}  // namespace

std::optional<TransportFeedback> TransportFeedback::parse(const CommonHeader& /*header*/, ByteView body) {
  if (body.size() < kFixedBodySize) return std::nullopt;
  TransportFeedback feedback;
  feedback.sender_ssrc = read_u32(body, 0);
  feedback.media_ssrc = read_u32(body, 4);
  feedback.base_sequence = read_u16(body, 8);
  const std::size_t count = read_u16(body, 10);
  feedback.reference_time = read_u24(body, 12);
  feedback.feedback_count = read_u8(body, 15);
  if (count == 0) return std::nullopt;

  // Symbols first: every chunk is 2 bytes, so the loop ends with the body.
  std::vector<std::uint8_t> symbols;
  symbols.reserve(count);
  std::size_t at = kFixedBodySize;
  while (symbols.size() < count) {
    if (at + 2 > body.size()) return std::nullopt;
    const std::uint16_t chunk = read_u16(body, at);
    at += 2;
    const std::size_t room = count - symbols.size();
    if ((chunk & 0x8000) == 0) {
      const auto symbol = static_cast<std::uint8_t>((chunk >> 13) & 0x3);
      if (symbol == 3) return std::nullopt;  // reserved
      symbols.insert(symbols.end(), std::min<std::size_t>(chunk & kMaxRunLength, room), symbol);
    } else if ((chunk & 0x4000) == 0) {
      for (std::size_t k = 0; k < std::min(kOneBitSymbols, room); ++k)
        symbols.push_back(static_cast<std::uint8_t>((chunk >> (kOneBitSymbols - 1 - k)) & 0x1));
    } else {
      for (std::size_t k = 0; k < std::min(kTwoBitSymbols, room); ++k) {
        const auto symbol = static_cast<std::uint8_t>((chunk >> (2 * (kTwoBitSymbols - 1 - k))) & 0x3);
        if (symbol == 3) return std::nullopt;
        symbols.push_back(symbol);
      }
    }
  }

  feedback.packets.reserve(count);
  for (const std::uint8_t symbol : symbols) {
    PacketStatus status;
    if (symbol == kSmallDelta) {
      if (at + 1 > body.size()) return std::nullopt;
      status = PacketStatus{true, static_cast<std::int16_t>(read_u8(body, at))};
      at += 1;
    } else if (symbol == kLargeDelta) {
      if (at + 2 > body.size()) return std::nullopt;
      status = PacketStatus{true, static_cast<std::int16_t>(read_u16(body, at))};
      at += 2;
    }
    feedback.packets.push_back(status);
  }
  return feedback;
}

std::size_t TransportFeedback::serialized_size() const noexcept {
  const std::size_t count = std::min(packets.size(), kMaxPackets);
  if (count == 0) return 0;
  std::size_t size = kHeaderSize + kFixedBodySize;
  for_each_chunk(packets, count, [&size](std::uint16_t) { size += 2; });
  for (std::size_t i = 0; i < count; ++i) size += symbol_of(packets[i]);  // 0, 1 or 2 bytes
  return pad_to_word(size);
}

std::size_t TransportFeedback::serialize(MutableByteView out) const noexcept {
  const std::size_t size = serialized_size();
  if (size == 0 || out.size() < size) return 0;
  const std::size_t count = std::min(packets.size(), kMaxPackets);
  CommonHeader::write(out, kFmtTransportFeedback, kPacketTypeRtpFeedback, size);
  const MutableByteView body = out.subspan(kHeaderSize, size - kHeaderSize);
  write_u32(body, 0, sender_ssrc);
  write_u32(body, 4, media_ssrc);
  write_u16(body, 8, base_sequence);
  write_u16(body, 10, static_cast<std::uint16_t>(count));
  write_u24(body, 12, reference_time & kReferenceTimeMask);
  write_u8(body, 15, feedback_count);
  std::size_t at = kFixedBodySize;
  for_each_chunk(packets, count, [&](std::uint16_t chunk) {
    write_u16(body, at, chunk);
    at += 2;
  });
  for (std::size_t i = 0; i < count; ++i) {
    switch (symbol_of(packets[i])) {
      case kSmallDelta:
        write_u8(body, at++, static_cast<std::uint8_t>(packets[i].delta_ticks));
        break;
      case kLargeDelta:
        write_u16(body, at, static_cast<std::uint16_t>(packets[i].delta_ticks));
        at += 2;
        break;
      default:
        break;
    }
  }
  while (at < body.size()) write_u8(body, at++, 0);
  return size;
}

}  // namespace parrot::media::rtcp
