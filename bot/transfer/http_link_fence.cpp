#include "bot/transfer/http_link_fence.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>

namespace parrot::bot::transfer {
namespace {

// Ranges from the IANA IPv4 and IPv6 Special-Purpose Address Registries
// (RFC 6890): anything a stranger's link could use to reach parrot's own
// host or network instead of the Internet.
AddressScope classify_v4(std::uint32_t a) noexcept {
  const auto in = [a](std::uint32_t net, int bits) {
    const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return (a & mask) == net;
  };
  if (in(0x00000000, 8)) return AddressScope::kUnspecified;
  if (in(0x7f000000, 8)) return AddressScope::kLoopback;
  if (in(0x0a000000, 8) || in(0xac100000, 12) || in(0xc0a80000, 16) || in(0x64400000, 10) || in(0xc0000000, 24))
    return AddressScope::kPrivate;
  if (in(0xa9fe0000, 16)) return AddressScope::kLinkLocal;
  if (in(0xe0000000, 4)) return AddressScope::kMulticast;
  // RFC 5737 documentation, RFC 2544 benchmarking, 240/4 and broadcast.
  if (in(0xc0000200, 24) || in(0xc6336400, 24) || in(0xcb007100, 24) || in(0xc6120000, 15) || in(0xf0000000, 4))
    return AddressScope::kReserved;
  return AddressScope::kPublic;
}

AddressScope classify_v6(const std::uint8_t* b) noexcept {
  static constexpr std::array<std::uint8_t, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static constexpr std::array<std::uint8_t, 12> kNat64{0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  static constexpr std::array<std::uint8_t, 12> kZero{};
  const auto v4 = [b] {
    return std::uint32_t{b[12]} << 24 | std::uint32_t{b[13]} << 16 | std::uint32_t{b[14]} << 8 | b[15];
  };
  if (std::memcmp(b, kZero.data(), 12) == 0) {
    // :: and ::1 themselves, else the deprecated IPv4-compatible form.
    const std::uint32_t low = v4();
    if (low == 0) return AddressScope::kUnspecified;
    if (low == 1) return AddressScope::kLoopback;
    return classify_v4(low);
  }
  // An IPv4 address wrapped in IPv6 reaches that IPv4 host (RFC 4291 §2.5.5.2,
  // RFC 6052 §2.1), so ::ffff:127.0.0.1 is loopback like 127.0.0.1.
  if (std::memcmp(b, kMapped.data(), 12) == 0 || std::memcmp(b, kNat64.data(), 12) == 0) return classify_v4(v4());
  if (b[0] == 0xff) return AddressScope::kMulticast;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressScope::kLinkLocal;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return AddressScope::kUniqueLocal;
  if ((b[0] & 0xfe) == 0xfc) return AddressScope::kUniqueLocal;
  // 2001:db8::/32 documentation; 100::/64 discard-only (RFC 6666).
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return AddressScope::kReserved;
  if (b[0] == 0x01 && b[1] == 0x00 && std::all_of(b + 2, b + 8, [](std::uint8_t x) { return x == 0; }))
    return AddressScope::kReserved;
  // 6to4 (2002::/16) carries an IPv4 address that decides where it goes.
  if (b[0] == 0x20 && b[1] == 0x02) {
    return classify_v4(std::uint32_t{b[2]} << 24 | std::uint32_t{b[3]} << 16 | std::uint32_t{b[4]} << 8 | b[5]);
  }
  return AddressScope::kPublic;
}

struct UrlFree {
  void operator()(CURLU* url) const noexcept { curl_url_cleanup(url); }
};
struct CurlFree {
  void operator()(char* text) const noexcept { curl_free(text); }
};

std::string url_part(CURLU* url, CURLUPart part) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, 0) != CURLUE_OK || raw == nullptr) return {};
  const std::unique_ptr<char, CurlFree> owned(raw);
  return raw;
}

}  // namespace

std::string_view to_string(AddressScope scope) noexcept {
  switch (scope) {
    case AddressScope::kPublic: return "public";
    case AddressScope::kUnspecified: return "unspecified";
    case AddressScope::kLoopback: return "loopback";
    case AddressScope::kPrivate: return "private";
    case AddressScope::kLinkLocal: return "link-local";
    case AddressScope::kUniqueLocal: return "unique-local";
    case AddressScope::kMulticast: return "multicast";
    case AddressScope::kReserved: return "reserved";
  }
  return "reserved";
}

AddressScope classify_address(const sockaddr* address, socklen_t length) noexcept {
  if (address == nullptr) return AddressScope::kReserved;
  if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in v4{};
    std::memcpy(&v4, address, sizeof v4);
    return classify_v4(ntohl(v4.sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 v6{};
    std::memcpy(&v6, address, sizeof v6);
    return classify_v6(v6.sin6_addr.s6_addr);
  }
  return AddressScope::kReserved;
}

std::optional<AddressScope> classify_address(std::string_view literal) {
  const std::string text(literal);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return classify_v4(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) return classify_v6(v6.s6_addr);
  return std::nullopt;
}

std::string normalize_host(std::string_view host) {
  std::string out(host);
  if (out.size() >= 2 && out.front() == '[' && out.back() == ']') out = out.substr(1, out.size() - 2);
  while (!out.empty() && out.back() == '.') out.pop_back();
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

UrlVerdict check_link_url(const std::string& url, const LinkFence& fence) {
  UrlVerdict verdict;
  // libcurl's own URL parser, so the host checked is the host it connects to.
  const std::unique_ptr<CURLU, UrlFree> parsed(curl_url());
  if (!parsed || url.size() > 8192 || url.find_first_of(" \t\r\n") != std::string::npos ||
      curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    verdict.refusal = "this is not a URL parrot can read";
    return verdict;
  }
  verdict.scheme = normalize_host(url_part(parsed.get(), CURLUPART_SCHEME));
  verdict.host = normalize_host(url_part(parsed.get(), CURLUPART_HOST));
  // XEP-0454 links carry the key in the fragment and are only sent inside
  // OMEMO, which parrot does not speak: say so rather than "not https".
  if (verdict.scheme == "aesgcm") {
    verdict.refusal = "aesgcm:// links are end-to-end encrypted uploads (XEP-0454), which parrot cannot decrypt";
    return verdict;
  }
  if (verdict.scheme != "https" && !(verdict.scheme == "http" && fence.allow_http)) {
    verdict.refusal = "only https:// links are fetched (XEP-0363 requires HTTPS), not " + verdict.scheme + "://";
    return verdict;
  }
  if (verdict.host.empty()) {
    verdict.refusal = "the link has no host";
    return verdict;
  }
  // Exact names only: a suffix match would let any subdomain of the sender's
  // domain in, and those may be hosted by anyone.
  if (std::find(fence.allowed_hosts.begin(), fence.allowed_hosts.end(), verdict.host) == fence.allowed_hosts.end()) {
    verdict.refusal = "only links to your own server's domain or its upload service are fetched, not " +
                      verdict.host;
  }
  return verdict;
}

}  // namespace parrot::bot::transfer
