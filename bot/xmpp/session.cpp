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

// The stanza tap over gloox's client or component stream (both share
// gloox::ClientBase, whose stream state the tap reads).
template <class Base>
class Tap : public Base {
 public:
  using MessageSink = std::function<void(const gloox::Tag&)>;
  template <class... Args>
  explicit Tap(Args&&... args) : Base(std::forward<Args>(args)...) {}

  void set_sinks(MessageSink on_message, MessageSink on_jingle) {
    on_message_ = std::move(on_message);
    on_jingle_ = std::move(on_jingle);
  }
  void set_link_reply_sink(std::function<bool(const gloox::Tag&)> sink) { on_link_reply_ = std::move(sink); }
  void set_transfer_sink(std::function<bool(const gloox::Tag&)> sink) { on_transfer_ = std::move(sink); }
  // Component mode: presence goes to parrot's own subscription handling,
  // and every stanza received is shown to `addressing` first.
  void set_component(ComponentAddressing* addressing, MessageSink on_presence) {
    addressing_ = addressing;
    on_presence_ = std::move(on_presence);
  }
  // Component mode, once the handshake is done: gloox stamps `from` on the
  // stanzas it builds (disco#items, XEP-0092, XEP-0050, pings, errors)
  // only once a resource is bound, which a component never does.
  void stamp_from_from_now_on() { this->m_resourceBound = true; }

  bool stream_management_enabled() const { return this->m_smContext >= kSmEnabled; }
  int stanzas_sent() const { return this->stanzasSent(); }
  std::string self_jid() { return this->jid().full(); }

  // Messages are parrot's hot path and it reads them as raw tags, so they
  // skip gloox's dispatch: it matches every registered extension's filter
  // against each stanza (about a third of an echo's instructions under
  // callgrind), serialises it for a debug log nobody reads, and builds a
  // Message object that drops what parrot needs (the stanza's xml:lang).
  void handleTag(gloox::Tag* tag) override {
    if (!tag || !this->m_authed) return Base::handleTag(tag);
    if (addressing_) addressing_->on_incoming(*tag);
    if (tag->name() == "message" &&
        (tag->xmlns().empty() || tag->xmlns() == gloox::XMLNS_CLIENT || tag->xmlns() == gloox::XMLNS_COMPONENT_ACCEPT)) {
      if (spdlog::should_log(spdlog::level::trace)) spdlog::trace("xml <- {}", tag->xml());
      handled();
      on_message_(*tag);
      return;
    }
    if (tag->name() == "presence" && on_presence_) {
      if (spdlog::should_log(spdlog::level::trace)) spdlog::trace("xml <- {}", tag->xml());
      on_presence_(*tag);
      return;
    }
    // Jingle IQs go to parrot's own Jingle layer, which answers every one
    // itself (gloox's SessionManager acks before its handler runs and so
    // cannot send Jingle errors; docs/client-quirks.md#gloox).
    if (tag->name() == "iq" && tag->findAttribute("type") == "set" &&
        tag->findChild("jingle", "xmlns", "urn:xmpp:jingle:1") != nullptr) {
      if (spdlog::should_log(spdlog::level::trace)) spdlog::trace("xml <- {}", tag->xml());
      handled();
      on_jingle_(*tag);
      return;
    }
    // File transfers: SI offers, SOCKS5 queries and IBB data are
    // answered by App's transfer owners, which read the raw tags.
    // The Jingle FT manager's own IQs (ids "jft-…") get their answers there too.
    if (tag->name() == "iq" &&
        (tag->findAttribute("type") == "set" || tag->findAttribute("id").rfind("jft-", 0) == 0) && on_transfer_ &&
        on_transfer_(*tag)) {
      if (spdlog::should_log(spdlog::level::trace)) spdlog::trace("xml <- {}", tag->xml());
      handled();
      return;
    }
    // disco#info for no node and for the caps node, from the one list the
    // caps `ver` is computed from (DiscoInfo says why not gloox::Disco),
    // from the JID that was asked (a component is many JIDs).
    if (parrot_disco_info().answers(*tag)) {
      handled();
      const std::string self = addressing_ ? tag->findAttribute("to") : this->jid().full();
      this->send(parrot_disco_info().answer(*tag, self).release());
      return;
    }
    // HTTP Upload links: replies to their disco queries (XEP-0363 §3).
    if (tag->name() == "iq" && on_link_reply_ &&
        (tag->findAttribute("type") == "result" || tag->findAttribute("type") == "error") && on_link_reply_(*tag)) {
      handled();
      return;
    }
    if (addressing_ && tag->name() == "iq" && addressing_->serves(tag->findAttribute("to"))) {
      // gloox answers synchronously and stamps its answers with m_jid:
      // make that the JID this IQ was sent to for the time it takes.
      const gloox::JID domain = this->m_jid;
      this->m_jid.setJID(tag->findAttribute("to"));
      Base::handleTag(tag);
      this->m_jid = domain;
      return;
    }
    Base::handleTag(tag);
  }

