#include "bot/transfer/http_link_fetch.hpp"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include <fmt/format.h>

namespace parrot::bot::transfer {
namespace {

using Clock = std::chrono::steady_clock;

// What the callbacks share with fetch_link for one hop.
struct Hop {
  const LinkFence* fence = nullptr;
  const FetchLimits* limits = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  CURL* curl = nullptr;
  transport::bytestream::StreamHasher* hasher = nullptr;
  long status = 0;
  bool headers_done = false;
  std::uint64_t bytes = 0;            // body bytes of a 2xx response
  std::uint64_t discarded = 0;        // body bytes of a redirect
  std::optional<std::uint64_t> content_length;
  Clock::time_point last_byte;
  std::string refusal;  // the fence or the size cap said no
  std::string failure;  // stalled, HTTP error
  bool cancelled = false;
};

constexpr std::uint64_t kMaxRedirectBody = 64 * 1024;
constexpr long kReceiveBufferBytes = 256 * 1024;

// CURLOPT_OPENSOCKETFUNCTION: the SSRF check, on the address libcurl is
// about to connect, after its own DNS resolution, so no other lookup can
// answer differently in between.
curl_socket_t open_socket(void* data, curlsocktype purpose, curl_sockaddr* address) {
  auto* hop = static_cast<Hop*>(data);
  // Only outgoing TCP connections are expected (no FTP data channels here).
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  const AddressScope scope = classify_address(&address->addr, address->addrlen);
  if (scope != AddressScope::kPublic && !hop->fence->allow_private) {
    hop->refusal = fmt::format("the link's host resolves to a {} address, which parrot does not fetch",
                               to_string(scope));
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* hop = static_cast<Hop*>(user);
  const std::size_t length = size * count;
  const std::string_view line(data, length);
  if (line.rfind("HTTP/", 0) == 0) {
    hop->headers_done = false;  // a new response (after 1xx)
    return length;
  }
  if (line != "\r\n" && line != "\n") return length;
  curl_easy_getinfo(hop->curl, CURLINFO_RESPONSE_CODE, &hop->status);
  if (hop->status < 200) return length;  // 100 Continue and friends
  hop->headers_done = true;
  // A redirect's body is discarded, so its length is not the file's.
  if (hop->status >= 300 && hop->status < 400) return length;
  if (hop->status >= 300) {
    hop->failure = fmt::format("the server answered HTTP {}", hop->status);
    return 0;
  }
  // Refuse before the first body byte when the server admits the size;
  // without Content-Length the bytes counted in on_body enforce the cap.
  curl_off_t length_header = -1;
  if (curl_easy_getinfo(hop->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length_header) == CURLE_OK &&
      length_header >= 0) {
    hop->content_length = static_cast<std::uint64_t>(length_header);
    if (*hop->content_length > hop->limits->max_bytes) {
      hop->refusal = fmt::format("the file is {} bytes, more than parrot's limit of {} bytes", *hop->content_length,
                                 hop->limits->max_bytes);
      return 0;
    }
  }
  return length;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* hop = static_cast<Hop*>(user);
  const std::size_t length = size * count;
  hop->last_byte = Clock::now();
  if (hop->status >= 300) {
    hop->discarded += length;
    return hop->discarded > kMaxRedirectBody ? 0 : length;
  }
  if (hop->bytes + length > hop->limits->max_bytes) {
    hop->refusal = fmt::format("the file is larger than parrot's limit of {} bytes", hop->limits->max_bytes);
    return 0;
  }
  hop->bytes += length;
  hop->hasher->update(std::string_view(data, length));
  return length;
}

// Called at least once a second while the transfer runs: the idle cut-off
// (libcurl's low-speed limit cannot say which limit fired) and cancellation.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* hop = static_cast<Hop*>(user);
  if (hop->cancel->load(std::memory_order_relaxed)) {
    hop->cancelled = true;
    return 1;
  }
  if (Clock::now() - hop->last_byte >= hop->limits->idle) {
    hop->failure = fmt::format("the server sent nothing for {} s, so parrot cut the download off",
                               hop->limits->idle.count());
    return 1;
  }
  return 0;
}

struct EasyFree {
  void operator()(CURL* curl) const noexcept { curl_easy_cleanup(curl); }
};
struct ListFree {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};

}  // namespace

void init_http_fetch() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

FetchOutcome fetch_link(const std::string& url, const LinkFence& fence, const FetchLimits& limits,
                        const std::vector<std::string>& algorithms, const std::atomic<bool>& cancel) {
  init_http_fetch();
  FetchOutcome outcome;
  const auto started = Clock::now();
  const auto finish = [&](TransferEnd end, std::string why, transport::bytestream::StreamHasher* hasher) {
    outcome.end = end;
    outcome.failure = std::move(why);
    outcome.duration_s = std::chrono::duration<double>(Clock::now() - started).count();
    if (hasher != nullptr) {
      try {
        outcome.digests = hasher->finish();
      } catch (const std::exception& e) {
        outcome.end = TransferEnd::kFailed;
        outcome.failure = std::string("hashing failed: ") + e.what();
      }
    }
    return outcome;
  };

  std::unique_ptr<curl_slist, ListFree> resolve;
  for (const auto& entry : limits.resolve) {
    curl_slist* grown = curl_slist_append(resolve.get(), entry.c_str());
    if (grown == nullptr) return finish(TransferEnd::kFailed, "out of memory", nullptr);
    resolve.release();
    resolve.reset(grown);
  }
  std::string current = url;
  for (int hop_index = 0;; ++hop_index) {
    const UrlVerdict verdict = check_link_url(current, fence);
    outcome.final_url = current;
    outcome.scheme = verdict.scheme;
    if (!verdict.refusal.empty()) {
      return finish(TransferEnd::kRefused, hop_index == 0 ? verdict.refusal : "a redirect went elsewhere: " + verdict.refusal,
                    nullptr);
    }
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(limits.total - (Clock::now() - started));
    if (remaining.count() <= 0) return finish(TransferEnd::kFailed, "the download took too long", nullptr);

    // A fresh handle per hop: no connection, cookie or header state carries
    // over from a host the next hop may not share.
    const std::unique_ptr<CURL, EasyFree> curl(curl_easy_init());
    if (!curl) return finish(TransferEnd::kFailed, "libcurl could not start", nullptr);
    transport::bytestream::StreamHasher hasher(algorithms);
    Hop hop;
    hop.fence = &fence;
    hop.limits = &limits;
    hop.cancel = &cancel;
    hop.curl = curl.get();
    hop.hasher = &hasher;
    hop.last_byte = Clock::now();
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, current.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, fence.allow_http ? "http,https" : "https");
    // Redirects are followed here, not by libcurl, so each target meets the
    // same fence (scheme and host) before it is requested.
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");  // no proxy from the environment: the fence sees the real peer
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    // libcurl's 16 KiB default means a callback and two small digest updates
    // per TLS record; 256 KiB (as the bytestream reader uses) cuts both.
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!limits.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, limits.ca_file.c_str());
    if (resolve) curl_easy_setopt(c, CURLOPT_RESOLVE, resolve.get());
    curl_easy_setopt(c, CURLOPT_USERAGENT, limits.user_agent.c_str());
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min<std::int64_t>(remaining.count(), limits.idle.count() * 1000)));
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &hop);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hop);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &hop);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &hop);
    char error_text[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);

    const CURLcode code = curl_easy_perform(c);
    outcome.bytes = hop.bytes;
    outcome.content_length = hop.content_length;
    if (char* type = nullptr; curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type) {
      outcome.content_type = type;
    }
    // The callbacks' own reasons are clearer than libcurl's "callback aborted".
    if (hop.cancelled) return finish(TransferEnd::kCancelled, "parrot is shutting down", &hasher);
    if (!hop.refusal.empty()) return finish(TransferEnd::kRefused, hop.refusal, &hasher);
    if (!hop.failure.empty()) return finish(TransferEnd::kFailed, hop.failure, &hasher);
    if (code == CURLE_OPERATION_TIMEDOUT) {
      return finish(TransferEnd::kFailed,
                    fmt::format("the download did not finish within parrot's {} s limit", limits.total.count()),
                    &hasher);
    }
    if (code != CURLE_OK) {
      return finish(TransferEnd::kFailed, std::string("download failed: ") + (*error_text ? error_text : curl_easy_strerror(code)),
                    &hasher);
    }
    if (hop.status >= 300 && hop.status < 400) {
      char* location = nullptr;
      if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location) != CURLE_OK || location == nullptr) {
        return finish(TransferEnd::kFailed, fmt::format("HTTP {} without a usable Location", hop.status), nullptr);
      }
      if (++outcome.redirects > limits.max_redirects) {
        return finish(TransferEnd::kRefused, fmt::format("more than {} redirects", limits.max_redirects), nullptr);
      }
      current = location;
      continue;
    }
    return finish(TransferEnd::kComplete, {}, &hasher);
  }
}

}  // namespace parrot::bot::transfer
