#include "media/sequence.hpp"

#include <gtest/gtest.h>

namespace parrot::media {
namespace {

TEST(Sequence, NewerAcrossWraparound) {
  struct Case {
    std::uint16_t a, b;
    bool newer;
  };
  for (const Case& c : {Case{1, 0, true}, Case{0, 1, false}, Case{0, 0xFFFF, true}, Case{0xFFFF, 0, false},
                        Case{5, 0xFFF0, true}, Case{0x8000, 0, true}, Case{0, 0x8000, false}, Case{7, 7, false}}) {
    EXPECT_EQ(is_newer_sequence(c.a, c.b), c.newer) << c.a << " vs " << c.b;
  }
  EXPECT_TRUE(is_newer_timestamp(0, 0xFFFFFFFFu));
  EXPECT_FALSE(is_newer_timestamp(0xFFFFFFFFu, 0));
}

TEST(SequenceUnwrapper, MonotonicAcrossWraps) {
  SequenceUnwrapper unwrapper;
  EXPECT_EQ(unwrapper.unwrap(65534), 65534);
  EXPECT_EQ(unwrapper.unwrap(65535), 65535);
  EXPECT_EQ(unwrapper.unwrap(0), 65536);
  EXPECT_EQ(unwrapper.unwrap(65535), 65535);  // late packet from before the wrap
  EXPECT_EQ(unwrapper.unwrap(2), 65538);
  for (int i = 3; i < 200000; ++i) EXPECT_EQ(unwrapper.unwrap(static_cast<std::uint16_t>(i)), 65536 + i);
}

}  // namespace
}  // namespace parrot::media

namespace parrot::media {
namespace {

TEST(TimestampUnwrapper, MonotonicAcrossWrapAndOlderValuesBelow) {
  TimestampUnwrapper unwrapper;
  EXPECT_EQ(unwrapper.unwrap(0xFFFFFC40u), 0xFFFFFC40LL);
  EXPECT_EQ(unwrapper.unwrap(0x00000000u), 0x100000000LL);
  EXPECT_EQ(unwrapper.unwrap(0x000003C0u), 0x1000003C0LL);
  EXPECT_EQ(unwrapper.unwrap(0xFFFFFC40u), 0xFFFFFC40LL);  // reordered, before the wrap
  EXPECT_EQ(unwrapper.last(), 0x1000003C0LL);
}

}  // namespace
}  // namespace parrot::media
