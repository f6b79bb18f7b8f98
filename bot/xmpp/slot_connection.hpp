// A gloox TCP connection over a socket that transport/ already connected and
// parked on the low descriptor slot. gloox then never resolves or connects
// itself (both block), and never sees a descriptor >= FD_SETSIZE.
#pragma once

#include <gloox/connectiontcpclient.h>
#include <sys/socket.h>

#include "transport/low_fd_slot.hpp"

namespace parrot::bot::xmpp {

class SlotConnection final : public gloox::ConnectionTCPClient {
 public:
  SlotConnection(gloox::ConnectionDataHandler* handler, const gloox::LogSink& log, transport::LowFdSlot& slot,
                 const std::string& peer)
      : ConnectionTCPClient(handler, log, peer, -1), slot_(slot) {}
  ~SlotConnection() override { release_socket(); }

  gloox::ConnectionError connect() override {
    if (m_socket >= 0 && m_state > gloox::StateDisconnected) return gloox::ConnNoError;
    if (!slot_.holds_socket()) return gloox::ConnNotConnected;
    m_socket = slot_.fd();
    m_state = gloox::StateConnected;
    m_cancel = false;
    m_handler->handleConnect(this);  // gloox sends the stream header
    return gloox::ConnNoError;
  }

  // gloox would close() the descriptor, freeing the low number for anyone.
  void cleanup() override {
    release_socket();
    ConnectionTCPClient::cleanup();
  }

  // Used by gloox for SOCKS5 bytestreams, which parrot does not take from gloox.
  gloox::ConnectionBase* newInstance() const override {
    return new gloox::ConnectionTCPClient(m_handler, m_logInstance, m_server, m_port);
  }

  long bytes_in() const noexcept { return m_totalBytesIn; }

  // Makes the next recv() see end of stream without sending </stream:stream>,
  // so a dead server (missed pong) is handled like a dropped connection.
  void shut_down() noexcept {
    if (m_socket >= 0) ::shutdown(m_socket, SHUT_RDWR);
  }

 private:
  void release_socket() noexcept {
    if (m_socket >= 0 && m_socket == slot_.fd()) {
      slot_.release();
      m_socket = -1;
    }
  }

  transport::LowFdSlot& slot_;
};

}  // namespace parrot::bot::xmpp
