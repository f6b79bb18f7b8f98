#include "bot/xmpp/session.hpp"

#include <gloox/capabilities.h>
#include <gloox/disco.h>
#include <gloox/message.h>

#include <functional>
#include <gloox/rostermanager.h>
#include <glib-unix.h>
#include <sys/utsname.h>

#include <spdlog/spdlog.h>

#include <algorithm>

#include "bot/version.hpp"
#include "bot/xmpp/disco_info.hpp"

namespace parrot::bot::xmpp {
namespace {

constexpr const char* kStatus = "Echo bot: write to me and I write it back. !help lists commands.";
constexpr const char* kWelcome =
    "Hello, I'm parrot, an echo and test bot. Whatever you write to me, I write back, with your chat "
    "states, corrections and receipts mirrored, so you can see your client's messaging work end to end. "
    "Send !help to list my commands.";


// Marks every IQ that has a child. gloox answers an IQ whose payload it does
// not model with feature-not-implemented; with this marker present it falls
// through to service-unavailable, which RFC 6120 §8.4 asks for.
class AnyIqPayload final : public gloox::StanzaExtension {
 public:
  static constexpr int kType = gloox::ExtUser + 2;
  AnyIqPayload() : StanzaExtension(kType) {}
  const std::string& filterString() const override {
    static const std::string filter = "/iq/*";
    return filter;
  }
  gloox::StanzaExtension* newInstance(const gloox::Tag*) const override { return new AnyIqPayload(); }
  gloox::Tag* tag() const override { return nullptr; }
  gloox::StanzaExtension* clone() const override { return new AnyIqPayload(); }
};

std::string describe(gloox::ConnectionError error) {
  switch (error) {
    case gloox::ConnNoError: return "closed";
    case gloox::ConnStreamError: return "stream error";
    case gloox::ConnStreamVersionError: return "server does not speak XMPP 1.0";
    case gloox::ConnStreamClosed: return "connection closed by the server";
    case gloox::ConnProxyAuthRequired:
    case gloox::ConnProxyAuthFailed:
    case gloox::ConnProxyNoSupportedAuth: return "proxy error";
    case gloox::ConnIoError: return "I/O error";
    case gloox::ConnParseError: return "XML parse error";
    case gloox::ConnConnectionRefused: return "connection refused";
    case gloox::ConnDnsError: return "DNS error";
    case gloox::ConnOutOfMemory: return "out of memory";
    case gloox::ConnNoSupportedAuth: return "no supported SASL mechanism";
    case gloox::ConnTlsFailed: return "TLS failed";
    case gloox::ConnTlsNotAvailable: return "server offers no STARTTLS but --tls is required";
    case gloox::ConnCompressionFailed: return "compression failed";
    case gloox::ConnAuthenticationFailed: return "authentication failed";
    case gloox::ConnUserDisconnected: return "disconnected by parrot";
    case gloox::ConnNotConnected: return "not connected";
  }
  return "unknown error";
}

std::string operating_system() {
  utsname name{};
  if (::uname(&name) != 0) return "Linux";
  return std::string(name.sysname) + " " + name.release;
}

}  // namespace

class Session::Client final : public gloox::Client {
 public:
  using MessageSink = std::function<void(const gloox::Tag&)>;
  Client(const gloox::JID& jid, const std::string& password, MessageSink on_message, MessageSink on_jingle)
      : gloox::Client(jid, password), on_message_(std::move(on_message)), on_jingle_(std::move(on_jingle)) {}

