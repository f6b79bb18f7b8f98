#include "media/rtp/header_extensions.hpp"

#include <algorithm>

#include "media/rtp/rtp_packet.hpp"

namespace parrot::media::rtp {

bool HeaderExtensions::add(std::uint8_t id, ByteView value) noexcept {
  if (count_ == kMaxElements) {
    ++ignored_;
    return false;
  }
  elements_[count_++] = HeaderExtension{id, value};
  return true;
}

std::optional<HeaderExtensions> HeaderExtensions::parse(std::uint16_t profile, ByteView data) noexcept {
  HeaderExtensions result;
  std::size_t offset = 0;
  if (profile == kOneByteExtensionProfile) {
    // RFC 8285 §4.2: ID (4 bits) and length-1 (4 bits); ID 0 is a padding
    // byte, ID 15 stops processing.
    while (offset < data.size()) {
      const std::uint8_t byte = read_u8(data, offset);
      const std::uint8_t id = byte >> 4;
      if (id == 0) {
        ++offset;
        continue;
      }
      if (id == 15) break;
      const std::size_t length = std::size_t{byte & 0x0Fu} + 1;
      if (offset + 1 + length > data.size()) return std::nullopt;
      result.add(id, data.subspan(offset + 1, length));
      offset += 1 + length;
    }
  } else if ((profile & kTwoByteExtensionProfileMask) == kTwoByteExtensionProfile) {
    // RFC 8285 §4.3: ID and length bytes; a zero ID byte is padding.
    while (offset < data.size()) {
      const std::uint8_t id = read_u8(data, offset);
      if (id == 0) {
        ++offset;
        continue;
      }
      if (offset + 2 > data.size()) return std::nullopt;
      const std::size_t length = read_u8(data, offset + 1);
      if (offset + 2 + length > data.size()) return std::nullopt;
      result.add(id, data.subspan(offset + 2, length));
      offset += 2 + length;
    }
  }
  return result;
}

std::optional<ByteView> HeaderExtensions::find(std::uint8_t id) const noexcept {
  for (const auto& element : elements()) {
    if (element.id == id) return element.value;
  }
  return std::nullopt;
}

bool HeaderExtensionWriter::add(std::uint8_t id, ByteView value) noexcept {
  if (id == 0 || value.size() > 255 || pending_count_ == pending_.size() ||
      values_size_ + value.size() > values_.size())
    return false;
  std::copy(value.begin(), value.end(), values_.begin() + static_cast<std::ptrdiff_t>(values_size_));
  pending_[pending_count_++] = Pending{id, static_cast<std::uint8_t>(values_size_), static_cast<std::uint8_t>(value.size())};
  values_size_ += value.size();
  return true;
}

std::uint16_t HeaderExtensionWriter::profile() const noexcept {
  const bool needs_two_byte = std::any_of(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pending_count_),
                                          [](const Pending& p) { return p.id > 14 || p.size == 0 || p.size > 16; });
  return needs_two_byte ? kTwoByteExtensionProfile : kOneByteExtensionProfile;
}

ByteView HeaderExtensionWriter::data() noexcept {
  const bool two_byte = profile() != kOneByteExtensionProfile;
  std::size_t offset = 0;
  for (std::size_t i = 0; i < pending_count_; ++i) {
    const Pending& element = pending_[i];
    if (two_byte) {
      write_u8(block_, offset++, element.id);
      write_u8(block_, offset++, element.size);
    } else {
      write_u8(block_, offset++, static_cast<std::uint8_t>((element.id << 4) | (element.size - 1)));
    }
    std::copy_n(values_.begin() + element.offset, element.size, block_.begin() + static_cast<std::ptrdiff_t>(offset));
    offset += element.size;
  }
  while (offset % 4 != 0) block_[offset++] = std::byte{0};
  return ByteView{block_.data(), offset};
}

std::optional<AudioLevel> parse_audio_level(ByteView value) noexcept {
  // RFC 6464 §3: one byte (a second, zero byte is allowed in two-byte form).
  if (value.empty()) return std::nullopt;
  const std::uint8_t byte = read_u8(value, 0);
  return AudioLevel{(byte & 0x80) != 0, static_cast<std::uint8_t>(byte & 0x7F)};
}

std::optional<std::uint16_t> parse_transport_sequence_number(ByteView value) noexcept {
  if (value.size() != kTransportSequenceNumberSize) return std::nullopt;
  return read_u16(value, 0);
}

std::optional<std::uint32_t> parse_abs_send_time(ByteView value) noexcept {
  if (value.size() != kAbsSendTimeSize) return std::nullopt;
  return read_u24(value, 0);
}

WritableExtensions::WritableExtensions(MutableByteView packet) noexcept : packet_(packet) {
  const auto parsed = RtpPacket::parse(packet);
  if (parsed && parsed->has_extension())
    extensions_ = HeaderExtensions::parse(parsed->extension_profile(), parsed->extension_data());
}

MutableByteView WritableExtensions::value(std::uint8_t id, std::size_t size) const noexcept {
  if (id == 0 || !extensions_) return {};
  const auto value = extensions_->find(id);
  if (!value || value->size() != size) return {};
  // The value is a view into the packet: the same bytes, writable.
  const auto offset = static_cast<std::size_t>(value->data() - packet_.data());
  return packet_.subspan(offset, size);
}

MutableByteView find_extension_value(MutableByteView packet, std::uint8_t id, std::size_t size) noexcept {
  return WritableExtensions(packet).value(id, size);
}

}  // namespace parrot::media::rtp
