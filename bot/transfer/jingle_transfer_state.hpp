// What JingleTransfers keeps per session and per content (one file), shared
// by its three source files (jingle_transfers.cpp, jingle_ft_socks5.cpp,
// jingle_ft_ibb.cpp) and by nothing else. Control thread only; the worker
// halves (S5bSide, IbbStream) are held by shared_ptr and released on their
// worker.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bot/transfer/ibb_stream.hpp"
#include "bot/transfer/jingle_ft/elements.hpp"
#include "bot/transfer/jingle_ft/session.hpp"
#include "bot/transfer/jingle_transfers.hpp"
#include "bot/transfer/s5b_side.hpp"
#include "transport/bytestream/tcp_listener.hpp"
#include "transport/worker/timer.hpp"

namespace parrot::bot::transfer {

struct JingleTransfers::Transfer {
  enum class Phase { kNegotiating, kData, kGrace, kDone };

  std::string creator;
  std::string name;  // the content name
  jingle_ft::FileDescription file;
  FileFacts facts;
  Phase phase = Phase::kNegotiating;
  std::vector<std::string> algorithms;
  std::chrono::steady_clock::time_point data_started{};
  bool checksum = false;  // a checksum (or hashes in the offer) is known
  bool counted = false;   // holds a slot in the limits
  transport::Worker::Pin pin;
  // IBB
  std::string ibb_sid;
  std::uint32_t block_size = 4096;
  bool ibb_open = false;
  std::shared_ptr<IbbStream> ibb;
  // SOCKS5
  std::string s5b_sid;
  std::vector<jingle_ft::S5bCandidate> candidates;
  std::shared_ptr<S5bSide> s5b;
  std::optional<jingle_ft::S5bCandidate> own_proxy;  // offered in session-accept
  std::vector<jingle_ft::S5bCandidate> own_direct;   // offered in session-accept, on `listener`
  std::unique_ptr<transport::bytestream::TcpListener> listener;  // until the S5bSide takes it
  bool nominated_own = false;      // the sender chose parrot's proxy
  std::string used_cid;            // the sender's candidate parrot connected to
  bool told_candidate = false;     // parrot sent its candidate-used or candidate-error
  bool s5b_connected = false;      // a SOCKS5 connection (either way) finished its handshake
  bool idle_deferred = false;      // the idle timeout waited once for the reader's own report
  transport::Timer idle;
  std::chrono::steady_clock::time_point last_activity{};  // what the idle timeout counts from
  transport::Timer grace;

  // The Jingle sid this transfer's report id starts with.
  std::string sid() const { return facts.id.substr(0, facts.id.find('/')); }
};

struct JingleTransfers::Session {
  Session(std::string sid, std::string peer, std::string initiator)
      : state(std::move(sid), std::move(peer), std::move(initiator)) {}

  jingle_ft::FtSession state;  // XEP-0166 lifecycle: sid, peer, initiator
  std::vector<std::unique_ptr<Transfer>> transfers;

  const std::string& sid() const noexcept { return state.sid(); }
  const std::string& peer() const noexcept { return state.peer(); }
  const std::string& initiator() const noexcept { return state.initiator(); }
};

}  // namespace parrot::bot::transfer
