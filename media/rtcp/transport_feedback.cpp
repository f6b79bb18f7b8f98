#include "media/rtcp/transport_feedback.hpp"

#include <algorithm>

namespace parrot::media::rtcp {

namespace {

// Packet status symbols (draft §3.1.1).
constexpr std::uint8_t kNotReceived = 0;
constexpr std::uint8_t kSmallDelta = 1;
constexpr std::uint8_t kLargeDelta = 2;

constexpr std::size_t kMaxRunLength = StatusChunker::kMaxRunLength;
constexpr std::size_t kOneBitSymbols = StatusChunker::kOneBitCapacity;
constexpr std::size_t kTwoBitSymbols = StatusChunker::kTwoBitCapacity;

std::uint16_t run_length_chunk(std::uint8_t symbol, std::size_t run) noexcept {
  return static_cast<std::uint16_t>((std::size_t{symbol} << 13) | run);
}

}  // namespace

bool StatusChunker::can_add(std::uint8_t symbol) const noexcept {
  if (held_ < kTwoBitCapacity) return true;
  if (held_ < kOneBitCapacity && !has_large_ && symbol != kLargeDelta) return true;
  return all_same_ && held_ < kMaxRunLength && symbol == symbols_[0];
}

void StatusChunker::add(std::uint8_t symbol) noexcept {
  if (!can_add(symbol)) emit();
  if (held_ < kOneBitCapacity) symbols_[held_] = symbol;
  all_same_ = all_same_ && (held_ == 0 || symbol == symbols_[0]);
  has_large_ = has_large_ || symbol == kLargeDelta;
  ++held_;
}

void StatusChunker::write(std::uint16_t chunk) noexcept {
  if (!out_.empty()) write_u16(out_, 2 * emitted_, chunk);
  ++emitted_;
}

void StatusChunker::emit() noexcept {
  if (all_same_) {
    write(run_length_chunk(symbols_[0], held_));
    held_ = 0;
  } else if (held_ == kOneBitCapacity) {
    std::uint16_t chunk = 0x8000;
    for (std::size_t k = 0; k < held_; ++k) chunk |= static_cast<std::uint16_t>(symbols_[k] << (kOneBitSymbols - 1 - k));
    write(chunk);
    held_ = 0;
  } else {
    // The first seven as 2-bit symbols; the rest stay held.
    std::uint16_t chunk = 0xC000;
    for (std::size_t k = 0; k < kTwoBitSymbols; ++k)
      chunk |= static_cast<std::uint16_t>(symbols_[k] << (2 * (kTwoBitSymbols - 1 - k)));
    write(chunk);
    const std::size_t rest = held_ - kTwoBitSymbols;
    for (std::size_t k = 0; k < rest; ++k) symbols_[k] = symbols_[k + kTwoBitSymbols];
    held_ = rest;
  }
  all_same_ = true;
  has_large_ = false;
  for (std::size_t k = 0; k < held_; ++k) {
    all_same_ = all_same_ && symbols_[k] == symbols_[0];
    has_large_ = has_large_ || symbols_[k] == kLargeDelta;
  }
}

void StatusChunker::finish() noexcept {
  if (held_ == 0) return;
  if (all_same_) {
    write(run_length_chunk(symbols_[0], held_));
  } else if (held_ <= kTwoBitSymbols) {
    std::uint16_t chunk = 0xC000;
    for (std::size_t k = 0; k < held_; ++k)
      chunk |= static_cast<std::uint16_t>(symbols_[k] << (2 * (kTwoBitSymbols - 1 - k)));
    write(chunk);
  } else {
    // More than seven held and not all the same: a one-bit vector, which
    // can_add() made sure holds no large delta.
    std::uint16_t chunk = 0x8000;
    for (std::size_t k = 0; k < held_; ++k) chunk |= static_cast<std::uint16_t>(symbols_[k] << (kOneBitSymbols - 1 - k));
    write(chunk);
  }
  held_ = 0;
  all_same_ = true;
  has_large_ = false;
}

std::uint8_t TransportFeedback::symbol_of(const PacketStatus& status) noexcept {
  if (!status.received) return kNotReceived;
  return status.delta_ticks >= 0 && status.delta_ticks <= 0xFF ? kSmallDelta : kLargeDelta;
}

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
  StatusChunker chunker;
  std::size_t deltas = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t symbol = symbol_of(packets[i]);
    chunker.add(symbol);
    deltas += symbol;  // 0, 1 or 2 bytes
  }
  return pad_to_word(kHeaderSize + kFixedBodySize + 2 * chunker.chunk_count() + deltas);
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
  StatusChunker chunker(body.subspan(kFixedBodySize));
  for (std::size_t i = 0; i < count; ++i) chunker.add(symbol_of(packets[i]));
  chunker.finish();
  std::size_t at = kFixedBodySize + 2 * chunker.chunk_count();
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
