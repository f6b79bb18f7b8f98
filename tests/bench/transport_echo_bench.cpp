// Datagrams echoed through parrot's transport: libnice ICE + DTLS-SRTP
// between two CallTransports on loopback, the echo side on its own worker
// (one core), beside two baselines measured in the same run:
//   - raw UDP echo: recvfrom + sendto on a plain socket, the machine's floor;
//   - SRTP alone: one unprotect and one protect per packet, what any SRTP
//     echo must pay.
// The figure of merit is the echo side's CPU per echoed packet against the
// sum of the two baselines (target ≤ 1.5×), for AES_CM_128_HMAC_SHA1_80
// and AEAD_AES_128_GCM. Also: time from gather() to SRTP keys, and complete
// ICE + DTLS setups per second of CPU.
//
//   build-test/tests/transport_echo_bench [packets]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "media/rtp/rtp_packet.hpp"
#include "media/srtp/srtp_library.hpp"
#include "media/srtp/srtp_session.hpp"
#include "transport/call/call_transport.hpp"
#include "transport/worker/worker.hpp"

namespace {

using namespace parrot;
using namespace std::chrono_literals;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::vector<std::byte> rtp_packet(std::uint16_t sequence, std::size_t payload_bytes) {
  std::vector<std::byte> packet(12 + payload_bytes + media::srtp::kMaxRtpTrailer);
  media::rtp::RtpHeader header;
  header.sequence_number = sequence;
  header.timestamp = 960u * sequence;
  header.payload_type = 111;
  header.ssrc = 0x0BADCAFE;
  const std::vector<std::byte> payload(payload_bytes, std::byte{0x42});
  packet.resize(media::rtp::serialize(header, payload, packet));
  return packet;
}

constexpr std::size_t kWindow = 32;

// ---- baseline 1: raw UDP echo --------------------------------------------
double raw_udp_echo_cpu_us(std::size_t packets, std::size_t payload_bytes) {
  const int echo = socket(AF_INET, SOCK_DGRAM, 0);
  const int load = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(echo, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(echo, reinterpret_cast<sockaddr*>(&address), &length);
  std::atomic<double> echo_cpu{0};
  std::thread echoer([&] {
    std::vector<std::byte> buffer(2048);
    const double start = thread_cpu_seconds();
    for (std::size_t i = 0; i < packets; ++i) {
      sockaddr_in from{};
      socklen_t from_length = sizeof from;
      const ssize_t n = recvfrom(echo, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_length);
      if (n > 0) sendto(echo, buffer.data(), static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), from_length);
    }
    echo_cpu = thread_cpu_seconds() - start;
  });
  const auto packet = rtp_packet(1, payload_bytes);
  std::vector<std::byte> buffer(2048);
  std::size_t sent = 0;
  for (; sent < std::min(kWindow, packets); ++sent)
    sendto(load, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&address), sizeof address);
  for (std::size_t received = 0; received < packets; ++received) {
    recv(load, buffer.data(), buffer.size(), 0);
    if (sent < packets) {
      sendto(load, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&address), sizeof address);
      ++sent;
    }
  }
  echoer.join();
  close(echo);
  close(load);
  return echo_cpu * 1e6 / static_cast<double>(packets);
}

// ---- baseline 2: SRTP alone ----------------------------------------------
media::srtp::KeyingMaterial keys(media::srtp::SrtpProfile profile, bool a) {
  media::srtp::KeyingMaterial k;
  k.profile = profile;
  k.local_key_salt.assign(media::srtp::key_salt_bytes(profile), std::byte{a ? std::uint8_t{1} : std::uint8_t{2}});
  k.remote_key_salt.assign(media::srtp::key_salt_bytes(profile), std::byte{a ? std::uint8_t{2} : std::uint8_t{1}});
  return k;
}

