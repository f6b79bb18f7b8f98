// RFC 7983 §7: which protocol a datagram on a multiplexed ICE component
// belongs to, decided by its first byte alone and before anything parses it.
// RFC 7983 updates RFC 5764 §5.1.2 (which reserved 20..63 for DTLS as well,
// but knew neither ZRTP nor TURN channels):
//
//   [0..3]     STUN           [64..79]   TURN channel
//   [16..19]   ZRTP           [128..191] RTP / RTCP (SRTP / SRTCP)
//   [20..63]   DTLS           anything else: unknown, dropped
//
// The class only routes: each handler still validates the whole datagram.
// Header-only and free of GLib, so the fuzzer and media-side tests need no loop.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "media/bytes.hpp"

namespace parrot::transport {

enum class DatagramClass : std::uint8_t {
  kStun,         // 0..3
  kZrtp,         // 16..19
  kDtls,         // 20..63
  kTurnChannel,  // 64..79
  kRtpRtcp,      // 128..191
  kUnknown,      // empty, or a first byte outside every range
};

inline constexpr std::size_t kDatagramClassCount = static_cast<std::size_t>(DatagramClass::kUnknown) + 1;

constexpr DatagramClass classify_datagram(media::ByteView datagram) noexcept {
  if (datagram.empty()) return DatagramClass::kUnknown;
  const std::uint8_t first = media::read_u8(datagram, 0);
  if (first <= 3) return DatagramClass::kStun;
  if (first >= 16 && first <= 19) return DatagramClass::kZrtp;
  if (first >= 20 && first <= 63) return DatagramClass::kDtls;
  if (first >= 64 && first <= 79) return DatagramClass::kTurnChannel;
  if (first >= 128 && first <= 191) return DatagramClass::kRtpRtcp;
  return DatagramClass::kUnknown;
}

constexpr std::string_view to_string(DatagramClass c) noexcept {
  constexpr std::array<std::string_view, kDatagramClassCount> kNames{"stun",         "zrtp",     "dtls",
                                                                     "turn_channel", "rtp_rtcp", "unknown"};
  const auto index = static_cast<std::size_t>(c);
  return index < kNames.size() ? kNames[index] : std::string_view{"unknown"};
}

// Packets and bytes seen per class, for the call report. Not synchronised:
// it lives with the call on its worker thread.
class DatagramCounters {
 public:
  void count(DatagramClass c, std::size_t bytes) noexcept {
    const auto index = static_cast<std::size_t>(c);
    if (index >= kDatagramClassCount) return;
    ++packets_[index];
    bytes_[index] += bytes;
  }
  // Classifies and counts in one step; returns the class for the dispatcher.
  DatagramClass classify_and_count(media::ByteView datagram) noexcept {
    const DatagramClass c = classify_datagram(datagram);
    count(c, datagram.size());
    return c;
  }

  std::uint64_t packets(DatagramClass c) const noexcept { return at(packets_, c); }
  std::uint64_t bytes(DatagramClass c) const noexcept { return at(bytes_, c); }
  // Datagrams no RFC 7983 range claims; the caller drops them.
  std::uint64_t dropped_unknown() const noexcept { return packets(DatagramClass::kUnknown); }
  std::uint64_t total_packets() const noexcept {
    std::uint64_t sum = 0;
    for (const auto n : packets_) sum += n;
    return sum;
  }

 private:
  using Counts = std::array<std::uint64_t, kDatagramClassCount>;
  static std::uint64_t at(const Counts& counts, DatagramClass c) noexcept {
    const auto index = static_cast<std::size_t>(c);
    return index < counts.size() ? counts[index] : 0;
  }

  Counts packets_{};
  Counts bytes_{};
};

}  // namespace parrot::transport
