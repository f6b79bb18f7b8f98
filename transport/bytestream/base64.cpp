#include "transport/bytestream/base64.hpp"

#include <openssl/evp.h>

#include <array>
#include <optional>

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

// The padding of text in canonical form without whitespace (what IBB
// senders write: a length that is a multiple of four, only the alphabet,
// '=' only as the last one or two characters); nullopt for anything else,
// which the general path then judges.
std::optional<std::size_t> canonical_padding(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  const std::size_t padding = text.back() != '=' ? 0 : text[text.size() - 2] != '=' ? 1 : 2;
  // No early exit: a branch-free AND over the block is faster than asking
  // at every character, and a bad block is the rare case.
  bool alphabet = true;
  for (const char c : text.substr(0, text.size() - padding)) alphabet &= kAlphabet[static_cast<unsigned char>(c)];
  if (!alphabet) return std::nullopt;
  return padding;
}

// OpenSSL decodes whole quanta; the bytes that padding stands for are
// counted in its result and trimmed here.
Base64Status decode_compact(std::string_view compact, std::size_t padding, std::vector<std::byte>& out) {
  out.resize(compact.size() / 4 * 3);
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(compact.data()),
                                      static_cast<int>(compact.size()));
  if (written < 0 || static_cast<std::size_t>(written) != out.size()) {
    out.clear();
    return Base64Status::kMalformed;
  }
  out.resize(out.size() - padding);
  return Base64Status::kOk;
}

}  // namespace

Base64Status base64_decode(std::string_view text, std::size_t max_decoded_bytes, std::vector<std::byte>& out) {
  out.clear();
  // The common case is checked in one tight pass and decoded straight from
  // the text, without the general path's count and copy: IBB data arrives
  // at thousands of blocks a second (the target is 20 MB/s of file bytes,
  // docs/BENCHMARKS.md "File transfers").
  if (const std::optional<std::size_t> padding = canonical_padding(text)) {
    if (text.size() / 4 * 3 - *padding > max_decoded_bytes) return Base64Status::kTooLarge;
    return decode_compact(text, *padding, out);
  }
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
  return decode_compact(compact, padding, out);
}

std::string base64_encode(const void* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      static_cast<const unsigned char*>(data), static_cast<int>(size));
  out.resize(written > 0 ? static_cast<std::size_t>(written) : 0);
  return out;
}

}  // namespace parrot::transport::bytestream
