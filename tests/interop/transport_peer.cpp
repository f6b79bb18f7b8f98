// A stand-in for bot/'s call: one CallTransport with an EchoEngine behind
// it, signalled by JSON lines on stdin/stdout instead of Jingle, so a
// third-party ICE/DTLS/SRTP stack (tests/interop/test_transport_aiortc.py)
// can call it before the Jingle layer exists.
//
// stdin:  {"type":"remote","ufrag","pwd","fingerprint","hash"}    first
//         {"type":"candidate","attributes":{<XEP-0176 attributes>}}  any number
//         {"type":"end-of-candidates"}  {"type":"stop"}
//         {"type":"restart"}: offer an ICE restart (new local credentials,
//           answered by "restarted"); the peer's answer comes as "remote"
//           and "candidate" lines again. Sending goes on meanwhile.
//         {"type":"pause"}: --send stops sending.  {"type":"count"}
// The transport exists from the start ("local" is printed at once); the
// remote credentials and fingerprint may come before or after, as for a
// Jingle initiator or responder.
// stdout: {"type":"local","ufrag","pwd","fingerprint","hash","setup","ssrc"}
//         {"type":"candidate","attributes":{...}} {"type":"gathering-done"}
//         {"type":"connected","local_type","remote_type","local_ip","remote_ip","protocol"}
//         {"type":"keys","profile"} {"type":"failed","reason"} {"type":"stats",...}
//         {"type":"state","state"} on every transport state change
//         {"type":"restarted","ufrag","pwd","candidates":[{...}]}
//         {"type":"count","sent","echoes","missing"}
//
//   transport_peer --role controlled|controlling [--address IP]... [--stun IP:PORT]
//                  [--turn IP:PORT:USER:PASSWORD] [--turn-transport udp|tcp|tls] [--send]
// --send makes it the caller's side instead: after the keys it sends an RTP
// packet every 20 ms and counts what comes back, instead of echoing. Each
// payload starts with the packet's number (32 bits), which the echo keeps,
// so every echo is matched to what was sent: "missing" lists the numbers
// sent and not (yet) echoed.
#include <glib-unix.h>
#include <glib.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <iostream>
#include <sstream>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "media/echo/echo_engine.hpp"
#include "media/rtp/rtp_packet.hpp"
#include "media/srtp/srtp_library.hpp"
#include "transport/call/call_transport.hpp"
#include "transport/worker/timer.hpp"

namespace {

using namespace parrot;
using nlohmann::json;

constexpr std::uint32_t kEchoSsrc = 0x5EC0A11Du;
constexpr std::uint32_t kCallerSsrc = 0xCA11E125u;

struct Options {
  bool controlling = false;
  std::vector<std::string> addresses{"127.0.0.1"};
  std::string stun;  // IP:PORT
  std::string turn;  // IP:PORT:USER:PASSWORD
  std::string turn_transport = "udp";
  bool send = false;
};

class Peer final : public transport::CallTransport::Observer {
 public:
  Peer(GMainLoop* loop, Options options)
      : loop_(loop), options_(std::move(options)), controlling_(options_.controlling),
        certificate_(transport::Certificate::generate()), started_(std::chrono::steady_clock::now()) {
    media::echo::EchoConfig config;
    media::echo::StreamConfig audio;
    audio.payload_types = {111};
    audio.local_ssrc = kEchoSsrc;
    config.streams = {audio};
    config.unix_time_at_epoch = std::chrono::duration_cast<media::Duration>(
        std::chrono::system_clock::now().time_since_epoch());
    engine_ = std::make_unique<media::echo::EchoEngine>(config);
    engine_->expect_srtp();
    create_transport();
  }

  void on_line(const std::string& line) {
    const json message = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!message.is_object()) return fail("unparsable line: " + line);
    const std::string type = message.value("type", "");
    if (type == "remote") {
      remote_credentials_ = transport::IceCredentials{message.value("ufrag", ""), message.value("pwd", "")};
      transport_->set_remote_credentials(*remote_credentials_);
      transport_->set_peer_fingerprint(message.value("hash", "sha-256"), message.value("fingerprint", ""));
    } else if (type == "candidate" && transport_) {
      std::vector<std::pair<std::string, std::string>> attributes;
      const json& fields = message.value("attributes", json::object());
      for (const auto& [key, value] : fields.items()) {
        if (value.is_string()) attributes.emplace_back(key, value.get<std::string>());
      }
      const auto parsed = transport::parse_candidate(attributes);
      if (!parsed.candidate) return fail("bad candidate: " + parsed.error);
      transport_->add_remote_candidate(*parsed.candidate);
    } else if (type == "end-of-candidates" && transport_) {
      transport_->remote_gathering_done();
    } else if (type == "restart") {
      restart();
    } else if (type == "pause") {
      sender_.cancel();
    } else if (type == "count") {
      emit({{"type", "count"}, {"sent", packets_sent_}, {"echoes", echoes_received_}, {"missing", missing().size()}});
    } else if (type == "stop") {
      stop();
    }
  }

