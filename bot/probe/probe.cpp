#include "bot/probe/probe.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>
#include <random>

#include "bot/call/call_report.hpp"
#include "bot/xmpp/jid.hpp"
#include "media/srtp/srtp_library.hpp"

namespace parrot::bot::probe {
namespace {

// The checks in the order CI shows them; each starts as not reached.
constexpr const char* kLogin = "login";
constexpr const char* kDiscovered = "stun-turn-discovered";
constexpr const char* kVerdict = "call-verdict";
constexpr const char* kRelay = "relay-path";
constexpr const char* kFile = "file-checksum";

std::string describe_pair(const transport::SelectedPair& pair) {
  return fmt::format("local {} {}:{} <-> remote {} {}:{}", transport::to_string(pair.local.type), pair.local.ip,
                     pair.local.port, transport::to_string(pair.remote.type), pair.remote.ip, pair.remote.port);
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) spdlog::error("probe: cannot write '{}'", path);
  return static_cast<bool>(out);
}

}  // namespace

Probe::Probe(Config config, ProbeOptions options, std::unique_ptr<xmpp::TlsTrust> trust, transport::LowFdSlot slot)
    : config_(std::move(config)),
      options_(std::move(options)),
      trust_(std::move(trust)),
      slot_(std::move(slot)),
      loop_(g_main_loop_new(nullptr, FALSE)),
      connector_(nullptr, std::chrono::seconds(config_.account.connect_timeout_s)),
      chat_(ChatPolicy{}, commands_),
      workers_(1, "probe-media"),
      certificate_(transport::Certificate::generate()) {
  transport::IceConfig ice = config_.ice;
  ice.relay_only = options_.relay_only;
  call::CallLimits limits = config_.calls;  // --call-connect-seconds
  limits.max_calls = 1;
  limits.max_calls_per_contact = 1;
  limits.max_length = std::chrono::seconds(options_.seconds + 60);
  limits.no_media_timeout = std::chrono::seconds(std::max(5, options_.step_timeout_s));
  calls_ = std::make_unique<call::CallManager>(g_main_loop_get_context(loop_.get()), workers_, certificate_, nullptr,
                                               std::move(ice), limits, [this](TagPtr stanza) {
                                                 note_outgoing(*stanza);
                                                 if (session_) session_->send(std::move(stanza));
                                               });
  call::CallManager::Listener listener;
  listener.on_secure = [this](const std::string& sid) {
    if (sid != sid_ || step_ != Step::kAnswer) return;
    step_ = Step::kMedia;
    result_.seconds_to_media = since_start();
    spdlog::info("probe: call {} is keyed; {} s of media", sid, options_.seconds);
    deadline(std::chrono::seconds(options_.seconds + options_.step_timeout_s), "end the call and report");
    hang_up_timer_ = transport::Timer(g_main_loop_get_context(loop_.get()), std::chrono::seconds(options_.seconds),
                                      [this] { calls_->hang_up(sid_); });
  };
  listener.on_unanswered = [this](const std::string& sid, bool declined) {
    if (sid != sid_ || step_ != Step::kAnswer) return;
    std::string text = options_.target + (declined ? " declined the call (XEP-0353 reject)" : " did not answer the call");
    if (declined && !target_said_.empty()) text += ", saying: " + target_said_;  // parrot says why, e.g. busy
    add_check(kVerdict, CheckStatus::kFailed, text);
    finish(declined ? kProbeFailed : kProbeTimeout, text);
  };
  listener.on_report = [this](const std::string&, const call::CallFacts& facts) { on_report(facts); };
  calls_->set_listener(std::move(listener));
  for (const char* name : {kLogin, kDiscovered, kVerdict, kRelay, kFile}) {
    result_.checks.push_back(Check{name, CheckStatus::kSkipped, "not reached", 0});
  }
  result_.account = config_.account.jid;
  result_.target = options_.target;
}

Probe::~Probe() {
  quit_deadline_.cancel();
  step_deadline_.cancel();
  hang_up_timer_.cancel();
  calls_.reset();
  workers_.stop();
}

