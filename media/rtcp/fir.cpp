#include "media/rtcp/fir.hpp"

#include <algorithm>

namespace parrot::media::rtcp {

namespace {
constexpr std::size_t kFixedBodySize = 8;  // sender SSRC, media SSRC (zero)
}  // namespace

std::optional<Fir> Fir::parse(const CommonHeader& /*header*/, ByteView body) {
  if (body.size() < kFixedBodySize + kEntrySize) return std::nullopt;
  Fir fir;
  fir.sender_ssrc = read_u32(body, 0);
  const std::size_t count = (body.size() - kFixedBodySize) / kEntrySize;
  fir.entries.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t at = kFixedBodySize + i * kEntrySize;
    fir.entries.push_back(Entry{read_u32(body, at), read_u8(body, at + 4)});
  }
  return fir;
}

std::size_t Fir::serialized_size() const noexcept {
  if (entries.empty()) return 0;
  return kHeaderSize + kFixedBodySize + std::min(entries.size(), kMaxEntries) * kEntrySize;
}

std::size_t Fir::serialize(MutableByteView out) const noexcept {
  const std::size_t size = serialized_size();
  if (size == 0 || out.size() < size) return 0;
  CommonHeader::write(out, kFmtFir, kPacketTypePayloadFeedback, size);
  write_u32(out, kHeaderSize, sender_ssrc);
  write_u32(out, kHeaderSize + 4, 0);
  const std::size_t count = std::min(entries.size(), kMaxEntries);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t at = kHeaderSize + kFixedBodySize + i * kEntrySize;
    write_u32(out, at, entries[i].ssrc);
    write_u8(out, at + 4, entries[i].sequence_number);
    write_u24(out, at + 5, 0);  // reserved, MUST be zero
  }
  return size;
}

}  // namespace parrot::media::rtcp
