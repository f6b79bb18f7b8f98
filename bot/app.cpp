#include "bot/app.hpp"

#include <glib-unix.h>
#include <gloox/glooxversion.h>
#include <gnutls/gnutls.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>

#include "bot/metrics_routes.hpp"
#include "bot/version.hpp"
#include "bot/xmpp/jid.hpp"
#include "transport/bytestream/tcp_listener.hpp"

namespace parrot::bot {
namespace {

constexpr auto kStableConnection = std::chrono::seconds(30);
// How long quit() waits for the server to close the stream.
constexpr auto kQuitDeadline = std::chrono::seconds(3);
// After the drain deadline ended the calls: how long their reports (which
// come back from the media workers) may take before parrot exits anyway.
constexpr auto kReportGrace = std::chrono::seconds(3);

// Watches a Unix signal on `context` for as long as the source lives.
transport::AttachedSourcePtr watch_signal(GMainContext* context, int signal, GSourceFunc on_signal, gpointer data) {
  transport::AttachedSourcePtr source(g_unix_signal_source_new(signal));
  g_source_set_callback(source.get(), on_signal, data, nullptr);
  g_source_attach(source.get(), context);
  return source;
}

std::string format_uptime(std::chrono::seconds uptime) {
  const auto days = uptime.count() / 86400;
  const auto hours = uptime.count() / 3600 % 24;
  const auto minutes = uptime.count() / 60 % 60;
  const auto seconds = uptime.count() % 60;
  std::string text;
  if (days) text += std::to_string(days) + "d ";
  if (days || hours) text += std::to_string(hours) + "h ";
  if (days || hours || minutes) text += std::to_string(minutes) + "m ";
  return text + std::to_string(seconds) + "s";
}

}  // namespace

App::App(Config config, std::unique_ptr<xmpp::TlsTrust> trust, transport::LowFdSlot slot)
    : config_(std::move(config)),
      trust_(std::move(trust)),
      slot_(std::move(slot)),
      loop_(g_main_loop_new(nullptr, FALSE)),
      connector_(nullptr, std::chrono::seconds(config_.account.connect_timeout_s)),
      backoff_(std::chrono::seconds(config_.stream.reconnect_min_s), std::chrono::seconds(config_.stream.reconnect_max_s)),
      chat_(config_.chat, commands_),
      workers_(config_.workers),
      certificate_(transport::Certificate::load_or_generate(config_.data_dir + "/dtls")),
      store_(open_store(store_options())) {
  spdlog::info("store: {}", store_->describe());
  // Older parrots kept the welcomed contacts in a file of their own.
  import_welcome_file(*store_, config_.data_dir + "/welcomed");
  chat_.set_instance_name(config_.instance_name);
  chat_.set_reply_from_addressed(config_.account.is_component());
  GMainContext* control = g_main_loop_get_context(loop_.get());
  const auto send = [this](TagPtr stanza) {
    if (session_) session_->send(std::move(stanza));
  };
  calls_ = std::make_unique<call::CallManager>(control, workers_, certificate_, store_.get(), config_.ice, config_.calls,
                                               send);
  const ReportPagesConfig& pages = config_.report_pages;
  calls_->set_report_base_url(pages.public_url);
  calls_->set_metrics(&metrics_);
  metrics_.set_max_calls(config_.calls.max_calls);
  if (!pages.listen_host.empty()) {
    report_pages_ = std::make_unique<ReportPages>(open_store(store_options()));  // for the server's threads
    http_ = std::make_unique<transport::HttpServer>(pages.listen_host, pages.listen_port);
    report_pages_->add_routes(*http_);
    add_metrics_routes(*http_, metrics_);
    http_->start();
    spdlog::info("http: report pages on {}:{}, with /metrics, /healthz and /readyz{}", pages.listen_host, http_->port(),
                 pages.public_url.empty() ? " (no --public-url: chat reports carry no link)" : "");
  }
  // Every mechanism takes the same limits.
  const transfer::TransferLimits& limits = config_.transfers.limits;
  transfer::SiOptions si_options;
  si_options.limits = limits;
  si_transfers_ = std::make_unique<transfer::SiTransfers>(control, workers_, store_.get(), si_options, send);
  transfer::JingleFtOptions jingle_ft_options = config_.transfers.jingle_ft;
  jingle_ft_options.limits = limits;
  jingle_transfers_ = std::make_unique<transfer::JingleTransfers>(control, workers_, store_.get(), jingle_ft_options, send);
  jingle_transfers_->set_direct_candidates(direct_candidates());
  transfer::HttpLinkOptions link_options = config_.links;
  link_options.limits = limits;
  link_options.user_agent = std::string("parrot/") + kVersion;
  http_links_ = std::make_unique<transfer::HttpLinks>(control, store_.get(), std::move(link_options), send);
  // --max-transfers and --max-transfers-per-contact count every mechanism.
  transfer_load_.add([this](const std::string& bare) { return si_transfers_->own_load(bare); });
  transfer_load_.add([this](const std::string& bare) { return jingle_transfers_->own_load(bare); });
  transfer_load_.add([this](const std::string& bare) { return http_links_->own_load(bare); });
  si_transfers_->set_load(&transfer_load_);
  jingle_transfers_->set_load(&transfer_load_);
  http_links_->set_load(&transfer_load_);
  si_transfers_->set_metrics(&metrics_);
  jingle_transfers_->set_metrics(&metrics_);
  http_links_->set_metrics(&metrics_);
  tick_ = transport::Timer::repeating(control, std::chrono::seconds(1), [this] { tick(); });
  calls_->set_settings_store(store_.get());
  register_commands();
  update_ice_servers();
}

StoreOptions App::store_options() const {
  return StoreOptions{config_.store, config_.data_dir};
}

transfer::DirectCandidates App::direct_candidates() const {
  transfer::DirectCandidates direct = config_.transfers.s5b;
  const std::string& public_address = config_.ice.public_address;
  if (direct.addresses.empty()) {
    // A sender reaches parrot on its public address, if any, or an interface's.
    if (!public_address.empty()) direct.addresses.push_back(public_address);
    for (auto& address : transport::bytestream::local_addresses()) {
      if (address != public_address) direct.addresses.push_back(std::move(address));
    }
  } else if (direct.addresses.front() == "none") {
    direct.addresses.clear();
  }
  return direct;
}

void App::on_discovered_ice_servers(std::vector<IceServer> servers) {
  discovered_ice_servers_ = std::move(servers);
  update_ice_servers();
}

void App::update_ice_servers() {
  std::vector<IceServer> servers;
  if (config_.ice_servers.stun) servers.push_back(*config_.ice_servers.stun);
  servers.insert(servers.end(), config_.ice_servers.turn.begin(), config_.ice_servers.turn.end());
  servers.insert(servers.end(), discovered_ice_servers_.begin(), discovered_ice_servers_.end());
  ice_resolver_.resolve(std::move(servers), [this](std::vector<IceServer> resolved) {
    transport::IceConfig ice;
    apply_ice_servers(resolved, ice);
    std::string names;
    for (const auto& server : resolved) names += (names.empty() ? "" : ", ") + describe(server);
    spdlog::info("ice: servers for new calls: {}", names.empty() ? "none (host candidates only)" : names);
    check_public_address(ice.stun_host, ice.stun_port);
    if (calls_) calls_->set_ice_servers(ice.stun_host, ice.stun_port, std::move(ice.turn_servers));
  });
}

void App::check_public_address(const std::string& stun_host, std::uint16_t stun_port) {
  const std::string stun = stun_host.empty() ? std::string() : stun_host + ":" + std::to_string(stun_port);
  if (stun.empty() || stun == public_address_checked_with_) return;
  public_address_checked_with_ = stun;
  // From the first --ice-address, the address calls use, if one is given.
  const auto& allowed = config_.ice.allowed_addresses;
  const std::string local = allowed.empty() ? std::string() : allowed.front();
  public_address_check_ = std::make_unique<PublicAddressCheck>(g_main_loop_get_context(loop_.get()), local, stun_host,
                                                               stun_port, config_.ice.public_address);
}

void App::on_jingle_iq(const gloox::Tag& iq, const std::string& self) {
  control_thread_.check("App::on_jingle_iq");
  calls_->set_self(self);
  // File transfers: an offer with a file description, or any later action
  // on a session the transfer manager runs; CallManager keeps the rest.
  jingle_transfers_->set_self(self);
  const gloox::Tag* jingle = iq.findChild("jingle");
  if (transfer::jingle_ft::is_file_offer(iq) || (jingle && jingle_transfers_->owns(jingle->findAttribute("sid")))) {
    jingle_transfers_->on_jingle_iq(iq);
    return;
  }
  calls_->on_jingle_iq(iq);
}

// File transfers. IBB data is claimed by sid: Jingle FT's owner
// first, then SI; a sid nobody owns is item-not-found (XEP-0047 §2.2).
bool App::on_transfer_iq(const gloox::Tag& iq, const std::string& self) {
  control_thread_.check("App::on_transfer_iq");
  // Answers to the Jingle FT manager's disco and proxy activation IQs.
  if (iq.findAttribute("type") != "set") return jingle_transfers_->on_iq_answer(iq);
  if (transfer::SiTransfers::is_si_iq(iq)) {
    si_transfers_->on_iq(iq, self);
    return true;
  }
  namespace si = transfer::si;
  if (iq.findChild("open", "xmlns", si::kIbbNamespace) || iq.findChild("data", "xmlns", si::kIbbNamespace) ||
      iq.findChild("close", "xmlns", si::kIbbNamespace)) {
    if (jingle_transfers_->on_ibb_iq(iq)) return true;
    if (si_transfers_->on_ibb_iq(iq)) return true;
    if (session_) {
      session_->send(si::iq_error(si::iq_ref(iq), "cancel", "item-not-found", "no such stream"));
    }
    return true;
  }
  return false;
}

App::~App() {
  control_thread_.check("App::~App");
  // The server first: its handlers read metrics_, and no request may run
  // while what it reports is being torn down.
  if (http_) http_->stop();
  tick_.cancel();
  drain_deadline_.cancel();
  reconnect_timer_.cancel();
  quit_deadline_.cancel();
  // Calls end before the session and the workers: terminates go out while
  // the stream is up, media is torn down on the workers before they stop.
  calls_.reset();
  si_transfers_.reset();
  jingle_transfers_.reset();
  http_links_.reset();
  workers_.stop();
}

void App::register_commands() {
  commands_.add("help", "help", "list the commands", [this](const CommandRequest&) { return commands_.help(); });
  commands_.add("ping", "ping", "check that parrot answers", [](const CommandRequest&) { return std::string("pong"); });
  commands_.add("version", "version", "parrot's version and libraries", [](const CommandRequest&) {
    return std::string("parrot ") + kVersion + " (gloox " + gloox::GLOOX_VERSION + ", GnuTLS " +
           gnutls_check_version(nullptr) + ")";
  });
  commands_.add("report", "report", "your last call or file report again", [this](const CommandRequest& request) {
    const std::string peer = parrot::xmpp::bare_jid(request.peer);
    const auto last = store_->last(peer);
    if (!last) return CommandReply("No report yet: call parrot or send it a file, then ask again.");
    CommandReply reply(last->summary);
    auto report = std::make_shared<gloox::Tag>("report", last->json);
    report->setXmlns("urn:parrot:report:1");
    reply.extensions.push_back(std::move(report));
    return reply;
  });
  commands_.add("delay", "delay MS", "echo your next calls MS milliseconds later (0 to 5000; 0 turns it off)",
                [this](const CommandRequest& request) {
                  const std::string peer = parrot::xmpp::bare_jid(request.peer);
                  char* end = nullptr;
                  const long ms = std::strtol(request.args.c_str(), &end, 10);
                  if (request.args.empty() || end == nullptr || *end != '\0' || ms < 0 || ms > 5000)
                    return CommandReply("Usage: !delay MS, with MS from 0 to 5000 (now: " +
                                        std::to_string(calls_->extra_delay(peer).count()) + ").");
                  calls_->set_extra_delay(peer, std::chrono::milliseconds(ms));
                  return CommandReply(ms == 0 ? std::string("Your calls are echoed at once again.")
                                              : "Your next calls are echoed " + std::to_string(ms) + " ms late.");
                });
  commands_.add("mode", "mode echo|tone",
                "your next calls: echo what you send, or send parrot's test tone and pattern (tests what you receive)",
                [this](const CommandRequest& request) {
                  const std::string peer = parrot::xmpp::bare_jid(request.peer);
                  if (request.args == "echo" || request.args == "tone") {
                    calls_->set_test_signal(peer, request.args == "tone");
                    return CommandReply(request.args == "tone"
                                            ? "Your next calls get parrot's test tone (and test pattern on video) "
                                              "instead of your echo; parrot still measures what you send."
                                            : "Your next calls are echoed again.");
                  }
                  return CommandReply(std::string("Usage: !mode echo or !mode tone (now: ") +
                                      (calls_->test_signal(peer) ? "tone" : "echo") + ").");
                });
  commands_.add("callme", "callme [video]",
                "parrot calls you: its test tone (and pattern) first, then your echo",
                [this](const CommandRequest& request) {
                  if (!request.args.empty() && request.args != "video")
                    return CommandReply("Usage: !callme, or !callme video.");
                  return CommandReply(calls_->call_me(request.peer, request.args == "video"));
                });
  commands_.add("stats", "stats", "uptime, contacts and messages echoed", [this](const CommandRequest&) {
    const auto& counters = chat_.counters();
    const auto uptime =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
    return "uptime " + format_uptime(uptime) + ", contacts " + std::to_string(contacts_) + ", messages echoed " +
           std::to_string(counters.echoed) + ", commands " + std::to_string(counters.commands) +
           ", chat states mirrored " + std::to_string(counters.chat_states) + ", receipts " +
           std::to_string(counters.receipts) + ", paced " + std::to_string(counters.paced) + ", waiting " +
           std::to_string(chat_.queued()) + ", refused over the queue " + std::to_string(counters.rate_limited) +
           ", too large " + std::to_string(counters.too_large) + ", not answerable " +
           std::to_string(counters.ignored) + ", connections " + std::to_string(connections_) +
           ", calls showing parrot behind a NAT " + std::to_string(calls_->calls_parrot_behind_nat());
  });
}

int App::run() {
  // The first SIGTERM or SIGINT drains, a second one exits at once.
  const auto on_stop_signal = [](gpointer data) -> gboolean {
    auto* self = static_cast<App*>(data);
    if (self->draining_ || self->stopping_) {
      spdlog::info("parrot: second signal: exiting now");
      self->quit(kExitOk);
    } else {
      self->drain();
    }
    return G_SOURCE_CONTINUE;
  };
  const auto on_sighup = [](gpointer data) -> gboolean {
    static_cast<App*>(data)->reload();
    return G_SOURCE_CONTINUE;
  };
  control_thread_.check("App::run");
  GMainContext* control = g_main_loop_get_context(loop_.get());
  const auto sigint = watch_signal(control, SIGINT, on_stop_signal, this);
  const auto sigterm = watch_signal(control, SIGTERM, on_stop_signal, this);
  const auto sighup = watch_signal(control, SIGHUP, on_sighup, this);
  if (config_.account.is_component()) {
    spdlog::info("parrot {} starting as component {}/{} (instance {})", kVersion, config_.account.component,
                 config_.account.resource, config_.instance_name);
    // XEP-0114 has no TLS: the secret's hash and every stanza cross the
    // network as they are.
    spdlog::warn("parrot: the XEP-0114 component stream is not encrypted: keep {}:{} on loopback or a private network",
                 config_.account.server_host, config_.account.server_port);
  } else {
    spdlog::info("parrot {} starting as {}/{}", kVersion, config_.account.jid, config_.account.resource);
  }
  if (config_.account.insecure_skip_verify) {
    spdlog::warn("parrot: --insecure-skip-verify is set: the server's certificate will NOT be checked");
  }
  connect();
  g_main_loop_run(loop_.get());
  session_.reset();
  return exit_code_;
}

void App::drain() {
  control_thread_.check("App::drain");
  draining_ = true;
  // Readiness drops first, so a load balancer stops sending before anything
  // is refused. The stream stays up (and parrot available) for the calls in
  // progress: their signalling and reports need it.
  metrics_.set_draining(true);
  calls_->set_draining(true);
  transfer_load_.set_draining(true);
  spdlog::info("parrot: draining: refusing new calls and transfers; {} call(s) and {} transfer(s) in progress may take "
               "up to {} s (--drain-seconds)",
               calls_->calls_and_proposals(), transfer_load_.of({}).total, config_.drain_seconds);
  GMainContext* control = g_main_loop_get_context(loop_.get());
  drain_deadline_ = transport::Timer(control, std::chrono::seconds(config_.drain_seconds), [this, control] {
    drain_deadline_passed_ = true;
    spdlog::warn("parrot: --drain-seconds passed: ending {} call(s) with their reports",
                 calls_->calls_and_proposals());
    calls_->end_all();
    drain_deadline_ = transport::Timer(control, kReportGrace, [this] { quit(kExitOk); });
    exit_if_drained();
  });
  exit_if_drained();
}

void App::exit_if_drained() {
  if (!draining_ || stopping_ || calls_->calls_and_proposals() > 0) return;
  // Transfers still running at the deadline end as at any shutdown.
  if (!drain_deadline_passed_ && transfer_load_.of({}).total > 0) return;
  // A call's worker pin is released just before its report goes out (a
  // transfer's pin past the deadline: kReportGrace ends the wait).
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    if (workers_.at(i).load() > 0) return;
  }
  spdlog::info("parrot: drained: exiting");
  quit(kExitOk);
}

