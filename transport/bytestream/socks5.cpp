#include "transport/bytestream/socks5.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

#include "transport/bytestream/stream_hasher.hpp"

namespace parrot::transport::bytestream {

namespace {

constexpr std::uint8_t kVersion = 0x05;
constexpr std::uint8_t kMethodNoAuth = 0x00;
constexpr std::uint8_t kMethodNoneAcceptable = 0xFF;
constexpr std::uint8_t kCommandConnect = 0x01;
constexpr std::uint8_t kAtypIpv4 = 0x01;
constexpr std::uint8_t kAtypDomain = 0x03;
constexpr std::uint8_t kAtypIpv6 = 0x04;

std::uint8_t at(const std::vector<std::byte>& buffer, std::size_t index) {
  return static_cast<std::uint8_t>(buffer[index]);
}

void push(std::vector<std::byte>& out, std::uint8_t value) { out.push_back(std::byte{value}); }

// Both sides read the same way: copy only what the current message still
// needs (needed()), so the buffer never exceeds one message and bytes after
// the handshake stay with the caller; hand each whole message on.
template <typename Busy, typename Needed, typename OnMessage>
void feed_messages(std::vector<std::byte>& buffer, std::span<const std::byte> input, Socks5Step& step, Busy busy,
                   Needed needed, OnMessage on_message) {
  while (busy() && step.consumed < input.size()) {
    const std::size_t take = std::min(needed(), input.size() - step.consumed);
    buffer.insert(buffer.end(), input.begin() + static_cast<std::ptrdiff_t>(step.consumed),
                  input.begin() + static_cast<std::ptrdiff_t>(step.consumed + take));
    step.consumed += take;
    if (needed() == 0) on_message();
  }
}

// Length of the request/reply being read (RFC 1928 §4/§6 share the layout:
// VER, CMD|REP, RSV, ATYP, address, port), as far as the buffered prefix
// tells; a prefix that already decides failure ends the message there.
std::size_t address_message_length(const std::vector<std::byte>& buffer, bool stop_on_nonzero_second_byte) {
  if (buffer.size() < 4) return 4;
  if (stop_on_nonzero_second_byte && at(buffer, 1) != 0) return 4;
  switch (at(buffer, 3)) {
    case kAtypIpv4:
      return 4 + 4 + 2;
    case kAtypIpv6:
      return 4 + 16 + 2;
    case kAtypDomain:
      return buffer.size() < 5 ? 5 : 5 + at(buffer, 4) + 2;
    default:
      return 4;
  }
}

std::string printable(std::span<const std::byte> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const std::byte b : bytes) {
    const auto c = static_cast<unsigned char>(b);
    if (std::isprint(c) && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0x0F]);
    }
  }
  return out;
}

