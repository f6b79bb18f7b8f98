// Reads a fuzzer's input as a stream of small integers and byte runs; past
// the end everything reads as zero, so a harness never checks sizes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "media/bytes.hpp"

namespace parrot::fuzz {

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ >= size_; }
  std::uint8_t u8() { return at_ < size_ ? data_[at_++] : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>((u8() << 8) | u8()); }
  std::uint32_t u32() { return (std::uint32_t{u16()} << 16) | u16(); }
  // Up to n bytes (fewer at the end of the input).
  media::ByteView bytes(std::size_t n) {
    n = std::min(n, size_ - std::min(at_, size_));
    const media::ByteView view = media::as_bytes(data_ + at_, n);
    at_ += n;
    return view;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

}  // namespace parrot::fuzz
