// One file's bytes over one TCP connection: SOCKS5 handshake (socks5.hpp),
// then the bulk bytes straight into a PipelinedHasher's buffers, never
// stored. Used for XEP-0065 (SI) and XEP-0260 (Jingle) bytestreams in
// both directions of connection: parrot connecting to a sender's streamhost
// or a proxy (connect()), or a sender connecting to parrot's own direct
// candidate (accept(), given the socket a listener accepted).
//
// Limits: with expected_bytes, exactly that many bytes are hashed; a byte
// beyond it ends the read as kTooManyBytes (a sender lying about the size),
// an EOF before it as kTruncated. After the last expected byte the reader
// waits up to `linger` for the sender's EOF, so excess bytes sent just after
// are still caught; linger 0 finishes at once (for senders that keep the
// socket open until session-terminate, e.g. Conversations:
// docs/client-quirks.md#conversations-files). Without
// expected_bytes, EOF completes the read and max_bytes caps it. The TCP
// connect plus the handshake must finish within connect_timeout; after that,
// idle_timeout without a byte ends the read.
//
// Threads: create, use and destroy a reader on the thread that iterates its
// GMainContext (a transport::Worker's, in parrot); the Observer is called
// there. Connect, handshake and reads are non-blocking. With two or more
// digests a helper thread of the reader's own hashes all but the costliest
// (pipelined_hasher.hpp); the reader's thread then waits on a condition
// variable only while the helper still holds every buffer, and destroying
// the reader joins that thread.
#pragma once

#include <gio/gio.h>
#include <glib.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transport/bytestream/pipelined_hasher.hpp"
#include "transport/bytestream/socks5.hpp"
#include "transport/bytestream/stream_hasher.hpp"
#include "transport/glib_ptr.hpp"
#include "transport/tcp_connector.hpp"
#include "transport/unique_fd.hpp"
#include "transport/worker/timer.hpp"

namespace parrot::transport::bytestream {

struct ReaderOptions {
  std::optional<std::uint64_t> expected_bytes;  // the size the sender announced
  std::uint64_t max_bytes = std::uint64_t{1} << 40;  // cap when no size was announced
  std::vector<std::string> algorithms{"sha-256", "sha-1"};  // XEP-0300 names, all supported
  std::chrono::milliseconds connect_timeout{5000};  // TCP connect + SOCKS5 handshake
  std::chrono::milliseconds idle_timeout{30000};    // no byte for this long after the handshake
  std::chrono::milliseconds linger{0};              // wait for EOF or excess after the last byte
  // One recv() at most. With two or more algorithms the reader holds
  // PipelinedHasher::kBuffers of these and a helper thread hashes all but
  // the costliest digest (pipelined_hasher.hpp); with one, a single buffer.
  std::size_t buffer_bytes = 256 * 1024;
  bool helper_thread = true;  // false: every digest on the reader's thread
  std::chrono::milliseconds progress_interval{1000};
};

enum class ReadOutcome {
  kComplete,          // every expected byte (or everything up to EOF when no size was given)
  kConnectFailed,     // the TCP connect failed
  kHandshakeFailed,   // SOCKS5 refused, malformed, or the peer closed during it
  kHandshakeTimeout,  // connect + handshake took longer than connect_timeout
  kTooManyBytes,      // more bytes than expected_bytes (or max_bytes)
  kTruncated,         // EOF before expected_bytes
  kIdleTimeout,       // no byte for idle_timeout
  kSocketError,       // recv/send failed (reset, …)
};
std::string_view to_string(ReadOutcome outcome) noexcept;

struct ReaderResult {
  ReadOutcome outcome = ReadOutcome::kComplete;
  std::string detail;                 // one line for the log and the report
  std::uint64_t bytes_received = 0;   // bytes hashed; never more than the limit
  std::uint64_t excess_bytes = 0;     // bytes seen past the limit (kTooManyBytes)
  std::vector<Digest> digests;        // over the bytes received, also on failure
  std::chrono::nanoseconds data_time{0};  // first to last hashed byte
  std::string dst_addr;               // the SOCKS5 DST.ADDR used or matched
  std::string peer;                   // "host:port"
};

class ByteStreamReader {
 public:
  class Observer {
   public:
    // The SOCKS5 handshake succeeded (XEP-0260 §2.4: time for candidate-used).
    virtual void on_connected(const std::string& dst_addr) = 0;
    // Bytes hashed so far, at most once per progress_interval.
    virtual void on_progress(std::uint64_t bytes_received) = 0;
    // Exactly once, last. Any callback may destroy the reader.
    virtual void on_finished(const ReaderResult& result) = 0;

