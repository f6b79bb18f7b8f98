// Published vectors only: FIPS 180-2 appendix examples (SHA-1, SHA-256,
// SHA-512 of "abc", SHA-256 of a million 'a'), FIPS 202 / NIST examples for
// SHA3-256, RFC 7693 Appendix A for BLAKE2b-512("abc"), RFC 1321 §A.5 for MD5;
// the empty-string values are the well-known ones (also what coreutils'
// sha*sum and python3's hashlib print).
#include "transport/bytestream/stream_hasher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace parrot::transport::bytestream {
namespace {

std::string hex_of(const std::vector<std::string>& algorithms, const std::string& input, const std::string& which) {
  StreamHasher hasher{std::vector<std::string>(algorithms)};
  hasher.update(input);
  for (const auto& digest : hasher.finish()) {
    if (digest.algorithm == which) return digest.hex();
  }
  return "missing";
}

TEST(StreamHasher, FipsAbcVectors) {
  const std::vector<std::string> all{"sha-1", "sha-256", "sha-512", "sha3-256", "blake2b-512", "md5"};
  EXPECT_EQ(hex_of(all, "abc", "sha-1"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex_of(all, "abc", "sha-256"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_of(all, "abc", "sha-512"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(hex_of(all, "abc", "sha3-256"), "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  EXPECT_EQ(hex_of(all, "abc", "blake2b-512"),
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
            "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
  EXPECT_EQ(hex_of(all, "abc", "md5"), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(StreamHasher, EmptyInput) {
  const std::vector<std::string> all{"sha-1", "sha-256", "blake2b-512"};
  EXPECT_EQ(hex_of(all, "", "sha-1"), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(hex_of(all, "", "sha-256"), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_of(all, "", "blake2b-512"),
            "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419"
            "d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce");
}

TEST(StreamHasher, MillionAInUnevenChunksMatchesFips) {
  StreamHasher hasher({"sha-256", "sha-1"});
  const std::string chunk(997, 'a');  // prime-sized, so chunks straddle every block boundary
  std::size_t left = 1'000'000;
  while (left > 0) {
    const std::size_t n = std::min(left, chunk.size());
    hasher.update(std::string_view(chunk).substr(0, n));
    left -= n;
  }
  EXPECT_EQ(hasher.bytes_hashed(), 1'000'000u);
  const auto& digests = hasher.finish();
  ASSERT_EQ(digests.size(), 2u);
  EXPECT_EQ(digests[0].hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(digests[1].hex(), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");  // FIPS 180-2 §A.3
}

TEST(StreamHasher, Base64IsWhatHashes2Carries) {
  StreamHasher hasher({"sha-256", "sha-1"});
  hasher.update("abc");
  const auto& digests = hasher.finish();
  EXPECT_EQ(digests[0].base64(), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
  // XEP-0234 §8.2's example checksum is sha-1 "w0mcJylzCn+AfvuGdqkty2+KP48=";
  // here: the base64 of the FIPS "abc" digest a9993e36…
  EXPECT_EQ(digests[1].base64(), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
}

TEST(StreamHasher, NamesAreCaseInsensitiveAndDeduplicated) {
  StreamHasher hasher({"SHA-256", "sha-256", "Sha-1"});
  EXPECT_EQ(hasher.algorithms(), (std::vector<std::string>{"sha-256", "sha-1"}));
  EXPECT_TRUE(StreamHasher::supported("SHA3-512"));
}

TEST(StreamHasher, UnknownAndEmptyAreRefused) {
  EXPECT_FALSE(StreamHasher::supported("sha-257"));
  EXPECT_FALSE(StreamHasher::supported(""));
  EXPECT_THROW(StreamHasher({"sha-256", "crc32"}), std::invalid_argument);
  EXPECT_THROW(StreamHasher(std::vector<std::string>{}), std::invalid_argument);
}

// BLAKE2b-256 is its own function (the output length is a parameter), not
// BLAKE2b-512 cut short. OpenSSL 3.0 ignores the size parameter, so there it
// must be reported unsupported; where supported, the value must be the real
// one (python3 hashlib.blake2b(b"abc", digest_size=32), the reference code).
TEST(StreamHasher, Blake2b256IsRealOrUnsupported) {
  const auto known = StreamHasher::known_algorithms();
  EXPECT_NE(std::find(known.begin(), known.end(), "blake2b-256"), known.end());
  if (!StreamHasher::supported("blake2b-256")) {
    EXPECT_THROW(StreamHasher({"blake2b-256"}), std::invalid_argument);
    GTEST_SKIP() << "OpenSSL here has no variable-length BLAKE2b (needs 3.2)";
  }
  EXPECT_EQ(hex_of({"blake2b-256"}, "abc", "blake2b-256"),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST(StreamHasher, UpdateAfterFinishIsIgnoredAndFinishIsStable) {
  StreamHasher hasher({"sha-256"});
  hasher.update("abc");
  const std::string first = hasher.finish()[0].hex();
  hasher.update("more");
  EXPECT_EQ(hasher.finish()[0].hex(), first);
  EXPECT_EQ(hasher.bytes_hashed(), 3u);
}

TEST(StreamHasher, SupportedListHasTheXep0414Musts) {
  const auto supported = StreamHasher::supported_algorithms();
  for (const char* name : {"sha-256", "sha3-256", "sha-512", "sha3-512", "blake2b-512", "sha-1"}) {
    EXPECT_NE(std::find(supported.begin(), supported.end(), name), supported.end()) << name;
  }
}

}  // namespace
}  // namespace parrot::transport::bytestream
