#include "media/bytes.hpp"
#include "media/time.hpp"

#include <array>

#include <gtest/gtest.h>

namespace parrot::media {
namespace {

TEST(Bytes, BigEndianRoundTrip) {
  std::array<std::byte, 8> buffer{};
  write_u16(buffer, 0, 0xBEEF);
  write_u24(buffer, 2, 0x123456);
  EXPECT_EQ(read_u16(buffer, 0), 0xBEEF);
  EXPECT_EQ(read_u24(buffer, 2), 0x123456u);
  EXPECT_EQ(buffer[0], std::byte{0xBE});
  write_u64(buffer, 0, 0x0102030405060708ULL);
  EXPECT_EQ(read_u32(buffer, 0), 0x01020304u);
  EXPECT_EQ(read_u64(buffer, 0), 0x0102030405060708ULL);
  EXPECT_EQ(buffer[7], std::byte{0x08});
}

TEST(Time, RtpClockConversions) {
  EXPECT_EQ(rtp_ticks_to_duration(960, 48000), std::chrono::milliseconds(20));
  EXPECT_EQ(rtp_ticks_to_duration(3000, 90000), Duration(33333));
  EXPECT_EQ(duration_to_rtp_ticks(std::chrono::milliseconds(20), 48000), 960);
}

TEST(Time, NtpFromUnixEpoch) {
  // Unix time 0 is NTP 2208988800 s; half a second is fraction 2^31.
  const auto ntp = to_ntp(timestamp_ms(500), Duration{0});
  EXPECT_EQ(ntp.seconds(), 2208988800u);
  EXPECT_EQ(ntp.fraction(), 0x80000000u);
  EXPECT_EQ(ntp.compact(), ((2208988800u & 0xFFFF) << 16) | 0x8000u);
}

TEST(Time, CompactNtpDurations) {
  EXPECT_EQ(to_compact_ntp(std::chrono::seconds(1)), 65536u);
  EXPECT_EQ(from_compact_ntp(65536 / 4), std::chrono::milliseconds(250));
}

}  // namespace
}  // namespace parrot::media
