// The small text pieces every report summary is built from.
#include "bot/report_text.hpp"

#include <gtest/gtest.h>

namespace parrot::bot {
namespace {

TEST(ReportText, GroupsThousands) {
  EXPECT_EQ(grouped(0), "0");
  EXPECT_EQ(grouped(999), "999");
  EXPECT_EQ(grouped(1512), "1,512");
  EXPECT_EQ(grouped(24410321), "24,410,321");
}

TEST(ReportText, CountsWithTheRightNumber) {
  EXPECT_EQ(counted(1, "file"), "1 file");
  EXPECT_EQ(counted(0, "file"), "0 files");
  EXPECT_EQ(counted(3, "transfer"), "3 transfers");
  EXPECT_EQ(counted(1000, "file"), "1,000 files");
}

TEST(ReportText, MakesASentenceOfAReason) {
  EXPECT_EQ(as_sentence(""), "");
  EXPECT_EQ(as_sentence("no media from you for 20 s"), " No media from you for 20 s.");
}

}  // namespace
}  // namespace parrot::bot