  void on_local_candidate(const transport::IceCandidate& candidate) override {
    json attributes = json::object();
    for (const auto& [key, value] : transport::candidate_attributes(candidate)) attributes[key] = value;
    emit({{"type", "candidate"}, {"attributes", attributes}});
  }
  void on_gathering_done() override { emit({{"type", "gathering-done"}}); }
  void on_transport_state(transport::CallTransportState state, const std::string& reason) override {
    emit({{"type", "state"}, {"state", std::string(transport::to_string(state))}});
    if (state == transport::CallTransportState::kFailed) fail(reason);
    if (state == transport::CallTransportState::kConnected) report_connected();
  }
  void on_selected_pair(const transport::SelectedPair& pair) override {
    pair_ = pair;
    report_connected();
  }
  void on_srtp_keys(const media::srtp::KeyingMaterial& keys) override {
    emit({{"type", "keys"}, {"profile", std::string(media::srtp::to_string(keys.profile))}});
    if (options_.send) {
      caller_srtp_ = std::make_unique<media::srtp::SrtpSession>(keys);
      sender_ = transport::Timer::repeating(g_main_loop_get_context(loop_), std::chrono::milliseconds(20), [this] { send_one(); });
      return;
    }
    engine_->set_srtp(keys);
  }
  void on_media(unsigned, media::MutableByteView datagram) override {
    if (options_.send) {
      const auto length = caller_srtp_ ? caller_srtp_->unprotect_rtp(datagram) : std::nullopt;
      const auto echo = length ? media::rtp::RtpPacket::parse(datagram.first(*length)) : std::nullopt;
      if (!echo || echo->payload().size() < 4) return;
      ++echoes_received_;
      const auto& p = echo->payload();
      const auto number = static_cast<std::size_t>(std::to_integer<std::uint32_t>(p[0]) << 24 | std::to_integer<std::uint32_t>(p[1]) << 16 |
                                                   std::to_integer<std::uint32_t>(p[2]) << 8 | std::to_integer<std::uint32_t>(p[3]));
      if (number < echoed_.size()) {
        duplicates_ += echoed_[number] ? 1u : 0u;
        echoed_[number] = true;
      }
      if (restarting()) ++echoes_while_restarting_;
      return;
    }
    engine_->on_datagram(now(), datagram);
    flush();
  }

 private:
  media::Timestamp now() const {
    return media::Timestamp{std::chrono::duration_cast<media::Duration>(std::chrono::steady_clock::now() - started_)};
  }

  // The caller's side: a 160-byte "Opus" packet every 20 ms, numbered.
  // A packet that could not leave is not counted and its number is reused.
  void send_one() {
    std::array<std::byte, 256> buffer{};
    media::rtp::RtpHeader header;
    header.sequence_number = static_cast<std::uint16_t>(packets_sent_);
    header.timestamp = static_cast<std::uint32_t>(960 * packets_sent_);
    header.payload_type = 111;
    header.ssrc = kCallerSsrc;
    std::array<std::byte, 160> payload{};
    for (std::size_t i = 0; i < 4; ++i) payload[i] = static_cast<std::byte>(packets_sent_ >> (24 - 8 * i));
    const std::size_t length = media::rtp::serialize(header, payload, buffer);
    const auto protected_length = caller_srtp_->protect_rtp(buffer, length);
    if (!protected_length || !transport_->send_media(1, media::ByteView(buffer).first(*protected_length))) return;
    ++packets_sent_;
    echoed_.push_back(false);
    if (restarting()) ++sent_while_restarting_;
  }

  // Between our restart offer and the new pair connecting.
  bool restarting() const { return restarts_ > 0 && transport_ && transport_->state() == transport::CallTransportState::kConnecting; }

