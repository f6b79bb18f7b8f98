#include "bot/metrics.hpp"

#include <gtest/gtest.h>

#include "bot/transfer/file_report.hpp"

namespace parrot::bot {
namespace {

// The value of one exact sample line's series, or -1 when it is missing.
double sample(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

TEST(BotMetrics, EverySeriesStartsAtZero) {
  transport::WorkerPool workers(2);
  BotMetrics metrics(workers);
  const std::string text = metrics.render();
  EXPECT_EQ(sample(text, "parrot_calls_total{verdict=\"media_ok\"}"), 0);
  EXPECT_EQ(sample(text, "parrot_call_selected_pairs_total{local=\"relay\",remote=\"host\",protocol=\"tcp\"}"), 0);
  EXPECT_EQ(sample(text, "parrot_echo_drops_total{reason=\"not_sent\"}"), 0);
  EXPECT_EQ(sample(text, "parrot_transfers_total{mechanism=\"si\",verdict=\"hash_mismatch\"}"), 0);
  EXPECT_EQ(sample(text, "parrot_worker_load{worker=\"media-1\"}"), 0);
  EXPECT_EQ(sample(text, "parrot_xmpp_connected"), 0);
}

TEST(BotMetrics, CountsACallsVerdictPairAndDrops) {
  transport::WorkerPool workers(1);
  BotMetrics metrics(workers);
  call::CallFacts refused;
  refused.refused = true;
  metrics.call_ended(refused);
  metrics.call_refused_unreported();

  call::CallFacts facts;
  transport::CallTransportStats stats;
  transport::SelectedPair pair;
  pair.local.type = transport::IceCandidateType::kRelayed;
  pair.remote.type = transport::IceCandidateType::kServerReflexive;
  stats.selected_pair = pair;
  facts.transport = stats;
  facts.drops.count(media::DropReason::kLate, 7);
  metrics.call_ended(facts);

  const std::string text = metrics.render();
  EXPECT_EQ(sample(text, "parrot_calls_total{verdict=\"refused\"}"), 2);
  EXPECT_EQ(sample(text, "parrot_rate_limited_total{limiter=\"call_refusal_reports\"}"), 1);
  EXPECT_EQ(sample(text, "parrot_call_selected_pairs_total{local=\"relay\",remote=\"srflx\",protocol=\"udp\"}"), 1);
  EXPECT_EQ(sample(text, "parrot_echo_drops_total{reason=\"late\"}"), 7);
}

TEST(BotMetrics, CountsTransfersByMechanismAndVerdict) {
  transport::WorkerPool workers(1);
  BotMetrics metrics(workers);
  transfer::FileFacts ok;
  ok.mechanism = "jingle-ft:5";
  ok.size = 1000;
  ok.bytes_received = 1000;
  ok.digests["sha-256"] = "00";
  metrics.transfer_ended(ok);
  transfer::FileFacts refused;
  refused.mechanism = "http-upload";
  refused.end = transfer::TransferEnd::kRefused;
  metrics.transfer_ended(refused);

  const std::string text = metrics.render();
  EXPECT_EQ(sample(text, "parrot_transfers_total{mechanism=\"jingle_ft\",verdict=\"ok\"}"), 1);
  EXPECT_EQ(sample(text, "parrot_transfer_bytes_hashed_total{mechanism=\"jingle_ft\"}"), 1000);
  EXPECT_EQ(sample(text, "parrot_transfers_total{mechanism=\"http_upload\",verdict=\"refused\"}"), 1);
}

TEST(BotMetrics, HealthFollowsTheStream) {
  transport::WorkerPool workers(1);
  BotMetrics metrics(workers);
  metrics.online();
  EXPECT_TRUE(metrics.xmpp_connected());
  metrics.offline();
  metrics.online();
  EXPECT_EQ(sample(metrics.render(), "parrot_xmpp_connections_total"), 2);
  MetricsSample state;
  state.calls_active = 3;
  metrics.sample(state);
  EXPECT_EQ(metrics.calls_active(), 3u);
  EXPECT_EQ(sample(metrics.render(), "parrot_store_available"), 1);
  state.store_available = false;
  state.store_outages = 2;
  metrics.sample(state);
  EXPECT_EQ(sample(metrics.render(), "parrot_store_available"), 0);
  EXPECT_EQ(sample(metrics.render(), "parrot_store_outages_total"), 2);
}

}  // namespace
}  // namespace parrot::bot
