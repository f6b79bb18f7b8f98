// DTLS-SRTP costs that bound call setup: a complete in-memory DTLS 1.2
// handshake (client and server on one thread, ECDSA P-256, ECDHE,
// SRTP_AEAD_AES_128_GCM, key export on both sides) and certificate
// generation (once per process, or when the stored one is renewed).
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "tests/unit/transport/dtls/dtls_pair.hpp"
#include "transport/dtls/certificate.hpp"
#include "transport/dtls/dtls_srtp.hpp"

namespace {

using namespace parrot::transport;
using parrot::transport::testing::DtlsPair;
using parrot::transport::testing::dtls_config;

void BM_DtlsHandshake(benchmark::State& state) {
  const Certificate client = Certificate::generate();
  const Certificate server = Certificate::generate();
  for (auto _ : state) {
    DtlsPair pair(dtls_config(DtlsRole::kClient, client, server), dtls_config(DtlsRole::kServer, server, client));
    pair.start();
    pair.pump();
    if (!pair.both_connected() || pair.a.keys->profile != parrot::media::srtp::SrtpProfile::kAeadAes128Gcm) {
      state.SkipWithError("handshake did not complete with GCM");
      break;
    }
    benchmark::DoNotOptimize(pair.a.keys);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DtlsHandshake)->Unit(benchmark::kMicrosecond);

void BM_CertificateGenerate(benchmark::State& state) {
  for (auto _ : state) {
    Certificate certificate = Certificate::generate();
    benchmark::DoNotOptimize(certificate.x509());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CertificateGenerate)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
