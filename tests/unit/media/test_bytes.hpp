// Byte vectors written out in tests: bytes(0x80, 0xC8, ...) or
// bytes({0x80, 0xC8, ...}), each value one byte.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <vector>

namespace parrot::media::testing {

template <typename... T>
std::vector<std::byte> bytes(T... values) {
  return {static_cast<std::byte>(values)...};
}

inline std::vector<std::byte> bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  out.reserve(values.size());
  for (const int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

}  // namespace parrot::media::testing
