#include "media/rtcp/report_block.hpp"

#include <algorithm>

namespace parrot::media::rtcp {

ReportBlock ReportBlock::parse(ByteView in) noexcept {
  ReportBlock block;
  block.ssrc = read_u32(in, 0);
  block.fraction_lost = read_u8(in, 4);
  // Sign-extend the 24-bit two's complement field (C++20 defines both shifts).
  block.cumulative_lost = static_cast<std::int32_t>(read_u24(in, 5) << 8) >> 8;
  block.extended_highest_sequence = read_u32(in, 8);
  block.jitter = read_u32(in, 12);
  block.last_sr = read_u32(in, 16);
  block.delay_since_last_sr = read_u32(in, 20);
  return block;
}

void ReportBlock::serialize(MutableByteView out) const noexcept {
  const std::int32_t lost = std::clamp(cumulative_lost, kMinCumulativeLost, kMaxCumulativeLost);
  write_u32(out, 0, ssrc);
  write_u8(out, 4, fraction_lost);
  write_u24(out, 5, static_cast<std::uint32_t>(lost) & 0xFFFFFF);
  write_u32(out, 8, extended_highest_sequence);
  write_u32(out, 12, jitter);
  write_u32(out, 16, last_sr);
  write_u32(out, 20, delay_since_last_sr);
}

}  // namespace parrot::media::rtcp