 private:
  static constexpr auto kSmEnabled = gloox::ClientBase::CtxSMEnabled;
  void handled() {
    if (this->m_smContext >= kSmEnabled) ++this->m_smHandled;  // XEP-0198: count it as handled
  }

  MessageSink on_message_;
  MessageSink on_jingle_;
  MessageSink on_presence_;
  ComponentAddressing* addressing_ = nullptr;
  std::function<bool(const gloox::Tag&)> on_transfer_;
  std::function<bool(const gloox::Tag&)> on_link_reply_;
};

class Session::Client final : public Tap<gloox::Client> {
 public:
  using Tap::Tap;
};

class Session::Component final : public Tap<gloox::Component> {
 public:
  using Tap::Tap;
};

Session::Session(const Config& config, const TlsTrust& trust, SessionOwner& owner, transport::LowFdSlot& slot,
                 const std::string& peer)
    : config_(config), owner_(owner) {
  const AccountConfig& account = config.account;
  // The server asked for STUN/TURN and pinged: a component's parent server.
  const std::string server = account.is_component() ? account.parent_domain : gloox::JID(account.jid).server();
  if (account.is_component()) {
    component_ = std::make_unique<Component>(gloox::XMLNS_COMPONENT_ACCEPT, account.server_host, account.component,
                                             account.password, account.server_port);
    base_ = component_.get();
    addressing_ = std::make_unique<ComponentAddressing>(account.component, account.resource);
    presence_ = std::make_unique<ComponentPresence>(
        account.resource, kStatus, kWelcome, owner_.contact_book(),
        ComponentPresence::Hooks{[this](const std::string& contact) { return subscription_allowed(gloox::JID(contact)); },
                                 [this](const std::string& contact) { return owner_.take_welcome(contact); }});
    component_->set_component(addressing_.get(), [this](const gloox::Tag& presence) {
      for (auto& stanza : presence_->on_presence(presence)) send(std::move(stanza));
      update_contacts();
    });
  } else {
    client_ = std::make_unique<Client>(gloox::JID(account.jid + "/" + account.resource), account.password);
    base_ = client_.get();
  }
  const auto on_message = [this](const gloox::Tag& message) {
    if (owner_.on_jmi_message(message)) return;
    if (owner_.on_link_message(message)) return;  // a shared file: fetched, not echoed
    // A component's replies take their `from` from each message's `to`
    // (ChatEcho), so its own JID here is the domain's.
    for (TagPtr& reply : owner_.chat().on_message(message, base_->jid(), Clock::now())) send(std::move(reply));
    schedule_chat_drain();
  };
  const auto on_jingle = [this](const gloox::Tag& iq) { owner_.on_jingle_iq(iq, self_for(iq)); };
  const auto on_transfer = [this](const gloox::Tag& iq) { return owner_.on_transfer_iq(iq, self_for(iq)); };
  const auto on_link_reply = [this](const gloox::Tag& iq) { return owner_.on_link_iq_reply(iq); };
  auto connection = std::make_unique<SlotConnection>(base_, base_->logInstance(), slot, peer);
  connection_ = connection.get();
  if (client_) {
    client_->set_sinks(on_message, on_jingle);
    client_->set_transfer_sink(on_transfer);
    client_->set_link_reply_sink(on_link_reply);
    client_->setTls(account.tls == TlsPolicy::kRequired ? gloox::TLSRequired : gloox::TLSOptional);
    client_->setCompression(false);
    auto tls = std::make_unique<GnutlsTls>(client_.get(), server, trust);
    tls->init(gloox::EmptyString, gloox::EmptyString, gloox::StringList());
    tls_ = tls.get();
    client_->setEncryptionImpl(tls.release());
    if (config.stream.stream_management) client_->setStreamManagement(true, false);
    client_->rosterManager()->registerRosterListener(this, false);
  } else {
    component_->set_sinks(on_message, on_jingle);
    component_->set_transfer_sink(on_transfer);
    component_->set_link_reply_sink(on_link_reply);
  }
  base_->setConnectionImpl(connection.release());

  const gloox::LogLevel gloox_level =
      config.log_level == "trace" || config.log_level == "debug" ? gloox::LogLevelDebug : gloox::LogLevelWarning;
  base_->logInstance().registerLogHandler(gloox_level, gloox::LogAreaAll, this);
  base_->registerConnectionListener(this);
  base_->registerStanzaExtension(new AnyIqPayload());

  // disco#info for no node and for the caps node is answered by DiscoInfo
  // (in handleTag), identity included; gloox keeps disco#items, XEP-0092
  // and XEP-0050's nodes.
  base_->disco()->setVersion("parrot", kVersion, operating_system());
  report_command_ = std::make_unique<ReportCommand>(
      *base_, [this](const std::string& bare_jid) { return owner_.last_report(bare_jid); });
  if (config.ice_servers.external_services) {
    external_services_ = std::make_unique<ExternalServiceDiscovery>(
        *base_, server,
        [this](std::vector<IceServer> servers) { owner_.on_discovered_ice_servers(std::move(servers)); });
  }
  if (client_) {
    client_->addPresenceExtension(new gloox::Capabilities(parrot_disco_info().caps_element().get()));
    // Positive priority: messages to the bare JID, and offline storage, reach parrot.
    client_->setPresence(gloox::Presence::Available, 1, kStatus);
  }
}

