// `parrot probe --file SIZE`: sends SIZE bytes to the target parrot the way
// the oldest clients do and every parrot takes, XEP-0096 SI file transfer
// over XEP-0047 in-band bytestreams (through the XMPP server, so no extra
// port or proxy is involved), and knows their SHA-256 to check against the
// target's file report. The bytes are pseudo-random from a seed, so a
// transfer that drops or reorders a block cannot match by accident.
//
// Control thread only. The owner routes IQ results and errors to
// on_iq_reply() and sends what `send` gets.
#pragma once

#include <gloox/tag.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "transport/bytestream/stream_hasher.hpp"

namespace parrot::bot::probe {

class IbbFileSender {
 public:
  using Send = std::function<void(std::unique_ptr<gloox::Tag>)>;
  // Every block acknowledged and the stream closed (ok), or why not.
  using Done = std::function<void(bool ok, const std::string& why)>;
  // A block was acknowledged (the transfer is alive).
  using Progress = std::function<void()>;

  static constexpr std::uint32_t kBlockSize = 4096;  // XEP-0047 §2.1's recommendation
  static constexpr unsigned kWindow = 8;              // data IQs in flight at once

  IbbFileSender(Send send, std::string to, std::uint64_t size, std::uint32_t seed, Progress progress, Done done);

  // Sends the SI offer (XEP-0095 §3, IBB as the only stream method).
  void start();
  // True when `iq` (a result or error) answers one of this sender's IQs.
  bool on_iq_reply(const gloox::Tag& iq);

  const std::string& sid() const noexcept { return sid_; }
  const std::string& name() const noexcept { return name_; }
  std::uint64_t bytes_sent() const noexcept { return sent_; }
  // The SHA-256 of every byte sent, lowercase hex; valid once done.
  const std::string& sha256() const noexcept { return sha256_; }

 private:
  enum class Stage { kIdle, kOffered, kOpening, kData, kClosing, kDone };

  std::unique_ptr<gloox::Tag> iq(const std::string& id);
  void send_blocks();
  void fail(const std::string& why);

  Send send_;
  std::string to_;
  std::uint64_t size_;
  std::mt19937 bytes_;
  Progress progress_;
  Done done_;
  std::string sid_, name_;
  Stage stage_ = Stage::kIdle;
  std::uint64_t sent_ = 0;
  std::uint64_t acked_ = 0;   // blocks acknowledged
  std::uint64_t blocks_ = 0;  // blocks sent
  std::uint16_t seq_ = 0;     // XEP-0047 §2.2: wraps after 65535
  transport::bytestream::StreamHasher hasher_{"sha-256"};
  std::string sha256_;
};

}  // namespace parrot::bot::probe
