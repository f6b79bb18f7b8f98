// One XMPP connection: a gloox::Client (or, with --component, an XEP-0114
// gloox::Component) over the socket on the low fd slot,
// driven by the control thread's GLib main loop. A new Session is made for
// every connection, so no gloox state (stream management in particular,
// whose 1.0.24 resumption can wedge) survives a disconnect. gloox's
// camelCase callbacks stop here.
#pragma once

#include <gloox/client.h>
#include <gloox/component.h>
#include <gloox/connectionlistener.h>
#include <gloox/eventhandler.h>
#include <gloox/loghandler.h>
#include <gloox/rosterlistener.h>
#include <glib.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bot/chat/chat_echo.hpp"
#include "bot/config.hpp"
#include "bot/contact_book.hpp"
#include "bot/ice_servers.hpp"
#include "bot/store/report_store.hpp"
#include "bot/xmpp/component_addressing.hpp"
#include "bot/xmpp/component_presence.hpp"
#include "bot/xmpp/external_service_discovery.hpp"
#include "bot/xmpp/gnutls_tls.hpp"
#include "bot/xmpp/report_command.hpp"
#include "bot/xmpp/slot_connection.hpp"
#include "transport/glib_ptr.hpp"
#include "transport/worker/timer.hpp"

namespace parrot::bot::xmpp {

// What a Session needs from the application, which outlives it.
class SessionOwner {
 public:
  virtual ~SessionOwner() = default;
  virtual ChatEcho& chat() = 0;
  // Called once the session is online (roster fetched, presence sent).
  virtual void on_online() = 0;
  // Called from an idle callback after the stream ended, never from inside
  // gloox, so the owner may destroy the Session right away.
  virtual void on_ended(gloox::ConnectionError error, const std::string& reason) = 0;
  virtual void on_contacts(std::size_t count) = 0;
  // One-time welcome bookkeeping: true if `bare_jid` has not been welcomed.
  virtual bool take_welcome(const std::string& bare_jid) = 0;
  // An <iq type='set'> carrying <jingle/>: the owner answers it (calls).
  // `self` is parrot's full JID: the bound one, or as a component the
  // one the IQ was sent to.
  virtual void on_jingle_iq(const gloox::Tag& iq, const std::string& self) = 0;
  // A message carrying XEP-0353 Jingle Message Initiation; true if it was
  // one, so it is not echoed.
  virtual bool on_jmi_message(const gloox::Tag& message) = 0;
  // XEP-0215: every STUN/TURN server the XMPP server offers now (host names
  // unresolved), each time that set changes; empty after an error.
  virtual void on_discovered_ice_servers(std::vector<IceServer> servers) = 0;
  // The contact's newest report, for the XEP-0050 "report" command.
  virtual std::optional<StoredReport> last_report(const std::string& bare_jid) = 0;
  // File transfers: an IQ set that may belong to one (XEP-0095 SI
  // offer, XEP-0065 bytestream query, XEP-0047 IBB open/data/close). True
  // when the owner took it and answers it; false to let gloox dispatch it.
  virtual bool on_transfer_iq(const gloox::Tag& iq, const std::string& self) = 0;
  // HTTP Upload links: a message that shares a file as a link (true
  // when taken: it is fetched, not echoed), and the replies to the link
  // fetcher's disco queries (true when the id was one of them).
  virtual bool on_link_message(const gloox::Tag& message) = 0;
  virtual bool on_link_iq_reply(const gloox::Tag& iq) = 0;
  // Component mode: who subscribed to which of the component's JIDs (the
  // component answers subscriptions itself). Null: not remembered.
  virtual ContactBook* contact_book() { return nullptr; }
};

class Session final : gloox::ConnectionListener,
                      gloox::RosterListener,
                      gloox::EventHandler,
                      gloox::LogHandler {
 public:
  Session(const Config& config, const TlsTrust& trust, SessionOwner& owner, transport::LowFdSlot& slot,
          const std::string& peer);
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Starts the stream on the socket already in the slot.
  bool start();
  // Closes the stream politely (</stream:stream>); on_ended follows.
  void close();

  void send(TagPtr stanza);
  // The full JID the server bound (valid once online); a component's
  // domain/resource.
  std::string full_jid() const;
  // True when the stream ended because the server refused the component's
  // secret (a client's refused login is ConnAuthenticationFailed).
  bool auth_refused() const;
  // Messages sent but not acknowledged by the server (XEP-0198), to send
  // again on the next connection.
  std::vector<TagPtr> take_unacked();

 private:
  class Client;
  class Component;

  // gloox::ConnectionListener
  void onConnect() override;
  void onDisconnect(gloox::ConnectionError error) override;
  bool onTLSConnect(const gloox::CertInfo& info) override;
  void onResourceBind(const std::string& resource) override;
  void onResourceBindError(const gloox::Error* error) override;
  void onSessionCreateError(const gloox::Error* error) override;
  void onStreamEvent(gloox::StreamEvent event) override;
  // gloox::RosterListener
  void handleItemAdded(const gloox::JID&) override;
  void handleItemSubscribed(const gloox::JID& jid) override;
  void handleItemRemoved(const gloox::JID&) override;
  void handleItemUpdated(const gloox::JID&) override {}
  void handleItemUnsubscribed(const gloox::JID& jid) override;
  void handleRoster(const gloox::Roster& roster) override;
  void handleRosterPresence(const gloox::RosterItem&, const std::string&, gloox::Presence::PresenceType,
                            const std::string&) override {}
  void handleSelfPresence(const gloox::RosterItem&, const std::string&, gloox::Presence::PresenceType,
                          const std::string&) override {}
  bool handleSubscriptionRequest(const gloox::JID& jid, const std::string& msg) override;
  bool handleUnsubscriptionRequest(const gloox::JID& jid, const std::string& msg) override;
  void handleNonrosterPresence(const gloox::Presence&) override {}
  void handleRosterError(const gloox::IQ&) override {}
  // gloox::EventHandler (XEP-0199 pong)
  void handleEvent(const gloox::Event& event) override;
  // gloox::LogHandler
  void handleLog(gloox::LogLevel level, gloox::LogArea area, const std::string& message) override;

  bool subscription_allowed(const gloox::JID& jid) const;
  std::string self_for(const gloox::Tag& stanza) const;
  void start_presence_to_subscribers();
  void update_contacts();
  void on_readable();
  void ping_tick();
  // Arms the timer for ChatEcho's next paced echoes, if any wait.
  void schedule_chat_drain();
  void stop_timers();

  const Config& config_;
  SessionOwner& owner_;
  // Exactly one of client_ and component_; base_ is the one made.
  std::unique_ptr<Client> client_;
  std::unique_ptr<Component> component_;
  gloox::ClientBase* base_ = nullptr;
  // Component mode only.
  std::unique_ptr<ComponentAddressing> addressing_;
  std::unique_ptr<ComponentPresence> presence_;
  // Both hold client_ and so are declared after it (destroyed before it).
  std::unique_ptr<ReportCommand> report_command_;
  std::unique_ptr<ExternalServiceDiscovery> external_services_;
  GnutlsTls* tls_ = nullptr;              // owned by client_; none for a component
  SlotConnection* connection_ = nullptr;  // owned by client_
  // All on the control loop (the default context), each cancelled by its
  // owner member: destroying the Session leaves no source behind.
  transport::AttachedSourcePtr socket_watch_;
  transport::Timer ping_timer_;
  transport::Timer pong_deadline_;
  transport::Timer ack_timer_;
  transport::Timer chat_timer_;  // drains ChatEcho's paced messages
  transport::Timer presence_timer_;  // a component's presence to its subscribers, paced
  transport::AttachedSourcePtr ended_idle_;
  int sent_at_last_ack_request_ = 0;
  gloox::ConnectionError end_error_ = gloox::ConnNoError;
  bool secret_refused_ = false;
  std::string end_reason_;
};

}  // namespace parrot::bot::xmpp
