// SRTP cost per echoed packet: protect on one session, unprotect on its peer,
// for every profile the installed libsrtp2 supports, at an audio-sized
// (160-byte) and a video-sized (1,100-byte) payload. Also the one-off cost of
// creating a session (a call's setup).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "media/bytes.hpp"
#include "media/srtp/keying_material.hpp"
#include "media/srtp/srtp_library.hpp"
#include "media/srtp/srtp_session.hpp"

namespace {

using namespace parrot::media;
using namespace parrot::media::srtp;

KeyingMaterial keys_for(SrtpProfile profile, std::uint8_t local, std::uint8_t remote) {
  KeyingMaterial keys;
  keys.profile = profile;
  keys.local_key_salt.assign(key_salt_bytes(profile), std::byte{local});
  keys.remote_key_salt.assign(key_salt_bytes(profile), std::byte{remote});
  return keys;
}

void protect_unprotect(benchmark::State& state, SrtpProfile profile, std::size_t payload_bytes) {
  SrtpSession sender(keys_for(profile, 1, 2));
  SrtpSession receiver(keys_for(profile, 2, 1));
  const std::size_t rtp_bytes = 12 + payload_bytes;
  std::vector<std::byte> plain(rtp_bytes);
  write_u8(plain, 0, 0x80);
  write_u8(plain, 1, 96);
  write_u32(plain, 8, 0x01020304);
  std::vector<std::byte> buffer(rtp_bytes + kMaxRtpTrailer);
  std::uint16_t sequence = 0;
  for (auto _ : state) {
    std::copy(plain.begin(), plain.end(), buffer.begin());
    write_u16(buffer, 2, sequence);
    write_u32(buffer, 4, 960u * sequence);
    ++sequence;
    const auto protected_length = sender.protect_rtp(buffer, rtp_bytes);
    const auto plain_length = receiver.unprotect_rtp(std::span(buffer).first(*protected_length));
    benchmark::DoNotOptimize(plain_length);
  }
  if (receiver.counters().rtp_unprotected != static_cast<std::uint64_t>(state.iterations())) {
    state.SkipWithError("a packet did not round-trip");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(rtp_bytes));
}

void create_session(benchmark::State& state, SrtpProfile profile) {
  const KeyingMaterial keys = keys_for(profile, 1, 2);
  for (auto _ : state) {
    SrtpSession session(keys);
    benchmark::DoNotOptimize(&session);
  }
  state.SetItemsProcessed(state.iterations());
}

// Protect cost with `sessions` live sessions in the process, round robin (a
// worker serving that many calls). Debian's libsrtp2 sets up an NSS context
// per packet, and that setup slows as sessions accumulate.
void protect_across_sessions(benchmark::State& state, SrtpProfile profile, std::size_t sessions) {
  std::vector<SrtpSession> senders;
  senders.reserve(sessions);
  for (std::size_t i = 0; i < sessions; ++i) senders.emplace_back(keys_for(profile, 1, 2));
  std::vector<std::byte> packet(12 + 160 + kMaxRtpTrailer);
  write_u8(packet, 0, 0x80);
  write_u8(packet, 1, 111);
  std::vector<std::uint16_t> sequences(sessions, 0);
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t s = i++ % sessions;
    write_u16(packet, 2, sequences[s]++);
    write_u32(packet, 8, static_cast<std::uint32_t>(s));
    benchmark::DoNotOptimize(senders[s].protect_rtp(packet, 12 + 160));
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  const SrtpLibrary library;
  for (const SrtpProfile profile : supported_profiles()) {
    const std::string name(to_string(profile));
    for (const std::size_t payload_bytes : {std::size_t{160}, std::size_t{1100}}) {
      benchmark::RegisterBenchmark(("protect_unprotect/" + name + "/" + std::to_string(payload_bytes)).c_str(),
                                   protect_unprotect, profile, payload_bytes);
    }
    benchmark::RegisterBenchmark(("create_session/" + name).c_str(), create_session, profile);
    for (const std::size_t sessions : {std::size_t{1}, std::size_t{100}, std::size_t{1000}, std::size_t{2000}}) {
      benchmark::RegisterBenchmark(("protect_160B_across_sessions/" + name + "/" + std::to_string(sessions)).c_str(),
                                   protect_across_sessions, profile, sessions);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