double srtp_alone_cpu_us(media::srtp::SrtpProfile profile, std::size_t packets, std::size_t payload_bytes) {
  media::srtp::SrtpSession caller(keys(profile, true));
  media::srtp::SrtpSession echo(keys(profile, false));
  std::vector<std::vector<std::byte>> batch;
  double cpu = 0;
  for (std::size_t done = 0; done < packets; done += 256) {
    batch.clear();
    for (std::size_t i = 0; i < 256; ++i) {
      auto packet = rtp_packet(static_cast<std::uint16_t>(done + i), payload_bytes);
      const std::size_t plain = packet.size();
      packet.resize(plain + media::srtp::kMaxRtpTrailer);
      packet.resize(*caller.protect_rtp(packet, plain));
      batch.push_back(std::move(packet));
    }
    const double start = thread_cpu_seconds();
    for (auto& packet : batch) {
      const auto plain = echo.unprotect_rtp(packet);
      packet.resize(*plain + media::srtp::kMaxRtpTrailer);
      echo.protect_rtp(packet, *plain);
    }
    cpu += thread_cpu_seconds() - start;
  }
  return cpu * 1e6 / static_cast<double>(packets);
}

// ---- parrot: CallTransport pair on two workers ---------------------------
struct Endpoint : transport::CallTransport::Observer {
  transport::Worker* worker = nullptr;
  Endpoint* peer = nullptr;
  std::unique_ptr<transport::CallTransport> transport;
  std::unique_ptr<media::srtp::SrtpSession> srtp;
  std::promise<void> secure;
  bool secure_set = false;
  bool reflect = false;  // the echo side: unprotect, protect, send back
  std::vector<std::byte> scratch = std::vector<std::byte>(2048);
  std::function<void()> on_echo;  // the load side: called per echo

  virtual ~Endpoint() = default;
  void on_local_candidate(const transport::IceCandidate& candidate) override {
    Endpoint* other = peer;
    other->worker->post([other, candidate] {
      if (other->transport) other->transport->add_remote_candidate(candidate);
    });
  }
  void on_gathering_done() override {}
  void on_transport_state(transport::CallTransportState, const std::string&) override {}
  void on_selected_pair(const transport::SelectedPair&) override {}
  void on_srtp_keys(const media::srtp::KeyingMaterial& k) override {
    srtp = std::make_unique<media::srtp::SrtpSession>(k);
    if (!secure_set) {
      secure_set = true;
      secure.set_value();
    }
  }
  void on_media(unsigned component, media::MutableByteView datagram) override {
    if (reflect) {
      const auto plain = srtp->unprotect_rtp(datagram);
      if (!plain) return;
      std::copy(datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(*plain), scratch.begin());
      const auto protected_length = srtp->protect_rtp(scratch, *plain);
      if (protected_length) transport->send_media(component, media::ByteView(scratch).first(*protected_length));
    } else if (on_echo) {
      on_echo();
    }
  }
};

template <typename F>
void run_on(transport::Worker& worker, F&& f) {
  std::promise<void> done;
  worker.post([&] {
    f();
    done.set_value();
  });
  done.get_future().wait();
}

struct Pair {
  transport::Worker load_worker{"load"};
  transport::Worker echo_worker{"echo"};
  transport::Certificate load_certificate = transport::Certificate::generate();
  transport::Certificate echo_certificate = transport::Certificate::generate();
  Endpoint load;
  Endpoint echo;

