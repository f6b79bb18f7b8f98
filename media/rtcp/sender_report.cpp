#include "media/rtcp/sender_report.hpp"

#include <algorithm>
#include <span>

#include "media/rtcp/receiver_report.hpp"

namespace parrot::media::rtcp {

namespace {
// Sender SSRC, NTP timestamp (8), RTP timestamp, packet count, octet count.
constexpr std::size_t kSenderInfoSize = 24;
}  // namespace

std::optional<SenderReport> SenderReport::parse(const CommonHeader& header, ByteView body) {
  const std::size_t blocks_size = std::size_t{header.count} * ReportBlock::kSize;
  if (body.size() < kSenderInfoSize + blocks_size) return std::nullopt;
  SenderReport report;
  report.sender_ssrc = read_u32(body, 0);
  report.ntp = NtpTime{read_u64(body, 4)};
  report.rtp_timestamp = read_u32(body, 12);
  report.packet_count = read_u32(body, 16);
  report.octet_count = read_u32(body, 20);
  report.report_blocks.reserve(header.count);
  for (std::size_t i = 0; i < header.count; ++i) {
    report.report_blocks.push_back(ReportBlock::parse(body.subspan(kSenderInfoSize + i * ReportBlock::kSize)));
  }
  return report;
}

std::size_t SenderReport::serialized_size() const noexcept {
  const std::size_t in_sr = std::min(report_blocks.size(), kMaxCount);
  const std::size_t rest = report_blocks.size() - in_sr;
  return kHeaderSize + kSenderInfoSize + in_sr * ReportBlock::kSize +
         (rest > 0 ? ReceiverReport::serialized_size_for(rest) : 0);
}

std::size_t SenderReport::serialize(MutableByteView out) const noexcept {
  const std::size_t total = serialized_size();
  if (out.size() < total) return 0;
  const std::span<const ReportBlock> blocks{report_blocks};
  const std::size_t in_sr = std::min(blocks.size(), kMaxCount);
  const std::size_t sr_size = kHeaderSize + kSenderInfoSize + in_sr * ReportBlock::kSize;
  CommonHeader::write(out, static_cast<std::uint8_t>(in_sr), kPacketTypeSenderReport, sr_size);
  const MutableByteView body = out.subspan(kHeaderSize);
  write_u32(body, 0, sender_ssrc);
  write_u64(body, 4, ntp.value);
  write_u32(body, 12, rtp_timestamp);
  write_u32(body, 16, packet_count);
  write_u32(body, 20, octet_count);
  for (std::size_t i = 0; i < in_sr; ++i) blocks[i].serialize(body.subspan(kSenderInfoSize + i * ReportBlock::kSize));
  if (blocks.size() > in_sr) {
    ReceiverReport::serialize_blocks(sender_ssrc, blocks.subspan(in_sr), out.subspan(sr_size));
  }
  return total;
}

}  // namespace parrot::media::rtcp