ProbeResult Probe::run() {
  if (config_.account.insecure_skip_verify) {
    spdlog::warn("probe: --insecure-skip-verify is set: the server's certificate will NOT be checked");
  }
  deadline(std::chrono::seconds(options_.step_timeout_s + config_.account.connect_timeout_s), "log in");
  const std::string domain = gloox::JID(config_.account.jid).server();
  auto done = [this](transport::TcpConnectResult result) { on_connected(std::move(result)); };
  if (config_.account.server_host.empty()) {
    connector_.connect_service("xmpp-client", domain, 5222, std::move(done));
  } else {
    connector_.connect_host(config_.account.server_host, config_.account.server_port, std::move(done));
  }
  g_main_loop_run(loop_.get());
  session_.reset();
  return result_;
}

double Probe::since_step() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - step_started_).count();
}

double Probe::since_start() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

void Probe::add_check(std::string name, CheckStatus status, std::string message) {
  for (auto& check : result_.checks) {
    if (check.name != name) continue;
    check.status = status;
    check.message = std::move(message);
    check.seconds = since_step();
  }
  step_started_ = std::chrono::steady_clock::now();
}

void Probe::deadline(std::chrono::seconds after, std::string what) {
  step_deadline_ = transport::Timer(g_main_loop_get_context(loop_.get()), after, [this, after, what] {
    std::string text = fmt::format("timed out: did not {} within {} s", what, after.count());
    if (step_ == Step::kAnswer && !sid_.empty()) {
      text = answered_ ? fmt::format("timed out: {} answered, but the call's media was not keyed within {} s",
                                     options_.target, after.count())
                       : fmt::format("timed out: {} did not answer the call within {} s (no XEP-0353 proceed: is "
                                     "it online, and does it take calls from this account?)",
                                     options_.target, after.count());
    }
    const char* check = step_ == Step::kLogin ? kLogin : kVerdict;
    if (step_ == Step::kDiscovery) return discovery_done();  // not answering is an answer too
    if (step_ == Step::kFile) add_check(kFile, CheckStatus::kFailed, text);
    else if (step_ != Step::kReports) add_check(check, CheckStatus::kFailed, text);
    finish(kProbeTimeout, text);
  });
}

// The probe's own Jingle, as evidence: its session-initiate leaves only once
// the target proceeded (XEP-0353), and its relay candidates only once its
// TURN allocation succeeded.
void Probe::note_outgoing(const gloox::Tag& stanza) {
  const gloox::Tag* jingle = stanza.name() == "iq" ? stanza.findChild("jingle") : nullptr;
  if (jingle == nullptr) return;
  if (jingle->findAttribute("action") == "session-initiate") answered_ = true;
  for (const gloox::Tag* content : jingle->findChildren("content")) {
    for (const gloox::Tag* transport : content->findChildren("transport")) {
      for (const gloox::Tag* candidate : transport->findChildren("candidate")) {
        if (candidate->findAttribute("type") == "relay") ++result_.relay_candidates;
      }
    }
  }
}

void Probe::on_connected(transport::TcpConnectResult result) {
  std::string error = result.error;
  if (result.fd >= 0 && slot_.adopt(result.fd, error)) {
    session_ = std::make_unique<xmpp::Session>(config_, *trust_, static_cast<xmpp::SessionOwner&>(*this), slot_,
                                               result.peer);
    if (session_->start()) return;
    session_.reset();
    error = "could not start the XMPP stream";
  }
  const std::string text = "could not connect to the XMPP server: " + error;
  add_check(kLogin, CheckStatus::kFailed, text);
  finish(kProbeNoLogin, text);
}

void Probe::on_online() {
  if (step_ != Step::kLogin) return;
  const std::string self = session_->full_jid();
  calls_->set_self(self);
  add_check(kLogin, CheckStatus::kPassed, "logged in as " + self);
  if (!config_.ice_servers.external_services) {
    add_check(kDiscovered, CheckStatus::kSkipped, "not asked (--external-services false)");
    return place_call({});
  }
  step_ = Step::kDiscovery;
  deadline(std::chrono::seconds(options_.step_timeout_s), "answer XEP-0215");
}

