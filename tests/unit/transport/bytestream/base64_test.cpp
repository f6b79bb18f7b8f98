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

}  // namespace
}  // namespace parrot::transport::bytestream