std::string Session::self_for(const gloox::Tag& stanza) const {
  return addressing_ ? addressing_->self_for(stanza) : base_->jid().full();
}

Session::~Session() {
  stop_timers();
  base_->removeConnectionListener(this);
  base_->logInstance().removeLogHandler(this);
}

bool Session::start() {
  if (!base_->connect(false)) return false;
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
  if (tls_) tls_->cork();
  for (int i = 0; i < 32 && socket_watch_; ++i) {
    const long before = connection_->bytes_in();
    if (base_->recv(0) != gloox::ConnNoError) break;
    if (connection_->bytes_in() == before) break;
  }
  if (tls_) tls_->uncork();
}

void Session::close() {
  // A component closes its stream without a word of presence: in a
  // cluster the other instances still serve the domain.
  if (base_->state() == gloox::StateDisconnected) return;
  if (client_) {
    client_->disconnect();
  } else {
    component_->disconnect();
  }
}

void Session::send(TagPtr stanza) {
  if (addressing_) addressing_->stamp(*stanza);
  base_->send(stanza.release());
}

std::string Session::full_jid() const { return addressing_ ? addressing_->default_self() : base_->jid().full(); }

std::vector<TagPtr> Session::take_unacked() {
  std::vector<TagPtr> messages;
  if (!client_) return messages;  // no XEP-0198 on a component stream
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
  for (transport::Timer* timer : {&ping_timer_, &pong_deadline_, &ack_timer_, &chat_timer_, &presence_timer_})
    timer->cancel();
}

