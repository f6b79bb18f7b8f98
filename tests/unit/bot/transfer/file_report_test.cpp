// The file report: verdict order, hash comparison, JSON keys of docs/reports.md
// and the summary a sender reads.
#include "bot/transfer/file_report.hpp"

#include <gtest/gtest.h>

namespace parrot::bot::transfer {
namespace {

// sha-256 and sha-1 of "abc" (FIPS 180-2 appendix examples).
const std::string kSha256Abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const std::string kSha1Abc = "a9993e364706816aba3e25717850c26c9cd0d89d";

FileFacts abc() {
  FileFacts facts;
  facts.id = "ft1";
  facts.peer = "alice@example.org/phone";
  facts.started = std::chrono::system_clock::time_point{std::chrono::seconds{1'800'000'000}};
  facts.duration_s = 0.5;
  facts.mechanism = "jingle-ft:5";
  facts.transport = "SOCKS5 direct";
  facts.name = "abc.txt";
  facts.size = 3;
  facts.bytes_received = 3;
  facts.digests = {{"sha-256", kSha256Abc}, {"sha-1", kSha1Abc}};
  return facts;
}

TEST(FileReport, MatchingHashIsOkAndSaysSo) {
  FileFacts facts = abc();
  facts.advertised = {{"sha-256", kSha256Abc}};
  EXPECT_EQ(verdict(facts), FileVerdict::kOk);
  EXPECT_EQ(hashes_match(facts), true);
  EXPECT_EQ(summary(facts),
            "FILE OK. abc.txt, 3 bytes via SOCKS5 direct, 6 B/s. sha-256 " + kSha256Abc + ". sha-1 " + kSha1Abc +
                ". The sha-256 matches the hash you sent.");
  const auto json = report_json(facts);
  for (const char* key : {"kind", "id", "peer", "verdict", "name", "size", "bytes_received", "transport", "sha256",
                          "sha1", "advertised", "match", "throughput_mbps"})
    EXPECT_TRUE(json.contains(key)) << key;
  EXPECT_EQ(json["kind"], "file");
  EXPECT_EQ(json["sha256"], kSha256Abc);
  EXPECT_EQ(json["match"], true);
  EXPECT_EQ(json["started"], "2027-01-15T08:00:00Z");
  EXPECT_DOUBLE_EQ(json["throughput_mbps"].get<double>(), 0.0);  // 48 bit/s rounds to 0.00 Mbit/s
}

TEST(FileReport, NothingToCompareIsStillOkWithNullMatch) {
  const FileFacts facts = abc();
  EXPECT_EQ(verdict(facts), FileVerdict::kOk);
  EXPECT_EQ(hashes_match(facts), std::nullopt);
  EXPECT_TRUE(report_json(facts)["match"].is_null());
  EXPECT_NE(summary(facts).find("You sent no hash to compare."), std::string::npos);
}

TEST(FileReport, WrongHashWrongSizeAndEndsInTheirOrder) {
  FileFacts facts = abc();
  facts.advertised = {{"sha-1", std::string(40, '0')}};
  EXPECT_EQ(verdict(facts), FileVerdict::kHashMismatch);
  EXPECT_NE(summary(facts).find("The sha-1 differs from the hash you sent (" + std::string(40, '0') + ")."),
            std::string::npos)
      << summary(facts);
  facts.bytes_received = 2;  // size before hash: a short file's hash differs anyway
  EXPECT_EQ(verdict(facts), FileVerdict::kShort);
  EXPECT_NE(summary(facts).find("2 bytes of 3 announced"), std::string::npos);
  facts.bytes_received = 4;
  EXPECT_EQ(verdict(facts), FileVerdict::kLong);
  facts.end = TransferEnd::kFailed;  // stopped because it kept sending
  EXPECT_EQ(verdict(facts), FileVerdict::kLong);
  facts.bytes_received = 1;
  EXPECT_EQ(verdict(facts), FileVerdict::kFailed);
  facts.end = TransferEnd::kCancelled;
  EXPECT_EQ(verdict(facts), FileVerdict::kCancelled);
  facts.end = TransferEnd::kRefused;
  facts.failure = "the file is larger than parrot's 1 GiB limit";
  EXPECT_EQ(verdict(facts), FileVerdict::kRefused);
  EXPECT_NE(summary(facts).find("The file is larger than parrot's 1 GiB limit."), std::string::npos);
  EXPECT_EQ(report_json(facts)["failure"], "the file is larger than parrot's 1 GiB limit");
}

TEST(FileReport, LegacySiMd5IsComparedAndOneByteIsSingular) {
  FileFacts facts = abc();
  facts.bytes_received = 1;
  facts.size = 1;
  facts.digests["md5"] = "0cc175b9c0f1b6a831c399e269772661";  // md5("a"), RFC 1321 A.5
  facts.advertised = {{"md5", "0cc175b9c0f1b6a831c399e269772661"}};
  const std::string text = summary(facts);
  EXPECT_NE(text.find("abc.txt, 1 byte via"), std::string::npos) << text;
  EXPECT_NE(text.find("md5 matches the hash you sent"), std::string::npos) << text;
}

TEST(FileReport, ThroughputAndCiphertextNote) {
  FileFacts facts = abc();
  facts.bytes_received = 310'000'000;
  facts.size = 310'000'000;
  facts.duration_s = 1.0;
  facts.ciphertext = true;
  EXPECT_DOUBLE_EQ(throughput_bytes_per_s(facts), 310e6);
  EXPECT_DOUBLE_EQ(report_json(facts)["throughput_mbps"].get<double>(), 2480.0);
  const std::string text = summary(facts);
  EXPECT_NE(text.find("310,000,000 bytes via SOCKS5 direct, 310 MB/s."), std::string::npos) << text;
  EXPECT_NE(text.find("hashes of the ciphertext"), std::string::npos);
}

}  // namespace
}  // namespace parrot::bot::transfer
