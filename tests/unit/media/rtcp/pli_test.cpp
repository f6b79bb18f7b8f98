#include "media/rtcp/pli.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "media/rtcp/compound.hpp"
#include "tests/unit/media/test_bytes.hpp"

namespace parrot::media::rtcp {
namespace {

using testing::bytes;

const std::vector<std::byte> kPli = bytes(0x81, 0xCE, 0x00, 0x02,  // V=2 FMT=1, PT=206 (PSFB), length 2: 12 bytes
                                          0x00, 0x00, 0x00, 0x01,  // sender SSRC 1
                                          0x12, 0x34, 0x56, 0x78);  // media SSRC

TEST(Pli, ParsesAndSerializesBack) {
  const auto result = parse_compound(kPli);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->packets.size(), 1U);
  const auto& pli = std::get<Pli>(result->packets[0]);
  EXPECT_EQ(pli, (Pli{1, 0x12345678}));
  std::vector<std::byte> out(pli.serialized_size());
  ASSERT_EQ(pli.serialize(out), 12U);
  EXPECT_EQ(out, kPli);
  std::vector<std::byte> small(11);
  EXPECT_EQ(pli.serialize(small), 0U);
}

TEST(Pli, MissingMediaSsrcIsMalformed) {
  const auto result = parse_compound(bytes(0x81, 0xCE, 0x00, 0x01, 0, 0, 0, 1));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->malformed_skipped, 1U);
}

TEST(Pli, OtherPayloadFeedbackIsUnknown) {
  const auto sli = bytes(0x82, 0xCE, 0x00, 0x03,  // FMT=2 (SLI, RFC 4585 §6.3.2)
                         0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x00, 0x40, 0x01);
  const auto result = parse_compound(sli);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->packets.empty());
  EXPECT_EQ(result->unknown_skipped, 1U);
}

}  // namespace
}  // namespace parrot::media::rtcp