void Session::onConnect() {
  if (component_) {
    component_->stamp_from_from_now_on();
    spdlog::info("xmpp: online as {} (XEP-0114 component of {}, plaintext stream)", full_jid(),
                 config_.account.parent_domain);
  } else {
    spdlog::info("xmpp: online as {} (stream management {})", client_->jid().full(),
                 client_->stream_management_enabled() ? "on" : "off");
  }
  GMainContext* const control = g_main_context_default();
  ping_timer_ = transport::Timer::repeating(control, std::chrono::seconds(config_.stream.ping_interval_s), [this] { ping_tick(); });
  if (client_ && client_->stream_management_enabled()) {
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
  if (component_) start_presence_to_subscribers();
  owner_.on_online();
}

// A component's presence reaches its subscribers only if it sends it to
// each (no server broadcasts it), paced so a large contact list does not
// flood the server at every connect.
void Session::start_presence_to_subscribers() {
  ContactBook* book = owner_.contact_book();
  if (!book) return;
  auto subscribers = std::make_shared<std::vector<Subscriber>>(book->subscribers());
  update_contacts();
  if (subscribers->empty()) return;
  spdlog::info("roster: sending presence to {} subscribers", subscribers->size());
  auto next = std::make_shared<std::size_t>(0);
  const auto batch = [this, subscribers, next] {
    constexpr std::size_t kPerBatch = 200;
    for (std::size_t sent = 0; sent < kPerBatch && *next < subscribers->size(); ++sent, ++*next) {
      const Subscriber& subscriber = (*subscribers)[*next];
      send(presence_->available(subscriber.self, subscriber.peer));
    }
    if (*next >= subscribers->size()) presence_timer_.cancel();
  };
  batch();
  if (*next < subscribers->size()) {
    presence_timer_ = transport::Timer::repeating(g_main_context_default(), std::chrono::milliseconds(100), batch);
  }
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
                                   for (TagPtr& reply : owner_.chat().on_timer(base_->jid(), Clock::now()))
                                     send(std::move(reply));
                                   schedule_chat_drain();
                                 });
}

void Session::ping_tick() {
  if (pong_deadline_.pending()) return;  // one ping at a time
  // A component pings its parent server: a ping to its own domain would
  // be routed back to it, or to another instance.
  const std::string server =
      component_ ? config_.account.parent_domain : gloox::JID(client_->jid().server()).full();
  base_->xmppPing(gloox::JID(server), this);
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
  // A component's refused handshake is a not-authorized stream error
  // (XEP-0114 §3), where a client's is a SASL failure. gloox may report
  // the end twice (the error, then the closed socket): the first counts.
  if (component_ && error == gloox::ConnStreamError && base_->streamError() == gloox::StreamErrorNotAuthorized) {
    secret_refused_ = true;
  }
  end_error_ = error;
  if (end_reason_.empty()) {
    end_reason_ = describe(error);
    if (error == gloox::ConnTlsFailed && tls_ && !tls_->verify_error().empty()) {
      end_reason_ += ": " + tls_->verify_error();
    }
    // gloox's streamErrorText() returns a dangling reference in 1.0.24, so
    // only the condition's number is reported.
    if (error == gloox::ConnStreamError) end_reason_ += " " + std::to_string(base_->streamError());
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

void Session::update_contacts() {
  if (client_) {
    owner_.on_contacts(client_->rosterManager()->roster()->size());
  } else if (ContactBook* book = owner_.contact_book()) {
    owner_.on_contacts(book->subscriber_count());
  }
}

bool Session::auth_refused() const { return secret_refused_; }

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
