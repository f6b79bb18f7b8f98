// refusal_for: one row per reason parrot refuses a content, in the order the
// checks run, and the offers it takes.
#include "bot/transfer/jingle_ft/refusal.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace parrot::bot::transfer::jingle_ft {
namespace {

using jingle::ReasonCondition;

FtContent ibb_offer() {
  FtContent content;
  content.creator = "initiator";
  content.name = "a-file-offer";
  FileDescription file;
  file.xmlns = kFt5;
  file.name = "photo.jpg";
  file.size = 1000;
  content.file = file;
  content.transport = IbbTransport{"ibb-sid", 4096};
  return content;
}

TransferLimits limits() {
  TransferLimits l;
  l.max_file_bytes = 5000;
  l.max_transfers = 4;
  l.max_per_contact = 2;
  return l;
}

struct Row {
  const char* what;
  std::function<void(FtContent&)> change;
  TransferCount load;
  std::optional<ReasonCondition> condition;  // nullopt: taken
  const char* text = "";
  bool too_large = false;
};

TEST(RefusalFor, TheTable) {
  const Row rows[] = {
      {"a plain IBB offer", [](FtContent&) {}, {}, std::nullopt},
      {"a SOCKS5 offer", [](FtContent& c) { c.transport = S5bTransport{"s5b-sid", "tcp", "", {}, {}, false, {}, false}; },
       {}, std::nullopt},
      {"a file of exactly the limit", [](FtContent& c) { c.file->size = 5000; }, {}, std::nullopt},
      {"no size announced", [](FtContent& c) { c.file->size.reset(); }, {}, std::nullopt},
      {"an empty range means ranges are supported", [](FtContent& c) { c.file->range = Range{}; }, {}, std::nullopt},
      {"one below both limits", [](FtContent&) {}, {3, 1}, std::nullopt},
      {"a file request", [](FtContent& c) { c.file->request = true; }, {},
       ReasonCondition::kUnsupportedApplications, "parrot receives files; it has none to send"},
      {"parrot would be the sender", [](FtContent& c) { c.senders = "responder"; }, {},
       ReasonCondition::kUnsupportedApplications, "parrot receives files; it has none to send"},
      {"a range with an offset", [](FtContent& c) { c.file->range = Range{10, std::nullopt}; }, {},
       ReasonCondition::kFailedApplication, "parrot only accepts whole files, not a range"},
      {"a range with a length", [](FtContent& c) { c.file->range = Range{0, 10}; }, {},
       ReasonCondition::kFailedApplication, "parrot only accepts whole files, not a range"},
      {"one byte over the size limit", [](FtContent& c) { c.file->size = 5001; }, {}, ReasonCondition::kDecline,
       "the file is larger than parrot's limit of 5,000 bytes", true},
      {"an unknown transport", [](FtContent& c) { c.transport = std::monostate{}; }, {},
       ReasonCondition::kUnsupportedTransports, "parrot receives files over SOCKS5 (XEP-0260) or IBB (XEP-0261) only"},
      {"parrot is full", [](FtContent&) {}, {4, 0}, ReasonCondition::kBusy,
       "parrot is receiving 4 files already; try again later"},
      {"the contact is at its limit", [](FtContent&) {}, {1, 2}, ReasonCondition::kBusy,
       "you are sending parrot 2 files already; wait until they are done"},
      {"an IBB transport without sid", [](FtContent& c) { c.transport = IbbTransport{"", 4096}; }, {},
       ReasonCondition::kFailedTransport, "the IBB transport has no sid"},
      // The order of the checks: the first that applies says why.
      {"a request over the size limit", [](FtContent& c) { c.file->request = true; c.file->size = 9999; }, {},
       ReasonCondition::kUnsupportedApplications, "parrot receives files; it has none to send"},
      {"too large while busy", [](FtContent& c) { c.file->size = 9999; }, {4, 2}, ReasonCondition::kDecline,
       "the file is larger than parrot's limit of 5,000 bytes", true},
      {"an unknown transport while busy", [](FtContent& c) { c.transport = std::monostate{}; }, {4, 2},
       ReasonCondition::kUnsupportedTransports, "parrot receives files over SOCKS5 (XEP-0260) or IBB (XEP-0261) only"},
      {"busy before a missing IBB sid", [](FtContent& c) { c.transport = IbbTransport{"", 4096}; }, {4, 0},
       ReasonCondition::kBusy, "parrot is receiving 4 files already; try again later"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    FtContent content = ibb_offer();
    row.change(content);
    const auto refusal = refusal_for(content, limits(), row.load);
    if (!row.condition) {
      EXPECT_FALSE(refusal.has_value()) << refusal->text;
      continue;
    }
    ASSERT_TRUE(refusal.has_value());
    EXPECT_EQ(refusal->condition, *row.condition);
    EXPECT_EQ(refusal->text, row.text);
    EXPECT_EQ(refusal->file_too_large, row.too_large);
  }
}

TEST(RefusalFor, BusyAndDeclineAreTheDecisiveOnes) {
  EXPECT_TRUE((Refusal{ReasonCondition::kBusy, "", false}.decisive()));
  EXPECT_TRUE((Refusal{ReasonCondition::kDecline, "", true}.decisive()));
  EXPECT_FALSE((Refusal{ReasonCondition::kUnsupportedTransports, "", false}.decisive()));
  EXPECT_FALSE((Refusal{ReasonCondition::kFailedTransport, "", false}.decisive()));
}

}  // namespace
}  // namespace parrot::bot::transfer::jingle_ft
