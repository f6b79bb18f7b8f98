// Receiver report, RTCP packet type 201 (RFC 3550 §6.4.2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "media/bytes.hpp"
#include "media/rtcp/common_header.hpp"
#include "media/rtcp/report_block.hpp"

namespace parrot::media::rtcp {

struct ReceiverReport {
  std::uint32_t sender_ssrc = 0;
  std::vector<ReportBlock> report_blocks;

  // `body` is the packet after its 4-byte header, padding removed. nullopt
  // when it is shorter than the sender SSRC plus RC report blocks; bytes
  // after the blocks (profile-specific extensions, §6.4.1) are ignored.
  static std::optional<ReceiverReport> parse(const CommonHeader& header, ByteView body);

  // More than 31 blocks do not fit one RC field; the rest follow in
  // further RR packets from the same sender, as RFC 3550 §6.4.1 asks, so
  // the output may be several RTCP packets.
  std::size_t serialized_size() const noexcept;
  // Bytes written, or 0 when `out` is smaller than serialized_size().
  std::size_t serialize(MutableByteView out) const noexcept;

  // The RR packets carrying `block_count` blocks (at least one packet,
  // even for zero blocks) and writing them; used by SenderReport for the
  // blocks past the 31st. serialize_blocks needs `out` of that size.
  static std::size_t serialized_size_for(std::size_t block_count) noexcept;
  static std::size_t serialize_blocks(std::uint32_t sender_ssrc, std::span<const ReportBlock> blocks,
                                      MutableByteView out) noexcept;

  bool operator==(const ReceiverReport&) const = default;
};

}  // namespace parrot::media::rtcp
