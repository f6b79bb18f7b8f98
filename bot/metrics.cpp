#include "bot/metrics.hpp"

#include "bot/call/call_report.hpp"
#include "bot/transfer/file_report.hpp"
#include "bot/version.hpp"
#include "media/stats/drop_reason.hpp"

namespace parrot::bot {
namespace {

using transport::metrics::Labels;
using transport::metrics::Registry;

// Label values: snake_case, from closed sets (never a JID).
const Labels kCallVerdicts{"media_ok", "one_way", "silent_audio", "ice_failed", "dtls_failed", "no_media", "refused"};
const Labels kCandidateTypes{"host", "srflx", "prflx", "relay"};
const Labels kProtocols{"udp", "tcp"};
const Labels kMechanisms{"jingle_ft", "si", "http_upload"};
const Labels kFileVerdicts{"ok", "hash_mismatch", "short", "long", "cancelled", "failed", "refused"};

std::string label_of(call::Verdict verdict) {
  return kCallVerdicts.at(static_cast<std::size_t>(verdict));
}

std::string label_of(transfer::FileVerdict verdict) {
  return kFileVerdicts.at(static_cast<std::size_t>(verdict));
}

// "jingle-ft:5" → jingle_ft, "si", "http-upload" → http_upload.
std::string mechanism_of(const std::string& mechanism) {
  if (mechanism.rfind("jingle-ft", 0) == 0) return "jingle_ft";
  if (mechanism == "si") return "si";
  return "http_upload";
}

Labels drop_reason_names() {
  Labels reasons;
  for (std::size_t i = 0; i < static_cast<std::size_t>(media::DropReason::kCount); ++i)
    reasons.emplace_back(media::to_string(static_cast<media::DropReason>(i)));
  return reasons;
}


const Labels kDropReasons = drop_reason_names();

std::vector<Labels> each(const Labels& values) { return Registry::product({values}); }

std::vector<Registry::ReadSeries> per_worker(transport::WorkerPool& workers,
                                             double (*read)(const transport::Worker&)) {
  std::vector<Registry::ReadSeries> series;
  for (std::size_t i = 0; i < workers.size(); ++i) {
    const transport::Worker& worker = workers.at(i);
    series.push_back({{worker.name()}, [&worker, read] { return read(worker); }});
  }
  return series;
}

}  // namespace

BotMetrics::BotMetrics(transport::WorkerPool& workers)
    : build_info_(registry_.gauges("parrot_build_info", "parrot's version, as a label; always 1.", {"version"},
                                   {{kVersion}})
                      .at({kVersion})),
      xmpp_connected_(registry_.gauge("parrot_xmpp_connected",
                                      "1 while the XMPP stream is up (logged in, or the component handshake done).")),
      xmpp_connections_(registry_.counter("parrot_xmpp_connections_total", "XMPP logins (or component handshakes).")),
      xmpp_reconnects_(registry_.counter("parrot_xmpp_reconnects_total",
                                         "Reconnects scheduled after a lost stream or a failed connect.")),
      contacts_(registry_.gauge("parrot_xmpp_contacts", "Contacts in parrot's roster.")),
      calls_active_(registry_.gauge("parrot_calls_active", "Calls in progress, with parrot's unanswered proposals.")),
      calls_(registry_.counters("parrot_calls_total", "Calls ended, by the report's verdict.", {"verdict"},
                                each(kCallVerdicts))),
      calls_busy_(registry_.counters("parrot_calls_busy_total", "Calls answered busy, by the limit reached.", {"limit"},
                                     each({"total", "per_contact", "draining"}))),
      call_setup_(registry_.histogram("parrot_call_setup_seconds",
                                      "From the offer (or parrot's own initiate) to media that is connected and keyed.",
                                      {0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20})),
      selected_pairs_(registry_.counters("parrot_call_selected_pairs_total",
                                         "ICE pairs calls connected over, by candidate types and protocol.",
                                         {"local", "remote", "protocol"},
                                         Registry::product({kCandidateTypes, kCandidateTypes, kProtocols}))),
      ice_restarts_(registry_.counter("parrot_call_ice_restarts_total", "ICE restarts callers asked for.")),
      behind_nat_(registry_.counter("parrot_calls_parrot_behind_nat_total",
                                    "Calls whose evidence showed parrot behind a NAT --public-address does not declare.")),
      echo_drops_(registry_.counters("parrot_echo_drops_total", "Media packets dropped, by reason (counted at call end).",
                                     {"reason"}, each(kDropReasons))),
      transfers_active_(registry_.gauge("parrot_transfers_active", "File transfers in progress, every mechanism.")),
      transfers_(registry_.counters("parrot_transfers_total", "File transfers ended, by mechanism and verdict.",
                                    {"mechanism", "verdict"}, Registry::product({kMechanisms, kFileVerdicts}))),
      bytes_hashed_(registry_.counters("parrot_transfer_bytes_hashed_total", "File bytes received and hashed.",
                                       {"mechanism"}, each(kMechanisms))),
      chat_echoed_(registry_.counter("parrot_chat_messages_echoed_total", "Chat messages echoed (paced ones included).")),
      chat_paced_(registry_.counter("parrot_chat_messages_paced_total", "Chat messages echoed late by the pacing.")),
      chat_refused_(registry_.counters("parrot_chat_messages_refused_total", "Chat messages not echoed, by reason.",
                                       {"reason"}, each({"queue_full", "too_large"}))),
      chat_commands_(registry_.counter("parrot_chat_commands_total", "Chat commands answered.")),
      chat_queued_(registry_.gauge("parrot_chat_messages_queued", "Chat messages waiting for their paced echo.")),
      store_available_(registry_.gauge("parrot_store_available", "1 while the store answered its last request.")),
      store_outages_(registry_.counter("parrot_store_outages_total",
                                       "Times the store stopped answering (parrot then runs on defaults).")),
      rate_limited_(registry_.counters("parrot_rate_limited_total", "Events a rate limiter refused, by limiter.",
                                       {"limiter"}, each({"chat_queue", "call_refusal_reports", "file_links"}))) {
  registry_.gauge_reads("parrot_worker_load", "Calls and transfers pinned to each media worker.", {"worker"},
                        per_worker(workers, [](const transport::Worker& w) { return static_cast<double>(w.load()); }));
  registry_.counter_reads(
      "parrot_worker_tasks_dropped_total", "Tasks posted to a stopped media worker.", {"worker"},
      per_worker(workers, [](const transport::Worker& w) { return static_cast<double>(w.dropped_tasks()); }));
  registry_.counter_reads(
      "parrot_worker_tasks_failed_total", "Media worker tasks that threw.", {"worker"},
      per_worker(workers, [](const transport::Worker& w) { return static_cast<double>(w.failed_tasks()); }));
  build_info_.set(1);
  heartbeat();
}

void BotMetrics::online() {
  xmpp_connected_.set(1);
  xmpp_connections_.inc();
}

void BotMetrics::call_ended(const call::CallFacts& facts) {
  calls_.at({label_of(call::verdict(facts))}).inc();
  // One pair per transport that connected.
  const auto count_pair = [this](const transport::CallTransportStats& stats) {
    if (!stats.selected_pair) return;
    const auto& pair = *stats.selected_pair;
    selected_pairs_
        .at({std::string(transport::to_string(pair.local.type)), std::string(transport::to_string(pair.remote.type)),
             pair.local.protocol == "udp" ? "udp" : "tcp"})
        .inc();
  };
  if (!facts.transports.empty()) {
    for (const auto& [contents, stats] : facts.transports) count_pair(stats);
  } else if (facts.transport) {
    count_pair(*facts.transport);
  }
  for (std::size_t i = 0; i < static_cast<std::size_t>(media::DropReason::kCount); ++i) {
    if (const auto n = facts.drops[static_cast<media::DropReason>(i)]) echo_drops_.at({kDropReasons[i]}).inc(n);
  }
}

void BotMetrics::call_busy(BusyLimit limit) {
  calls_busy_.at({limit == BusyLimit::kTotal ? "total" : limit == BusyLimit::kPerContact ? "per_contact" : "draining"})
      .inc();
}

void BotMetrics::rate_limited(RateLimiter limiter) {
  rate_limited_
      .at({limiter == RateLimiter::kChatQueue ? "chat_queue"
           : limiter == RateLimiter::kCallRefusalReports ? "call_refusal_reports"
                                                          : "file_links"})
      .inc();
}

void BotMetrics::call_refused_unreported() {
  calls_.at({"refused"}).inc();
  rate_limited(RateLimiter::kCallRefusalReports);
}

void BotMetrics::transfer_ended(const transfer::FileFacts& facts) {
  const std::string mechanism = mechanism_of(facts.mechanism);
  transfers_.at({mechanism, label_of(transfer::verdict(facts))}).inc();
  // The hashes cover exactly the bytes counted (transport/bytestream).
  if (!facts.digests.empty()) bytes_hashed_.at({mechanism}).inc(facts.bytes_received);
}

void BotMetrics::sample(const MetricsSample& sample) {
  calls_active_.set(static_cast<std::int64_t>(sample.calls_active));
  transfers_active_.set(static_cast<std::int64_t>(sample.transfers_active));
  contacts_.set(static_cast<std::int64_t>(sample.contacts));
  behind_nat_.store(sample.calls_parrot_behind_nat);
  chat_echoed_.store(sample.chat_echoed);
  chat_paced_.store(sample.chat_paced);
  chat_commands_.store(sample.chat_commands);
  chat_refused_.at({"queue_full"}).store(sample.chat_queue_full);
  chat_refused_.at({"too_large"}).store(sample.chat_too_large);
  rate_limited_.at({"chat_queue"}).store(sample.chat_queue_full);
  chat_queued_.set(static_cast<std::int64_t>(sample.chat_queued));
  store_available_.set(sample.store_available ? 1 : 0);
  store_outages_.store(sample.store_outages);
}

void BotMetrics::heartbeat() noexcept {
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  heartbeat_ms_.store(std::chrono::duration_cast<std::chrono::milliseconds>(now).count(), std::memory_order_relaxed);
}

std::chrono::steady_clock::duration BotMetrics::since_heartbeat() const noexcept {
  const auto then = std::chrono::milliseconds(heartbeat_ms_.load(std::memory_order_relaxed));
  return std::chrono::steady_clock::now().time_since_epoch() - then;
}

}  // namespace parrot::bot