void Probe::on_discovered_ice_servers(std::vector<IceServer> servers) {
  if (step_ != Step::kDiscovery) return;
  discovery_answered_ = true;
  discovered_ = std::move(servers);
  // Relay-only needs a TURN server; its credentials may follow (§3.3).
  const bool turn = std::any_of(discovered_.begin(), discovered_.end(),
                                [](const IceServer& s) { return s.kind == IceServerKind::kTurn; });
  if (!options_.relay_only || turn || !config_.ice_servers.turn.empty()) discovery_done();
}

void Probe::discovery_done() {
  if (step_ != Step::kDiscovery) return;
  step_deadline_.cancel();
  const std::string domain = gloox::JID(config_.account.jid).server();
  if (discovered_.empty()) {
    add_check(kDiscovered, CheckStatus::kFailed,
              discovery_answered_ ? domain + " offers no usable STUN or TURN service (XEP-0215 answered with none, "
                                             "or with an error: see the log)"
                                  : fmt::format("{} did not answer XEP-0215 within {} s", domain, options_.step_timeout_s));
  } else {
    std::string names;
    for (const auto& server : discovered_) names += (names.empty() ? "" : ", ") + describe(server);
    add_check(kDiscovered, CheckStatus::kPassed, domain + " offers " + names);
  }
  place_call(discovered_);
}

void Probe::place_call(std::vector<IceServer> discovered) {
  std::vector<IceServer> servers;
  if (config_.ice_servers.stun) servers.push_back(*config_.ice_servers.stun);
  servers.insert(servers.end(), config_.ice_servers.turn.begin(), config_.ice_servers.turn.end());
  servers.insert(servers.end(), discovered.begin(), discovered.end());
  step_ = Step::kAnswer;
  deadline(std::chrono::seconds(options_.step_timeout_s), "resolve the STUN/TURN servers");
  ice_resolver_.resolve(std::move(servers), [this](std::vector<IceServer> resolved) {
    transport::IceConfig ice;
    apply_ice_servers(resolved, ice);
    for (const auto& server : resolved) result_.ice_servers.push_back(describe(server));
    if (options_.relay_only && ice.turn_servers.empty()) {
      const std::string text = "--relay-only, but there is no TURN server to relay through (none configured, none discovered)";
      add_check(kRelay, CheckStatus::kFailed, text);
      return finish(kProbeFailed, text);
    }
    calls_->set_ice_servers(ice.stun_host, ice.stun_port, std::move(ice.turn_servers));
    calls_->set_test_signal(options_.target, true);  // the tone (and pattern): the target echoes them back
    std::string why;
    sid_ = calls_->propose_call(options_.target, options_.video, why);
    if (sid_.empty()) {
      add_check(kVerdict, CheckStatus::kFailed, why);
      return finish(kProbeFailed, why);
    }
    spdlog::info("probe: calling {} ({})", options_.target, options_.video ? "audio+video" : "audio");
    // The answer (XEP-0353 proceed) and the connected, keyed media path.
    deadline(std::chrono::seconds(options_.step_timeout_s) + config_.calls.connect_timeout, "answer the call and connect");
    answered_ = false;
  });
}

