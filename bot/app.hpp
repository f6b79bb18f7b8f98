// The application on the control thread: one GLib main loop, the current XMPP
// session, reconnects, and the state that outlives any one connection
// (chat counters, rate limits, correction ids, welcomes).
#pragma once

#include <glib.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "bot/backoff.hpp"
#include "bot/call/call_manager.hpp"
#include "bot/chat/chat_echo.hpp"
#include "bot/chat/command_table.hpp"
#include "bot/config.hpp"
#include "bot/metrics.hpp"
#include "bot/public_address_check.hpp"
#include "bot/report_pages.hpp"
#include "bot/store/store.hpp"
#include "bot/transfer/jingle_transfers.hpp"
#include "bot/transfer/si_transfers.hpp"
#include "bot/transfer/http_links.hpp"
#include "bot/xmpp/session.hpp"
#include "transport/glib_ptr.hpp"
#include "transport/low_fd_slot.hpp"
#include "transport/dtls/certificate.hpp"
#include "transport/tcp_connector.hpp"
#include "transport/worker/thread_confined.hpp"
#include "transport/worker/timer.hpp"
#include "transport/worker/worker_pool.hpp"

namespace parrot::bot {

// Process exit codes (also in README.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitAuthFailed = 3;

class App final : xmpp::SessionOwner {
 public:
  App(Config config, std::unique_ptr<xmpp::TlsTrust> trust, transport::LowFdSlot slot);
  ~App() override;

  // Runs until SIGINT/SIGTERM or a fatal error; returns the exit code.
  // The first SIGTERM (or SIGINT) drains: new calls and transfers are
  // refused, those in progress end with their reports (at the latest after
  // --drain-seconds), then parrot exits; a second one exits at once.
  int run();

  // Reads the configuration again (SIGHUP): the same command line, so the
  // --config file with the flags still on top. nullopt and `error` set
  // when it is not valid.
  using ConfigReader = std::function<std::optional<Config>(std::string& error)>;
  void set_config_reader(ConfigReader reader) { config_reader_ = std::move(reader); }

 private:
  // xmpp::SessionOwner
  ChatEcho& chat() override { return chat_; }
  void on_online() override;
  void on_ended(gloox::ConnectionError error, const std::string& reason) override;
  void on_contacts(std::size_t count) override { contacts_ = count; }
  bool take_welcome(const std::string& bare_jid) override { return store_->take_welcome(bare_jid); }
  // Who subscribed to parrot, when parrot keeps that list itself (component
  // mode): in the store, shared by the instances.
  ContactBook& contacts() { return *store_; }
  void on_jingle_iq(const gloox::Tag& iq, const std::string& self) override;
  bool on_jmi_message(const gloox::Tag& message) override { return calls_->on_jmi_message(message); }
  void on_discovered_ice_servers(std::vector<IceServer> servers) override;
  std::optional<StoredReport> last_report(const std::string& bare_jid) override { return store_->last(bare_jid); }
  bool on_transfer_iq(const gloox::Tag& iq, const std::string& self) override;
  bool on_link_message(const gloox::Tag& message) override { return http_links_->on_message(message); }
  bool on_link_iq_reply(const gloox::Tag& iq) override { return http_links_->on_iq_reply(iq); }

  // parrot's own SOCKS5 candidates from --s5b-address and --public-address.
  transfer::DirectCandidates direct_candidates() const;
  // --store and the data dir, for each connection to the store.
  StoreOptions store_options() const;
  void register_commands();
  void update_ice_servers();
  // Tells the operator, in the log, whether the STUN server sees parrot
  // behind a NAT --public-address does not declare (once per STUN server).
  void check_public_address(const std::string& stun_host, std::uint16_t stun_port);
  void connect();
  void on_connected(transport::TcpConnectResult result);
  void schedule_reconnect(const std::string& why);
  void quit(int exit_code);
  void drain();
  // While draining: exits once no call, proposal or transfer is left and
  // every report is out (no worker holds a call or transfer).
  void exit_if_drained();
  // SIGHUP: the log level and the limits that are safe to change live.
  void reload();
  // Each second on the control loop: the heartbeat and the metrics' copy
  // of control-thread state.
  void tick();

  Config config_;
  std::unique_ptr<xmpp::TlsTrust> trust_;
  transport::LowFdSlot slot_;
  transport::GMainLoopPtr loop_;
  transport::TcpConnector connector_;
  Backoff backoff_;
  CommandTable commands_;
  ChatEcho chat_;
  // Calls: media threads first, so the call manager (which posts teardowns
  // to them) goes before they stop.
  transport::WorkerPool workers_;
  transport::Certificate certificate_;
  // Reports, welcomes, "!delay"/"!mode" and contacts (bot/store): the
  // control thread's connection.
  std::unique_ptr<Store> store_;
  // Counted always, served with --http-listen; before the server, which
  // reads it, and stopped first in ~App.
  BotMetrics metrics_{workers_};
  // --http-listen: the report pages and /metrics, /healthz, /readyz, answered on the server's own threads;
  // the server goes first, so no request runs on pages it has lost.
  std::unique_ptr<ReportPages> report_pages_;
  std::unique_ptr<transport::HttpServer> http_;
  std::unique_ptr<call::CallManager> calls_;
  // The transfers below, counted together for the limits; outlives them.
  transfer::TransferLoad transfer_load_;
  // File transfers over legacy SI (XEP-0095/0096); before the workers stop.
  std::unique_ptr<transfer::SiTransfers> si_transfers_;
  // Jingle File Transfer (XEP-0234 over SOCKS5 and IBB); before the workers stop.
  std::unique_ptr<transfer::JingleTransfers> jingle_transfers_;
  // HTTP Upload links (XEP-0363/0066/0447): downloads on threads of their own.
  std::unique_ptr<transfer::HttpLinks> http_links_;
  // STUN/TURN for calls: --stun/--turn first, then XEP-0215's, resolved
  // together each time either changes (the resolver calls into calls_).
  std::vector<IceServer> discovered_ice_servers_;
  IceServerResolver ice_resolver_;
  std::unique_ptr<PublicAddressCheck> public_address_check_;
  std::string public_address_checked_with_;  // "host:port" of the STUN server asked
  std::unique_ptr<xmpp::Session> session_;
  std::vector<TagPtr> resend_;  // unacknowledged echoes from the last connection
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> online_since_;
  std::size_t contacts_ = 0;
  std::uint64_t connections_ = 0;
  transport::Timer reconnect_timer_;
  transport::Timer quit_deadline_;  // after quit(), should the server not close the stream
  transport::Timer tick_;
  transport::Timer drain_deadline_;  // --drain-seconds after SIGTERM
  bool draining_ = false;
  bool drain_deadline_passed_ = false;
  ConfigReader config_reader_;
  // Everything here runs on the control loop's thread (the one that built App).
  transport::ThreadConfined control_thread_;
  bool stopping_ = false;
  int exit_code_ = kExitOk;
};

}  // namespace parrot::bot