  std::vector<std::size_t> missing() const {
    std::vector<std::size_t> numbers;
    for (std::size_t n = 0; n < echoed_.size(); ++n)
      if (!echoed_[n]) numbers.push_back(n);
    return numbers;
  }

  // As libwebrtc offers a restart: new local credentials at once, the old
  // pair kept for sending until the answer's checks connect (RFC 8445 §9);
  // "remote" brings the answer's credentials.
  void restart() {
    if (!transport_ || !remote_credentials_) return fail("restart before the remote credentials");
    const transport::IceCredentials local = transport_->restart_ice(std::nullopt);
    ++restarts_;
    json candidates = json::array();
    for (const auto& candidate : transport_->local_candidates()) {
      json attributes = json::object();
      for (const auto& [key, value] : transport::candidate_attributes(candidate)) attributes[key] = value;
      candidates.push_back(attributes);
    }
    emit({{"type", "restarted"}, {"ufrag", local.ufrag}, {"pwd", local.pwd}, {"candidates", candidates}});
  }

  void create_transport() {
    transport::CallTransportConfig config;
    config.ice.controlling = controlling_;
    config.ice.allowed_addresses = options_.addresses;
    if (!options_.stun.empty()) {
      const auto colon = options_.stun.rfind(':');
      config.ice.stun_host = options_.stun.substr(0, colon);
      config.ice.stun_port = static_cast<std::uint16_t>(std::stoi(options_.stun.substr(colon + 1)));
    }
    if (!options_.turn.empty()) {
      std::vector<std::string> parts;
      std::stringstream stream(options_.turn);
      for (std::string part; std::getline(stream, part, ':');) parts.push_back(part);
      if (parts.size() != 4) throw std::invalid_argument("--turn wants IP:PORT:USER:PASSWORD");
      config.ice.turn_servers.push_back({parts[0], static_cast<std::uint16_t>(std::stoi(parts[1])), parts[2], parts[3],
                                         options_.turn_transport == "tcp"   ? transport::TurnTransport::kTcp
                                         : options_.turn_transport == "tls" ? transport::TurnTransport::kTls
                                                                            : transport::TurnTransport::kUdp});
    }
    config.certificate = &certificate_;
    transport::DtlsParameters dtls;
    // As in a Jingle answer: 'active' (client) when the peer offered actpass.
    dtls.role = controlling_ ? transport::DtlsRole::kServer : transport::DtlsRole::kClient;
    config.dtls = dtls;
    transport_ = std::make_unique<transport::CallTransport>(g_main_loop_get_context(loop_), std::move(config), *this);
    emit({{"type", "local"},
          {"ufrag", transport_->local_credentials().ufrag},
          {"pwd", transport_->local_credentials().pwd},
          {"fingerprint", certificate_.fingerprint_sha256()},
          {"hash", "sha-256"},
          {"setup", controlling_ ? "passive" : "active"},
          {"ssrc", std::to_string(kEchoSsrc)}});
    transport_->gather();
  }

  void report_connected() {
    if (reported_connected_ || !pair_ || !transport_ || transport_->state() == transport::CallTransportState::kConnecting ||
        transport_->state() == transport::CallTransportState::kNew)
      return;
    reported_connected_ = true;
    emit({{"type", "connected"},
          {"local_type", std::string(transport::to_string(pair_->local.type))},
          {"remote_type", std::string(transport::to_string(pair_->remote.type))},
          {"local_ip", pair_->local.ip},
          {"remote_ip", pair_->remote.ip},
          {"protocol", pair_->local.protocol}});
  }

  // Sends what the engine produced and re-arms its timer.
  void flush() {
    for (const auto& datagram : engine_->outbox())
      if (!transport_->send_media(1, datagram.bytes)) engine_->on_send_failed(datagram);
    const auto wakeup = engine_->next_wakeup();
    if (wakeup == media::kNever) return;
    const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(wakeup - now());
    timer_ = transport::Timer(g_main_loop_get_context(loop_), std::max(delay, std::chrono::milliseconds(0)), [this] {
      engine_->on_timer(now());
      flush();
    });
  }

