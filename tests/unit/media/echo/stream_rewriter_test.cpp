#include "media/echo/stream_rewriter.hpp"

#include <gtest/gtest.h>

namespace parrot::media::echo {
namespace {

TEST(StreamRewriter, KeepsGapsAndWrapsWithOffsets) {
  StreamRewriter rewriter(0xAAAA, 48000, 65534, 0xFFFFFF00u);
  auto a = rewriter.rewrite(timestamp_ms(0), 100, 5000);
  EXPECT_EQ(a.sequence_number, 65534);
  EXPECT_EQ(a.timestamp, 0xFFFFFF00u);
  auto b = rewriter.rewrite(timestamp_ms(40), 102, 5000 + 1920);  // 101 lost
  EXPECT_EQ(b.sequence_number, 0);                                // gap kept across the wrap
  EXPECT_EQ(b.timestamp, 0xFFFFFF00u + 1920);
}

TEST(StreamRewriter, ReanchorContinuesWithoutAJump) {
  StreamRewriter rewriter(1, 48000, 10, 1000);
  rewriter.rewrite(timestamp_ms(0), 500, 0);
  rewriter.rewrite(timestamp_ms(20), 501, 960);
  rewriter.reanchor();
  // New source 100 ms later with unrelated numbers.
  const auto next = rewriter.rewrite(timestamp_ms(120), 40000, 123456789);
  EXPECT_EQ(next.sequence_number, 12);
  EXPECT_EQ(next.timestamp, 1000u + 960 + 4800);
  EXPECT_EQ(rewriter.rewrite(timestamp_ms(140), 40001, 123456789 + 960).sequence_number, 13);
}

}  // namespace
}  // namespace parrot::media::echo
