#include "media/rtcp/sdes.hpp"

#include <algorithm>
#include <span>

namespace parrot::media::rtcp {

namespace {

std::size_t cname_size(const Sdes::Chunk& chunk) noexcept { return std::min(chunk.cname.size(), Sdes::kMaxItemSize); }

// SSRC, the items, then at least one null octet up to the next 32-bit
// boundary (RFC 3550 §6.5: "terminated by one or more null octets").
std::size_t chunk_size(const Sdes::Chunk& chunk) noexcept {
  const std::size_t items = chunk.cname.empty() ? 0 : 2 + cname_size(chunk);
  return 4 + pad_to_word(items + 1);
}

std::size_t packet_size(std::span<const Sdes::Chunk> chunks) noexcept {
  std::size_t size = kHeaderSize;
  for (const auto& chunk : chunks) size += chunk_size(chunk);
  return size;
}

void write_chunk(const Sdes::Chunk& chunk, MutableByteView out) noexcept {
  write_u32(out, 0, chunk.ssrc);
  std::size_t at = 4;
  if (!chunk.cname.empty()) {
    const std::size_t length = cname_size(chunk);
    write_u8(out, at, Sdes::kItemCname);
    write_u8(out, at + 1, static_cast<std::uint8_t>(length));
    std::transform(chunk.cname.begin(), chunk.cname.begin() + static_cast<std::ptrdiff_t>(length),
                   out.begin() + static_cast<std::ptrdiff_t>(at + 2), [](char c) { return static_cast<std::byte>(c); });
    at += 2 + length;
  }
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(at), out.end(), std::byte{0});
}

}  // namespace

std::optional<Sdes> Sdes::parse(const CommonHeader& header, ByteView body) {
  Sdes sdes;
  sdes.chunks.reserve(header.count);
  std::size_t at = 0;
  for (std::size_t i = 0; i < header.count; ++i) {
    if (body.size() - at < 4) return std::nullopt;
    Chunk chunk;
    chunk.ssrc = read_u32(body, at);
    at += 4;
    bool have_cname = false;
    while (true) {
      if (at >= body.size()) return std::nullopt;
      const std::uint8_t type = read_u8(body, at);
      if (type == kItemEnd) {
        // Chunks start on 32-bit boundaries; the body starts on one too. A
        // final chunk whose padding was eaten by the P-bit padding count is
        // tolerated, hence the clamp.
        at = std::min(pad_to_word(at + 1), body.size());
        break;
      }
      if (body.size() - at < 2) return std::nullopt;
      const std::size_t length = read_u8(body, at + 1);
      if (body.size() - at - 2 < length) return std::nullopt;
      if (type == kItemCname && !have_cname) {
        const auto text = body.subspan(at + 2, length);
        chunk.cname.assign(reinterpret_cast<const char*>(text.data()), text.size());
        have_cname = true;
      }
      at += 2 + length;
    }
    sdes.chunks.push_back(std::move(chunk));
  }
  return sdes;
}

std::size_t Sdes::serialized_size() const noexcept {
  std::span<const Chunk> rest{chunks};
  std::size_t size = 0;
  do {
    const auto packet = rest.first(std::min(rest.size(), kMaxCount));
    size += packet_size(packet);
    rest = rest.subspan(packet.size());
  } while (!rest.empty());
  return size;
}

std::size_t Sdes::serialize(MutableByteView out) const noexcept {
  const std::size_t total = serialized_size();
  if (out.size() < total) return 0;
  std::span<const Chunk> rest{chunks};
  std::size_t at = 0;
  do {
    const auto packet = rest.first(std::min(rest.size(), kMaxCount));
    const std::size_t size = packet_size(packet);
    CommonHeader::write(out.subspan(at), static_cast<std::uint8_t>(packet.size()), kPacketTypeSdes, size);
    std::size_t chunk_at = at + kHeaderSize;
    for (const auto& chunk : packet) {
      const std::size_t this_size = chunk_size(chunk);
      write_chunk(chunk, out.subspan(chunk_at, this_size));
      chunk_at += this_size;
    }
    at += size;
    rest = rest.subspan(packet.size());
  } while (!rest.empty());
  return total;
}

}  // namespace parrot::media::rtcp
