// SOCKS5 handshakes (transport/bytestream/socks5): the client and the server
// machine each get the input as peer bytes, cut into chunks whose sizes come
// from the input too. Checks: never more consumed than given, nothing after
// the end, bounded output, and chunking never changes the outcome (the same
// bytes fed whole give the same state, output and consumption).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "transport/bytestream/socks5.hpp"

namespace {

using parrot::transport::bytestream::Socks5Client;
using parrot::transport::bytestream::Socks5Server;
using parrot::transport::bytestream::Socks5State;
using parrot::transport::bytestream::Socks5Step;

void check(bool ok) {
  if (!ok) std::abort();
}

struct Run {
  Socks5State state = Socks5State::kInProgress;
  std::vector<std::byte> sent;
  std::size_t consumed = 0;
};

// Feeds data in chunks of the given sizes (cycled); returns what happened.
template <typename Machine>
Run feed_chunks(Machine& machine, parrot::media::ByteView data, const std::vector<std::size_t>& sizes) {
  Run run;
  std::size_t at = 0;
  std::size_t next = 0;
  while (at < data.size()) {
    const std::size_t n = std::min(data.size() - at, sizes.empty() ? data.size() : std::max<std::size_t>(1, sizes[next++ % sizes.size()]));
    const bool was_open = machine.state() == Socks5State::kInProgress;
    const Socks5Step step = machine.feed(data.subspan(at, n));
    check(step.consumed <= n);
    check(step.send.size() <= 2 + parrot::transport::bytestream::kMaxSocks5MessageBytes);
    check(step.state == machine.state());
    if (!was_open) check(step.consumed == 0 && step.send.empty());
    if (step.state == Socks5State::kInProgress) check(step.consumed == n);
    run.sent.insert(run.sent.end(), step.send.begin(), step.send.end());
    run.consumed += step.consumed;
    at += n;
  }
  run.state = machine.state();
  return run;
}

void check_same(const Run& a, const Run& b) {
  check(a.state == b.state);
  check(a.sent == b.sent);
  check(a.consumed == b.consumed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  parrot::fuzz::FuzzInput input(data, size);
  std::vector<std::size_t> sizes;
  for (std::uint8_t count = input.u8() % 8; count > 0; --count) sizes.push_back(input.u8());
  const parrot::media::ByteView peer = input.bytes(size);

  // The server expects one 40-character hash and a short name, so inputs can hit both.
  const std::vector<std::string> expected{std::string(40, 'a'), "ab"};
  Socks5Server chunked_server(expected);
  Socks5Server whole_server(expected);
  const Run server_run = feed_chunks(chunked_server, peer, sizes);
  check_same(server_run, feed_chunks(whole_server, peer, {}));
  if (server_run.state == Socks5State::kDone) {
    bool known = false;
    for (const auto& e : expected) known = known || e == chunked_server.matched_dst_addr();
    check(known);
  }
  check((server_run.state == Socks5State::kFailed) == !chunked_server.message().empty());

  Socks5Client chunked_client("ab");
  Socks5Client whole_client("ab");
  check(chunked_client.start().size() == 3);
  whole_client.start();
  const Run client_run = feed_chunks(chunked_client, peer, sizes);
  check_same(client_run, feed_chunks(whole_client, peer, {}));
  // The only thing a client ever sends after its greeting is its CONNECT (4 + 1 + 2 + 2 bytes).
  check(client_run.sent.empty() || client_run.sent.size() == 9);
  if (client_run.state == Socks5State::kDone) {
    check(chunked_client.bound_address() == whole_client.bound_address());
    check(chunked_client.reply_code() == 0);
  }
  return 0;
}
