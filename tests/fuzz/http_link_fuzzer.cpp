// Hostile link messages (bot/transfer/http_link_*): bytes through gloox's XML
// parser into parse_link_message (oob, body URL, XEP-0447/0446 metadata and
// hashes), each URL found through the fence's URL check, and the input's
// first line as an address literal. Checks: every advertised hash is
// lowercase hex of a whole digest, a URL is only ever accepted for a host on
// the list and with https (http not allowed here), and the fence never lets a
// loopback literal count as public.
#include <gloox/parser.h>
#include <gloox/taghandler.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bot/transfer/http_link_fence.hpp"
#include "bot/transfer/http_link_message.hpp"

namespace {

using namespace parrot::bot::transfer;

void check(bool ok) {
  if (!ok) std::abort();
}

struct Collector : gloox::TagHandler {
  void handleTag(gloox::Tag* tag) override {
    if (tag == nullptr) return;
    const auto offer = parse_link_message(*tag);
    if (!offer) return;
    if (offer->metadata) {
      for (const auto& [algorithm, hex] : offer->metadata->hashes) {
        check(!algorithm.empty() && !hex.empty() && hex.size() % 2 == 0 && hex.size() <= 128);
        check(hex.find_first_not_of("0123456789abcdef") == std::string::npos);
      }
    }
    if (offer->url.empty()) return;
    LinkFence fence;
    fence.allowed_hosts = {"upload.example.org"};
    const UrlVerdict verdict = check_link_url(offer->url, fence);
    if (verdict.refusal.empty()) {
      check(verdict.scheme == "https");
      check(verdict.host == "upload.example.org");
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  const std::string first_line = text.substr(0, text.find('\n'));
  if (const auto scope = classify_address(first_line)) {
    if (first_line == "127.0.0.1" || first_line == "::1") check(*scope == AddressScope::kLoopback);
  }
  Collector collector;
  gloox::Parser parser(&collector);
  parser.feed(text);
  return 0;
}