void Probe::on_report(const call::CallFacts& facts) {
  if (step_ == Step::kDone || facts.id != sid_) return;
  facts_ = facts;
  hang_up_timer_.cancel();
  result_.seconds_to_verdict = since_start();
  result_.probe_summary = call::summary(facts);
  result_.probe_report = call::report_json(facts);
  const call::Verdict verdict = call::verdict(facts);
  add_check(kVerdict, verdict == call::Verdict::kMediaOk ? CheckStatus::kPassed : CheckStatus::kFailed,
            result_.probe_summary);
  const auto& pair = facts.transport ? facts.transport->selected_pair : std::nullopt;
  std::string turn_names;
  for (const auto& name : result_.ice_servers) {
    if (name.rfind("turn", 0) == 0) turn_names += (turn_names.empty() ? "" : ", ") + name;
  }
  if (options_.relay_only) {
    if (pair && pair->local.type == transport::IceCandidateType::kRelayed) {
      add_check(kRelay, CheckStatus::kPassed, "through TURN: " + describe_pair(*pair));
    } else {
      const std::string turn = turn_names.empty() ? "none" : turn_names;
      std::string why;
      if (pair) {
        why = "the selected pair is " + describe_pair(*pair);
      } else if (result_.relay_candidates == 0) {
        why = "the TURN server gave no relay candidate (allocation refused or unanswered: wrong credentials, "
              "or the server is down or blocked)";
      } else {
        why = fmt::format("{} relay candidate(s), but no path through them connected ({})", result_.relay_candidates,
                          facts.failure.empty() ? std::string(call::to_string(verdict)) : facts.failure);
      }
      add_check(kRelay, CheckStatus::kFailed, "no relay path through " + turn + ": " + why);
    }
  } else {
    add_check(kRelay, CheckStatus::kSkipped,
              "not required (no --relay-only); " + (pair ? describe_pair(*pair) : std::string("no selected pair")));
  }
  if (options_.file_bytes == 0) add_check(kFile, CheckStatus::kSkipped, "not asked (no --file)");
  step_ = Step::kReports;
  // The target reports whenever it had a call; without one (ICE failed
  // before its answer went out, say) a failed verdict need not wait.
  if (verdict != call::Verdict::kMediaOk && !facts.transport) return maybe_finish();
  deadline(std::chrono::seconds(options_.step_timeout_s), "receive the target's call report");
  maybe_finish();
}

bool Probe::on_link_message(const gloox::Tag& message) {
  // The probe echoes nothing: every message is taken here.
  if (parrot::xmpp::bare_jid(message.findAttribute("from")) != options_.target) return true;
  auto report = read_target_report(message);
  if (!report) {
    if (const gloox::Tag* body = message.findChild("body")) {
      target_said_ = body->cdata();
      spdlog::info("probe: {} says: {}", options_.target, target_said_);
    }
    return true;
  }
  if (report->kind == "file" && file_ && report->name == file_->name()) {
    file_report_ = std::move(report);
    check_file();
    return true;
  }
  if (report->kind != "call" || report->id != sid_) return true;  // an older call's, or another's
  result_.target_summary = report->summary;
  result_.target_report = std::move(report->json);
  target_report_seen_ = true;
  maybe_finish();
  return true;
}

void Probe::maybe_finish() {
  if (step_ != Step::kReports) return;
  const bool waiting = !target_report_seen_ && (facts_->transport || call::verdict(*facts_) == call::Verdict::kMediaOk);
  if (waiting) return;
  // Both ways means both reports: the echo came back to the probe, and the
  // target says it received the probe's media.
  if (target_report_seen_) {
    const auto found = result_.target_report->find("verdict");
    const std::string theirs = found != result_.target_report->end() && found->is_string() ? found->get<std::string>() : "";
    for (auto& check : result_.checks) {
      if (check.name != kVerdict || check.status != CheckStatus::kPassed || theirs == "MEDIA OK") continue;
      check.status = CheckStatus::kFailed;
      check.message = "the probe got its echo back, but the target's report says: " + result_.target_summary;
    }
  }
  if (options_.file_bytes > 0) return send_file();
  finish(kProbeOk, "");
}

void Probe::send_file() {
  // To the device that answered the call: a file offer goes to a full JID.
  step_ = Step::kFile;
  step_started_ = std::chrono::steady_clock::now();
  const auto stalled = [this] {
    deadline(std::chrono::seconds(options_.step_timeout_s), "make progress sending the file");
  };
  stalled();
  file_ = std::make_unique<IbbFileSender>(
      [this](TagPtr stanza) {
        if (session_) session_->send(std::move(stanza));
      },
      facts_->peer, options_.file_bytes, std::random_device{}(), stalled,
      [this](bool ok, const std::string& why) {
        if (!ok) {
          add_check(kFile, CheckStatus::kFailed, why);
          return finish(kProbeFailed, "");
        }
        file_sent_ = true;
        deadline(std::chrono::seconds(options_.step_timeout_s), "receive the target's file report");
        check_file();
      });
  spdlog::info("probe: sending {} bytes to {} (SI over IBB)", options_.file_bytes, facts_->peer);
  file_->start();
}

