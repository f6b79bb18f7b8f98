// The hand-off between the echo path and a codec probe. The echo path offers
// each packet and moves on; a worker drains the queue when it has time. A
// probe therefore never slows or blocks echo: when the queue is full the
// packet is simply not taken, and skipped() says how often that happened so
// the report can say the probe sampled.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "media/bytes.hpp"
#include "media/rtp/header_extensions.hpp"
#include "media/time.hpp"

namespace parrot::media::probes {

struct ProbePacket {
  Timestamp arrival{};
  std::uint8_t payload_type = 0;  // the RTP header's: RED and ULPFEC are told apart by it
  std::uint32_t rtp_timestamp = 0;
  std::uint16_t sequence_number = 0;
  bool marker = false;
  // RFC 6464, when the audio level extension was negotiated and present.
  std::optional<rtp::AudioLevel> audio_level;
  std::vector<std::byte> payload;
};

// Bounded FIFO over a ring of preallocated ProbePackets. Not thread-safe:
// media/ has no threads, so whoever shares it across threads wraps it.
class ProbeQueue {
 public:
  // A slot's storage grows to the largest payload it has held, so a warm
  // ring stores a stream's packets without allocating; max_packets must be
  // at least 1 (throws std::invalid_argument).
  static constexpr std::size_t kMaxPayloadBytes = 1500;

  explicit ProbeQueue(std::size_t max_packets);

  // Copies the packet in and returns true, or returns false and counts a
  // skip when the queue is full or the payload exceeds kMaxPayloadBytes
  // (larger than any datagram parrot accepts). Never blocks.
  bool offer(Timestamp arrival, std::uint8_t payload_type, std::uint32_t rtp_ts, std::uint16_t seq, bool marker,
             ByteView payload, std::optional<rtp::AudioLevel> audio_level = std::nullopt);

  // Oldest packet first; empty when nothing is queued.
  std::optional<ProbePacket> pop();

  // Allocation-free variant of pop(): swaps the oldest packet into `out`, so
  // `out`'s previous payload storage goes back into the ring for reuse.
  bool pop_into(ProbePacket& out);

  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return ring_.size(); }
  std::uint64_t skipped() const noexcept { return skipped_; }
  std::uint64_t accepted() const noexcept { return accepted_; }

 private:
  std::vector<ProbePacket> ring_;
  std::size_t head_ = 0;  // index of the oldest packet
  std::size_t size_ = 0;
  std::uint64_t skipped_ = 0;
  std::uint64_t accepted_ = 0;
};

}  // namespace parrot::media::probes
