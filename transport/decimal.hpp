// Strict decimal parsing for numbers read off the wire or the command line
// (ports, priorities, sizes, seconds): digits only, the whole text, no sign,
// no spaces. std::from_chars alone accepts a leading '-' for signed types
// and stops at the first non-digit, which lets "12abc" or "-1" through.
#pragma once

#include <charconv>
#include <concepts>
#include <optional>
#include <string_view>

namespace parrot::transport {

template <std::integral T>
std::optional<T> parse_decimal(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  T value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;  // overflow
  return value;
}

}  // namespace parrot::transport
