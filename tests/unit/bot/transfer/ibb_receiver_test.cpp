// XEP-0047 data handling: sequence numbers across the 16-bit wrap (both the
// XEP's 65535 -> 0 and Conversations' 65536), the XEP's error conditions,
// and the end detected by the announced size. Expected hashes come from
// OpenSSL's one-shot SHA256(), not from the code under test.
#include "bot/transfer/ibb_receiver.hpp"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include "transport/bytestream/base64.hpp"

namespace parrot::bot::transfer {
namespace {

using transport::bytestream::base64_encode;

std::string sha256_hex(const std::string& data) {
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  return transport::bytestream::to_hex(digest);
}

std::string sha256_of(IbbReceiver& receiver) {
  for (const auto& d : receiver.finish()) {
    if (d.algorithm == "sha-256") return d.hex();
  }
  return "missing";
}

std::string b64(const std::string& s) { return base64_encode(s.data(), s.size()); }

TEST(IbbReceiver, Xep0047ExampleBlockWithLineBreaksDecodes) {
  // XEP-0047 §2.2 Example 6's payload, as wrapped in the XEP.
  const std::string text =
      "\n    qANQR1DBwU4DX7jmYZnncmUQB/9KuKBddzQH+tZ1ZywKK0yHKnq57kWq+RFtQdCJ\n"
      "    WpdWpR0uQsuJe7+vh3NWn59/gTc5MDlX8dS9p0ovStmNcyLhxVgmqS8ZKhsblVeu\n"
      "    IpQ0JgavABqibJolc3BKrVtVV1igKiX/N7Pi8RtY1K18toaMDhdEfhBRzO/XB0+P\n"
      "    AQhYlRjNacGcslkhXqNjK5Va4tuOAPy2n1Q8UUrHbUd0g+xJ9Bm0G0LZXyvCWyKH\n"
      "    kuNEHFQiLuCY6Iv0myq6iX6tjuHehZlFSh80b5BVV9tNLwNR5Eqz1klxMhoghJOA\n  ";
  IbbReceiver receiver(IbbOptions{});
  const IbbReply reply = receiver.on_data("0", text);
  EXPECT_TRUE(reply.ok) << reply.message;
  EXPECT_EQ(reply.bytes, 240u);  // 5 lines x 64 characters = 320 characters
}

TEST(IbbReceiver, WholeFileEndsAtTheAnnouncedSizeWithoutClose) {
  const std::string file = "The quick brown fox jumps over the lazy dog, twice over.";
  IbbOptions options;
  options.block_size = 16;
  options.expected_bytes = file.size();
  IbbReceiver receiver(options);
  std::size_t seq = 0;
  for (std::size_t at = 0; at < file.size(); at += 16, ++seq) {
    const IbbReply reply = receiver.on_data(std::to_string(seq), b64(file.substr(at, 16)));
    ASSERT_TRUE(reply.ok) << reply.message;
    EXPECT_EQ(reply.state, at + 16 >= file.size() ? IbbState::kComplete : IbbState::kOpen);
  }
  EXPECT_EQ(receiver.state(), IbbState::kComplete);
  EXPECT_EQ(receiver.on_close(), IbbState::kComplete);
  EXPECT_EQ(sha256_of(receiver), sha256_hex(file));
}

// Blocks 65534, 65535, then the successor written both ways.
TEST(IbbReceiver, SequenceWrapsModulo65536) {
  for (const char* successor : {"0", "65536"}) {
    IbbOptions options;
    options.block_size = 1;
    IbbReceiver receiver(options);
    std::string sent;
    for (std::uint64_t seq = 0; seq < 65536; ++seq) {
      const std::string byte(1, static_cast<char>('a' + seq % 26));
      ASSERT_TRUE(receiver.on_data(std::to_string(seq), b64(byte)).ok) << seq;
      sent += byte;
    }
    const IbbReply reply = receiver.on_data(successor, b64("Z"));
    EXPECT_TRUE(reply.ok) << successor << ": " << reply.message;
    // Conversations then goes on with 65537; the XEP's sender with 1.
    const std::string next = std::string(successor) == "0" ? "1" : "65537";
    EXPECT_TRUE(receiver.on_data(next, b64("Y")).ok);
    EXPECT_EQ(receiver.blocks_received(), 65538u);
    EXPECT_EQ(sha256_of(receiver), sha256_hex(sent + "ZY"));
  }
}

TEST(IbbReceiver, DuplicateIsAnsweredButHarmless) {
  IbbReceiver receiver(IbbOptions{});
  ASSERT_TRUE(receiver.on_data("0", b64("ab")).ok);
  const IbbReply duplicate = receiver.on_data("0", b64("ab"));
  EXPECT_FALSE(duplicate.ok);
  EXPECT_EQ(duplicate.condition, "unexpected-request");
  EXPECT_EQ(receiver.state(), IbbState::kOpen);
  EXPECT_TRUE(receiver.on_data("1", b64("cd")).ok);
  EXPECT_EQ(receiver.duplicates(), 1u);
  EXPECT_EQ(sha256_of(receiver), sha256_hex("abcd"));
}

TEST(IbbReceiver, GapClosesTheStream) {
  IbbReceiver receiver(IbbOptions{});
  ASSERT_TRUE(receiver.on_data("0", b64("ab")).ok);
  const IbbReply gap = receiver.on_data("2", b64("ef"));
  EXPECT_FALSE(gap.ok);
  EXPECT_EQ(gap.condition, "unexpected-request");
  EXPECT_EQ(receiver.state(), IbbState::kFailed);
  EXPECT_EQ(receiver.failure(), IbbFailure::kBadSequence);
  EXPECT_EQ(receiver.on_data("1", b64("cd")).condition, "item-not-found");
  EXPECT_EQ(receiver.bytes_received(), 2u);
}

TEST(IbbReceiver, FirstBlockMustBeSeqZero) {
  IbbReceiver receiver(IbbOptions{});
  EXPECT_EQ(receiver.on_data("65535", b64("ab")).condition, "unexpected-request");
  EXPECT_EQ(receiver.state(), IbbState::kFailed);
}

TEST(IbbReceiver, BadInputGetsTheXepErrors) {
  struct Case {
    const char* seq;
    std::string data;
    std::string_view condition;
    IbbFailure failure;
  };
  const std::vector<Case> cases{
      {"0", "not base64!", "bad-request", IbbFailure::kBadBase64},
      {"0", "Zm9v=", "bad-request", IbbFailure::kBadBase64},
      {"x", b64("ab"), "bad-request", IbbFailure::kBadSequence},
      {"-1", b64("ab"), "bad-request", IbbFailure::kBadSequence},
      {"", b64("ab"), "bad-request", IbbFailure::kBadSequence},
      {"99999999999999999999", b64("ab"), "bad-request", IbbFailure::kBadSequence},
      {"0", b64(std::string(9, 'x')), "not-acceptable", IbbFailure::kBlockTooLarge},
  };
  for (const auto& c : cases) {
    IbbOptions options;
    options.block_size = 8;
    IbbReceiver receiver(options);
    const IbbReply reply = receiver.on_data(c.seq, c.data);
    EXPECT_FALSE(reply.ok);
    EXPECT_EQ(reply.condition, c.condition) << c.seq << " " << c.data;
    EXPECT_EQ(receiver.failure(), c.failure) << reply.message;
    EXPECT_EQ(receiver.bytes_received(), 0u);
  }
}

TEST(IbbReceiver, MoreThanAnnouncedIsRefused) {
  IbbOptions options;
  options.expected_bytes = 5;
  IbbReceiver receiver(options);
  ASSERT_TRUE(receiver.on_data("0", b64("abc")).ok);
  const IbbReply over = receiver.on_data("1", b64("def"));
  EXPECT_FALSE(over.ok);
  EXPECT_EQ(over.condition, "not-acceptable");
  EXPECT_EQ(receiver.failure(), IbbFailure::kTooManyBytes);
  EXPECT_EQ(receiver.bytes_received(), 3u);

  IbbReceiver complete(options);
  ASSERT_EQ(complete.on_data("0", b64("abcde")).state, IbbState::kComplete);
  EXPECT_EQ(complete.on_data("1", b64("f")).condition, "not-acceptable");
}

TEST(IbbReceiver, EarlyCloseIsTruncatedAndEmptyFileIsComplete) {
  IbbOptions options;
  options.expected_bytes = 10;
  IbbReceiver receiver(options);
  ASSERT_TRUE(receiver.on_data("0", b64("abc")).ok);
  EXPECT_EQ(receiver.on_close(), IbbState::kTruncated);
  EXPECT_NE(receiver.failure_message().find("3 of 10"), std::string::npos);

  options.expected_bytes = 0;
  IbbReceiver empty(options);
  EXPECT_EQ(empty.state(), IbbState::kComplete);
  EXPECT_EQ(sha256_of(empty), sha256_hex(""));
}

TEST(IbbReceiver, UnknownSizeEndsAtClose) {
  IbbReceiver receiver(IbbOptions{});
  ASSERT_TRUE(receiver.on_data("0", b64("abc")).ok);
  ASSERT_TRUE(receiver.on_data("1", "").ok);  // an empty block is valid base64
  EXPECT_EQ(receiver.on_close(), IbbState::kComplete);
}

TEST(IbbReceiver, BadOptionsThrow) {
  IbbOptions zero;
  zero.block_size = 0;
  EXPECT_THROW(IbbReceiver{zero}, std::invalid_argument);
  IbbOptions unknown;
  unknown.algorithms = {"crc32"};
  EXPECT_THROW(IbbReceiver{unknown}, std::invalid_argument);
}

}  // namespace
}  // namespace parrot::bot::transfer