  void stop() {
    const auto snapshot = engine_->snapshot();
    json stats{{"type", "stats"}};
    const auto& stream = snapshot.streams.at(0);
    stats["received"] = options_.send ? echoes_received_ : stream.received.packets;
    stats["sent"] = options_.send ? packets_sent_ : stream.sent.packets;
    if (options_.send) {
      const auto numbers = missing();
      stats["missing"] = std::vector<std::size_t>(numbers.begin(), numbers.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(numbers.size(), 50)));
      stats["missing_count"] = numbers.size();
      stats["duplicates"] = duplicates_;
      stats["sent_while_restarting"] = sent_while_restarting_;
      stats["echoes_while_restarting"] = echoes_while_restarting_;
    }
    stats["srtp_drops"] = snapshot.drops[media::DropReason::kSrtpAuthFail] + snapshot.drops[media::DropReason::kSrtpReplay] +
                          snapshot.drops[media::DropReason::kSrtpOther];
    stats["rtcp_received"] = snapshot.rtcp_received;
    if (transport_) {
      const auto t = transport_->stats();
      stats["connect_ms"] = t.connect_ms.value_or(-1);
      stats["keys_ms"] = t.keys_ms.value_or(-1);
      stats["send_drops"] = t.send_drops;
      transport_->close();
    }
    emit(stats);
    timer_.cancel();
    sender_.cancel();
    g_main_loop_quit(loop_);
  }

  void fail(const std::string& reason) { emit({{"type", "failed"}, {"reason", reason}}); }

  static void emit(const json& message) { std::cout << message.dump() << std::endl; }

  GMainLoop* loop_;
  Options options_;
  bool controlling_;
  std::unique_ptr<media::srtp::SrtpSession> caller_srtp_;
  transport::Timer sender_;
  std::uint64_t packets_sent_ = 0;
  std::uint64_t echoes_received_ = 0;
  std::vector<bool> echoed_;  // by packet number
  std::uint64_t duplicates_ = 0;
  std::optional<transport::IceCredentials> remote_credentials_;
  unsigned restarts_ = 0;
  std::uint64_t sent_while_restarting_ = 0;
  std::uint64_t echoes_while_restarting_ = 0;
  transport::Certificate certificate_;
  std::chrono::steady_clock::time_point started_;
  std::unique_ptr<media::echo::EchoEngine> engine_;
  std::unique_ptr<transport::CallTransport> transport_;
  std::optional<transport::SelectedPair> pair_;
  bool reported_connected_ = false;
  transport::Timer timer_;
  std::string pending_input_;

  friend gboolean on_stdin(gint, GIOCondition, gpointer);
};

gboolean on_stdin(gint fd, GIOCondition, gpointer data) {
  auto* peer = static_cast<Peer*>(data);
  char buffer[4096];
  const ssize_t n = read(fd, buffer, sizeof buffer);
  if (n <= 0) {
    peer->on_line(R"({"type":"stop"})");
    return G_SOURCE_REMOVE;
  }
  peer->pending_input_.append(buffer, static_cast<std::size_t>(n));
  for (auto newline = peer->pending_input_.find('\n'); newline != std::string::npos;
       newline = peer->pending_input_.find('\n')) {
    const std::string line = peer->pending_input_.substr(0, newline);
    peer->pending_input_.erase(0, newline + 1);
    try {
      if (!line.empty()) peer->on_line(line);
    } catch (const std::exception& e) {
      std::cout << json{{"type", "failed"}, {"reason", e.what()}}.dump() << std::endl;
    }
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"parrot's CallTransport signalled by JSON lines (tests only)"};
  std::string role;
  Options options;
  app.add_option("--role", role, "ICE role")->required()->check(CLI::IsMember({"controlled", "controlling"}));
  app.add_option("--address", options.addresses, "address to gather on (repeatable)");
  app.add_option("--stun", options.stun, "STUN server IP:PORT");
  app.add_option("--turn", options.turn, "TURN server IP:PORT:USER:PASSWORD (UDP)");
  app.add_option("--turn-transport", options.turn_transport, "how to reach the TURN server")
      ->check(CLI::IsMember({"udp", "tcp", "tls"}));
  app.add_flag("--send", options.send, "be the caller: send RTP and count the echo");
  CLI11_PARSE(app, argc, argv);
  options.controlling = role == "controlling";
  const media::srtp::SrtpLibrary srtp_library;
  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  {
    Peer peer(loop, options);
    g_unix_fd_add(0, G_IO_IN, on_stdin, &peer);
    g_main_loop_run(loop);
  }
  g_main_loop_unref(loop);
  return 0;
}
