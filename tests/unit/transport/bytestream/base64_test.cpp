// RFC 4648 §10 test vectors, plus the XEP-0047 example's line-wrapped block.
#include "transport/bytestream/base64.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parrot::transport::bytestream {
namespace {

std::string decode(std::string_view text, std::size_t max = 1 << 20) {
  std::vector<std::byte> out;
  if (base64_decode(text, max, out) != Base64Status::kOk) return "<error>";
  return std::string(reinterpret_cast<const char*>(out.data()), out.size());
}

TEST(Base64, Rfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors{
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain.data(), plain.size()), encoded);
    EXPECT_EQ(decode(encoded), plain) << encoded;
  }
}

TEST(Base64, WhitespaceBetweenCharactersIsSkipped) {
  EXPECT_EQ(decode("  Zm9v\r\n YmFy\n"), "foobar");
  EXPECT_EQ(decode("Zm9vYg=\n="), "foob");
}

TEST(Base64, MalformedInputIsRefused) {
  std::vector<std::byte> out{std::byte{1}};
  for (const char* bad : {"Zm9", "Zm9v=", "Z===", "Zm=v", "Zm9v!A==", "Zg==Zg==", "====", "Zm9\x01"}) {
    EXPECT_EQ(base64_decode(bad, 100, out), Base64Status::kMalformed) << bad;
    EXPECT_TRUE(out.empty());
  }
}

TEST(Base64, LimitIsCheckedOnTheDecodedSize) {
  std::vector<std::byte> out;
  EXPECT_EQ(base64_decode("Zm9vYmFy", 6, out), Base64Status::kOk);
  EXPECT_EQ(base64_decode("Zm9vYmFy", 5, out), Base64Status::kTooLarge);
  EXPECT_EQ(base64_decode("Zm9vYg==", 4, out), Base64Status::kOk);  // padding does not count
  EXPECT_EQ(out.size(), 4u);
}

// Every length, so every padding, through the path that takes a sender's
// canonical text as it is.
TEST(Base64, RoundTripsEveryLengthUpToThreeBlocks) {
  std::string plain;
  for (std::size_t size = 0; size <= 3 * 64 + 2; ++size) {
    const std::string encoded = base64_encode(plain.data(), plain.size());
    ASSERT_EQ(decode(encoded), plain) << size;
    ASSERT_EQ(decode(encoded + "\n"), plain) << size;  // not canonical: the general path
    plain.push_back(static_cast<char>(size * 37 + 11));
  }
}

// A 4096-byte IBB block's text with one character replaced, at the start, in
// the middle, and in the last quantum: refused wherever it is.
TEST(Base64, OneBadCharacterAnywhereInABlockIsRefused) {
  const std::string plain(4096, 'x');
  const std::string good = base64_encode(plain.data(), plain.size());
  std::vector<std::byte> out;
  ASSERT_EQ(base64_decode(good, 4096, out), Base64Status::kOk);
  // '-' and '\x80' are outside RFC 4648 §4; '=' only pads the end; a space
  // inside is skipped, so the length is then no longer a multiple of four.
  for (const char bad : {'-', '_', '!', '\x80', '\xff', '=', '\0', ' '}) {
    for (const std::size_t at : {std::size_t{0}, good.size() / 2, good.size() - 3, good.size() - 1}) {
      std::string text = good;
      text[at] = bad;
      if (text == good) continue;  // '=' over the padding's own '='
      EXPECT_EQ(base64_decode(text, 4096, out), Base64Status::kMalformed) << int(bad) << " at " << at;
      EXPECT_TRUE(out.empty());
    }
  }
}

TEST(Base64, CanonicalBlockOverTheLimitIsTooLarge) {
  const std::string plain(4097, 'y');
  const std::string text = base64_encode(plain.data(), plain.size());
  std::vector<std::byte> out;
  EXPECT_EQ(base64_decode(text, 4096, out), Base64Status::kTooLarge);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(base64_decode(text, 4097, out), Base64Status::kOk);
  EXPECT_EQ(out.size(), 4097u);
}

}  // namespace
}  // namespace parrot::transport::bytestream
