// The transport-cc feedback generator (media/echo/transport_feedback_generator.hpp)
// under any arrival order: sequence numbers that wrap, jump, repeat and
// arrive late, time that stalls or leaps past the 16-bit delta range, any
// size limit. Every feedback built must fit the limit, survive
// serialize → parse unchanged, carry consecutive feedback counts, and
// report as received only numbers that arrived, at a time one of their
// arrivals had (to the 250 µs tick).
#include <cstdlib>
#include <map>
#include <set>
#include <vector>

#include "fuzz_input.hpp"
#include "media/echo/transport_feedback_generator.hpp"
#include "media/rtcp/compound.hpp"

using namespace parrot::media;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  parrot::fuzz::FuzzInput in(data, size);
  const std::size_t max_size = 64 + in.u8() * 8u;
  echo::TransportFeedbackGenerator generator(0xA0A0A0A0, max_size);
  std::map<std::uint16_t, std::set<std::int64_t>> arrivals;  // sequence → arrival ticks
  Timestamp now = timestamp_ms(in.u16());
  std::uint16_t sequence = in.u16();
  std::optional<std::uint8_t> last_count;
  std::vector<rtcp::TransportFeedback> out;
  std::vector<std::byte> buffer;

  while (!in.empty()) {
    const std::uint8_t op = in.u8();
    switch (op % 4) {
      case 0:  // time passes, in 250 µs steps or in seconds
        now += (op & 0x80) ? Duration{std::chrono::seconds(in.u8() % 16)} : Duration{in.u8() * 250};
        break;
      case 1:  // next sequence numbers, in a burst
      case 2: {  // any sequence number
        if (op % 4 == 2) sequence = in.u16();
        for (int i = 0; i <= (op >> 4); ++i) {
          generator.on_packet(now, sequence, 0x11111111, 1000);
          arrivals[sequence].insert(now.time_since_epoch().count() / 250);
          ++sequence;
        }
        break;
      }
      case 3: {  // the timer, whether due or not
        out.clear();
        const bool due = now >= generator.next_feedback();
        generator.build(now, out);
        if (!due && !out.empty() && generator.next_feedback() != kNever) {
          // Building early is allowed (the engine never does); nothing to check.
        }
        for (const auto& feedback : out) {
          if (last_count && feedback.feedback_count != static_cast<std::uint8_t>(*last_count + 1)) std::abort();
          last_count = feedback.feedback_count;
          const std::size_t bytes = feedback.serialized_size();
          if (bytes == 0 || bytes > max_size) std::abort();
          buffer.assign(bytes, std::byte{0});
          if (feedback.serialize(buffer) != bytes) std::abort();
          const auto parsed = rtcp::parse_compound(buffer);
          if (!parsed || parsed->packets.size() != 1 || std::get<rtcp::TransportFeedback>(parsed->packets[0]) != feedback)
            std::abort();
          std::int64_t ticks = std::int64_t{feedback.reference_time} * 256;
          for (std::size_t i = 0; i < feedback.packets.size(); ++i) {
            if (!feedback.packets[i].received) continue;
            ticks += feedback.packets[i].delta_ticks;
            const auto found = arrivals.find(static_cast<std::uint16_t>(feedback.base_sequence + i));
            if (found == arrivals.end()) std::abort();
            // The reference time wraps after 2^24 x 64 ms; inputs stay far below.
            if (!found->second.contains(ticks)) std::abort();
          }
        }
        break;
      }
    }
  }
  return 0;
}
