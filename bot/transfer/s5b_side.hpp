// The worker-side half of one XEP-0260 (Jingle SOCKS5) transfer: the
// sender's candidates tried one after the other (outbound), and the
// connections senders make to parrot's own direct candidates (inbound,
// through a listener). Both run at once; XEP-0260 §2.4's nomination decides
// which one the sender writes to, so the bytes are taken from whichever
// connection carries them, and a connection that ends without a byte while
// another may still carry the file is dropped without a word.
//
// The side knows no Jingle session and no manager: what it learns goes out
// as S5bEvent values through the Sink it was given, which the manager
// posts to the control thread (ControlPost) and matches to its transfer.
//
// Threads: built on the control thread with its S5bPlan, then start(),
// every callback and stop() on the transfer's pinned worker; the last
// reference goes on that worker too.
#pragma once

#include <glib.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bot/transfer/file_report.hpp"
#include "transport/bytestream/byte_stream_reader.hpp"
#include "transport/bytestream/tcp_listener.hpp"
#include "transport/worker/thread_confined.hpp"

namespace parrot::bot::transfer {

class S5bSide;

// What the side tells the control thread; `origin` lets the manager drop
// events of a side it has replaced meanwhile.
struct S5bEvent {
  enum class Kind {
    kAttemptsFailed,     // no candidate of the sender answered (inbound_possible: parrot's may still)
    kOwnProxyConnected,  // connected to parrot's own proxy candidate: activate it
    kConnected,          // connected to the sender's candidate `cid`: candidate-used
    kProgress,           // `bytes` hashed so far
    kInboundConnected,   // a sender connected to parrot's own direct candidate
    kFinished,           // the bytes are over: partial, end, failure, transport
  };
  Kind kind = Kind::kProgress;
  const S5bSide* origin = nullptr;
  bool inbound_possible = false;
  std::string cid;
  bool proxy = false;
  std::uint64_t bytes = 0;
  FileFacts partial;  // digests, byte count and duration
  TransferEnd end = TransferEnd::kFailed;
  std::string failure;
  std::string transport;  // "SOCKS5 direct" or "SOCKS5 proxy"
};

// One connection for the side to try, in order.
struct S5bAttempt {
  std::string cid;
  std::string host;
  std::uint16_t port = 0;
  std::string dst_addr;  // XEP-0260 §2.4 SHA-1 hex
  bool proxy = false;
};

// Everything the side needs, filled in on the control thread.
struct S5bPlan {
  std::string log_id;  // the Jingle sid, for the log
  std::vector<S5bAttempt> attempts;
  transport::bytestream::ReaderOptions options;
  bool own_proxy = false;  // the one attempt is parrot's proxy: activation instead of candidate-used
  std::unique_ptr<transport::bytestream::TcpListener> listener;  // parrot's direct candidates, or none
  std::vector<std::string> inbound_dst_addrs;                     // what senders may CONNECT to on it
};

class S5bSide final : transport::bytestream::ByteStreamReader::Observer {
 public:
  // Any thread (the worker): hands the event to the control thread.
  using Sink = std::function<void(S5bEvent)>;

  S5bSide(S5bPlan plan, Sink sink);
  S5bSide(const S5bSide&) = delete;
  S5bSide& operator=(const S5bSide&) = delete;

  // On the worker: the listener (when parrot offered direct candidates)
  // and the first of the sender's candidates.
  void start(GMainContext* worker_context);
  // On the worker, last: no event of this side after it.
  void stop();

 private:
  // One connection to parrot's listener, from accept to its end.
  struct Inbound final : transport::bytestream::ByteStreamReader::Observer {
    explicit Inbound(S5bSide& owner) : side(owner) {}
    void on_connected(const std::string& dst_addr) override { side.on_inbound_connected(*this, dst_addr); }
    void on_progress(std::uint64_t bytes) override { side.on_progress(bytes); }
    // May destroy this object: nothing follows the call.
    void on_finished(const transport::bytestream::ReaderResult& result) override {
      side.on_inbound_finished(*this, result);
    }

    S5bSide& side;
    std::unique_ptr<transport::bytestream::ByteStreamReader> reader;
    bool connected = false;
  };

  void start_next();
  void on_connected(const std::string& dst_addr) override;
  void on_progress(std::uint64_t bytes) override;
  void on_finished(const transport::bytestream::ReaderResult& result) override;
  void on_accepted(int fd);
  void on_inbound_connected(Inbound& link, const std::string& dst_addr);
  void on_inbound_finished(Inbound& link, const transport::bytestream::ReaderResult& result);
  void erase_inbound(Inbound& link);
  // The transfer's bytes are over on one connection: report them, close
  // every other path. Called from a reader's on_finished.
  void deliver(const transport::bytestream::ReaderResult& result, const std::string& transport);
  void emit(S5bEvent event) const;

  S5bPlan plan_;
  Sink sink_;
  transport::ThreadConfined worker_thread_;  // rebound in start()
  GMainContext* worker_context_ = nullptr;
  std::size_t next_ = 0;
  S5bAttempt current_;
  std::unique_ptr<transport::bytestream::ByteStreamReader> reader_;
  bool connected_ = false;
  std::vector<std::unique_ptr<Inbound>> inbound_;
};

}  // namespace parrot::bot::transfer
