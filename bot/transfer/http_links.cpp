#include "bot/transfer/http_links.hpp"

#include <gloox/jid.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "bot/metrics.hpp"
#include "bot/report_text.hpp"
#include "bot/xmpp/jid.hpp"
#include "transport/worker/worker.hpp"

namespace parrot::bot::transfer {
namespace {

constexpr const char* kIqPrefix = "parrot-link-";
constexpr const char* kDiscoItems = "http://jabber.org/protocol/disco#items";
constexpr const char* kDiscoInfo = "http://jabber.org/protocol/disco#info";
constexpr const char* kUploadFeature = "urn:xmpp:http:upload:0";  // XEP-0363 §3
constexpr auto kDiscoWait = std::chrono::seconds(10);
constexpr auto kDiscoCacheLife = std::chrono::hours(1);
constexpr std::size_t kMaxDiscoItems = 64;
constexpr std::size_t kMaxPendingMetadata = 8;         // per contact
constexpr std::size_t kMaxContactsWithMetadata = 1000;  // beyond: another contact's are dropped
constexpr std::size_t kMaxWaitingPerDomain = 32;

std::string domain_of(const std::string& jid) {
  const std::string bare = parrot::xmpp::bare_jid(jid);
  const auto at = bare.find('@');
  return normalize_host(at == std::string::npos ? bare : bare.substr(at + 1));
}

// The last path segment of the URL, for reports when no name came with it.
std::string name_from_url(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  const auto scheme = path.find("://");
  if (scheme != std::string::npos) path = path.substr(scheme + 3);
  const auto slash = path.rfind('/');
  if (slash == std::string::npos || slash + 1 >= path.size()) return {};
  return path.substr(slash + 1, 256);
}

}  // namespace

// A download's own thread and what the control thread knows of it. libcurl's
// easy interface blocks, and the media workers also carry calls' real-time
// packets, so a download never runs on them; a thread per download (at most
// --max-transfers of them) keeps the code plain, and the only wait on the
// control thread is the join of a thread that has already posted its result.
struct HttpLinks::Running {
  FileFacts facts;
  std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
  std::thread thread;
};

HttpLinks::HttpLinks(GMainContext* control, ReportStore* reports, HttpLinkOptions options, Send send)
    : control_(control), reports_(reports), options_(std::move(options)), send_(std::move(send)) {
  init_http_fetch();
  for (auto& host : options_.extra_hosts) host = normalize_host(host);
  std::random_device random;
  id_prefix_ = std::to_string(random() % 1000000) + "-";
}

HttpLinks::~HttpLinks() {
  liveness_.end();
  for (auto& [id, running] : running_) running->cancel->store(true);
  for (auto& [id, running] : running_) {
    if (running->thread.joinable()) running->thread.join();
  }
  for (auto& [domain, services] : domains_) {
    if (services.deadline) {
      if (GSource* source = g_main_context_find_source_by_id(control_, services.deadline)) g_source_destroy(source);
    }
  }
}

bool HttpLinks::is_our_iq_id(const std::string& id) { return id.rfind(kIqPrefix, 0) == 0; }

bool HttpLinks::on_message(const gloox::Tag& message) {
  control_thread_.check("HttpLinks::on_message");
  const std::string from = message.findAttribute("from");
  if (from.empty()) return false;
  auto offer = parse_link_message(message);
  if (!offer) return false;
  const gloox::JID sender(from);
  if (!sender) return false;
  const std::string peer = sender.full();
  switch (limiter_.check(sender.bare(), Clock::now())) {
    case SenderRateLimiter::Verdict::kAllow: break;
    case SenderRateLimiter::Verdict::kRefuseWithNotice:
      if (metrics_) metrics_->rate_limited(RateLimiter::kFileLinks);
      say(peer, "Too many file links at once; parrot ignores yours for a few seconds.");
      return true;
    case SenderRateLimiter::Verdict::kRefuseSilently:
      if (metrics_) metrics_->rate_limited(RateLimiter::kFileLinks);
      return true;
  }
  if (metadata_.size() >= kMaxContactsWithMetadata && !metadata_.contains(sender.bare())) {
    metadata_.erase(metadata_.begin());
  }
  auto& pending = metadata_[sender.bare()];
  if (offer->url.empty()) {
    if (offer->metadata) {
      // Dino's first message: keep the metadata for the link that follows.
      pending.push_back(PendingMetadata{offer->sfs_id, offer->message_id, *offer->metadata});
      if (pending.size() > kMaxPendingMetadata) pending.erase(pending.begin());
      return true;
    }
    if (pending.empty()) metadata_.erase(sender.bare());
    refuse(Waiting{peer, "", *offer}, "the shared file names no URL parrot could fetch");
    return true;
  }
  if (!offer->metadata) {
    const auto match = std::find_if(pending.begin(), pending.end(), [&](const PendingMetadata& m) {
      return (!offer->sfs_id.empty() && m.sfs_id == offer->sfs_id) ||
             (!offer->attach_to.empty() && m.message_id == offer->attach_to);
    });
    if (match != pending.end()) {
      offer->metadata = match->metadata;
      pending.erase(match);
    }
  }
  if (pending.empty()) metadata_.erase(sender.bare());
  handle_offer(peer, std::move(*offer));
  return true;
}

void HttpLinks::handle_offer(const std::string& peer, LinkOffer offer) {
  Waiting waiting{peer, "link-" + id_prefix_ + std::to_string(++counter_), std::move(offer)};
  const std::string bare = parrot::xmpp::bare_jid(peer);
  const TransferCount load = load_ ? load_->of(bare) : own_load(bare);
  // Refusals before any network work, so a flood of links costs nothing but
  // the reports.
  if (load_ && load_->draining()) return refuse(waiting, kDrainingRefusal);
  if (load.total >= options_.limits.max_transfers) {
    return refuse(waiting, "parrot is busy with " + std::to_string(load.total) + " transfers; try again later");
  }
  if (load.for_contact >= options_.limits.max_per_contact) {
    return refuse(waiting, "you already have " + counted(load.for_contact, "transfer") + " running with parrot");
  }
  const std::uint64_t max_bytes = options_.limits.max_file_bytes;
  if (waiting.offer.metadata && waiting.offer.metadata->size && *waiting.offer.metadata->size > max_bytes) {
    return refuse(waiting, "the file is " + std::to_string(*waiting.offer.metadata->size) +
                               " bytes, more than parrot's limit of " + std::to_string(max_bytes) + " bytes");
  }
  start_or_wait(std::move(waiting));
}

std::vector<std::string> HttpLinks::allowed_hosts(const std::string& domain) const {
  std::vector<std::string> hosts = options_.extra_hosts;
  hosts.push_back(domain);
  if (const auto found = domains_.find(domain); found != domains_.end()) {
    hosts.insert(hosts.end(), found->second.hosts.begin(), found->second.hosts.end());
  }
  return hosts;
}

void HttpLinks::start_or_wait(Waiting waiting) {
  const std::string domain = domain_of(waiting.peer);
  LinkFence fence{options_.allow_http, options_.allow_private, allowed_hosts(domain)};
  const UrlVerdict verdict = check_link_url(waiting.offer.url, fence);
  if (verdict.refusal.empty()) return start(std::move(waiting), std::move(fence));
  // Only a refusal for the host alone is worth a disco round: a bad scheme
  // or URL stays refused whatever the domain's services are.
  const bool host_only = !verdict.host.empty() &&
                         check_link_url(waiting.offer.url, LinkFence{options_.allow_http, options_.allow_private,
                                                                     {verdict.host}})
                             .refusal.empty();
  auto& services = domains_[domain];
  const bool fresh = services.known && std::chrono::steady_clock::now() - services.asked < kDiscoCacheLife;
  if (!host_only || fresh) return refuse(waiting, verdict.refusal);
  // The host may be the domain's upload service: ask disco (XEP-0363 §3)
  // once, and let every link from that domain wait for the answer.
  if (services.waiting.size() >= kMaxWaitingPerDomain) return refuse(waiting, "too many links are waiting; try again later");
  services.waiting.push_back(std::move(waiting));
  if (services.outstanding == 0 && services.deadline == 0) ask_disco(domain);
}

void HttpLinks::ask_disco(const std::string& domain) {
  auto& services = domains_[domain];
  services.known = false;
  services.hosts.clear();
  services.asked = std::chrono::steady_clock::now();
  services.outstanding = 1;
  send_iq(domain, kDiscoItems, domain);
  struct Deadline {
    HttpLinks* self;
    std::string domain;
  };
  GSource* source = g_timeout_source_new_seconds(static_cast<guint>(kDiscoWait.count()));
  g_source_set_callback(
      source,
      [](gpointer data) -> gboolean {
        auto* deadline = static_cast<Deadline*>(data);
        auto& entry = deadline->self->domains_[deadline->domain];
        entry.deadline = 0;
        spdlog::info("links: disco of {} unanswered; going on with what is known", deadline->domain);
        deadline->self->domain_known(deadline->domain);
        return G_SOURCE_REMOVE;
      },
      new Deadline{this, domain}, [](gpointer data) { delete static_cast<Deadline*>(data); });
  services.deadline = g_source_attach(source, control_);
  g_source_unref(source);
}

void HttpLinks::send_iq(const std::string& to, const char* query_ns, const std::string& domain) {
  const std::string id = kIqPrefix + id_prefix_ + std::to_string(++counter_);
  auto iq = std::make_unique<gloox::Tag>("iq");
  iq->addAttribute("type", "get");
  iq->addAttribute("to", to);
  iq->addAttribute("id", id);
  new gloox::Tag(iq.get(), "query", "xmlns", query_ns);
  queries_[id] = {domain, normalize_host(to)};
  send_(std::move(iq));
}

bool HttpLinks::on_iq_reply(const gloox::Tag& iq) {
  control_thread_.check("HttpLinks::on_iq_reply");
  const auto found = queries_.find(iq.findAttribute("id"));
  if (found == queries_.end()) return false;
  const auto [domain, queried] = found->second;
  // A reply from anyone but the JID asked is not an answer (RFC 6120 §8.1.2.1).
  if (normalize_host(iq.findAttribute("from")) != queried) return true;
  // Each answer, result or error, settles one query; the domain is known
  // when none is left (or at the deadline).
  queries_.erase(found);
  auto& services = domains_[domain];
  if (iq.findAttribute("type") == "result") {
    if (const gloox::Tag* query = iq.findChild("query", "xmlns", kDiscoItems)) {
      std::size_t asked = 0;
      for (const gloox::Tag* item : query->findChildren("item")) {
        const std::string jid = item->findAttribute("jid");
        if (jid.empty() || item->hasAttribute("node") || asked >= kMaxDiscoItems) continue;
        ++asked;
        ++services.outstanding;
        send_iq(jid, kDiscoInfo, domain);
      }
    } else if (const gloox::Tag* info = iq.findChild("query", "xmlns", kDiscoInfo)) {
      for (const gloox::Tag* feature : info->findChildren("feature")) {
        if (feature->findAttribute("var") == kUploadFeature) {
          spdlog::info("links: {} offers HTTP Upload; its links are fetched", queried);
          services.hosts.push_back(queried);
          break;
        }
      }
    }
  }
  if (services.outstanding > 0 && --services.outstanding == 0) domain_known(domain);
  return true;
}

void HttpLinks::domain_known(const std::string& domain) {
  auto& services = domains_[domain];
  services.known = true;
  services.outstanding = 0;
  if (services.deadline) {
    if (GSource* source = g_main_context_find_source_by_id(control_, services.deadline)) g_source_destroy(source);
    services.deadline = 0;
  }
  // Late disco answers are ignored from now on.
  std::erase_if(queries_, [&](const auto& entry) { return entry.second.first == domain; });
  auto waiting = std::move(services.waiting);
  services.waiting.clear();
  for (auto& link : waiting) start_or_wait(std::move(link));
}

void HttpLinks::start(Waiting waiting, LinkFence fence) {
  auto running = std::make_unique<Running>();
  FileFacts& facts = running->facts;
  facts.id = waiting.id;
  facts.peer = waiting.peer;
  facts.started = std::chrono::system_clock::now();
  facts.mechanism = "http-upload";
  facts.transport = "HTTPS";
  facts.name = name_from_url(waiting.offer.url);
  // SHA-256 and SHA-1 always (every client sends one of them), plus whatever the sender advertised
  // and OpenSSL has, so every advertised hash that can be compared is.
  std::vector<std::string> algorithms{"sha-256", "sha-1"};
  if (const auto& meta = waiting.offer.metadata) {
    if (!meta->name.empty()) facts.name = meta->name;
    facts.size = meta->size;
    facts.media_type = meta->media_type;
    facts.advertised = meta->hashes;
    for (const auto& [algorithm, hex] : meta->hashes) {
      if (transport::bytestream::StreamHasher::supported(algorithm) &&
          std::find(algorithms.begin(), algorithms.end(), algorithm) == algorithms.end()) {
        algorithms.push_back(algorithm);
      }
    }
  }
  FetchLimits limits;
  limits.max_bytes = options_.limits.max_file_bytes;
  limits.total = options_.total;
  limits.idle = options_.limits.idle;
  limits.ca_file = options_.ca_file;
  limits.user_agent = options_.user_agent;
  limits.resolve = options_.resolve;
  spdlog::info("links: fetching {} for {} (id {})", waiting.offer.url, waiting.peer, waiting.id);
  say(waiting.peer, "Fetching " + (facts.name.empty() ? waiting.offer.url : facts.name) + " …");
  running->thread = std::thread([url = waiting.offer.url, fence = std::move(fence), limits = std::move(limits),
                                 algorithms = std::move(algorithms), cancel = running->cancel,
                                 to_control = transport::ControlPost<HttpLinks>(control_, *this, liveness_),
                                 id = waiting.id]() mutable {
    auto outcome = std::make_shared<FetchOutcome>(fetch_link(url, fence, limits, algorithms, *cancel));
    to_control([id, outcome](HttpLinks& self) { self.on_finished(id, std::move(*outcome)); });
  });
  running_.emplace(waiting.id, std::move(running));
}

void HttpLinks::on_finished(const std::string& id, FetchOutcome outcome) {
  control_thread_.check("HttpLinks::on_finished");
  const auto found = running_.find(id);
  if (found == running_.end()) return;
  std::unique_ptr<Running> running = std::move(found->second);
  running_.erase(found);
  if (running->thread.joinable()) running->thread.join();
  FileFacts facts = std::move(running->facts);
  facts.duration_s = outcome.duration_s;
  facts.bytes_received = outcome.bytes;
  facts.end = outcome.end;
  facts.failure = outcome.failure;
  if (outcome.scheme == "http") facts.transport = "HTTP";
  if (!facts.size) facts.size = outcome.content_length;
  if (facts.media_type.empty()) facts.media_type = outcome.content_type;
  for (const auto& digest : outcome.digests) facts.digests[digest.algorithm] = digest.hex();
  if (outcome.redirects > 0) spdlog::info("links: {} followed {} redirects to {}", id, outcome.redirects, outcome.final_url);
  report(std::move(facts));
}

void HttpLinks::refuse(const Waiting& waiting, const std::string& why) {
  FileFacts facts;
  facts.id = waiting.id.empty() ? "link-" + id_prefix_ + std::to_string(++counter_) : waiting.id;
  facts.peer = waiting.peer;
  facts.started = std::chrono::system_clock::now();
  facts.mechanism = "http-upload";
  facts.transport = "HTTPS";
  facts.name = name_from_url(waiting.offer.url);
  if (const auto& meta = waiting.offer.metadata) {
    if (!meta->name.empty()) facts.name = meta->name;
    facts.size = meta->size;
    facts.media_type = meta->media_type;
    facts.advertised = meta->hashes;
  }
  facts.end = TransferEnd::kRefused;
  facts.failure = why;
  report(std::move(facts));
}

void HttpLinks::report(FileFacts facts) {
  if (metrics_) metrics_->transfer_ended(facts);
  const std::string text = summary(facts);
  const std::string json = report_json(facts).dump();
  spdlog::info("links: {} from {}: {}", facts.id, facts.peer, text);
  send_(report_message(facts.peer, text, json));
  if (reports_ != nullptr) {
    reports_->add(StoredReport{0, parrot::xmpp::bare_jid(facts.peer), "file",
                               std::chrono::duration_cast<std::chrono::seconds>(facts.started.time_since_epoch()).count(),
                               text, json});
  }
}

// A plain chat line with no report element: clients show it, and other
// bots' echo rules treat it as chat.
void HttpLinks::say(const std::string& to, const std::string& text) {
  auto message = std::make_unique<gloox::Tag>("message");
  message->addAttribute("to", to);
  message->addAttribute("type", "chat");
  new gloox::Tag(message.get(), "body", text);
  send_(std::move(message));
}

TransferCount HttpLinks::own_load(const std::string& bare_jid) const {
  const auto from_contact = std::count_if(running_.begin(), running_.end(), [&](const auto& entry) {
    return parrot::xmpp::bare_jid(entry.second->facts.peer) == bare_jid;
  });
  return TransferCount{running_.size(), static_cast<std::size_t>(from_contact)};
}

}  // namespace parrot::bot::transfer
