// One HTTP Upload download, blocking, on the thread that calls it:
// libcurl streams the body through a StreamHasher and nothing is stored.
// Every hop (at most max_redirects redirects) is checked against the
// LinkFence before it starts, and every address libcurl is about to connect
// to is checked in its open-socket callback; size, total time and idle time
// are capped.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/transfer/file_report.hpp"
#include "bot/transfer/http_link_fence.hpp"
#include "transport/bytestream/stream_hasher.hpp"

namespace parrot::bot::transfer {

struct FetchLimits {
  std::uint64_t max_bytes = std::uint64_t{4} << 30;  // Content-Length and bytes counted
  std::chrono::seconds total{300};                    // --link-timeout-seconds, all hops together
  std::chrono::seconds idle{30};                      // no byte for this long: cut off
  int max_redirects = 3;
  std::string ca_file;  // extra trusted CA (PEM); empty: the system store
  std::string user_agent = "parrot";
  // "HOST:PORT:ADDRESS" entries that bypass DNS (curl's --resolve), for tests
  // whose hosts have no DNS; the address fence still applies to them.
  std::vector<std::string> resolve;
};

struct FetchOutcome {
  TransferEnd end = TransferEnd::kFailed;  // kComplete, kFailed, kRefused or kCancelled
  std::string failure;                     // for the sender, when not kComplete
  std::uint64_t bytes = 0;                 // body bytes of the final response, all hashed
  std::optional<std::uint64_t> content_length;
  std::string content_type;
  std::vector<transport::bytestream::Digest> digests;  // over `bytes`
  double duration_s = 0;                               // from the first request to the end
  std::string final_url;
  int redirects = 0;
  std::string scheme;  // of the final hop: "https" or "http"
};

// Called once per process before any thread fetches (curl_global_init).
void init_http_fetch();

// `algorithms` must all be StreamHasher::supported(). `cancel` is polled at
// least once a second. Never throws (except std::bad_alloc).
FetchOutcome fetch_link(const std::string& url, const LinkFence& fence, const FetchLimits& limits,
                        const std::vector<std::string>& algorithms, const std::atomic<bool>& cancel);

}  // namespace parrot::bot::transfer
