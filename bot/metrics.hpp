// parrot's metrics: every parrot_* family registered once, here (names,
// help, label sets, buckets), and typed hooks the control thread calls
// where things happen. App owns one and hands a nullable pointer to the
// call manager and the transfer managers (`parrot probe` and unit tests
// pass none). What lives on the control thread in plain containers (calls,
// transfers, contacts, chat counters) is copied in by App once a second
// (sample()), so nothing here reaches into control-thread state. /metrics,
// /healthz and /readyz (bot/metrics_routes.cpp) read only atomics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "call/call_facts.hpp"
#include "transport/metrics/metrics.hpp"
#include "transport/worker/worker_pool.hpp"

namespace parrot::bot {

namespace transfer {
struct FileFacts;
}

// Why a call was answered busy.
enum class BusyLimit { kTotal, kPerContact, kDraining };

// The rate limiters whose refusals are counted.
enum class RateLimiter { kChatQueue, kCallRefusalReports, kFileLinks };

// Control-thread state copied in each second.
struct MetricsSample {
  std::size_t calls_active = 0;  // calls plus parrot's own unanswered proposals
  std::size_t transfers_active = 0;
  std::size_t contacts = 0;
  std::uint64_t calls_parrot_behind_nat = 0;
  // ChatCounters, as !stats shows them.
  std::uint64_t chat_echoed = 0, chat_paced = 0, chat_commands = 0, chat_queue_full = 0, chat_too_large = 0;
  std::size_t chat_queued = 0;
  // The store (bot/store): whether it answered its last request, and how
  // often it stopped answering (a PostgreSQL server away).
  bool store_available = true;
  std::uint64_t store_outages = 0;
};

class BotMetrics {
 public:
  // `workers`' loads and task counts are read at each scrape (atomics).
  explicit BotMetrics(transport::WorkerPool& workers);
  BotMetrics(const BotMetrics&) = delete;
  BotMetrics& operator=(const BotMetrics&) = delete;

  std::string render() const { return registry_.render(); }

  // The XMPP stream (client login or component handshake).
  void online();
  void offline() { xmpp_connected_.set(0); }
  void reconnect_scheduled() { xmpp_reconnects_.inc(); }

  // Calls. Setup: from the offer (or parrot's own initiate) to keyed media.
  void call_setup(std::chrono::steady_clock::duration took) {
    call_setup_.observe(std::chrono::duration<double>(took).count());
  }
  void call_ended(const call::CallFacts& facts);
  void call_busy(BusyLimit limit);
  void ice_restart() { ice_restarts_.inc(); }
  void rate_limited(RateLimiter limiter);
  // A refused offer whose report the limiter swallowed: still a call.
  void call_refused_unreported();

  void transfer_ended(const transfer::FileFacts& facts);

  void sample(const MetricsSample& sample);

  // Health, read by /healthz and /readyz.
  bool xmpp_connected() const noexcept { return xmpp_connected_.value() == 1; }
  void set_draining(bool draining) noexcept { draining_.store(draining, std::memory_order_relaxed); }
  bool draining() const noexcept { return draining_.load(std::memory_order_relaxed); }
  void set_max_calls(std::size_t max) noexcept { max_calls_.store(max, std::memory_order_relaxed); }
  std::size_t max_calls() const noexcept { return max_calls_.load(std::memory_order_relaxed); }
  std::size_t calls_active() const noexcept { return static_cast<std::size_t>(calls_active_.value()); }
  // The control loop's heartbeat (App's 1 s timer); a stale one means a
  // wedged loop, the one failure a restart cures.
  void heartbeat() noexcept;
  std::chrono::steady_clock::duration since_heartbeat() const noexcept;

 private:
  transport::metrics::Registry registry_;
  transport::metrics::Gauge& build_info_;
  transport::metrics::Gauge& xmpp_connected_;
  transport::metrics::Counter& xmpp_connections_;
  transport::metrics::Counter& xmpp_reconnects_;
  transport::metrics::Gauge& contacts_;
  transport::metrics::Gauge& calls_active_;
  transport::metrics::Family<transport::metrics::Counter>& calls_;
  transport::metrics::Family<transport::metrics::Counter>& calls_busy_;
  transport::metrics::Histogram& call_setup_;
  transport::metrics::Family<transport::metrics::Counter>& selected_pairs_;
  transport::metrics::Counter& ice_restarts_;
  transport::metrics::Counter& behind_nat_;
  transport::metrics::Family<transport::metrics::Counter>& echo_drops_;
  transport::metrics::Gauge& transfers_active_;
  transport::metrics::Family<transport::metrics::Counter>& transfers_;
  transport::metrics::Family<transport::metrics::Counter>& bytes_hashed_;
  transport::metrics::Counter& chat_echoed_;
  transport::metrics::Counter& chat_paced_;
  transport::metrics::Family<transport::metrics::Counter>& chat_refused_;
  transport::metrics::Counter& chat_commands_;
  transport::metrics::Gauge& chat_queued_;
  transport::metrics::Gauge& store_available_;
  transport::metrics::Counter& store_outages_;
  transport::metrics::Family<transport::metrics::Counter>& rate_limited_;
  std::atomic<bool> draining_{false};
  std::atomic<std::size_t> max_calls_{0};
  std::atomic<std::int64_t> heartbeat_ms_{0};
};

}  // namespace parrot::bot
