#include "media/rtp/red_payload.hpp"

#include <algorithm>

namespace parrot::media::rtp {

namespace {

constexpr std::uint8_t kFollowsBit = 0x80;  // F: another header follows

}  // namespace

std::optional<RedPayload> RedPayload::parse(ByteView payload) noexcept {
  RedPayload red(payload);
  std::size_t offset = 0;
  std::size_t redundant_bytes = 0;
  for (;;) {
    if (offset >= payload.size()) return std::nullopt;  // no last header
    if ((read_u8(payload, offset) & kFollowsBit) == 0) break;
    if (offset + kRedundantHeaderSize > payload.size()) return std::nullopt;
    // RFC 2198 §3: the low 10 bits of the 24 after the PT byte are the length.
    redundant_bytes += read_u24(payload, offset + 1) & 0x3FF;
    ++red.redundant_count_;
    offset += kRedundantHeaderSize;
  }
  red.header_size_ = offset + kPrimaryHeaderSize;
  if (redundant_bytes > payload.size() - red.header_size_) return std::nullopt;
  red.primary_offset_ = red.header_size_ + redundant_bytes;
  return red;
}

RedBlock RedPayload::redundant(std::size_t index) const noexcept {
  std::size_t data_offset = header_size_;
  for (std::size_t i = 0; i < index; ++i)
    data_offset += read_u24(payload_, i * kRedundantHeaderSize + 1) & 0x3FF;
  const std::size_t at = index * kRedundantHeaderSize;
  const std::uint32_t offset_and_length = read_u24(payload_, at + 1);
  return RedBlock{static_cast<std::uint8_t>(read_u8(payload_, at) & 0x7F),
                  static_cast<std::uint16_t>(offset_and_length >> 10),
                  payload_.subspan(data_offset, offset_and_length & 0x3FF)};
}

RedBlock RedPayload::primary() const noexcept {
  return RedBlock{static_cast<std::uint8_t>(read_u8(payload_, header_size_ - kPrimaryHeaderSize) & 0x7F), 0,
                  payload_.subspan(primary_offset_)};
}

std::size_t serialize_red(std::span<const RedBlock> redundant, const RedBlock& primary, MutableByteView out) noexcept {
  std::size_t size = redundant.size() * RedPayload::kRedundantHeaderSize + RedPayload::kPrimaryHeaderSize;
  for (const RedBlock& block : redundant) {
    if (block.payload_type > 0x7F || block.timestamp_offset > 0x3FFF || block.data.size() > 0x3FF) return 0;
    size += block.data.size();
  }
  if (primary.payload_type > 0x7F) return 0;
  size += primary.data.size();
  if (out.size() < size) return 0;
  std::size_t at = 0;
  for (const RedBlock& block : redundant) {
    write_u8(out, at, static_cast<std::uint8_t>(kFollowsBit | block.payload_type));
    write_u24(out, at + 1, (std::uint32_t{block.timestamp_offset} << 10) | static_cast<std::uint32_t>(block.data.size()));
    at += RedPayload::kRedundantHeaderSize;
  }
  write_u8(out, at++, primary.payload_type);
  for (const RedBlock& block : redundant) {
    std::copy(block.data.begin(), block.data.end(), out.begin() + static_cast<std::ptrdiff_t>(at));
    at += block.data.size();
  }
  std::copy(primary.data.begin(), primary.data.end(), out.begin() + static_cast<std::ptrdiff_t>(at));
  return size;
}

}  // namespace parrot::media::rtp
