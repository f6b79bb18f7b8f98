// Big-endian reads and writes over byte spans: the only place in media/ that
// assembles integers from wire bytes. Callers check the span's size first
// (parse() functions bound every read before making it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace parrot::media {

using ByteView = std::span<const std::byte>;
using MutableByteView = std::span<std::byte>;

constexpr std::uint8_t read_u8(ByteView b, std::size_t at) noexcept { return static_cast<std::uint8_t>(b[at]); }

constexpr std::uint16_t read_u16(ByteView b, std::size_t at) noexcept {
  return static_cast<std::uint16_t>((read_u8(b, at) << 8) | read_u8(b, at + 1));
}

constexpr std::uint32_t read_u24(ByteView b, std::size_t at) noexcept {
  return (std::uint32_t{read_u8(b, at)} << 16) | (std::uint32_t{read_u8(b, at + 1)} << 8) | read_u8(b, at + 2);
}

constexpr std::uint32_t read_u32(ByteView b, std::size_t at) noexcept {
  return (std::uint32_t{read_u16(b, at)} << 16) | read_u16(b, at + 2);
}

constexpr std::uint64_t read_u64(ByteView b, std::size_t at) noexcept {
  return (std::uint64_t{read_u32(b, at)} << 32) | read_u32(b, at + 4);
}

constexpr void write_u8(MutableByteView b, std::size_t at, std::uint8_t v) noexcept { b[at] = std::byte{v}; }

constexpr void write_u16(MutableByteView b, std::size_t at, std::uint16_t v) noexcept {
  b[at] = std::byte(v >> 8);
  b[at + 1] = std::byte(v & 0xFF);
}

constexpr void write_u24(MutableByteView b, std::size_t at, std::uint32_t v) noexcept {
  b[at] = std::byte((v >> 16) & 0xFF);
  write_u16(b, at + 1, static_cast<std::uint16_t>(v & 0xFFFF));
}

constexpr void write_u32(MutableByteView b, std::size_t at, std::uint32_t v) noexcept {
  write_u16(b, at, static_cast<std::uint16_t>(v >> 16));
  write_u16(b, at + 2, static_cast<std::uint16_t>(v & 0xFFFF));
}

constexpr void write_u64(MutableByteView b, std::size_t at, std::uint64_t v) noexcept {
  write_u32(b, at, static_cast<std::uint32_t>(v >> 32));
  write_u32(b, at + 4, static_cast<std::uint32_t>(v & 0xFFFFFFFF));
}

// Views over C buffers (libsrtp, libopus, libvpx take unsigned char*).
inline ByteView as_bytes(const std::uint8_t* data, std::size_t size) noexcept {
  return {reinterpret_cast<const std::byte*>(data), size};
}
inline const unsigned char* as_uchar(ByteView b) noexcept { return reinterpret_cast<const unsigned char*>(b.data()); }
inline unsigned char* as_uchar(MutableByteView b) noexcept { return reinterpret_cast<unsigned char*>(b.data()); }

}  // namespace parrot::media
