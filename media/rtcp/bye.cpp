#include "media/rtcp/bye.hpp"

#include <algorithm>
#include <span>

namespace parrot::media::rtcp {

namespace {
constexpr std::size_t kSsrcSize = 4;
}  // namespace

std::optional<Bye> Bye::parse(const CommonHeader& header, ByteView body) {
  const std::size_t ssrcs_size = std::size_t{header.count} * kSsrcSize;
  if (body.size() < ssrcs_size) return std::nullopt;
  Bye bye;
  bye.ssrcs.reserve(header.count);
  for (std::size_t i = 0; i < header.count; ++i) bye.ssrcs.push_back(read_u32(body, i * kSsrcSize));
  const ByteView rest = body.subspan(ssrcs_size);
  if (!rest.empty()) {
    const std::size_t length = read_u8(rest, 0);
    if (rest.size() - 1 < length) return std::nullopt;
    const auto text = rest.subspan(1, length);
    bye.reason.assign(reinterpret_cast<const char*>(text.data()), text.size());
  }
  return bye;
}

std::size_t Bye::serialized_size() const noexcept {
  const std::size_t packets = std::max<std::size_t>(1, (ssrcs.size() + kMaxCount - 1) / kMaxCount);
  const std::size_t reason_size = reason.empty() ? 0 : pad_to_word(1 + std::min(reason.size(), kMaxReasonSize));
  return packets * kHeaderSize + ssrcs.size() * kSsrcSize + reason_size;
}

std::size_t Bye::serialize(MutableByteView out) const noexcept {
  const std::size_t total = serialized_size();
  if (out.size() < total) return 0;
  std::span<const std::uint32_t> rest{ssrcs};
  std::size_t at = 0;
  while (true) {
    const auto packet = rest.first(std::min(rest.size(), kMaxCount));
    rest = rest.subspan(packet.size());
    const bool last = rest.empty();
    const std::size_t reason_length = std::min(reason.size(), kMaxReasonSize);
    const std::size_t reason_size = (last && !reason.empty()) ? pad_to_word(1 + reason_length) : 0;
    const std::size_t size = kHeaderSize + packet.size() * kSsrcSize + reason_size;
    const MutableByteView out_packet = out.subspan(at, size);
    CommonHeader::write(out_packet, static_cast<std::uint8_t>(packet.size()), kPacketTypeBye, size);
    for (std::size_t i = 0; i < packet.size(); ++i) write_u32(out_packet, kHeaderSize + i * kSsrcSize, packet[i]);
    if (reason_size > 0) {
      const MutableByteView out_reason = out_packet.subspan(kHeaderSize + packet.size() * kSsrcSize);
      write_u8(out_reason, 0, static_cast<std::uint8_t>(reason_length));
      std::transform(reason.begin(), reason.begin() + static_cast<std::ptrdiff_t>(reason_length),
                     out_reason.begin() + 1, [](char c) { return static_cast<std::byte>(c); });
      std::fill(out_reason.begin() + 1 + static_cast<std::ptrdiff_t>(reason_length), out_reason.end(), std::byte{0});
    }
    at += size;
    if (last) break;
  }
  return total;
}

}  // namespace parrot::media::rtcp
