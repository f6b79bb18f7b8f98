#include "transport/decimal.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace parrot::transport {
namespace {

TEST(ParseDecimal, TakesDigitsOnly) {
  EXPECT_EQ(parse_decimal<std::uint16_t>("3478"), 3478);
  EXPECT_EQ(parse_decimal<int>("0"), 0);
  EXPECT_EQ(parse_decimal<std::uint64_t>("18446744073709551615"), UINT64_MAX);
}

TEST(ParseDecimal, RefusesAnythingElse) {
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "12abc", "0x10", "1.5"}) {
    EXPECT_FALSE(parse_decimal<int>(bad)) << bad;
  }
}

TEST(ParseDecimal, RefusesOverflow) {
  EXPECT_FALSE(parse_decimal<std::uint16_t>("65536"));
  EXPECT_FALSE(parse_decimal<std::uint64_t>("18446744073709551616"));
}

}  // namespace
}  // namespace parrot::transport
