#include "media/rtcp/remb.hpp"

#include <algorithm>
#include <bit>

namespace parrot::media::rtcp {

namespace {
// Sender SSRC, media SSRC (always 0 for REMB), "REMB", Num SSRC + BR Exp + BR Mantissa.
constexpr std::size_t kFixedBodySize = 16;
constexpr std::size_t kIdentifierOffset = 8;
constexpr std::uint32_t kIdentifier = 0x52454D42;  // "REMB"
constexpr std::uint32_t kMantissaMask = (1u << Remb::kMantissaBits) - 1;
}  // namespace

bool Remb::is_remb(ByteView body) noexcept {
  return body.size() >= kIdentifierOffset + 4 && read_u32(body, kIdentifierOffset) == kIdentifier;
}

std::optional<Remb> Remb::parse(const CommonHeader& /*header*/, ByteView body) {
  if (body.size() < kFixedBodySize || !is_remb(body)) return std::nullopt;
  const std::size_t count = read_u8(body, 12);
  if (body.size() - kFixedBodySize < count * 4) return std::nullopt;
  const std::uint32_t exponent_mantissa = read_u24(body, 13);
  Remb remb;
  remb.sender_ssrc = read_u32(body, 0);
  remb.bitrate_bps = decode_bitrate(Encoded{static_cast<std::uint8_t>(exponent_mantissa >> kMantissaBits),
                                            exponent_mantissa & kMantissaMask});
  remb.ssrcs.reserve(count);
  for (std::size_t i = 0; i < count; ++i) remb.ssrcs.push_back(read_u32(body, kFixedBodySize + i * 4));
  return remb;
}

Remb::Encoded Remb::encode_bitrate(std::uint64_t bitrate_bps) noexcept {
  const auto width = static_cast<std::uint32_t>(std::bit_width(bitrate_bps));
  const std::uint32_t exponent = width > kMantissaBits ? width - kMantissaBits : 0;
  return Encoded{static_cast<std::uint8_t>(exponent), static_cast<std::uint32_t>(bitrate_bps >> exponent)};
}

std::uint64_t Remb::decode_bitrate(Encoded encoded) noexcept {
  const std::uint64_t mantissa = encoded.mantissa & kMantissaMask;
  const std::uint32_t exponent = encoded.exponent & kMaxExponent;
  // Shifting a mantissa of width w by e fits 64 bits when w + e <= 64.
  if (static_cast<std::uint32_t>(std::bit_width(mantissa)) + exponent > 64) return kMaxBitrateBps;
  return std::min(mantissa << exponent, kMaxBitrateBps);
}

std::size_t Remb::serialized_size() const noexcept {
  return kHeaderSize + kFixedBodySize + std::min(ssrcs.size(), kMaxSsrcs) * 4;
}

std::size_t Remb::serialize(MutableByteView out) const noexcept {
  const std::size_t size = serialized_size();
  if (out.size() < size) return 0;
  const std::size_t count = std::min(ssrcs.size(), kMaxSsrcs);
  const Encoded encoded = encode_bitrate(bitrate_bps);
  CommonHeader::write(out, kFmtApplicationLayer, kPacketTypePayloadFeedback, size);
  const MutableByteView body = out.subspan(kHeaderSize);
  write_u32(body, 0, sender_ssrc);
  write_u32(body, 4, 0);
  write_u32(body, kIdentifierOffset, kIdentifier);
  write_u8(body, 12, static_cast<std::uint8_t>(count));
  write_u24(body, 13, (std::uint32_t{encoded.exponent} << kMantissaBits) | encoded.mantissa);
  for (std::size_t i = 0; i < count; ++i) write_u32(body, kFixedBodySize + i * 4, ssrcs[i]);
  return size;
}

}  // namespace parrot::media::rtcp