void App::tick() {
  metrics_.heartbeat();
  MetricsSample sample;
  sample.calls_active = calls_->calls_and_proposals();
  sample.transfers_active = transfer_load_.of({}).total;
  sample.contacts = contacts_;
  sample.calls_parrot_behind_nat = calls_->calls_parrot_behind_nat();
  sample.store_available = store_->available();
  sample.store_outages = store_->outages();
  const ChatCounters& chat = chat_.counters();
  sample.chat_echoed = chat.echoed;
  sample.chat_paced = chat.paced;
  sample.chat_commands = chat.commands;
  sample.chat_queue_full = chat.rate_limited;
  sample.chat_too_large = chat.too_large;
  sample.chat_queued = chat_.queued();
  metrics_.sample(sample);
  exit_if_drained();
}

void App::reload() {
  control_thread_.check("App::reload");
  if (!config_reader_) return;
  std::string error;
  std::optional<Config> fresh = config_reader_(error);
  if (!fresh) {
    while (!error.empty() && error.back() == '\n') error.pop_back();
    spdlog::error("config: SIGHUP: the configuration is not valid, keeping the running one: {}", error);
    return;
  }
  std::vector<std::string> changed;
  const auto note = [&changed](const char* flag, const auto& before, const auto& after) {
    if (before != after) changed.push_back(fmt::format("{} {} -> {}", flag, before, after));
  };
  note("--log-level", config_.log_level, fresh->log_level);
  const call::CallLimits& calls = fresh->calls;
  note("--max-calls", config_.calls.max_calls, calls.max_calls);
  note("--max-calls-per-contact", config_.calls.max_calls_per_contact, calls.max_calls_per_contact);
  note("--max-call-seconds", config_.calls.max_length.count(), calls.max_length.count());
  note("--call-connect-seconds", config_.calls.connect_timeout.count(), calls.connect_timeout.count());
  note("--no-media-seconds", config_.calls.no_media_timeout.count(), calls.no_media_timeout.count());
  const ChatPolicy& chat = fresh->chat;
  note("--echo-rate", config_.chat.rate_per_second, chat.rate_per_second);
  note("--echo-burst", config_.chat.burst, chat.burst);
  note("--echo-queue", config_.chat.max_queued_per_sender, chat.max_queued_per_sender);
  note("--max-body-bytes", config_.chat.max_body_bytes, chat.max_body_bytes);
  const transfer::TransferLimits& limits = fresh->transfers.limits;
  note("--max-file-bytes", config_.transfers.limits.max_file_bytes, limits.max_file_bytes);
  note("--max-transfers", config_.transfers.limits.max_transfers, limits.max_transfers);
  note("--max-transfers-per-contact", config_.transfers.limits.max_per_contact, limits.max_per_contact);
  note("--transfer-idle-seconds", config_.transfers.limits.idle.count(), limits.idle.count());
  note("--drain-seconds", config_.drain_seconds, fresh->drain_seconds);
  if (changed.empty()) {
    spdlog::info("config: SIGHUP: nothing that applies live changed (other options take effect at a restart)");
    return;
  }
  config_.log_level = fresh->log_level;
  spdlog::default_logger()->set_level(spdlog::level::from_str(config_.log_level));
  config_.calls = calls;
  calls_->set_limits(calls);
  metrics_.set_max_calls(calls.max_calls);
  config_.chat = chat;
  chat_.set_policy(chat);
  config_.transfers.limits = limits;
  si_transfers_->set_limits(limits);
  jingle_transfers_->set_limits(limits);
  http_links_->set_limits(limits);
  config_.drain_seconds = fresh->drain_seconds;
  std::string list;
  for (const auto& one : changed) list += (list.empty() ? "" : ", ") + one;
  spdlog::info("config: SIGHUP: applied {}", list);
}

