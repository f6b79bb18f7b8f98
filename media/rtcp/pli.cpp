#include "media/rtcp/pli.hpp"

namespace parrot::media::rtcp {

std::optional<Pli> Pli::parse(const CommonHeader& /*header*/, ByteView body) noexcept {
  // RFC 4585 §6.3.1 says the length MUST be 2; a longer one still names the
  // stream unambiguously, so it is read rather than refused.
  if (body.size() < kSize - kHeaderSize) return std::nullopt;
  return Pli{read_u32(body, 0), read_u32(body, 4)};
}

std::size_t Pli::serialize(MutableByteView out) const noexcept {
  if (out.size() < kSize) return 0;
  CommonHeader::write(out, kFmtPli, kPacketTypePayloadFeedback, kSize);
  write_u32(out, kHeaderSize, sender_ssrc);
  write_u32(out, kHeaderSize + 4, media_ssrc);
  return kSize;
}

}  // namespace parrot::media::rtcp