  explicit Pair(media::srtp::SrtpProfile profile) {
    load.worker = &load_worker;
    echo.worker = &echo_worker;
    load.peer = &echo;
    echo.peer = &load;
    echo.reflect = true;
    const auto make = [&](Endpoint& side, bool controlling, transport::DtlsRole role, const transport::Certificate& own,
                          const transport::Certificate& theirs) {
      transport::CallTransportConfig config;
      config.ice.controlling = controlling;
      config.ice.allowed_addresses = {"127.0.0.1"};
      config.certificate = &own;
      config.dtls = transport::DtlsParameters{role, "sha-256", theirs.fingerprint_sha256(), {profile}};
      side.transport = std::make_unique<transport::CallTransport>(side.worker->context(), std::move(config), side);
    };
    // parrot (echo) answers: controlled, DTLS client, as in a real call.
    run_on(load_worker, [&] { make(load, true, transport::DtlsRole::kServer, load_certificate, echo_certificate); });
    run_on(echo_worker, [&] { make(echo, false, transport::DtlsRole::kClient, echo_certificate, load_certificate); });
    transport::IceCredentials load_credentials, echo_credentials;
    run_on(load_worker, [&] { load_credentials = load.transport->local_credentials(); });
    run_on(echo_worker, [&] { echo_credentials = echo.transport->local_credentials(); });
    run_on(load_worker, [&] { load.transport->set_remote_credentials(echo_credentials); });
    run_on(echo_worker, [&] { echo.transport->set_remote_credentials(load_credentials); });
    run_on(load_worker, [&] { load.transport->gather(); });
    run_on(echo_worker, [&] { echo.transport->gather(); });
    load.secure.get_future().wait_for(10s);
    echo.secure.get_future().wait_for(10s);
  }
  ~Pair() {
    run_on(load_worker, [&] { load.transport.reset(); });
    run_on(echo_worker, [&] { echo.transport.reset(); });
    load_worker.stop();
    echo_worker.stop();
  }
};

struct EchoResult {
  double echo_cpu_us = 0;
  double packets_per_second = 0;
  std::size_t echoed = 0;
};

EchoResult parrot_echo(media::srtp::SrtpProfile profile, std::size_t packets, std::size_t payload_bytes) {
  Pair pair(profile);
  EchoResult result;
  std::promise<void> finished;
  std::size_t sent = 0;
  std::size_t received = 0;
  std::vector<std::vector<std::byte>> outgoing;
  // Pre-protect on the load side so its SRTP cost is not on the clock we read.
  run_on(pair.load_worker, [&] {
    for (std::size_t i = 0; i < packets; ++i) {
      auto packet = rtp_packet(static_cast<std::uint16_t>(i), payload_bytes);
      const std::size_t plain = packet.size();
      packet.resize(plain + media::srtp::kMaxRtpTrailer);
      packet.resize(*pair.load.srtp->protect_rtp(packet, plain));
      outgoing.push_back(std::move(packet));
    }
  });
  double echo_cpu_start = 0;
  run_on(pair.echo_worker, [&] { echo_cpu_start = thread_cpu_seconds(); });
  const auto wall_start = std::chrono::steady_clock::now();
  run_on(pair.load_worker, [&] {
    pair.load.on_echo = [&] {
      ++received;
      if (sent < packets) pair.load.transport->send_media(1, outgoing[sent++]);
      if (received == packets) finished.set_value();
    };
    for (; sent < std::min(kWindow, packets); ++sent) pair.load.transport->send_media(1, outgoing[sent]);
  });
  // Lost packets would stall the window; stop at a deadline and count what came back.
  finished.get_future().wait_for(60s);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  double echo_cpu_end = 0;
  run_on(pair.echo_worker, [&] { echo_cpu_end = thread_cpu_seconds(); });
  run_on(pair.load_worker, [&] { result.echoed = received; pair.load.on_echo = nullptr; });
  result.echo_cpu_us = (echo_cpu_end - echo_cpu_start) * 1e6 / static_cast<double>(std::max<std::size_t>(result.echoed, 1));
  result.packets_per_second = static_cast<double>(result.echoed) / wall;
  return result;
}

