// RTCP parse and build costs on the shapes parrot sees every second of a
// call: a browser's RR + SDES, a NACK, and parrot's own SR + SDES.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "media/rtcp/compound.hpp"

namespace {

using namespace parrot::media;
using namespace parrot::media::rtcp;

template <typename... T>
std::vector<std::byte> bytes(T... values) {
  return {static_cast<std::byte>(values)...};
}

// RR with one report block, then SDES with a 16-character CNAME (Chrome).
const std::vector<std::byte> kReceiverReportSdes = bytes(
    0x81, 0xC9, 0x00, 0x07, 0x00, 0x00, 0x00, 0x01, 0x5E, 0x1F, 0x0C, 0x2A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2B,
    0x67, 0x00, 0x00, 0x00, 0x0C, 0x8C, 0x3B, 0x20, 0x00, 0x00, 0x00, 0x33, 0x33, 0x81, 0xCA, 0x00, 0x06, 0x00, 0x00,
    0x00, 0x01, 0x01, 0x10, 'v', 'F', '3', 'q', 'x', 'Y', 'k', 'B', 'H', '9', 'p', 'L', 'w', 'e', '2', 'T', 0x00, 0x00);

// Generic NACK with three items: 1000-1016 all lost, then 1040, then 1100 and 1102.
const std::vector<std::byte> kNack = bytes(0x81, 0xCD, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
                                           0x03, 0xE8, 0xFF, 0xFF, 0x04, 0x10, 0x00, 0x00, 0x04, 0x4C, 0x00, 0x02);

void BM_ParseReceiverReportSdes(benchmark::State& state) {
  for (auto _ : state) {
    auto result = parse_compound(kReceiverReportSdes);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kReceiverReportSdes.size()));
}
BENCHMARK(BM_ParseReceiverReportSdes);

void BM_ParseNack(benchmark::State& state) {
  for (auto _ : state) {
    auto result = parse_compound(kNack);
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_ParseNack);

void BM_BuildSenderReportSdes(benchmark::State& state) {
  const std::vector<Packet> packets{
      SenderReport{0x5E1F0C2A, NtpTime{0xE86C5A0080000000}, 160000, 500, 60000,
                   {ReportBlock{0x00000001, 3, 12, 11111, 40, 0x5A008000, 0x3333}}},
      Sdes{{{0x5E1F0C2A, "parrot@example.org"}}}};
  std::vector<std::byte> out(1500);
  for (auto _ : state) {
    const std::size_t written = serialize_compound(packets, out);
    benchmark::DoNotOptimize(written);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_BuildSenderReportSdes);

void BM_BuildNack(benchmark::State& state) {
  const Packet nack = Nack{1, 2, {1000, 1001, 1005, 1016, 1040, 1100, 1102}};
  std::vector<std::byte> out(1500);
  for (auto _ : state) {
    const std::size_t written = serialize(nack, out);
    benchmark::DoNotOptimize(written);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_BuildNack);

}  // namespace

BENCHMARK_MAIN();