void App::quit(int exit_code) {
  control_thread_.check("App::quit");
  if (stopping_) return;
  stopping_ = true;
  exit_code_ = exit_code;
  metrics_.set_draining(true);
  connector_.cancel();
  if (session_) {
    session_->close();  // on_ended quits the loop
    // A server that never answers must not keep parrot from exiting.
    quit_deadline_ = transport::Timer(g_main_loop_get_context(loop_.get()), kQuitDeadline,
                                      [this] { g_main_loop_quit(loop_.get()); });
  } else {
    g_main_loop_quit(loop_.get());
  }
}

void App::connect() {
  const std::string domain = config_.account.domain();
  auto done = [this](transport::TcpConnectResult result) { on_connected(std::move(result)); };
  if (config_.account.server_host.empty()) {
    spdlog::info("xmpp: connecting to {} (DNS SRV)", domain);
    connector_.connect_service("xmpp-client", domain, 5222, std::move(done));
  } else {
    spdlog::info("xmpp: connecting to {}:{}", config_.account.server_host, config_.account.server_port);
    connector_.connect_host(config_.account.server_host, config_.account.server_port, std::move(done));
  }
}

void App::on_connected(transport::TcpConnectResult result) {
  if (!result.fd) return schedule_reconnect(result.error);
  std::string error;
  if (!slot_.adopt(std::move(result.fd), error)) return schedule_reconnect(error);
  spdlog::debug("xmpp: TCP connected to {} on fd {}", result.peer, slot_.fd());
  session_ = std::make_unique<xmpp::Session>(config_, *trust_, static_cast<xmpp::SessionOwner&>(*this), slot_, result.peer);
  if (!session_->start()) {
    session_.reset();
    schedule_reconnect("could not start the XMPP stream");
  }
}

