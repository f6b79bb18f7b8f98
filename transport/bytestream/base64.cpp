#include "transport/bytestream/base64.hpp"

#include <openssl/evp.h>

#include <array>

namespace parrot::transport::bytestream {

namespace {

constexpr std::array<bool, 256> kAlphabet = [] {
  std::array<bool, 256> table{};
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) table[static_cast<std::size_t>(c)] = true;
  table['+'] = true;
  table['/'] = true;
  return table;
}();

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

Base64Status base64_decode(std::string_view text, std::size_t max_decoded_bytes, std::vector<std::byte>& out) {
  out.clear();
  // One pass to count significant characters and padding, so the size limit
  // is checked before anything is copied or allocated.
  std::size_t significant = 0;
  std::size_t padding = 0;
  for (const char c : text) {
    if (is_space(c)) continue;
    if (c == '=') {
      ++padding;
    } else if (padding > 0 || !kAlphabet[static_cast<unsigned char>(c)]) {
      return Base64Status::kMalformed;  // data after '=' or outside the alphabet
    }
    ++significant;
  }
  if (significant % 4 != 0 || padding > 2) return Base64Status::kMalformed;
  const std::size_t decoded = significant / 4 * 3 - padding;
  if (decoded > max_decoded_bytes) return Base64Status::kTooLarge;
  if (significant == 0) return Base64Status::kOk;

  std::string compact;
  compact.reserve(significant);
  for (const char c : text) {
    if (!is_space(c)) compact.push_back(c);
  }
  // EVP_DecodeBlock counts the bytes that padding stands for; trim them.
  out.resize(significant / 4 * 3);
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(compact.data()),
                                      static_cast<int>(compact.size()));
  if (written < 0 || static_cast<std::size_t>(written) != out.size()) {
    out.clear();
    return Base64Status::kMalformed;
  }
  out.resize(decoded);
  return Base64Status::kOk;
}

std::string base64_encode(const void* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      static_cast<const unsigned char*>(data), static_cast<int>(size));
  out.resize(written > 0 ? static_cast<std::size_t>(written) : 0);
  return out;
}

}  // namespace parrot::transport::bytestream
