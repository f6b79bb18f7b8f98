// Source description, RTCP packet type 202 (RFC 3550 §6.5). Only CNAME
// (§6.5.1) matters to parrot; other items are skipped on parse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "media/bytes.hpp"
#include "media/rtcp/common_header.hpp"

namespace parrot::media::rtcp {

struct Sdes {
  struct Chunk {
    std::uint32_t ssrc = 0;
    std::string cname;  // empty when the chunk carries no CNAME item
    bool operator==(const Chunk&) const = default;
  };
  std::vector<Chunk> chunks;

  static constexpr std::uint8_t kItemEnd = 0;
  static constexpr std::uint8_t kItemCname = 1;
  static constexpr std::size_t kMaxItemSize = 255;  // the 8-bit length octet

  // `body` is the packet after its 4-byte header, padding removed. nullopt
  // when any of the SC chunks is cut short: an item running past the end or
  // an item list without its terminating null octet. The first CNAME of a
  // chunk is kept; bytes after the last chunk are ignored.
  static std::optional<Sdes> parse(const CommonHeader& header, ByteView body);

  // Each chunk is written with its CNAME item (truncated to 255 bytes; none
  // when empty) and null-padded to 32 bits. More than 31 chunks continue in
  // further SDES packets. Zero chunks give a valid empty packet (SC = 0).
  std::size_t serialized_size() const noexcept;
  // Bytes written, or 0 when `out` is smaller than serialized_size().
  std::size_t serialize(MutableByteView out) const noexcept;

  bool operator==(const Sdes&) const = default;
};

}  // namespace parrot::media::rtcp