  // Messages are parrot's hot path and it reads them as raw tags, so they
  // skip gloox's dispatch: it matches every registered extension's filter
  // against each stanza (about a third of an echo's instructions under
  // callgrind), serialises it for a debug log nobody reads, and builds a
  // Message object that drops what parrot needs (the stanza's xml:lang).
  void handleTag(gloox::Tag* tag) override {
    if (tag && tag->name() == "message" && m_authed &&
        (tag->xmlns().empty() || tag->xmlns() == gloox::XMLNS_CLIENT)) {
      if (spdlog::should_log(spdlog::level::trace)) spdlog::trace("xml <- {}", tag->xml());
      if (m_smContext >= CtxSMEnabled) ++m_smHandled;  // XEP-0198: count it as handled
      on_message_(*tag);
      return;
    }
    // Jingle IQs go to parrot's own Jingle layer, which answers every one
    // itself (gloox's SessionManager acks before its handler runs and so
    // cannot send Jingle errors; docs/client-quirks.md#gloox).
    if (tag && tag->name() == "iq" && m_authed && tag->findAttribute("type") == "set" &&
        tag->findChild("jingle", "xmlns", "urn:xmpp:jingle:1") != nullptr) {
      if (spdlog::should_log(spdlog::level::trace)) spdlog::trace("xml <- {}", tag->xml());
      if (m_smContext >= CtxSMEnabled) ++m_smHandled;
      on_jingle_(*tag);
      return;
    }
    // File transfers: SI offers, SOCKS5 queries and IBB data are
    // answered by App's transfer owners, which read the raw tags.
    // The Jingle FT manager's own IQs (ids "jft-…") get their answers there too.
    if (tag && tag->name() == "iq" && m_authed &&
        (tag->findAttribute("type") == "set" || tag->findAttribute("id").rfind("jft-", 0) == 0) && on_transfer_ &&
        on_transfer_(*tag)) {
      if (spdlog::should_log(spdlog::level::trace)) spdlog::trace("xml <- {}", tag->xml());
      if (m_smContext >= CtxSMEnabled) ++m_smHandled;
      return;
    }
    // disco#info for no node and for the caps node, from the one list the
    // caps `ver` is computed from (DiscoInfo says why not gloox::Disco).
    if (tag && m_authed && parrot_disco_info().answers(*tag)) {
      if (m_smContext >= CtxSMEnabled) ++m_smHandled;
      send(parrot_disco_info().answer(*tag, jid().full()).release());
      return;
    }
    // HTTP Upload links: replies to their disco queries (XEP-0363 §3).
    if (tag && tag->name() == "iq" && m_authed && on_link_reply_ &&
        (tag->findAttribute("type") == "result" || tag->findAttribute("type") == "error") &&
        on_link_reply_(*tag)) {
      if (m_smContext >= CtxSMEnabled) ++m_smHandled;
      return;
    }
    gloox::Client::handleTag(tag);
  }

  void set_link_reply_sink(std::function<bool(const gloox::Tag&)> sink) { on_link_reply_ = std::move(sink); }

  void set_transfer_sink(std::function<bool(const gloox::Tag&)> sink) { on_transfer_ = std::move(sink); }

  bool stream_management_enabled() const { return m_smContext >= CtxSMEnabled; }
  int stanzas_sent() const { return stanzasSent(); }

