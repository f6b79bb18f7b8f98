// Reassembles video frames from RTP packets for the probes (shared by VP8
// and VP9). A frame is the packets of one RTP timestamp from a packet that
// begins it to one that ends it, with no sequence gap (a packet without
// frame data fills its number: add_filler); VP9 may carry several such
// frames (spatial layers) under one timestamp, one after the other.
//
// Packets arrive in arrival order: reordering inside a frame is repaired,
// a packet of an older frame is late and discarded, and a frame that a newer
// timestamp overtakes before it completes is given up as incomplete.
// Memory is bounded by the limits: a frame that outgrows them is given up.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "media/bytes.hpp"

namespace parrot::media::probes {

struct FramePacket {
  std::uint32_t rtp_timestamp = 0;
  std::uint16_t sequence_number = 0;
  bool begins_frame = false;  // VP8: S=1 and PID=0; VP9: B
  bool ends_frame = false;    // VP8: RTP marker; VP9: E (or the marker)
  ByteView data;              // codec bytes after the payload descriptor
};

// What one packet did. Several things can happen at once: a new timestamp
// gives up the previous frame and the same packet completes a new one.
struct AssemblyResult {
  bool late = false;                   // discarded: an older frame's packet or a duplicate
  std::uint32_t given_up_frames = 0;   // frames abandoned (gap, missing start or end, too large)
  bool completed = false;              // frame() holds a complete frame
  bool gap_before = false;             // with completed: packets were lost since the previous frame
};

class FrameAssembler {
 public:
  static constexpr std::size_t kDefaultMaxFrameBytes = 2 * 1024 * 1024;
  static constexpr std::size_t kDefaultMaxFramePackets = 1000;

  // Both limits must be at least 1 (throws std::invalid_argument).
  explicit FrameAssembler(std::size_t max_frame_bytes = kDefaultMaxFrameBytes,
                          std::size_t max_frame_packets = kDefaultMaxFramePackets);

  AssemblyResult add(const FramePacket& packet);
  // A packet that takes a sequence number of the stream but carries no
  // frame data: ULPFEC (RFC 5109, sent in the media's sequence space), RTP
  // padding, an empty RED packet. Frames on either side of it are still
  // contiguous. It may complete the open frame when it arrives late.
  AssemblyResult add_filler(std::uint16_t sequence_number);

  // The last completed frame, valid until the next add().
  ByteView frame() const noexcept { return frame_; }
  std::uint32_t frame_timestamp() const noexcept { return frame_timestamp_; }

 private:
  struct Entry {
    std::uint16_t sequence_number;
    bool begins;
    bool ends;
    std::size_t offset;  // into bytes_
    std::size_t size;
  };

  void start_unit(std::uint32_t rtp_timestamp);
  void close_unit(bool completed);
  bool try_complete();
  bool is_new_after_last_end(std::uint16_t sequence_number) const noexcept;
  // Every sequence number strictly between `from` and `to` is a filler.
  bool bridged(std::uint16_t from, std::uint16_t to) const noexcept;
  bool gap_before_frame() const noexcept;

  std::size_t max_frame_bytes_;
  std::size_t max_frame_packets_;

  // The frame being assembled.
  bool open_ = false;
  bool overflowed_ = false;  // given up for size; its remaining packets are ignored
  bool has_end_ = false;
  std::uint32_t timestamp_ = 0;
  std::vector<Entry> entries_;
  std::vector<std::byte> bytes_;

  // The last frame closed (completed or given up).
  std::optional<std::uint32_t> last_timestamp_;
  std::optional<std::uint16_t> last_end_sequence_;

  // The latest fillers' sequence numbers: libwebrtc sends a few FEC or
  // padding packets at a time, so a short ring is enough.
  static constexpr std::size_t kMaxFillers = 64;
  std::array<std::uint16_t, kMaxFillers> fillers_{};
  std::size_t filler_count_ = 0;
  std::size_t filler_next_ = 0;

  std::vector<std::byte> frame_;
  std::uint32_t frame_timestamp_ = 0;
};

}  // namespace parrot::media::probes
