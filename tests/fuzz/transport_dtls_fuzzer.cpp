// Fuzzed datagrams into DtlsSrtp: a fresh server-role session (ClientHello
// and client-flight parsing) and both sides of a session that completed a
// real handshake at start-up. Input: a sequence of [u16 length][bytes]
// datagrams. Never a crash; drop counters never go back; a connected
// session stays connected (nothing unauthenticated may end it); every
// datagram a session sends fits its MTU.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "tests/fuzz/fuzz_input.hpp"
#include "tests/unit/transport/dtls/dtls_pair.hpp"
#include "transport/dtls/certificate.hpp"
#include "transport/dtls/dtls_srtp.hpp"

namespace {

using namespace parrot::transport;
using parrot::transport::testing::DtlsEndpoint;
using parrot::transport::testing::DtlsPair;
using parrot::transport::testing::dtls_config;

#define CHECK(condition)                                                                  \
  do {                                                                                    \
    if (!(condition)) {                                                                   \
      std::fprintf(stderr, "transport_dtls_fuzzer:%d: CHECK(%s)\n", __LINE__, #condition); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (false)

constexpr std::size_t kMaxDatagrams = 16;
constexpr std::size_t kMtu = 1200;

struct Fixture {
  Certificate client_certificate = Certificate::generate();
  Certificate server_certificate = Certificate::generate();
  std::unique_ptr<DtlsPair> connected;

  Fixture() {
    connected = std::make_unique<DtlsPair>(dtls_config(DtlsRole::kClient, client_certificate, server_certificate),
                                           dtls_config(DtlsRole::kServer, server_certificate, client_certificate));
    connected->start();
    connected->pump();
    CHECK(connected->both_connected());
  }
};

Fixture& fixture() {
  static Fixture instance;
  return instance;
}

void feed_connected(DtlsEndpoint& side, parrot::media::ByteView datagram) {
  const std::size_t dropped = side.session->datagrams_dropped();
  side.session->feed(datagram);
  CHECK(side.session->datagrams_dropped() >= dropped);
  CHECK(side.session->state() == DtlsState::kConnected);
  CHECK(side.outcomes == 1);
  CHECK(side.largest_datagram <= kMtu);
  side.outbox.clear();  // answers (retransmitted flights) go nowhere
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Fixture& f = fixture();
  DtlsEndpoint fresh;
  fresh.session = std::make_unique<DtlsSrtp>(
      dtls_config(DtlsRole::kServer, f.server_certificate, f.client_certificate), fresh);

  parrot::fuzz::FuzzInput input(data, size);
  for (std::size_t n = 0; n < kMaxDatagrams && !input.empty(); ++n) {
    const parrot::media::ByteView datagram = input.bytes(input.u16());
    const std::size_t dropped = fresh.session->datagrams_dropped();
    fresh.session->feed(datagram);
    CHECK(fresh.session->datagrams_dropped() >= dropped);
    CHECK(fresh.outcomes <= 1);
    CHECK(fresh.largest_datagram <= kMtu);
    CHECK(!fresh.keys.has_value() || fresh.session->fingerprint_ok());
    fresh.outbox.clear();

    feed_connected(f.connected->a, datagram);
    feed_connected(f.connected->b, datagram);
  }
  return 0;
}
