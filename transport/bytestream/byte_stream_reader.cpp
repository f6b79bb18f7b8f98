#include "transport/bytestream/byte_stream_reader.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "transport/worker/callback_guard.hpp"

namespace parrot::transport::bytestream {

namespace {

using Clock = std::chrono::steady_clock;

// Reads per readiness dispatch: bounds how long one fast transfer holds the
// worker before other sources (calls, timers) get a turn.
constexpr int kReadsPerDispatch = 16;

std::chrono::seconds whole_seconds_at_least(std::chrono::milliseconds timeout) {
  return std::max(std::chrono::seconds{1}, std::chrono::ceil<std::chrono::seconds>(timeout));
}

std::string peer_of(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "unknown peer";
  GObjectPtr<GSocketAddress> socket_address(g_socket_address_new_from_native(&address, length));
  if (!socket_address || !G_IS_INET_SOCKET_ADDRESS(socket_address.get())) return "unknown peer";
  auto* inet = G_INET_SOCKET_ADDRESS(socket_address.get());
  const GCharPtr host(g_inet_address_to_string(g_inet_socket_address_get_address(inet)));
  return std::string(host.get()) + ":" + std::to_string(g_inet_socket_address_get_port(inet));
}

}  // namespace

std::string_view to_string(ReadOutcome outcome) noexcept {
  switch (outcome) {
    case ReadOutcome::kComplete:
      return "complete";
    case ReadOutcome::kConnectFailed:
      return "connect failed";
    case ReadOutcome::kHandshakeFailed:
      return "SOCKS5 handshake failed";
    case ReadOutcome::kHandshakeTimeout:
      return "SOCKS5 handshake timed out";
    case ReadOutcome::kTooManyBytes:
      return "more bytes than announced";
    case ReadOutcome::kTruncated:
      return "fewer bytes than announced";
    case ReadOutcome::kIdleTimeout:
      return "stalled";
    case ReadOutcome::kSocketError:
      return "socket error";
  }
  return "unknown";
}

ByteStreamReader::ByteStreamReader(GMainContext* context, ReaderOptions options, Observer& observer)
    : context_(context),
      options_(std::move(options)),
      observer_(observer),
      hasher_(options_.algorithms, options_.buffer_bytes, options_.helper_thread),
      connector_(context, whole_seconds_at_least(options_.connect_timeout)) {
  if (context_ == nullptr) throw std::invalid_argument("ByteStreamReader: null GMainContext");
  if (options_.buffer_bytes == 0) throw std::invalid_argument("ByteStreamReader: zero buffer");
  if (options_.idle_timeout.count() <= 0 || options_.connect_timeout.count() <= 0) {
    throw std::invalid_argument("ByteStreamReader: timeouts must be positive");
  }
  limit_ = options_.expected_bytes.value_or(options_.max_bytes);
}

ByteStreamReader::~ByteStreamReader() { *alive_ = false; }

std::unique_ptr<ByteStreamReader> ByteStreamReader::connect(GMainContext* context, const std::string& host,
                                                            std::uint16_t port, std::string dst_addr,
                                                            ReaderOptions options, Observer& observer) {
  if (host.empty()) throw std::invalid_argument("ByteStreamReader: empty host");
  std::unique_ptr<ByteStreamReader> reader(new ByteStreamReader(context, std::move(options), observer));
  reader->client_.emplace(std::move(dst_addr));
  reader->dst_addr_ = reader->client_->dst_addr();
  reader->peer_ = host + ":" + std::to_string(port);
  reader->start_handshake_timer();
  ByteStreamReader* self = reader.get();
  reader->connector_.connect_host(host, port, [self](TcpConnectResult result) {
    guard_callback("ByteStreamReader connect", [&] { self->on_tcp_connected(std::move(result)); });
  });
  return reader;
}

std::unique_ptr<ByteStreamReader> ByteStreamReader::accept(GMainContext* context, int fd,
                                                           std::vector<std::string> expected_dst_addrs,
                                                           ReaderOptions options, Observer& observer) {
  UniqueFd socket(fd);  // closed if the reader cannot be built
  std::unique_ptr<ByteStreamReader> reader(new ByteStreamReader(context, std::move(options), observer));
  reader->server_.emplace(std::move(expected_dst_addrs));
  reader->peer_ = peer_of(socket.get());
  reader->start_handshake_timer();
  reader->adopt_socket(std::move(socket));
  return reader;
}

void ByteStreamReader::start_handshake_timer() {
  handshake_timer_ = Timer(context_, options_.connect_timeout, [this] {
    finish(ReadOutcome::kHandshakeTimeout,
           "no SOCKS5 connection within " + std::to_string(options_.connect_timeout.count()) + " ms");
  });
}

// TcpConnector's per-target timeout is whole seconds; the handshake timer
// armed before it enforces connect_timeout exactly.
void ByteStreamReader::on_tcp_connected(TcpConnectResult result) {
  if (result.fd < 0) return finish(ReadOutcome::kConnectFailed, result.error);
  adopt_socket(UniqueFd(result.fd));
}

void ByteStreamReader::adopt_socket(UniqueFd fd) {
  GError* raw_error = nullptr;
  socket_.reset(g_socket_new_from_fd(fd.get(), &raw_error));
  const GErrorPtr error(raw_error);
  if (!socket_) {
    return finish(ReadOutcome::kSocketError, std::string("not a socket: ") + (error ? error->message : "?"));
  }
  fd.release();  // the GSocket closes it from here on
  g_socket_set_blocking(socket_.get(), FALSE);
  phase_ = Phase::kHandshake;
  last_activity_ = Clock::now();
  if (client_) outbox_ = client_->start();
  if (!flush_outbox()) return;
  if (phase_ == Phase::kHandshake) watch(outbox_.empty() ? G_IO_IN : G_IO_OUT);
}

void ByteStreamReader::watch(GIOCondition condition) {
  const auto wanted = static_cast<GIOCondition>(condition | G_IO_HUP | G_IO_ERR);
  if (source_ && watched_ == wanted) return;
  source_.reset(g_socket_create_source(socket_.get(), wanted, nullptr));
  g_source_set_name(source_.get(), "parrot bytestream");
  g_source_set_callback(source_.get(), G_SOURCE_FUNC(&ByteStreamReader::on_socket_ready), this,
                        nullptr);
  g_source_attach(source_.get(), context_);
  watched_ = wanted;
}

// An observer may destroy the reader from inside any callback, so every step
// that calls out checks the alive token before touching members again.
gboolean ByteStreamReader::on_socket_ready(GSocket*, GIOCondition condition, gpointer data) {
  auto* self = static_cast<ByteStreamReader*>(data);
  const std::weak_ptr<bool> alive = self->alive_;
  guard_callback("ByteStreamReader socket", [&] {
    if ((condition & G_IO_OUT) != 0) self->on_writable();
    if (alive.expired() || !*alive.lock()) return;
    if ((condition & (G_IO_IN | G_IO_HUP | G_IO_ERR)) != 0) self->on_readable();
  });
  // A finished or destroyed reader has already destroyed this source.
  return G_SOURCE_CONTINUE;
}

bool ByteStreamReader::flush_outbox() {
  while (!outbox_.empty()) {
    const ssize_t sent =
        ::send(g_socket_get_fd(socket_.get()), outbox_.data(), outbox_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      if (errno == EINTR) continue;
      finish(ReadOutcome::kSocketError, std::string("send: ") + std::strerror(errno));
      return false;
    }
    outbox_.erase(outbox_.begin(), outbox_.begin() + sent);
  }
  return true;
}

void ByteStreamReader::on_writable() {
  if (!flush_outbox()) return;
  if (outbox_.empty() && (phase_ == Phase::kHandshake || phase_ == Phase::kData)) watch(G_IO_IN);
}

void ByteStreamReader::on_readable() {
  const std::weak_ptr<bool> alive = alive_;
  for (int i = 0; i < kReadsPerDispatch; ++i) {
    if (phase_ == Phase::kFinished) return;
    // Plain recv() on the GSocket's descriptor (g_socket_receive() would
    // allocate a GError for every EAGAIN that ends a burst), straight into
    // the hasher's ring: the helper thread, if any, hashes that buffer in
    // place.
    const std::span<std::byte> buffer = hasher_.write_buffer();
    const ssize_t got = ::recv(g_socket_get_fd(socket_.get()), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      return finish(ReadOutcome::kSocketError, std::string("recv: ") + std::strerror(errno));
    }
    if (got == 0) return on_eof();
    last_activity_ = Clock::now();
    const std::span<const std::byte> bytes = buffer.first(static_cast<std::size_t>(got));
    const bool more = phase_ == Phase::kHandshake ? on_handshake_bytes(bytes) : on_payload(bytes);
    if (!more || alive.expired()) return;
  }
}

bool ByteStreamReader::on_handshake_bytes(std::span<const std::byte> bytes) {
  Socks5Step step = client_ ? client_->feed(bytes) : server_->feed(bytes);
  outbox_.insert(outbox_.end(), step.send.begin(), step.send.end());
  if (!flush_outbox()) return false;
  if (step.state == Socks5State::kFailed) {
    const std::string& message = client_ ? client_->message() : server_->message();
    finish(ReadOutcome::kHandshakeFailed, message);
    return false;
  }
  if (!outbox_.empty()) watch(G_IO_OUT);
  if (step.state != Socks5State::kDone) return true;

  if (server_) dst_addr_ = server_->matched_dst_addr();
  handshake_timer_.cancel();
  phase_ = Phase::kData;
  // One repeating tick compares against the last read, instead of re-arming
  // a timeout on every recv() (thousands per second on a fast transfer).
  const auto tick = std::clamp(options_.idle_timeout / 4, std::chrono::milliseconds{10}, std::chrono::milliseconds{1000});
  idle_timer_ = Timer::repeating(context_, tick, [this] { check_idle(); });
  const std::weak_ptr<bool> alive = alive_;
  observer_.on_connected(dst_addr_);
  if (alive.expired()) return false;
  if (options_.expected_bytes == std::uint64_t{0}) {
    // An empty file is complete as soon as the stream is up (XEP-0234
    // allows size 0); no byte will ever arrive to trigger completion.
    first_byte_at_ = last_byte_at_ = Clock::now();
    if (!on_payload({})) return false;
  }
  return bytes.size() == step.consumed || on_payload(bytes.subspan(step.consumed));
}

bool ByteStreamReader::on_payload(std::span<const std::byte> bytes) {
  const auto now = Clock::now();
  if (phase_ == Phase::kLinger) {
    if (bytes.empty()) return true;
    excess_ = bytes.size();
    finish(ReadOutcome::kTooManyBytes, "at least " + std::to_string(bytes.size()) + " bytes after the " +
                                           std::to_string(limit_) + " announced");
    return false;
  }
  if (!bytes.empty() && received_ == 0) first_byte_at_ = now;
  // Hash exactly up to the limit, so the digests describe the bytes counted
  // even when a sender overruns inside one read.
  const std::uint64_t room = limit_ - received_;
  const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(room, bytes.size()));
  hasher_.update(bytes.first(take));
  received_ += take;
  if (take > 0) last_byte_at_ = now;
  if (take < bytes.size()) {
    const std::uint64_t excess = bytes.size() - take;
    excess_ = excess;
    finish(ReadOutcome::kTooManyBytes,
           options_.expected_bytes ? "at least " + std::to_string(excess) + " bytes more than the " +
                                         std::to_string(limit_) + " announced"
                                   : "more than the limit of " + std::to_string(limit_) + " bytes");
    return false;
  }
  if (options_.expected_bytes && received_ == limit_) {
    // The last byte counts as hashed when the helper thread is through it
    // too, so data_time (the report's throughput) covers both threads.
    hasher_.drain();
    last_byte_at_ = Clock::now();
    if (options_.linger.count() <= 0) {
      finish(ReadOutcome::kComplete, "all " + std::to_string(limit_) + " bytes");
      return false;
    }
    // The file is complete and its hashes fixed; lingering only decides
    // whether the sender also lied about the size.
    phase_ = Phase::kLinger;
    idle_timer_.cancel();
    linger_timer_ = Timer(context_, options_.linger,
                          [this] { finish(ReadOutcome::kComplete, "all " + std::to_string(limit_) + " bytes"); });
    return true;
  }
  if (options_.progress_interval.count() > 0 && now - last_progress_ >= options_.progress_interval) {
    last_progress_ = now;
    const std::weak_ptr<bool> alive = alive_;
    observer_.on_progress(received_);
    if (alive.expired()) return false;
  }
  return true;
}

