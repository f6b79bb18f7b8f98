// Sender report, RTCP packet type 200 (RFC 3550 §6.4.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "media/bytes.hpp"
#include "media/rtcp/common_header.hpp"
#include "media/rtcp/report_block.hpp"
#include "media/time.hpp"

namespace parrot::media::rtcp {

struct SenderReport {
  std::uint32_t sender_ssrc = 0;
  NtpTime ntp;                     // wall clock when the report was sent
  std::uint32_t rtp_timestamp = 0;  // the same instant on the RTP media clock
  std::uint32_t packet_count = 0;   // packets sent since the stream started
  std::uint32_t octet_count = 0;    // payload octets sent since the stream started
  std::vector<ReportBlock> report_blocks;

  // `body` is the packet after its 4-byte header, padding removed. nullopt
  // when it is shorter than the sender info plus RC report blocks; bytes
  // after the blocks (profile-specific extensions) are ignored.
  static std::optional<SenderReport> parse(const CommonHeader& header, ByteView body);

  // The first 31 blocks ride in the SR; any more follow in RR packets from
  // the same sender (RFC 3550 §6.4.1), so the output may be several packets.
  std::size_t serialized_size() const noexcept;
  // Bytes written, or 0 when `out` is smaller than serialized_size().
  std::size_t serialize(MutableByteView out) const noexcept;

  friend bool operator==(const SenderReport& a, const SenderReport& b) noexcept {
    return a.sender_ssrc == b.sender_ssrc && a.ntp.value == b.ntp.value && a.rtp_timestamp == b.rtp_timestamp &&
           a.packet_count == b.packet_count && a.octet_count == b.octet_count && a.report_blocks == b.report_blocks;
  }
};

}  // namespace parrot::media::rtcp
