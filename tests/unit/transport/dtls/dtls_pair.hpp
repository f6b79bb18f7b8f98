// Two DtlsSrtp sessions wired back to back in memory: each one's datagrams
// queue up for the other and pump() delivers them, so a whole handshake runs
// on the calling thread with no sockets. Shared by the unit tests, the
// fuzzer and the benchmark.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "media/bytes.hpp"
#include "media/srtp/keying_material.hpp"
#include "transport/dtls/certificate.hpp"
#include "transport/dtls/dtls_srtp.hpp"

namespace parrot::transport::testing {

inline DtlsSrtp::Config dtls_config(DtlsRole role, const Certificate& own, const Certificate& peer) {
  DtlsSrtp::Config config;
  config.role = role;
  config.certificate = &own;
  config.peer_fingerprint = peer.fingerprint_sha256();
  return config;
}

struct DtlsEndpoint final : DtlsSrtp::Observer {
  void on_dtls_datagram(media::ByteView datagram) override {
    largest_datagram = std::max(largest_datagram, datagram.size());
    outbox.emplace_back(datagram.begin(), datagram.end());
  }
  void on_dtls_connected(const media::srtp::KeyingMaterial& material) override {
    keys = material;
    ++outcomes;
  }
  void on_dtls_failed(const std::string& reason) override {
    failure = reason;
    ++outcomes;
  }
  void on_dtls_closed() override {
    closed = true;
    ++outcomes;
  }

  std::unique_ptr<DtlsSrtp> session;
  std::deque<std::vector<std::byte>> outbox;  // datagrams for the other side
  std::size_t largest_datagram = 0;
  std::optional<media::srtp::KeyingMaterial> keys;
  std::optional<std::string> failure;
  bool closed = false;
  int outcomes = 0;  // on_dtls_connected + on_dtls_failed + on_dtls_closed calls
};

class DtlsPair {
 public:
  // Returns true to lose the datagram; `from_a` tells its sender.
  using DropFilter = std::function<bool(bool from_a, media::ByteView datagram)>;

  DtlsPair(DtlsSrtp::Config a_config, DtlsSrtp::Config b_config) {
    a.session = std::make_unique<DtlsSrtp>(std::move(a_config), a);
    b.session = std::make_unique<DtlsSrtp>(std::move(b_config), b);
  }

  void start() {
    a.session->start();
    b.session->start();
  }

  // Delivers queued datagrams both ways until both queues are empty; returns
  // how many were delivered (dropped ones not included).
  std::size_t pump(const DropFilter& drop = {}) {
    std::size_t delivered = 0;
    for (int round = 0; round < 1000 && (!a.outbox.empty() || !b.outbox.empty()); ++round) {
      delivered += deliver(a, b, true, drop);
      delivered += deliver(b, a, false, drop);
    }
    return delivered;
  }

  // Pumps, and while `done` is false sleeps until the earliest retransmission
  // timer and fires both; gives up after `limit` of sleeping.
  bool pump_until(const std::function<bool()>& done, const DropFilter& drop = {},
                  std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    pump(drop);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::optional<std::chrono::milliseconds> wait;
      for (const DtlsEndpoint* side : {&a, &b}) {
        const auto t = side->session->timeout();
        if (t && (!wait || *t < *wait)) wait = t;
      }
      if (!wait) return done();
      std::this_thread::sleep_for(*wait);
      a.session->handle_timeout();
      b.session->handle_timeout();
      pump(drop);
    }
    return true;
  }

  bool both_connected() const {
    return a.session->state() == DtlsState::kConnected && b.session->state() == DtlsState::kConnected;
  }
  bool both_done() const { return a.outcomes > 0 && b.outcomes > 0; }

  DtlsEndpoint a;
  DtlsEndpoint b;

 private:
  static std::size_t deliver(DtlsEndpoint& from, DtlsEndpoint& to, bool from_a, const DropFilter& drop) {
    std::size_t delivered = 0;
    while (!from.outbox.empty()) {
      const std::vector<std::byte> datagram = std::move(from.outbox.front());
      from.outbox.pop_front();
      if (drop && drop(from_a, datagram)) continue;
      to.session->feed(datagram);
      ++delivered;
    }
    return delivered;
  }
};

}  // namespace parrot::transport::testing