void ByteStreamReader::on_eof() {
  switch (phase_) {
    case Phase::kConnecting:
    case Phase::kHandshake:
      return finish(ReadOutcome::kHandshakeFailed, "peer closed during the SOCKS5 handshake");
    case Phase::kData:
      if (options_.expected_bytes) {
        return finish(ReadOutcome::kTruncated, "peer closed after " + std::to_string(received_) + " of " +
                                                   std::to_string(limit_) + " bytes");
      }
      return finish(ReadOutcome::kComplete, std::to_string(received_) + " bytes up to end of stream");
    case Phase::kLinger:
      return finish(ReadOutcome::kComplete, "all " + std::to_string(limit_) + " bytes");
    case Phase::kFinished:
      return;
  }
}

void ByteStreamReader::check_idle() {
  if (phase_ != Phase::kData) return;
  if (Clock::now() - last_activity_ < options_.idle_timeout) return;
  finish(ReadOutcome::kIdleTimeout, "no data for " + std::to_string(options_.idle_timeout.count()) + " ms after " +
                                        std::to_string(received_) + " bytes");
}

void ByteStreamReader::finish(ReadOutcome outcome, std::string detail) {
  if (phase_ == Phase::kFinished) return;
  phase_ = Phase::kFinished;
  source_.reset();
  socket_.reset();
  connector_.cancel();
  handshake_timer_.cancel();
  idle_timer_.cancel();
  linger_timer_.cancel();

  ReaderResult result;
  result.outcome = outcome;
  result.detail = std::move(detail);
  result.bytes_received = received_;
  result.excess_bytes = excess_;
  result.dst_addr = dst_addr_;
  result.peer = peer_;
  result.data_time = received_ > 0 ? last_byte_at_ - first_byte_at_ : std::chrono::nanoseconds{0};
  try {
    result.digests = hasher_.finish();
  } catch (const std::exception& e) {
    result.detail += std::string("; ") + e.what();
  }
  observer_.on_finished(result);
}

}  // namespace parrot::transport::bytestream
