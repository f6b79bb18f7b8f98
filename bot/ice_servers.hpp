// STUN and TURN servers for calls, from two sources: the operator's flags
// (--stun, --turn) and the XMPP server's XEP-0215 external services. Both
// become IceServer values here; IceServerResolver turns their host names
// into the IP literals libnice 0.1.21 needs (it resolves neither STUN nor
// TURN names), and apply_ice_servers() puts the result into an IceConfig.
#pragma once

#include <gio/gio.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "transport/ice/ice_agent.hpp"

namespace parrot::bot {

enum class IceServerKind { kStun, kTurn };

struct IceServer {
  IceServerKind kind = IceServerKind::kStun;
  std::string host;  // a DNS name or an IP literal (no brackets)
  std::uint16_t port = 3478;
  transport::TurnTransport transport = transport::TurnTransport::kUdp;  // TURN only
  std::string username, password;                                        // TURN only
  std::string origin;  // where it came from, for logs: "--turn", "XEP-0215 example.org"

  friend bool operator==(const IceServer&, const IceServer&) = default;
};

inline constexpr std::uint16_t kDefaultStunPort = 3478;   // RFC 8489 §18.6
inline constexpr std::uint16_t kDefaultTurnsPort = 5349;  // RFC 8656 §4 (TURN over TLS)

// An IP literal, or a DNS host name (RFC 1123 labels; '_' tolerated).
bool is_host(std::string_view host);

// --stun: "HOST[:PORT]", also written as the RFC 7064 URI "stun:HOST[:PORT]".
// IPv6 literals in brackets when a port follows. Nullopt with `error` set
// when malformed.
std::optional<IceServer> parse_stun_server(std::string_view text, std::string& error);

// --turn: "turn:USER:PASSWORD@HOST[:PORT][?transport=udp|tcp]" (default port
// 3478, UDP) or "turns:USER:PASSWORD@HOST[:PORT][?transport=tcp]" (TLS over
// TCP, default port 5349); the RFC 7065 URI with the credentials in its
// userinfo. USER and PASSWORD are percent-decoded, so a TURN REST username
// "1700000000:parrot" is written "1700000000%3Aparrot". Both are required.
std::optional<IceServer> parse_turn_server(std::string_view text, std::string& error);

// "turn 192.0.2.1:3478/udp (--turn)": what logs may show (no credentials).
std::string describe(const IceServer& server);

// Fills config.stun_host/stun_port with the first STUN server (libnice takes
// one) and config.turn_servers with every TURN server, duplicates (same
// host, port and transport) dropped, the first one kept. Every host must be
// an IP literal already (see IceServerResolver); others are skipped.
void apply_ice_servers(const std::vector<IceServer>& servers, transport::IceConfig& config);

// Resolves host names asynchronously with GLib's GResolver on the
// thread-default main context of the caller (parrot's control loop), so a
// slow DNS server never blocks XMPP. Confined to that thread.
class IceServerResolver {
 public:
  // The servers in their original order, names replaced by an address
  // (IPv4 preferred, since calls gather on IPv4 at least); a name that does
  // not resolve is dropped and logged.
  using Done = std::function<void(std::vector<IceServer> resolved)>;

  IceServerResolver() = default;
  ~IceServerResolver();  // cancels: `done` of a pending batch never runs
  IceServerResolver(const IceServerResolver&) = delete;
  IceServerResolver& operator=(const IceServerResolver&) = delete;

  // Starts a batch, cancelling the previous one. When nothing needs DNS,
  // `done` runs before resolve() returns.
  void resolve(std::vector<IceServer> servers, Done done);

 private:
  struct Batch;
  void cancel();

  std::shared_ptr<Batch> batch_;
};

}  // namespace parrot::bot
