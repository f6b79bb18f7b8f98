#include "media/rtcp/fir.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "media/rtcp/compound.hpp"
#include "tests/unit/media/test_bytes.hpp"

namespace parrot::media::rtcp {
namespace {

using testing::bytes;

// RFC 5104 §4.3.1.1 layout, two FCI entries.
const std::vector<std::byte> kFir = bytes(0x84, 0xCE, 0x00, 0x06,  // V=2 FMT=4, PT=206, length 6: 28 bytes
                                          0x00, 0x00, 0x00, 0x01,  // sender SSRC 1
                                          0x00, 0x00, 0x00, 0x00,  // media SSRC: unused, zero
                                          0xAA, 0xAA, 0xAA, 0xAA,  // entry 1: SSRC
                                          0x07, 0x00, 0x00, 0x00,  //   command sequence 7, reserved
                                          0xBB, 0xBB, 0xBB, 0xBB,  // entry 2: SSRC
                                          0xFF, 0x00, 0x00, 0x00);  //   command sequence 255, reserved

TEST(Fir, ParsesEntriesAndSerializesBack) {
  const auto result = parse_compound(kFir);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 1U);
  const auto& fir = std::get<Fir>(result->packets[0]);
  EXPECT_EQ(fir.sender_ssrc, 1U);
  EXPECT_EQ(fir.entries, (std::vector<Fir::Entry>{{0xAAAAAAAA, 7}, {0xBBBBBBBB, 255}}));
  std::vector<std::byte> out(fir.serialized_size(), std::byte{0xEE});
  ASSERT_EQ(fir.serialize(out), kFir.size());
  EXPECT_EQ(out, kFir);
}

TEST(Fir, NoEntriesWritesNothingAndParsesAsMalformed) {
  const Fir fir{9, {}};
  EXPECT_EQ(fir.serialized_size(), 0U);
  std::vector<std::byte> out(32);
  EXPECT_EQ(fir.serialize(out), 0U);
  const auto result = parse_compound(bytes(0x84, 0xCE, 0x00, 0x02, 0, 0, 0, 9, 0, 0, 0, 0));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->malformed_skipped, 1U);
}

}  // namespace
}  // namespace parrot::media::rtcp
