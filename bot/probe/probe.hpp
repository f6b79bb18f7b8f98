// `parrot probe`: log in as an ordinary account, learn the server's STUN/TURN
// (XEP-0215, with credentials), call a parrot with parrot's own caller (the
// CallManager behind "!callme", sending the test tone and pattern so the
// target's echo has something to carry back), optionally over relay
// candidates only, and judge: the probe's own call report (what came back)
// and the target parrot's chat report (what it received). A step that does
// not finish in time ends the probe with kProbeTimeout.
//
// Control thread only, like App: one GLib main loop, one XMPP session, no
// reconnects (a probe reports what happened, it does not retry).
#pragma once

#include <glib.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bot/call/call_manager.hpp"
#include "bot/chat/chat_echo.hpp"
#include "bot/chat/command_table.hpp"
#include "bot/config.hpp"
#include "bot/ice_servers.hpp"
#include "bot/probe/file_sender.hpp"
#include "bot/probe/probe_config.hpp"
#include "bot/probe/probe_result.hpp"
#include "bot/probe/target_report.hpp"
#include "bot/xmpp/session.hpp"
#include "transport/dtls/certificate.hpp"
#include "transport/glib_ptr.hpp"
#include "transport/low_fd_slot.hpp"
#include "transport/tcp_connector.hpp"
#include "transport/worker/timer.hpp"
#include "transport/worker/worker_pool.hpp"

namespace parrot::bot::probe {

class Probe final : xmpp::SessionOwner {
 public:
  Probe(Config config, ProbeOptions options, std::unique_ptr<xmpp::TlsTrust> trust, transport::LowFdSlot slot);
  ~Probe() override;

  // Runs the probe to its end; the result, exit code included.
  ProbeResult run();

 private:
  // xmpp::SessionOwner: the probe echoes nothing and keeps no reports.
  ChatEcho& chat() override { return chat_; }
  void on_online() override;
  void on_ended(gloox::ConnectionError error, const std::string& reason) override;
  void on_contacts(std::size_t) override {}
  bool take_welcome(const std::string&) override { return false; }
  void on_jingle_iq(const gloox::Tag& iq, const std::string& self) override;
  bool on_jmi_message(const gloox::Tag& message) override { return calls_->on_jmi_message(message); }
  void on_discovered_ice_servers(std::vector<IceServer> servers) override;
  std::optional<StoredReport> last_report(const std::string&) override { return std::nullopt; }
  bool on_transfer_iq(const gloox::Tag&, const std::string&) override { return false; }
  // Every other message: the target's reports are read, the rest dropped.
  bool on_link_message(const gloox::Tag& message) override;
  bool on_link_iq_reply(const gloox::Tag& iq) override { return file_ && file_->on_iq_reply(iq); }

  enum class Step { kLogin, kDiscovery, kAnswer, kMedia, kReports, kFile, kDone };

  void on_connected(transport::TcpConnectResult result);
  void note_outgoing(const gloox::Tag& stanza);
  void discovery_done();
  void place_call(std::vector<IceServer> resolved);
  void on_report(const call::CallFacts& facts);
  void maybe_finish();
  void send_file();
  void check_file();
  // Ends the probe: a check for the current step (when `check` is given),
  // the result, and the loop.
  void finish(int exit_code, const std::string& failure);
  // Arms the step deadline: `what` is what did not happen in time.
  void deadline(std::chrono::seconds after, std::string what);
  void add_check(std::string name, CheckStatus status, std::string message);
  double since_step() const;
  double since_start() const;

  Config config_;
  ProbeOptions options_;
  std::unique_ptr<xmpp::TlsTrust> trust_;
  transport::LowFdSlot slot_;
  transport::GMainLoopPtr loop_;
  transport::TcpConnector connector_;
  CommandTable commands_;
  ChatEcho chat_;
  transport::WorkerPool workers_;
  transport::Certificate certificate_;
  std::unique_ptr<call::CallManager> calls_;
  IceServerResolver ice_resolver_;
  std::unique_ptr<xmpp::Session> session_;
  transport::Timer step_deadline_;
  transport::Timer hang_up_timer_;
  transport::Timer quit_deadline_;

  Step step_ = Step::kLogin;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point step_started_ = started_;
  std::vector<IceServer> discovered_;
  bool discovery_answered_ = false;
  std::string sid_;
  bool answered_ = false;
  std::string target_said_;  // the target's last chat message that was no report  // the target proceeded: the probe's session-initiate went out
  std::optional<call::CallFacts> facts_;
  bool target_report_seen_ = false;
  std::unique_ptr<IbbFileSender> file_;
  bool file_sent_ = false;
  std::optional<TargetReport> file_report_;  // the target's, for the file sent
  bool ended_ = false;
  ProbeResult result_;
};

// `parrot probe ...` from main(): argv[0] is "probe".
int probe_main(int argc, const char* const* argv, transport::LowFdSlot slot);

}  // namespace parrot::bot::probe