// RFC 1928 §6 reply without a meaningful address: ATYP=1, 0.0.0.0:0.
void append_error_reply(std::vector<std::byte>& out, std::uint8_t code) {
  for (const std::uint8_t b : {kVersion, code, std::uint8_t{0}, kAtypIpv4}) push(out, b);
  for (int i = 0; i < 6; ++i) push(out, 0);
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace

std::string socks5_dst_addr(std::string_view sid, std::string_view requester_jid, std::string_view target_jid) {
  StreamHasher sha1({"sha-1"});
  sha1.update(sid);
  sha1.update(requester_jid);
  sha1.update(target_jid);
  return sha1.finish().front().hex();
}

std::string_view to_string(Socks5Error error) noexcept {
  switch (error) {
    case Socks5Error::kNone:
      return "none";
    case Socks5Error::kBadVersion:
      return "not SOCKS version 5";
    case Socks5Error::kNoMethods:
      return "greeting lists no authentication method";
    case Socks5Error::kNoAcceptableMethod:
      return "no acceptable authentication method";
    case Socks5Error::kUnsupportedMethod:
      return "server chose a method that was not offered";
    case Socks5Error::kBadCommand:
      return "command is not CONNECT";
    case Socks5Error::kBadAddressType:
      return "unsupported address type";
    case Socks5Error::kUnknownDestination:
      return "unknown destination address";
    case Socks5Error::kRefused:
      return "connect refused";
  }
  return "unknown";
}

std::string_view socks5_reply_text(std::uint8_t code) noexcept {
  switch (code) {
    case 0x00:
      return "succeeded";
    case 0x01:
      return "general SOCKS server failure";
    case 0x02:
      return "connection not allowed by ruleset";
    case 0x03:
      return "network unreachable";
    case 0x04:
      return "host unreachable";
    case 0x05:
      return "connection refused";
    case 0x06:
      return "TTL expired";
    case 0x07:
      return "command not supported";
    case 0x08:
      return "address type not supported";
    default:
      return "unassigned reply code";
  }
}

Socks5Client::Socks5Client(std::string dst_addr) : dst_addr_(std::move(dst_addr)) {
  if (dst_addr_.empty() || dst_addr_.size() > 255) {
    throw std::invalid_argument("Socks5Client: DST.ADDR must be 1..255 bytes");
  }
  buffer_.reserve(kMaxSocks5MessageBytes);
}

std::vector<std::byte> Socks5Client::start() {
  if (phase_ != Phase::kIdle) return {};
  phase_ = Phase::kMethod;
  std::vector<std::byte> greeting;
  for (const std::uint8_t b : {kVersion, std::uint8_t{1}, kMethodNoAuth}) push(greeting, b);
  return greeting;
}

void Socks5Client::fail(Socks5Error error, std::string message) {
  state_ = Socks5State::kFailed;
  error_ = error;
  message_ = std::move(message);
  phase_ = Phase::kEnd;
  buffer_.clear();
}

std::size_t Socks5Client::needed() const noexcept {
  // The version byte is taken alone, so a wrong one fails before anything
  // else is read, however the input is chunked.
  if (buffer_.empty()) return 1;
  if (at(buffer_, 0) != kVersion) return 0;
  switch (phase_) {
    case Phase::kMethod:
      return 2 - buffer_.size();
    case Phase::kReply:
      return address_message_length(buffer_, true) - buffer_.size();
    case Phase::kIdle:
    case Phase::kEnd:
      break;
  }
  return 0;
}

Socks5Step Socks5Client::feed(std::span<const std::byte> input) {
  Socks5Step step;
  feed_messages(
      buffer_, input, step, [this] { return state_ == Socks5State::kInProgress && phase_ != Phase::kIdle; },
      [this] { return needed(); }, [&] { on_message(step); });
  step.state = state_;
  return step;
}

void Socks5Client::on_message(Socks5Step& step) {
  if (at(buffer_, 0) != kVersion) {
    return fail(Socks5Error::kBadVersion, "server answered with version " + std::to_string(at(buffer_, 0)));
  }
  if (phase_ == Phase::kMethod) {
    const std::uint8_t method = at(buffer_, 1);
    if (method == kMethodNoneAcceptable) {
      return fail(Socks5Error::kNoAcceptableMethod, "server accepts no unauthenticated connection");
    }
    if (method != kMethodNoAuth) {
      return fail(Socks5Error::kUnsupportedMethod, "server chose method " + std::to_string(method));
    }
    buffer_.clear();
    phase_ = Phase::kReply;
    // XEP-0065 §5.3.2: CMD=CONNECT, ATYP=DOMAINNAME, DST.PORT=0.
    for (const std::uint8_t b : {kVersion, kCommandConnect, std::uint8_t{0}, kAtypDomain}) push(step.send, b);
    push(step.send, static_cast<std::uint8_t>(dst_addr_.size()));
    for (const char c : dst_addr_) push(step.send, static_cast<std::uint8_t>(c));
    push(step.send, 0);
    push(step.send, 0);
    return;
  }
  // A refusal is decided by REP alone; proxies often close right after it,
  // so the address that follows is not waited for.
  reply_code_ = at(buffer_, 1);
  if (reply_code_ != kSocks5Succeeded) {
    return fail(Socks5Error::kRefused, "server replied " + std::to_string(reply_code_) + " (" +
                                           std::string(socks5_reply_text(reply_code_)) + ")");
  }
  const std::uint8_t atyp = at(buffer_, 3);
  const std::span<const std::byte> whole(buffer_);
  std::span<const std::byte> address;
  if (atyp == kAtypIpv4 || atyp == kAtypIpv6) {
    const int family = atyp == kAtypIpv4 ? AF_INET : AF_INET6;
    address = whole.subspan(4, atyp == kAtypIpv4 ? 4 : 16);
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (inet_ntop(family, address.data(), text.data(), text.size()) != nullptr) bound_address_ = text.data();
  } else if (atyp == kAtypDomain) {
    address = whole.subspan(5, at(buffer_, 4));
    bound_address_ = printable(address);
  } else {
    return fail(Socks5Error::kBadAddressType, "reply has address type " + std::to_string(atyp));
  }
  const std::size_t port_at = buffer_.size() - 2;
  bound_port_ = static_cast<std::uint16_t>((at(buffer_, port_at) << 8) | at(buffer_, port_at + 1));
  buffer_.clear();
  phase_ = Phase::kEnd;
  state_ = Socks5State::kDone;
}

Socks5Server::Socks5Server(std::vector<std::string> expected) : expected_(std::move(expected)) {
  buffer_.reserve(kMaxSocks5MessageBytes);
}

void Socks5Server::fail(Socks5Error error, std::string message) {
  state_ = Socks5State::kFailed;
  error_ = error;
  message_ = std::move(message);
  phase_ = Phase::kEnd;
  buffer_.clear();
}

std::size_t Socks5Server::needed() const noexcept {
  // The version byte is taken alone, so a wrong one fails before anything
  // else is read, however the input is chunked.
  if (buffer_.empty()) return 1;
  if (at(buffer_, 0) != kVersion) return 0;
  switch (phase_) {
    case Phase::kGreeting:
      return (buffer_.size() < 2 ? 2 : 2 + at(buffer_, 1)) - buffer_.size();
    case Phase::kRequest:
      return address_message_length(buffer_, false) - buffer_.size();
    case Phase::kEnd:
      break;
  }
  return 0;
}

Socks5Step Socks5Server::feed(std::span<const std::byte> input) {
  Socks5Step step;
  // A greeting's length byte of 0 completes the message at two bytes.
  feed_messages(
      buffer_, input, step, [this] { return state_ == Socks5State::kInProgress; }, [this] { return needed(); },
      [&] { on_message(step); });
  step.state = state_;
  return step;
}

void Socks5Server::on_message(Socks5Step& step) {
  if (at(buffer_, 0) != kVersion) {
    return fail(Socks5Error::kBadVersion, "client speaks version " + std::to_string(at(buffer_, 0)));
  }
  if (phase_ == Phase::kGreeting) {
    const std::size_t count = at(buffer_, 1);
    if (count == 0) return fail(Socks5Error::kNoMethods, "greeting lists no method");
    const auto methods = std::span<const std::byte>(buffer_).subspan(2, count);
    const bool no_auth = std::find(methods.begin(), methods.end(), std::byte{kMethodNoAuth}) != methods.end();
    push(step.send, kVersion);
    if (!no_auth) {
      push(step.send, kMethodNoneAcceptable);
      return fail(Socks5Error::kNoAcceptableMethod, "client does not offer the no-authentication method");
    }
    push(step.send, kMethodNoAuth);
    buffer_.clear();
    phase_ = Phase::kRequest;
    return;
  }
  if (at(buffer_, 1) != kCommandConnect) {
    append_error_reply(step.send, kSocks5CommandNotSupported);
    return fail(Socks5Error::kBadCommand, "command " + std::to_string(at(buffer_, 1)) + " is not CONNECT");
  }
  if (at(buffer_, 3) != kAtypDomain) {
    // XEP-0065 §5.3.2 carries the stream hash as a DOMAINNAME only.
    append_error_reply(step.send, kSocks5AddressTypeNotSupported);
    return fail(Socks5Error::kBadAddressType, "address type " + std::to_string(at(buffer_, 3)) + " is not DOMAINNAME");
  }
  const auto address = std::span<const std::byte>(buffer_).subspan(5, at(buffer_, 4));
  const std::string_view requested(reinterpret_cast<const char*>(address.data()), address.size());
  const std::size_t port_at = buffer_.size() - 2;
  requested_port_ = static_cast<std::uint16_t>((at(buffer_, port_at) << 8) | at(buffer_, port_at + 1));
  // Hex digits may come in either case; the hash is what matters.
  const auto match = std::find_if(expected_.begin(), expected_.end(),
                                  [&](const std::string& e) { return equal_ignoring_case(e, requested); });
  if (match == expected_.end()) {
    append_error_reply(step.send, kSocks5NotAllowed);
    return fail(Socks5Error::kUnknownDestination, "no transfer expects DST.ADDR '" + printable(address) + "'");
  }
  // XEP-0065 §5.3.2: BND.ADDR/BND.PORT echo what the client asked for.
  const std::size_t reply_at = step.send.size();
  step.send.insert(step.send.end(), buffer_.begin(), buffer_.end());
  step.send[reply_at + 1] = std::byte{kSocks5Succeeded};
  matched_ = *match;
  buffer_.clear();
  phase_ = Phase::kEnd;
  state_ = Socks5State::kDone;
}

}  // namespace parrot::transport::bytestream
