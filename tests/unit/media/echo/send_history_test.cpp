#include "media/echo/send_history.hpp"

#include <array>

#include <gtest/gtest.h>

namespace parrot::media::echo {
namespace {

TEST(SendHistory, AnswersWithinAgeAndLimitsResends) {
  SendHistory history(16, 16, std::chrono::milliseconds(500));
  const std::array<std::byte, 2> packet{std::byte{1}, std::byte{2}};
  history.store(timestamp_ms(0), 65535, packet);
  EXPECT_EQ(history.for_resend(timestamp_ms(10), 65535).size(), 2u);
  EXPECT_TRUE(history.for_resend(timestamp_ms(15), 65535).empty());  // within the 10 ms gap
  EXPECT_EQ(history.for_resend(timestamp_ms(30), 65535).size(), 2u);
  EXPECT_EQ(history.for_resend(timestamp_ms(50), 65535).size(), 2u);
  EXPECT_TRUE(history.for_resend(timestamp_ms(70), 65535).empty());  // three resends already
  EXPECT_TRUE(history.for_resend(timestamp_ms(70), 0).empty());      // never sent
  history.store(timestamp_ms(100), 15, packet);                      // 65535 & 15 == 15: replaced
  EXPECT_TRUE(history.for_resend(timestamp_ms(110), 65535).empty());
  EXPECT_TRUE(history.for_resend(timestamp_ms(601), 15).empty());    // too old
}

TEST(SendHistory, GrowsWhileItsPacketsAreYoungerThanMaxAge) {
  SendHistory history(16, 256, std::chrono::milliseconds(1000));
  const std::array<std::byte, 1> packet{std::byte{7}};
  // 100 packets within 500 ms: 16 slots would have overwritten 84 of them.
  for (int i = 0; i < 100; ++i) history.store(timestamp_ms(5 * i), static_cast<std::uint16_t>(i), packet);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(history.for_resend(timestamp_ms(600), static_cast<std::uint16_t>(i)).size(), 1u) << i;
  // Slow packets reuse slots instead of growing.
  SendHistory slow(16, 256, std::chrono::milliseconds(100));
  for (int i = 0; i < 100; ++i) slow.store(timestamp_ms(50 * i), static_cast<std::uint16_t>(i), packet);
  EXPECT_LT(slow.memory_bytes(), history.memory_bytes());
}

}  // namespace
}  // namespace parrot::media::echo
