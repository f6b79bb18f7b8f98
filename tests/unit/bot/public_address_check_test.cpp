#include "bot/public_address_check.hpp"

#include <gtest/gtest.h>

namespace parrot::bot {
namespace {

using Kind = PublicAddressFinding::Kind;

TEST(PublicAddressCheck, JudgesWhatStunSaw) {
  const std::vector<std::string> own{"10.1.0.2"};
  EXPECT_EQ(judge_public_address(std::nullopt, own, "").kind, Kind::kNoAnswer);
  EXPECT_EQ(judge_public_address("192.0.2.50", own, "").kind, Kind::kBehindNat);
  EXPECT_EQ(judge_public_address("192.0.2.50", own, "").mapped, "192.0.2.50");
  EXPECT_EQ(judge_public_address("10.1.0.2", own, "").kind, Kind::kNotBehindNat);
  EXPECT_EQ(judge_public_address("192.0.2.50", own, "192.0.2.50").kind, Kind::kPublicAddressConfirmed);
  EXPECT_EQ(judge_public_address("192.0.2.50", own, "192.0.2.99").kind, Kind::kPublicAddressWrong);
}

TEST(PublicAddressCheck, TellsTheOperatorWhatToSet) {
  const std::string line = describe({Kind::kBehindNat, "192.0.2.50"}, "203.0.113.1:3478", "");
  EXPECT_NE(line.find("--public-address 192.0.2.50"), std::string::npos) << line;
  EXPECT_NE(describe({Kind::kNoAnswer, ""}, "203.0.113.1:3478", "").find("did not answer"), std::string::npos);
}

}  // namespace
}  // namespace parrot::bot
