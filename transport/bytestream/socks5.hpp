// The SOCKS5 handshake (RFC 1928) as XEP-0065 and XEP-0260 use it, sans I/O:
// bytes from the peer go in, bytes to send and a state come out. No socket,
// no clock; ByteStreamReader drives these over TCP.
//
//   Socks5Client: parrot connects to a sender's streamhost or to a proxy:
//     greeting offering "no authentication" -> CONNECT with ATYP=3
//     (DOMAINNAME) = the 40-character DST.ADDR hash, DST.PORT = 0 (XEP-0065
//     §5.3.2; Dino's streamhost refuses any other port,
//     docs/client-quirks.md#dino-files) -> reply, whose
//     BND.ADDR may be of any ATYP.
//   Socks5Server: a sender connects to parrot's own direct candidate:
//     greeting -> method 0x00, or 0xFF when the peer does not offer it ->
//     CONNECT whose DST.ADDR must be one of the hashes the bot expects (both
//     sids and both JID orders, see docs/file-senders.md)
//     -> reply echoing DST.ADDR/DST.PORT (XEP-0065 §5.3.2).
//
// feed() consumes only handshake bytes: whatever follows the last handshake
// message in the same chunk is bulk data, returned to the caller untouched
// (Step::consumed says where it starts). A machine buffers at most one
// handshake message (kMaxMessageBytes), so hostile input can never make it
// grow; any malformed, refused or unexpected input ends in kFailed with a
// Socks5Error and a message, and later input is ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace parrot::transport::bytestream {

// Hex SHA-1 (40 lowercase characters) of sid + requester + target, the
// SOCKS5 DST.ADDR of XEP-0065 §5.3.2 and XEP-0260 §2.2. The JIDs must already
// be in their stringprepped form (gloox's JID::full() is). Which sid (the
// transport's, or Gajim 1.x's Jingle session id) and which order (requester =
// the side that activates a proxy) is the caller's decision
// (docs/client-quirks.md#socks5-dst-addr).
std::string socks5_dst_addr(std::string_view sid, std::string_view requester_jid, std::string_view target_jid);

enum class Socks5State {
  kInProgress,  // waiting for more bytes from the peer
  kDone,        // handshake complete: later bytes are bulk data
  kFailed,      // see error() and message()
};

enum class Socks5Error {
  kNone,
  kBadVersion,          // VER is not 5
  kNoMethods,           // the greeting lists no method at all
  kNoAcceptableMethod,  // server: 0x00 not offered; client: the server chose 0xFF
  kUnsupportedMethod,   // client: the server chose a method parrot did not offer
  kBadCommand,          // server: CMD other than CONNECT (reply 0x07)
  kBadAddressType,      // ATYP is not 1/3/4 (client), not 3 (server; reply 0x08)
  kUnknownDestination,  // server: DST.ADDR matches no expected hash (reply 0x02)
  kRefused,             // client: REP is not 0x00 (reply_code() says which)
};

std::string_view to_string(Socks5Error error) noexcept;
// RFC 1928 §6 text for a REP code ("connection refused", …).
std::string_view socks5_reply_text(std::uint8_t code) noexcept;

// Largest handshake message: VER CMD RSV ATYP, a 1-byte length, 255 bytes of
// DOMAINNAME, a 2-byte port.
inline constexpr std::size_t kMaxSocks5MessageBytes = 4 + 1 + 255 + 2;
// RFC 1928 REP codes parrot sends as a server.
inline constexpr std::uint8_t kSocks5Succeeded = 0x00;
inline constexpr std::uint8_t kSocks5NotAllowed = 0x02;
inline constexpr std::uint8_t kSocks5CommandNotSupported = 0x07;
inline constexpr std::uint8_t kSocks5AddressTypeNotSupported = 0x08;

struct Socks5Step {
  std::vector<std::byte> send;  // to write to the peer now (may be empty)
  std::size_t consumed = 0;     // input bytes that were handshake; the rest is data
  Socks5State state = Socks5State::kInProgress;
};

class Socks5Client {
 public:
  // dst_addr is the DOMAINNAME to ask for (normally socks5_dst_addr()); it
  // must be 1..255 bytes, else std::invalid_argument.
  explicit Socks5Client(std::string dst_addr);

  // The greeting (VER=5, one method: 0x00). Call once, first.
  std::vector<std::byte> start();
  Socks5Step feed(std::span<const std::byte> input);

  Socks5State state() const noexcept { return state_; }
  Socks5Error error() const noexcept { return error_; }
  const std::string& message() const noexcept { return message_; }
  std::uint8_t reply_code() const noexcept { return reply_code_; }
  // The reply's BND.ADDR as text (dotted IPv4, RFC 5952 IPv6, or the domain
  // name with non-printable bytes escaped) and BND.PORT; set once kDone.
  const std::string& bound_address() const noexcept { return bound_address_; }
  std::uint16_t bound_port() const noexcept { return bound_port_; }
  const std::string& dst_addr() const noexcept { return dst_addr_; }

 private:
  enum class Phase { kIdle, kMethod, kReply, kEnd };
  void fail(Socks5Error error, std::string message);
  // Bytes still needed for the message being read, from what is buffered.
  std::size_t needed() const noexcept;
  void on_message(Socks5Step& step);

  std::string dst_addr_;
  Phase phase_ = Phase::kIdle;
  Socks5State state_ = Socks5State::kInProgress;
  Socks5Error error_ = Socks5Error::kNone;
  std::string message_;
  std::vector<std::byte> buffer_;
  std::uint8_t reply_code_ = 0;
  std::string bound_address_;
  std::uint16_t bound_port_ = 0;
};

class Socks5Server {
 public:
  // expected: the DST.ADDR values to accept (compared case-insensitively);
  // may be empty, then every CONNECT is refused.
  explicit Socks5Server(std::vector<std::string> expected);

  Socks5Step feed(std::span<const std::byte> input);

  Socks5State state() const noexcept { return state_; }
  Socks5Error error() const noexcept { return error_; }
  const std::string& message() const noexcept { return message_; }
  // Once kDone: the expected value that matched (as given to the
  // constructor) and the port the peer asked for.
  const std::string& matched_dst_addr() const noexcept { return matched_; }
  std::uint16_t requested_port() const noexcept { return requested_port_; }

 private:
  enum class Phase { kGreeting, kRequest, kEnd };
  void fail(Socks5Error error, std::string message);
  std::size_t needed() const noexcept;
  void on_message(Socks5Step& step);

  std::vector<std::string> expected_;
  Phase phase_ = Phase::kGreeting;
  Socks5State state_ = Socks5State::kInProgress;
  Socks5Error error_ = Socks5Error::kNone;
  std::string message_;
  std::vector<std::byte> buffer_;
  std::string matched_;
  std::uint16_t requested_port_ = 0;
};

}  // namespace parrot::transport::bytestream
