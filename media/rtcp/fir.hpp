// Full Intra Request: payload-specific feedback (PSFB, PT 206) with FMT 4
// (RFC 5104 §4.3.1). The media SSRC field is unused (zero); each FCI entry
// names a stream and a command sequence number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "media/bytes.hpp"
#include "media/rtcp/common_header.hpp"

namespace parrot::media::rtcp {

struct Fir {
  std::uint32_t sender_ssrc = 0;
  struct Entry {
    std::uint32_t ssrc = 0;            // the stream asked for a decoder refresh
    std::uint8_t sequence_number = 0;  // incremented per new request (§4.3.1.2)
    bool operator==(const Entry&) const = default;
  };
  std::vector<Entry> entries;

  static constexpr std::size_t kEntrySize = 8;
  // As many entries as one packet's 16-bit length field allows.
  static constexpr std::size_t kMaxEntries = (kMaxPacketSize - 12) / kEntrySize;

  // `body` is the packet after its 4-byte header, padding removed. nullopt
  // without any entry (§4.3.1.2: "one or more FIR entries"). A trailing
  // partial entry is ignored.
  static std::optional<Fir> parse(const CommonHeader& header, ByteView body);

  // 0 when there are no entries (nothing valid to write); entries past
  // kMaxEntries are dropped.
  std::size_t serialized_size() const noexcept;
  // Bytes written, or 0 when `out` is smaller than serialized_size().
  std::size_t serialize(MutableByteView out) const noexcept;

  bool operator==(const Fir&) const = default;
};

}  // namespace parrot::media::rtcp
