// HTTP Upload links: a contact shares a file as a link (XEP-0363
// URL in the body and XEP-0066 oob, XEP-0447/0446 metadata from Dino);
// parrot downloads it, hashes it as it streams, never stores it, and sends
// back the file report. Fenced (http_link_fence.hpp): HTTPS only, hosts on an
// allow-list (the sender's domain, the upload services XEP-0363 §3 disco
// finds on it, --link-allow-host), public addresses only, size, time and
// idle caps, at most 3 redirects each checked again.
//
// Threads: every member runs on the control thread. Each download runs on a
// thread of its own (see http_links.cpp for why) and its outcome comes back
// through the control context.
#pragma once

#include <glib.h>
#include <gloox/tag.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bot/chat/token_bucket.hpp"
#include "bot/store/report_store.hpp"
#include "bot/transfer/file_report.hpp"
#include "bot/transfer/transfer_load.hpp"
#include "bot/transfer/http_link_fence.hpp"
#include "bot/transfer/http_link_fetch.hpp"
#include "bot/transfer/http_link_message.hpp"
#include "transport/worker/control_post.hpp"
#include "transport/worker/thread_confined.hpp"

namespace parrot::bot {
class BotMetrics;
}

namespace parrot::bot::transfer {

struct HttpLinkOptions {
  TransferLimits limits;
  bool allow_http = false;
  bool allow_private = false;
  std::vector<std::string> extra_hosts;  // --link-allow-host
  std::string ca_file;                   // --link-ca-file
  std::chrono::seconds total{300};       // --link-timeout-seconds, a whole download
  std::string user_agent = "parrot";
  std::vector<std::string> resolve;  // --link-resolve HOST:PORT:ADDRESS
};

class HttpLinks {
 public:
  using Send = std::function<void(std::unique_ptr<gloox::Tag>)>;
  // `reports` may be null (tests); `send` sends a stanza if online.
  HttpLinks(GMainContext* control, ReportStore* reports, HttpLinkOptions options, Send send);
  // Cancels running downloads and waits for their threads (each notices
  // within a second).
  ~HttpLinks();
  HttpLinks(const HttpLinks&) = delete;
  HttpLinks& operator=(const HttpLinks&) = delete;

  // A received <message/>: true when it shares a file (it is then handled
  // here and must not be echoed as chat).
  bool on_message(const gloox::Tag& message);
  // This mechanism's share of the limits, and the load of all of them (not
  // owned; nullptr: this mechanism alone counts).
  TransferCount own_load(const std::string& bare_jid) const;
  void set_load(const TransferLoad* load) noexcept { load_ = load; }
  // Counts each ended transfer (App's metrics; null: not counted).
  void set_metrics(BotMetrics* metrics) noexcept { metrics_ = metrics; }
  // Reloaded limits (or a drain's), for offers from now on.
  void set_limits(const TransferLimits& limits) noexcept { options_.limits = limits; }
  // An <iq type='result'|'error'/> whose id is one of parrot's disco queries:
  // true when it was one.
  bool on_iq_reply(const gloox::Tag& iq);
  static bool is_our_iq_id(const std::string& id);

  std::size_t running() const noexcept { return running_.size(); }

 private:
  struct Running;
  struct Waiting {
    std::string peer;  // full JID
    std::string id;
    LinkOffer offer;
  };
  // XEP-0363 §3: the upload services of one domain, discovered once.
  struct DomainServices {
    bool known = false;
    std::vector<std::string> hosts;
    std::size_t outstanding = 0;
    std::chrono::steady_clock::time_point asked;
    std::vector<Waiting> waiting;
    guint deadline = 0;
  };
  // Dino's first message carries the metadata, the second the link
  // (docs/client-quirks.md#dino-files).
  struct PendingMetadata {
    std::string sfs_id;
    std::string message_id;
    FileMetadata metadata;
  };

  void handle_offer(const std::string& peer, LinkOffer offer);
  void start_or_wait(Waiting waiting);
  void start(Waiting waiting, LinkFence fence);
  void ask_disco(const std::string& domain);
  void send_iq(const std::string& to, const char* query_ns, const std::string& domain);
  void domain_known(const std::string& domain);
  void on_finished(const std::string& id, FetchOutcome outcome);
  void refuse(const Waiting& waiting, const std::string& why);
  void report(FileFacts facts);
  void say(const std::string& to, const std::string& text);
  std::vector<std::string> allowed_hosts(const std::string& domain) const;

  GMainContext* control_;
  ReportStore* reports_;
  HttpLinkOptions options_;
  const TransferLoad* load_ = nullptr;
  BotMetrics* metrics_ = nullptr;
  Send send_;
  std::map<std::string, std::unique_ptr<Running>> running_;  // by transfer id
  std::map<std::string, DomainServices> domains_;
  std::map<std::string, std::pair<std::string, std::string>> queries_;  // iq id -> (domain, queried JID)
  std::map<std::string, std::vector<PendingMetadata>> metadata_;        // by bare JID, newest last
  // Each link costs a report (and a download): a burst of 10, then one
  // every 5 s per contact; beyond that one notice, then silence.
  SenderRateLimiter limiter_{0.2, 10};
  std::uint64_t counter_ = 0;
  std::string id_prefix_;
  transport::ThreadConfined control_thread_;  // every member runs on the control thread
  transport::Liveness liveness_;             // fetch threads post back only while it lives
};

}  // namespace parrot::bot::transfer
