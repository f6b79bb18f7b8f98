#include "media/rtp/red_payload.hpp"

#include <array>
#include <vector>

#include <gtest/gtest.h>
#include "tests/unit/media/test_bytes.hpp"

namespace parrot::media::rtp {
namespace {

using testing::bytes;

std::vector<std::byte> data_of(ByteView view) { return {view.begin(), view.end()}; }

TEST(RedPayload, LibwebrtcVideoIsOnePrimaryBlock) {
  // What Chromium sends for VP8 with red/90000 = 118 and VP8 = 96.
  const auto payload = bytes({
      0x60,                    // F=0 PT=96: the last (only) header
      0x90, 0x80, 0x00, 0x01,  // the VP8 payload: descriptor and frame bytes
  });
  const auto red = RedPayload::parse(payload);
  ASSERT_TRUE(red);
  EXPECT_EQ(red->redundant_count(), 0u);
  EXPECT_EQ(red->header_size(), 1u);
  EXPECT_EQ(red->primary().payload_type, 96);
  EXPECT_EQ(red->primary().timestamp_offset, 0);
  EXPECT_EQ(data_of(red->primary().data), bytes({0x90, 0x80, 0x00, 0x01}));
}

TEST(RedPayload, UlpfecIsAPrimaryBlockToo) {
  const auto payload = bytes({
      0x7F,                    // F=0 PT=127 (ulpfec)
      0x00, 0x00, 0x12, 0x34,  // RFC 5109 FEC header, first bytes
  });
  const auto red = RedPayload::parse(payload);
  ASSERT_TRUE(red);
  EXPECT_EQ(red->primary().payload_type, 127);
  EXPECT_EQ(red->primary().data.size(), 4u);
}

TEST(RedPayload, OpusWithTwoRedundantFrames) {
  // RFC 2198 §3 layout, as Chromium sends red/48000 with fmtp 111/111.
  const auto payload = bytes({
      0xEF, 0x0F, 0x00, 0x03,  // F=1 PT=111 | offset 960 | length 3
      0xEF, 0x07, 0x80, 0x02,  // F=1 PT=111 | offset 480 | length 2
      0x6F,                    // F=0 PT=111: the primary
      0xA1, 0xA2, 0xA3,        // redundant block 0 (oldest): 3 bytes
      0xB1, 0xB2,              // redundant block 1: 2 bytes
      0xC1, 0xC2, 0xC3, 0xC4,  // primary: the rest
  });
  // 0x0F0003 = 0000 1111 0000 0000 0000 0011: offset = top 14 bits = 0x3C0 = 960, length = 3.
  // 0x078002 = 0000 0111 1000 0000 0000 0010: offset = 0x1E0 = 480, length = 2.
  const auto red = RedPayload::parse(payload);
  ASSERT_TRUE(red);
  ASSERT_EQ(red->redundant_count(), 2u);
  EXPECT_EQ(red->header_size(), 9u);
  EXPECT_EQ(red->redundant(0).payload_type, 111);
  EXPECT_EQ(red->redundant(0).timestamp_offset, 960);
  EXPECT_EQ(data_of(red->redundant(0).data), bytes({0xA1, 0xA2, 0xA3}));
  EXPECT_EQ(red->redundant(1).timestamp_offset, 480);
  EXPECT_EQ(data_of(red->redundant(1).data), bytes({0xB1, 0xB2}));
  EXPECT_EQ(red->primary().payload_type, 111);
  EXPECT_EQ(data_of(red->primary().data), bytes({0xC1, 0xC2, 0xC3, 0xC4}));
}

TEST(RedPayload, PrimaryMayBeEmpty) {
  const auto payload = bytes({
      0xEF, 0x00, 0x04, 0x02,  // F=1 PT=111 offset 1 length 2
      0x6F,                    // F=0 PT=111
      0x01, 0x02,              // the redundant block, nothing after it
  });
  const auto red = RedPayload::parse(payload);
  ASSERT_TRUE(red);
  EXPECT_EQ(red->redundant(0).timestamp_offset, 1);
  EXPECT_TRUE(red->primary().data.empty());
}

TEST(RedPayload, RefusesWhatRunsPastThePayload) {
  // Empty: not even the last header (libwebrtc's padding packets carry no
  // RED header at all; the caller tells those apart first).
  EXPECT_FALSE(RedPayload::parse({}));
  // Only F=1 headers: the last one is missing.
  EXPECT_FALSE(RedPayload::parse(bytes({0xEF, 0x00, 0x00, 0x00})));
  // A redundant header cut short.
  EXPECT_FALSE(RedPayload::parse(bytes({0xEF, 0x00, 0x00})));
  // Block lengths larger than what follows the headers.
  EXPECT_FALSE(RedPayload::parse(bytes({0xEF, 0x00, 0x00, 0x03, 0x6F, 0x01, 0x02})));
  // The same with the length the bytes allow is fine.
  EXPECT_TRUE(RedPayload::parse(bytes({0xEF, 0x00, 0x00, 0x02, 0x6F, 0x01, 0x02})));
}

TEST(RedPayload, LengthsThatOverflowTogetherAreRefused) {
  // 400 headers each claiming 1,023 bytes: the sum must not wrap or pass.
  std::vector<std::byte> payload;
  for (int i = 0; i < 400; ++i) {
    for (const auto b : bytes({0xEF, 0x00, 0x03, 0xFF})) payload.push_back(b);
  }
  payload.push_back(std::byte{0x6F});
  EXPECT_FALSE(RedPayload::parse(payload));
}

TEST(RedPayload, SerializeRoundTrips) {
  const auto old_frame = bytes({0x01, 0x02, 0x03});
  const auto new_frame = bytes({0x04, 0x05, 0x06, 0x07});
  const std::array<RedBlock, 1> redundant{RedBlock{111, 960, old_frame}};
  std::array<std::byte, 64> out{};
  const std::size_t size = serialize_red(redundant, RedBlock{111, 0, new_frame}, out);
  ASSERT_EQ(size, 4u + 1 + 3 + 4);
  EXPECT_EQ(data_of(ByteView(out).first(5)), bytes({0xEF, 0x0F, 0x00, 0x03, 0x6F}));
  const auto red = RedPayload::parse(ByteView(out).first(size));
  ASSERT_TRUE(red);
  ASSERT_EQ(red->redundant_count(), 1u);
  EXPECT_EQ(red->redundant(0).timestamp_offset, 960);
  EXPECT_EQ(data_of(red->redundant(0).data), old_frame);
  EXPECT_EQ(data_of(red->primary().data), new_frame);
}

TEST(RedPayload, SerializeRefusesFieldsThatDoNotFit) {
  std::array<std::byte, 2048> out{};
  const std::vector<std::byte> big(1024);
  const std::array<RedBlock, 1> too_long{RedBlock{111, 0, big}};
  EXPECT_EQ(serialize_red(too_long, RedBlock{111, 0, {}}, out), 0u);
  const std::array<RedBlock, 1> far_back{RedBlock{111, 0x4000, {}}};
  EXPECT_EQ(serialize_red(far_back, RedBlock{111, 0, {}}, out), 0u);
  EXPECT_EQ(serialize_red({}, RedBlock{128, 0, {}}, out), 0u);
  EXPECT_EQ(serialize_red({}, RedBlock{96, 0, big}, MutableByteView(out).first(10)), 0u);  // out too small
}

}  // namespace
}  // namespace parrot::media::rtp