void Probe::check_file() {
  if (step_ != Step::kFile || !file_sent_ || !file_report_) return;
  const std::string& theirs = file_report_->sha256;
  const std::string text = fmt::format("{} bytes sent, SHA-256 {}; the target's {}", file_->bytes_sent(),
                                       file_->sha256(), theirs.empty() ? std::string("has none") : "is " + theirs);
  add_check(kFile, theirs == file_->sha256() ? CheckStatus::kPassed : CheckStatus::kFailed, text);
  result_.file_summary = file_report_->summary;
  result_.file_report = file_report_->json;
  finish(kProbeOk, "");
}

void Probe::finish(int exit_code, const std::string& failure) {
  if (ended_) return;
  ended_ = true;
  step_ = Step::kDone;
  step_deadline_.cancel();
  hang_up_timer_.cancel();
  if (result_.seconds_to_verdict == 0) result_.seconds_to_verdict = since_start();
  result_.failure = failure;
  // The relay's failure first: with --relay-only it is what the call's failed on.
  for (const char* name : {kRelay, kLogin, kDiscovered, kVerdict, kFile}) {
    for (const auto& check : result_.checks) {
      if (check.name == name && check.status == CheckStatus::kFailed && result_.failure.empty())
        result_.failure = check.name + ": " + check.message;
    }
  }
  if (exit_code == kProbeOk && !result_.failure.empty()) exit_code = kProbeFailed;
  result_.exit_code = exit_code;
  calls_->end_all();
  if (!session_) return g_main_loop_quit(loop_.get());
  session_->close();  // on_ended quits the loop
  // A server that never closes the stream must not keep the probe from ending.
  quit_deadline_ = transport::Timer(g_main_loop_get_context(loop_.get()), std::chrono::seconds(3),
                                    [this] { g_main_loop_quit(loop_.get()); });
}

void Probe::on_ended(gloox::ConnectionError error, const std::string& reason) {
  session_.reset();
  if (ended_) return g_main_loop_quit(loop_.get());
  if (step_ == Step::kLogin) {
    const std::string text = error == gloox::ConnAuthenticationFailed
                                 ? "authentication failed for " + config_.account.jid + ": wrong password or no such account"
                                 : "could not log in: " + reason;
    add_check(kLogin, CheckStatus::kFailed, text);
    return finish(kProbeNoLogin, text);
  }
  finish(kProbeFailed, "the XMPP connection ended during the probe: " + reason);
}

void Probe::on_jingle_iq(const gloox::Tag& iq, const std::string& self) {
  calls_->set_self(self);
  calls_->on_jingle_iq(iq);
}

int probe_main(int argc, const char* const* argv, transport::LowFdSlot slot) {
  auto parsed = parse_probe_config(argc, argv, std::cout, std::cerr);
  if (!parsed.config) return parsed.exit_code;
  const Config& config = *parsed.config;
  const ProbeOptions& options = parsed.options;

  auto logger = spdlog::stderr_color_mt("parrot-probe");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_default_logger(logger);

  std::string error;
  auto trust = xmpp::TlsTrust::load(config.account.ca_file, error);
  if (!trust) {
    std::cerr << "parrot probe: " << error << "\n";
    return kProbeUsage;
  }
  ProbeResult result;
  try {
    const media::srtp::SrtpLibrary srtp_library;
    Probe probe(config, options, std::move(trust), std::move(slot));
    result = probe.run();
  } catch (const std::exception& e) {
    std::cerr << "parrot probe: fatal: " << e.what() << "\n";
    return kProbeFailed;
  }
  std::cout << to_text(result) << std::flush;
  bool written = true;
  if (!options.junit_path.empty()) written = write_file(options.junit_path, to_junit(result)) && written;
  if (!options.json_path.empty()) written = write_file(options.json_path, to_json(result).dump(2) + "\n") && written;
  if (!written && result.exit_code == kProbeOk) return kProbeUsage;
  return result.exit_code;
}

}  // namespace parrot::bot::probe
