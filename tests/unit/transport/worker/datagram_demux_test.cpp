#include "transport/datagram_demux.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace parrot::transport {
namespace {

DatagramClass classify_first(std::uint8_t first, std::size_t size = 12) {
  std::vector<std::byte> datagram(size);
  datagram[0] = std::byte{first};
  return classify_datagram(datagram);
}

struct Boundary {
  std::uint8_t first;
  DatagramClass expected;
};

// RFC 7983 §7: both ends of every range and the first byte past each.
constexpr std::array<Boundary, 16> kBoundaries{{
    {0, DatagramClass::kStun},
    {3, DatagramClass::kStun},
    {4, DatagramClass::kUnknown},
    {15, DatagramClass::kUnknown},
    {16, DatagramClass::kZrtp},
    {19, DatagramClass::kZrtp},
    {20, DatagramClass::kDtls},
    {63, DatagramClass::kDtls},
    {64, DatagramClass::kTurnChannel},
    {79, DatagramClass::kTurnChannel},
    {80, DatagramClass::kUnknown},
    {127, DatagramClass::kUnknown},
    {128, DatagramClass::kRtpRtcp},
    {191, DatagramClass::kRtpRtcp},
    {192, DatagramClass::kUnknown},
    {255, DatagramClass::kUnknown},
}};

TEST(DatagramDemux, EveryRangeBoundary) {
  for (const auto& [first, expected] : kBoundaries) {
    EXPECT_EQ(classify_first(first), expected) << "first byte " << int{first};
    EXPECT_EQ(classify_first(first, 1), expected) << "one-byte datagram, first byte " << int{first};
  }
}

TEST(DatagramDemux, TypicalFirstBytes) {
  EXPECT_EQ(classify_first(0x00), DatagramClass::kStun);     // Binding Request type 0x0001
  EXPECT_EQ(classify_first(0x01), DatagramClass::kStun);     // Binding Success 0x0101
  EXPECT_EQ(classify_first(22), DatagramClass::kDtls);       // handshake record
  EXPECT_EQ(classify_first(23), DatagramClass::kDtls);       // application data
  EXPECT_EQ(classify_first(0x80), DatagramClass::kRtpRtcp);  // V=2 RTP
  EXPECT_EQ(classify_first(0x90), DatagramClass::kRtpRtcp);  // V=2 RTP with extension
  EXPECT_EQ(classify_first(0x40), DatagramClass::kTurnChannel);
}

TEST(DatagramDemux, EmptyIsUnknown) {
  EXPECT_EQ(classify_datagram({}), DatagramClass::kUnknown);
  static_assert(classify_datagram({}) == DatagramClass::kUnknown);
}

TEST(DatagramDemux, Names) {
  EXPECT_EQ(to_string(DatagramClass::kStun), "stun");
  EXPECT_EQ(to_string(DatagramClass::kZrtp), "zrtp");
  EXPECT_EQ(to_string(DatagramClass::kDtls), "dtls");
  EXPECT_EQ(to_string(DatagramClass::kTurnChannel), "turn_channel");
  EXPECT_EQ(to_string(DatagramClass::kRtpRtcp), "rtp_rtcp");
  EXPECT_EQ(to_string(DatagramClass::kUnknown), "unknown");
  EXPECT_EQ(to_string(static_cast<DatagramClass>(200)), "unknown");
}

TEST(DatagramCounters, CountsPacketsAndBytesPerClass) {
  DatagramCounters counters;
  const std::array<std::byte, 20> stun{std::byte{0x00}, std::byte{0x01}};
  const std::array<std::byte, 100> rtp{std::byte{0x80}};
  const std::array<std::byte, 7> junk{std::byte{0xFF}};
  EXPECT_EQ(counters.classify_and_count(stun), DatagramClass::kStun);
  EXPECT_EQ(counters.classify_and_count(rtp), DatagramClass::kRtpRtcp);
  EXPECT_EQ(counters.classify_and_count(rtp), DatagramClass::kRtpRtcp);
  EXPECT_EQ(counters.classify_and_count(junk), DatagramClass::kUnknown);
  EXPECT_EQ(counters.classify_and_count({}), DatagramClass::kUnknown);
  counters.count(DatagramClass::kDtls, 300);

  EXPECT_EQ(counters.packets(DatagramClass::kStun), 1U);
  EXPECT_EQ(counters.bytes(DatagramClass::kStun), 20U);
  EXPECT_EQ(counters.packets(DatagramClass::kRtpRtcp), 2U);
  EXPECT_EQ(counters.bytes(DatagramClass::kRtpRtcp), 200U);
  EXPECT_EQ(counters.packets(DatagramClass::kDtls), 1U);
  EXPECT_EQ(counters.bytes(DatagramClass::kDtls), 300U);
  EXPECT_EQ(counters.dropped_unknown(), 2U);
  EXPECT_EQ(counters.bytes(DatagramClass::kUnknown), 7U);
  EXPECT_EQ(counters.packets(DatagramClass::kZrtp), 0U);
  EXPECT_EQ(counters.total_packets(), 6U);
}

}  // namespace
}  // namespace parrot::transport