// ICE + DTLS setups: both sides on one worker, one after another.
void setups(std::size_t count) {
  transport::Worker worker("setup");
  const auto certificate_a = transport::Certificate::generate();
  const auto certificate_b = transport::Certificate::generate();
  std::vector<double> keys_ms;
  const double cpu_start = process_cpu_seconds();
  const auto wall_start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < count; ++i) {
    Endpoint a;
    Endpoint b;
    a.worker = b.worker = &worker;
    a.peer = &b;
    b.peer = &a;
    run_on(worker, [&] {
      transport::CallTransportConfig ca;
      ca.ice.controlling = true;
      ca.ice.allowed_addresses = {"127.0.0.1"};
      ca.certificate = &certificate_a;
      ca.dtls = transport::DtlsParameters{transport::DtlsRole::kServer, "sha-256", certificate_b.fingerprint_sha256(), transport::DtlsParameters{}.profiles};
      transport::CallTransportConfig cb;
      cb.ice.allowed_addresses = {"127.0.0.1"};
      cb.certificate = &certificate_b;
      cb.dtls = transport::DtlsParameters{transport::DtlsRole::kClient, "sha-256", certificate_a.fingerprint_sha256(), transport::DtlsParameters{}.profiles};
      a.transport = std::make_unique<transport::CallTransport>(worker.context(), std::move(ca), a);
      b.transport = std::make_unique<transport::CallTransport>(worker.context(), std::move(cb), b);
      a.transport->set_remote_credentials(b.transport->local_credentials());
      b.transport->set_remote_credentials(a.transport->local_credentials());
      a.transport->gather();
      b.transport->gather();
    });
    b.secure.get_future().wait_for(10s);
    a.secure.get_future().wait_for(10s);
    run_on(worker, [&] {
      keys_ms.push_back(b.transport->stats().keys_ms.value_or(-1));
      a.transport.reset();
      b.transport.reset();
    });
  }
  const double cpu = process_cpu_seconds() - cpu_start;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  std::sort(keys_ms.begin(), keys_ms.end());
  std::printf("\nICE + DTLS setups on loopback, both ends in this process, %zu in a row:\n", count);
  std::printf("  gather() to SRTP keys (parrot's side): median %.1f ms, p90 %.1f ms\n", keys_ms[count / 2],
              keys_ms[count * 9 / 10]);
  std::printf("  CPU per setup, both ends: %.2f ms -> %.0f setups/s per core (parrot's end alone about half the CPU)\n",
              cpu * 1e3 / static_cast<double>(count), static_cast<double>(count) / cpu);
  std::printf("  wall: %.0f setups/s (sequential, includes ICE pacing)\n", static_cast<double>(count) / wall);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t packets = argc > 1 ? std::stoul(argv[1]) : 50'000;
  const media::srtp::SrtpLibrary library;
  std::printf("echo of %zu packets, window %zu, loopback; CPU per echoed packet on the echo thread\n\n", packets, kWindow);
  std::printf("%-26s %8s %12s %12s %14s %10s %8s\n", "profile / payload", "raw UDP", "SRTP alone", "baseline", "parrot echo",
              "ratio", "kpps");
  for (const std::size_t payload : {std::size_t{160}, std::size_t{1100}}) {
    const double udp = raw_udp_echo_cpu_us(packets, payload);
    for (const auto profile : {media::srtp::SrtpProfile::kAes128CmSha1_80, media::srtp::SrtpProfile::kAeadAes128Gcm}) {
      const double srtp = srtp_alone_cpu_us(profile, packets, payload);
      const EchoResult echo = parrot_echo(profile, packets, payload);
      const double baseline = udp + srtp;
      std::printf("%-20s %4zu B %7.2fµs %10.2fµs %10.2fµs %12.2fµs %9.2fx %7.1f%s\n",
                  std::string(media::srtp::to_string(profile)).c_str(), payload, udp, srtp, baseline, echo.echo_cpu_us,
                  echo.echo_cpu_us / baseline, echo.packets_per_second / 1000,
                  echo.echoed == packets ? "" : "  (lost packets: the window stalled)");
    }
  }
  setups(argc > 2 ? std::stoul(argv[2]) : 200);
  return 0;
}
