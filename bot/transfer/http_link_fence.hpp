// The fence around HTTP Upload links: parrot fetches URLs that
// strangers send, so a link is followed only to an allowed host over HTTPS,
// and only to a public address as resolved by the connection itself (the
// SSRF guard, applied in libcurl's open-socket callback to the very address
// it connects, so DNS cannot change between check and connect).
#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parrot::bot::transfer {

// Where an address leads. Only kPublic is fetched without --allow-private-links.
enum class AddressScope {
  kPublic,
  kUnspecified,    // 0.0.0.0/8, ::
  kLoopback,       // 127.0.0.0/8, ::1
  kPrivate,        // RFC 1918, RFC 6598 shared (100.64/10), RFC 6890 special (192.0.0/24)
  kLinkLocal,      // 169.254/16, fe80::/10
  kUniqueLocal,    // fc00::/7 (RFC 4193), and deprecated site-local fec0::/10
  kMulticast,      // 224/4, ff00::/8
  kReserved,       // 240/4, broadcast, documentation and benchmarking ranges, unknown families
};
std::string_view to_string(AddressScope scope) noexcept;  // "loopback", "private", …

// IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible and NAT64 (64:ff9b::/96)
// IPv6 addresses are judged by the IPv4 address inside them.
AddressScope classify_address(const sockaddr* address, socklen_t length) noexcept;
// A literal ("10.1.2.3", "fe80::1"); nullopt when it is not one.
std::optional<AddressScope> classify_address(std::string_view literal);

struct LinkFence {
  bool allow_http = false;                 // --allow-http-links (tests only)
  bool allow_private = false;              // --allow-private-links
  std::vector<std::string> allowed_hosts;  // lowercase host names or IP literals, exact match
};

struct UrlVerdict {
  std::string host;     // lowercase, brackets of IPv6 literals removed
  std::string scheme;   // "https" or "http"
  std::string refusal;  // empty when the URL may be fetched; else why not, for the sender
};

// Scheme and host of `url` against the fence (addresses are checked at connect time).
UrlVerdict check_link_url(const std::string& url, const LinkFence& fence);

// Lowercase, without a trailing dot: how hosts are compared.
std::string normalize_host(std::string_view host);

}  // namespace parrot::bot::transfer