void App::on_online() {
  control_thread_.check("App::on_online");
  online_since_ = std::chrono::steady_clock::now();
  ++connections_;
  metrics_.online();
  // Who parrot is in calls and transfers it starts itself (!callme) before
  // any Jingle IQ has said which of its JIDs a contact talks to.
  calls_->set_self(session_->full_jid());
  jingle_transfers_->set_self(session_->full_jid());
  // A component's SOCKS5 proxy is its parent server's (which lists the
  // component itself among its items).
  if (config_.account.is_component()) {
    jingle_transfers_->discover_proxy(config_.account.parent_domain, config_.account.component);
  } else {
    jingle_transfers_->discover_proxy(config_.account.domain());
  }
  if (!resend_.empty()) {
    spdlog::info("xmpp: sending {} messages again that the server had not acknowledged", resend_.size());
    for (auto& stanza : resend_) session_->send(std::move(stanza));
    resend_.clear();
  }
}

void App::on_ended(gloox::ConnectionError error, const std::string& session_reason) {
  control_thread_.check("App::on_ended");
  // `session_reason` lives in the Session, which is destroyed below.
  const std::string reason = session_reason;
  // The backoff starts over only after a connection that lasted: a server
  // that accepts the login and drops it at once (a resource conflict with a
  // second parrot, say) must not be redialled every reconnect-min seconds.
  if (online_since_ && std::chrono::steady_clock::now() - *online_since_ >= kStableConnection) backoff_.reset();
  online_since_.reset();
  metrics_.offline();
  auto unacked = session_->take_unacked();
  for (auto& stanza : unacked) resend_.push_back(std::move(stanza));
  const bool secret_refused = session_->auth_refused();
  session_.reset();
  if (stopping_) {
    g_main_loop_quit(loop_.get());
    return;
  }
  if (error == gloox::ConnAuthenticationFailed) {
    spdlog::error("xmpp: authentication failed for {}: wrong password or no such account; not retrying",
                  config_.account.jid);
    stopping_ = true;
    exit_code_ = kExitAuthFailed;
    g_main_loop_quit(loop_.get());
    return;
  }
  if (secret_refused) {
    spdlog::error("xmpp: the server refused the component secret for {}: wrong secret, or {} is not a component "
                  "there; not retrying",
                  config_.account.component, config_.account.component);
    stopping_ = true;
    exit_code_ = kExitAuthFailed;
    g_main_loop_quit(loop_.get());
    return;
  }
  schedule_reconnect(reason);
}

void App::schedule_reconnect(const std::string& why) {
  if (stopping_) return;
  const auto delay = backoff_.next();
  metrics_.reconnect_scheduled();
  spdlog::warn("xmpp: disconnected ({}); reconnecting in {:.1f} s", why, std::chrono::duration<double>(delay).count());
  reconnect_timer_ = transport::Timer(g_main_loop_get_context(loop_.get()), delay, [this] { connect(); });
}

}  // namespace parrot::bot
