// RFC 7983 demultiplexer: the whole input as one datagram, then the input cut
// into datagrams (a length byte before each). Every class must match an
// independent table of first-byte ranges, and the counters must add up.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.hpp"
#include "transport/datagram_demux.hpp"

namespace {

using parrot::transport::DatagramClass;

// Built from RFC 7983 §7's figure, range by range, rather than by the
// comparisons in classify_datagram().
constexpr std::array<DatagramClass, 256> kByFirstByte = [] {
  std::array<DatagramClass, 256> table{};
  table.fill(DatagramClass::kUnknown);
  struct Range {
    int low;
    int high;
    DatagramClass c;
  };
  constexpr std::array<Range, 5> kRanges{{{0, 3, DatagramClass::kStun},
                                          {16, 19, DatagramClass::kZrtp},
                                          {20, 63, DatagramClass::kDtls},
                                          {64, 79, DatagramClass::kTurnChannel},
                                          {128, 191, DatagramClass::kRtpRtcp}}};
  for (const auto& range : kRanges) {
    for (int b = range.low; b <= range.high; ++b) table[static_cast<std::size_t>(b)] = range.c;
  }
  return table;
}();

DatagramClass expected(parrot::media::ByteView datagram) {
  return datagram.empty() ? DatagramClass::kUnknown : kByFirstByte[static_cast<std::uint8_t>(datagram[0])];
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const parrot::media::ByteView whole = parrot::media::as_bytes(data, size);
  check(parrot::transport::classify_datagram(whole) == expected(whole));

  parrot::transport::DatagramCounters counters;
  std::array<std::uint64_t, parrot::transport::kDatagramClassCount> packets{};
  std::array<std::uint64_t, parrot::transport::kDatagramClassCount> bytes{};
  std::uint64_t datagrams = 0;
  parrot::fuzz::FuzzInput input(data, size);
  while (!input.empty()) {
    const parrot::media::ByteView datagram = input.bytes(input.u8());
    const DatagramClass c = counters.classify_and_count(datagram);
    check(c == expected(datagram));
    check(!parrot::transport::to_string(c).empty());
    ++packets[static_cast<std::size_t>(c)];
    bytes[static_cast<std::size_t>(c)] += datagram.size();
    ++datagrams;
  }
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const auto c = static_cast<DatagramClass>(i);
    check(counters.packets(c) == packets[i]);
    check(counters.bytes(c) == bytes[i]);
  }
  check(counters.total_packets() == datagrams);
  check(counters.dropped_unknown() == packets[static_cast<std::size_t>(DatagramClass::kUnknown)]);
  return 0;
}