   protected:
    ~Observer() = default;
  };

  // Client role: TCP to host:port, then SOCKS5 CONNECT to dst_addr (port 0).
  // Throws std::invalid_argument for bad options (unsupported algorithm,
  // zero buffer, empty dst_addr or host).
  static std::unique_ptr<ByteStreamReader> connect(GMainContext* context, const std::string& host,
                                                   std::uint16_t port, std::string dst_addr,
                                                   ReaderOptions options, Observer& observer);
  // Server role: fd is a connected TCP socket (ownership passes to the
  // reader, also when this throws); its CONNECT must name one of expected.
  static std::unique_ptr<ByteStreamReader> accept(GMainContext* context, int fd,
                                                  std::vector<std::string> expected_dst_addrs,
                                                  ReaderOptions options, Observer& observer);

  ~ByteStreamReader();  // closes the socket; no callback after it
  ByteStreamReader(const ByteStreamReader&) = delete;
  ByteStreamReader& operator=(const ByteStreamReader&) = delete;
  ByteStreamReader(ByteStreamReader&&) = delete;
  ByteStreamReader& operator=(ByteStreamReader&&) = delete;

  std::uint64_t bytes_received() const noexcept { return received_; }
  bool finished() const noexcept { return phase_ == Phase::kFinished; }

 private:
  enum class Phase { kConnecting, kHandshake, kData, kLinger, kFinished };

  ByteStreamReader(GMainContext* context, ReaderOptions options, Observer& observer);
  void start_handshake_timer();
  void on_tcp_connected(TcpConnectResult result);
  void adopt_socket(UniqueFd fd);
  void watch(GIOCondition condition);
  static gboolean on_socket_ready(GSocket* socket, GIOCondition condition, gpointer data);
  void on_readable();
  void on_writable();
  bool flush_outbox();  // false after finishing (the reader may be gone)
  bool on_handshake_bytes(std::span<const std::byte> bytes);
  bool on_payload(std::span<const std::byte> bytes);
  void on_eof();
  void check_idle();
  void finish(ReadOutcome outcome, std::string detail);

  GMainContext* context_;
  ReaderOptions options_;
  Observer& observer_;
  PipelinedHasher hasher_;  // owns the read buffers too
  std::optional<Socks5Client> client_;
  std::optional<Socks5Server> server_;
  TcpConnector connector_;
  GObjectPtr<GSocket> socket_;
  AttachedSourcePtr source_;
  GIOCondition watched_ = static_cast<GIOCondition>(0);
  Timer handshake_timer_;
  Timer idle_timer_;
  Timer linger_timer_;
  std::vector<std::byte> outbox_;
  Phase phase_ = Phase::kConnecting;
  std::string peer_;
  std::string dst_addr_;
  std::uint64_t received_ = 0;
  std::uint64_t limit_ = 0;
  std::uint64_t excess_ = 0;
  std::chrono::steady_clock::time_point first_byte_at_{};
  std::chrono::steady_clock::time_point last_byte_at_{};
  std::chrono::steady_clock::time_point last_activity_{};
  std::chrono::steady_clock::time_point last_progress_{};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace parrot::transport::bytestream
