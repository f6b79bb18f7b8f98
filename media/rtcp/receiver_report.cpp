#include "media/rtcp/receiver_report.hpp"

#include <algorithm>

namespace parrot::media::rtcp {

namespace {
constexpr std::size_t kFixedBodySize = 4;  // sender SSRC
}  // namespace

std::optional<ReceiverReport> ReceiverReport::parse(const CommonHeader& header, ByteView body) {
  const std::size_t blocks_size = std::size_t{header.count} * ReportBlock::kSize;
  if (body.size() < kFixedBodySize + blocks_size) return std::nullopt;
  ReceiverReport report;
  report.sender_ssrc = read_u32(body, 0);
  report.report_blocks.reserve(header.count);
  for (std::size_t i = 0; i < header.count; ++i) {
    report.report_blocks.push_back(ReportBlock::parse(body.subspan(kFixedBodySize + i * ReportBlock::kSize)));
  }
  return report;
}

std::size_t ReceiverReport::serialized_size_for(std::size_t block_count) noexcept {
  const std::size_t packets = std::max<std::size_t>(1, (block_count + kMaxCount - 1) / kMaxCount);
  return packets * (kHeaderSize + kFixedBodySize) + block_count * ReportBlock::kSize;
}

std::size_t ReceiverReport::serialize_blocks(std::uint32_t sender_ssrc, std::span<const ReportBlock> blocks,
                                             MutableByteView out) noexcept {
  std::size_t at = 0;
  do {
    const std::size_t count = std::min(blocks.size(), kMaxCount);
    const std::size_t size = kHeaderSize + kFixedBodySize + count * ReportBlock::kSize;
    const MutableByteView packet = out.subspan(at, size);
    CommonHeader::write(packet, static_cast<std::uint8_t>(count), kPacketTypeReceiverReport, size);
    write_u32(packet, kHeaderSize, sender_ssrc);
    for (std::size_t i = 0; i < count; ++i) {
      blocks[i].serialize(packet.subspan(kHeaderSize + kFixedBodySize + i * ReportBlock::kSize));
    }
    blocks = blocks.subspan(count);
    at += size;
  } while (!blocks.empty());
  return at;
}

std::size_t ReceiverReport::serialized_size() const noexcept { return serialized_size_for(report_blocks.size()); }

std::size_t ReceiverReport::serialize(MutableByteView out) const noexcept {
  if (out.size() < serialized_size()) return 0;
  return serialize_blocks(sender_ssrc, report_blocks, out);
}

}  // namespace parrot::media::rtcp