 private:
  MessageSink on_message_;
  MessageSink on_jingle_;
  std::function<bool(const gloox::Tag&)> on_transfer_;
  std::function<bool(const gloox::Tag&)> on_link_reply_;
};

Session::Session(const Config& config, const TlsTrust& trust, SessionOwner& owner, transport::LowFdSlot& slot,
                 const std::string& peer)
    : config_(config), owner_(owner) {
  const gloox::JID jid(config.account.jid + "/" + config.account.resource);
  client_ = std::make_unique<Client>(
      jid, config.account.password,
      [this](const gloox::Tag& message) {
        if (owner_.on_jmi_message(message)) return;
        if (owner_.on_link_message(message)) return;  // a shared file: fetched, not echoed
        for (TagPtr& reply : owner_.chat().on_message(message, client_->jid(), Clock::now())) send(std::move(reply));
        schedule_chat_drain();
      },
      [this](const gloox::Tag& iq) { owner_.on_jingle_iq(iq, client_->jid().full()); });
  client_->set_transfer_sink([this](const gloox::Tag& iq) { return owner_.on_transfer_iq(iq, client_->jid().full()); });
  client_->set_link_reply_sink([this](const gloox::Tag& iq) { return owner_.on_link_iq_reply(iq); });
  client_->setTls(config.account.tls == TlsPolicy::kRequired ? gloox::TLSRequired : gloox::TLSOptional);
  client_->setCompression(false);

  auto tls = std::make_unique<GnutlsTls>(client_.get(), jid.server(), trust);
  tls->init(gloox::EmptyString, gloox::EmptyString, gloox::StringList());
  tls_ = tls.get();
  client_->setEncryptionImpl(tls.release());
  auto connection = std::make_unique<SlotConnection>(client_.get(), client_->logInstance(), slot, peer);
  connection_ = connection.get();
  client_->setConnectionImpl(connection.release());
  if (config.stream.stream_management) client_->setStreamManagement(true, false);

  const gloox::LogLevel gloox_level =
      config.log_level == "trace" || config.log_level == "debug" ? gloox::LogLevelDebug : gloox::LogLevelWarning;
  client_->logInstance().registerLogHandler(gloox_level, gloox::LogAreaAll, this);
  client_->registerConnectionListener(this);
  client_->registerStanzaExtension(new AnyIqPayload());
  client_->rosterManager()->registerRosterListener(this, false);

  // disco#info for no node and for the caps node is answered by DiscoInfo
  // (in handleTag), identity included; gloox keeps disco#items, XEP-0092
  // and XEP-0050's nodes.
  client_->disco()->setVersion("parrot", kVersion, operating_system());
  client_->addPresenceExtension(new gloox::Capabilities(parrot_disco_info().caps_element().get()));
  report_command_ = std::make_unique<ReportCommand>(
      *client_, [this](const std::string& bare_jid) { return owner_.last_report(bare_jid); });
  if (config.ice_servers.external_services) {
    external_services_ = std::make_unique<ExternalServiceDiscovery>(
        *client_, jid.server(),
        [this](std::vector<IceServer> servers) { owner_.on_discovered_ice_servers(std::move(servers)); });
  }
  // Positive priority: messages to the bare JID, and offline storage, reach parrot.
  client_->setPresence(gloox::Presence::Available, 1, kStatus);
}

Session::~Session() {
  stop_timers();
  client_->removeConnectionListener(this);
  client_->logInstance().removeLogHandler(this);
}

bool Session::start() {
  if (!client_->connect(false)) return false;
  socket_watch_.reset(
      g_unix_fd_source_new(connection_->socket(), static_cast<GIOCondition>(G_IO_IN | G_IO_HUP | G_IO_ERR)));
  g_source_set_name(socket_watch_.get(), "parrot xmpp socket");
  g_source_set_callback(
      socket_watch_.get(),
      reinterpret_cast<GSourceFunc>(reinterpret_cast<void (*)()>(+[](int, GIOCondition, gpointer data) -> gboolean {
        auto* self = static_cast<Session*>(data);
        try {
          self->on_readable();
        } catch (const std::exception& e) {
          spdlog::error("xmpp: unexpected exception while reading: {}", e.what());
        }
        // A disconnect while reading stopped the watch (stop_timers()).
        return self->socket_watch_ ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
      })),
      this, nullptr);
  g_source_attach(socket_watch_.get(), g_main_context_default());
  return true;
}

void Session::on_readable() {
  // gloox reads at most 8 KiB per recv(); keep reading while a burst lasts,
  // bounded so one busy stream cannot starve the loop's other sources. The
  // replies to the whole burst leave in one write.
  tls_->cork();
  for (int i = 0; i < 32 && socket_watch_; ++i) {
    const long before = connection_->bytes_in();
    if (client_->recv(0) != gloox::ConnNoError) break;
    if (connection_->bytes_in() == before) break;
  }
  tls_->uncork();
}

void Session::close() {
  if (client_->state() != gloox::StateDisconnected) client_->disconnect();
}

void Session::send(TagPtr stanza) { client_->send(stanza.release()); }

std::string Session::full_jid() const { return client_->jid().full(); }

std::vector<TagPtr> Session::take_unacked() {
  std::vector<TagPtr> messages;
  for (gloox::Tag* tag : client_->sendQueue()) {
    TagPtr owned(tag);
    if (owned->name() != "message") continue;  // presence and IQs are redone by the next session
    owned->removeAttribute("from");            // the next stream may have another full JID
    messages.push_back(std::move(owned));
  }
  return messages;
}

void Session::stop_timers() {
  socket_watch_.reset();
  for (transport::Timer* timer : {&ping_timer_, &pong_deadline_, &ack_timer_, &chat_timer_}) timer->cancel();
}

void Session::onConnect() {
  spdlog::info("xmpp: online as {} (stream management {})", client_->jid().full(),
               client_->stream_management_enabled() ? "on" : "off");
  GMainContext* const control = g_main_context_default();
  ping_timer_ = transport::Timer::repeating(control, std::chrono::seconds(config_.stream.ping_interval_s), [this] { ping_tick(); });
  if (client_->stream_management_enabled()) {
    // gloox never asks for acks by itself; without them the unacked queue
    // would only grow.
    ack_timer_ = transport::Timer::repeating(control, std::chrono::milliseconds(500), [this] {
      if (client_->stanzas_sent() != sent_at_last_ack_request_) {
        sent_at_last_ack_request_ = client_->stanzas_sent();
        client_->reqStreamManagement();
      }
    });
  }
  // XEP-0215 asked on every connection: credentials may have changed while
  // parrot was away.
  if (external_services_) external_services_->query();
  schedule_chat_drain();  // messages queued before a reconnect go on
  owner_.on_online();
}

void Session::schedule_chat_drain() {
  if (chat_timer_.pending()) return;
  const auto now = Clock::now();
  const auto due = owner_.chat().next_due(now);
  if (!due) return;
  const auto delay = std::chrono::ceil<std::chrono::milliseconds>(*due - now).count();
  chat_timer_ = transport::Timer(g_main_context_default(), std::chrono::milliseconds(std::max<std::int64_t>(1, delay)),
                                 [this] {
                                   chat_timer_.cancel();  // fired: the next drain may arm it again
                                   for (TagPtr& reply : owner_.chat().on_timer(client_->jid(), Clock::now()))
                                     send(std::move(reply));
                                   schedule_chat_drain();
                                 });
}

void Session::ping_tick() {
  if (pong_deadline_.pending()) return;  // one ping at a time
  client_->xmppPing(gloox::JID(client_->jid().server()), this);
  pong_deadline_ =
      transport::Timer(g_main_context_default(), std::chrono::seconds(config_.stream.ping_timeout_s), [this] {
        pong_deadline_.cancel();
        spdlog::warn("xmpp: no pong from the server within {} s; reconnecting", config_.stream.ping_timeout_s);
        end_reason_ = "keepalive ping timed out";
        connection_->shut_down();  // the next read sees end of stream
      });
}

void Session::handleEvent(const gloox::Event& event) {
  if (event.eventType() != gloox::Event::PingPong && event.eventType() != gloox::Event::PingError) return;
  pong_deadline_.cancel();
}

void Session::onDisconnect(gloox::ConnectionError error) {
  stop_timers();
  end_error_ = error;
  if (end_reason_.empty()) {
    end_reason_ = describe(error);
    if (error == gloox::ConnTlsFailed && !tls_->verify_error().empty()) {
      end_reason_ += ": " + tls_->verify_error();
    }
    // gloox's streamErrorText() returns a dangling reference in 1.0.24, so
    // only the condition's number is reported.
    if (error == gloox::ConnStreamError) end_reason_ += " " + std::to_string(client_->streamError());
  }
  if (ended_idle_) return;
  // At idle priority, as before: whatever the loop still has for this stream
  // runs first.
  ended_idle_.reset(g_idle_source_new());
  g_source_set_name(ended_idle_.get(), "parrot xmpp ended");
  g_source_set_callback(
      ended_idle_.get(),
      [](gpointer data) -> gboolean {
        auto* self = static_cast<Session*>(data);
        self->ended_idle_.reset();  // GLib holds the source through this dispatch
        self->owner_.on_ended(self->end_error_, self->end_reason_);  // may delete self
        return G_SOURCE_REMOVE;
      },
      this, nullptr);
  g_source_attach(ended_idle_.get(), g_main_context_default());
}

bool Session::onTLSConnect(const gloox::CertInfo& info) {
  if (info.status == gloox::CertOk) {
    spdlog::info("xmpp: TLS {} {} with {}, certificate verified", info.protocol, info.cipher, info.server);
    return true;
  }
  if (config_.account.insecure_skip_verify) {
    spdlog::warn("xmpp: INSECURE: accepting an untrusted certificate for {} ({}) because of --insecure-skip-verify",
                 info.server, tls_->verify_error());
    return true;
  }
  spdlog::error("xmpp: certificate of {} rejected: {} (use --ca-file to trust a private CA)", info.server,
                tls_->verify_error());
  end_reason_ = "certificate rejected: " + tls_->verify_error();
  return false;
}

void Session::onResourceBind(const std::string& resource) { spdlog::debug("xmpp: bound resource {}", resource); }

void Session::onResourceBindError(const gloox::Error*) {
  spdlog::error("xmpp: resource binding failed");
  end_reason_ = "resource binding failed";
}

void Session::onSessionCreateError(const gloox::Error*) { spdlog::error("xmpp: session establishment failed"); }

void Session::onStreamEvent(gloox::StreamEvent event) {
  if (event == gloox::StreamEventSMEnableFailed) spdlog::warn("xmpp: server refused stream management");
}

bool Session::subscription_allowed(const gloox::JID& jid) const {
  if (config_.subscription.policy == SubscriptionPolicy::kOpen) return true;
  const auto& domains = config_.subscription.allowed_domains;
  return std::find(domains.begin(), domains.end(), jid.server()) != domains.end();
}

bool Session::handleSubscriptionRequest(const gloox::JID& jid, const std::string&) {
  gloox::RosterManager& roster = *client_->rosterManager();
  const bool allowed = subscription_allowed(jid);
  roster.ackSubscriptionRequest(jid, allowed);
  if (!allowed) {
    spdlog::info("roster: subscription refused by policy peer={}", jid.bare());
    return false;
  }
  spdlog::info("roster: subscription approved peer={}", jid.bare());
  const gloox::RosterItem* item = roster.getRosterItem(jid.bareJID());
  const bool subscribed_or_asked =
      item && (item->subscription() == gloox::S10nTo || item->subscription() == gloox::S10nToIn ||
               item->subscription() == gloox::S10nBoth || item->subscription() == gloox::S10nNoneOut ||
               item->subscription() == gloox::S10nNoneOutIn || item->subscription() == gloox::S10nFromOut);
  if (!subscribed_or_asked) roster.subscribe(jid.bareJID());
  if (owner_.take_welcome(jid.bare())) {
    gloox::Message welcome(gloox::Message::Chat, jid.bareJID(), kWelcome);
    client_->send(welcome);
    spdlog::info("roster: welcomed peer={}", jid.bare());
  }
  return true;
}

bool Session::handleUnsubscriptionRequest(const gloox::JID& jid, const std::string&) {
  // gloox has already answered `unsubscribed`; removing the item also ends
  // parrot's subscription to them.
  spdlog::info("roster: peer unsubscribed, removing peer={}", jid.bare());
  client_->rosterManager()->remove(jid.bareJID());
  return true;
}

void Session::handleItemSubscribed(const gloox::JID& jid) { spdlog::info("roster: subscribed to peer={}", jid.bare()); }

void Session::handleItemUnsubscribed(const gloox::JID& jid) {
  spdlog::info("roster: peer cancelled parrot's subscription peer={}", jid.bare());
}

void Session::handleItemAdded(const gloox::JID&) { update_contacts(); }
void Session::handleItemRemoved(const gloox::JID&) { update_contacts(); }
void Session::handleRoster(const gloox::Roster&) { update_contacts(); }

void Session::update_contacts() { owner_.on_contacts(client_->rosterManager()->roster()->size()); }

void Session::handleLog(gloox::LogLevel level, gloox::LogArea area, const std::string& message) {
  if (area == gloox::LogAreaXmlIncoming || area == gloox::LogAreaXmlOutgoing) {
    spdlog::trace("xml {} {}", area == gloox::LogAreaXmlIncoming ? "<-" : "->", message);
  } else if (level == gloox::LogLevelError) {
    spdlog::warn("gloox: {}", message);
  } else {
    spdlog::debug("gloox: {}", message);
  }
}

}  // namespace parrot::bot::xmpp
