#include "media/probes/frame_assembler.hpp"

#include <algorithm>
#include <stdexcept>

#include "media/sequence.hpp"

namespace parrot::media::probes {

FrameAssembler::FrameAssembler(std::size_t max_frame_bytes, std::size_t max_frame_packets)
    : max_frame_bytes_(max_frame_bytes), max_frame_packets_(max_frame_packets) {
  if (max_frame_bytes == 0 || max_frame_packets == 0) {
    throw std::invalid_argument("FrameAssembler: frame limits must be at least 1");
  }
}

bool FrameAssembler::is_new_after_last_end(std::uint16_t sequence_number) const noexcept {
  return !last_end_sequence_ || is_newer_sequence(sequence_number, *last_end_sequence_);
}

bool FrameAssembler::bridged(std::uint16_t from, std::uint16_t to) const noexcept {
  const auto between = static_cast<std::uint16_t>(to - from - 1);
  if (!is_newer_sequence(to, from) || between > filler_count_) return false;
  for (std::uint16_t s = static_cast<std::uint16_t>(from + 1); s != to; ++s) {
    if (std::find(fillers_.begin(), fillers_.begin() + static_cast<std::ptrdiff_t>(filler_count_), s) ==
        fillers_.begin() + static_cast<std::ptrdiff_t>(filler_count_))
      return false;
  }
  return true;
}

bool FrameAssembler::gap_before_frame() const noexcept {
  const std::uint16_t first = entries_.front().sequence_number;
  return last_end_sequence_ && first != static_cast<std::uint16_t>(*last_end_sequence_ + 1) &&
         !bridged(*last_end_sequence_, first);
}

void FrameAssembler::start_unit(std::uint32_t rtp_timestamp) {
  open_ = true;
  overflowed_ = false;
  has_end_ = false;
  timestamp_ = rtp_timestamp;
  entries_.clear();
  bytes_.clear();
}

void FrameAssembler::close_unit(bool completed) {
  last_timestamp_ = timestamp_;
  if (!entries_.empty()) {
    // After try_complete() the entries are sorted; otherwise find the
    // newest so that a gap to the next frame is measured from it.
    std::uint16_t newest = entries_.back().sequence_number;
    if (!completed) {
      for (const auto& e : entries_) {
        if (is_newer_sequence(e.sequence_number, newest)) newest = e.sequence_number;
      }
    }
    if (!last_end_sequence_ || is_newer_sequence(newest, *last_end_sequence_)) last_end_sequence_ = newest;
  }
  open_ = false;
  overflowed_ = false;
  has_end_ = false;
  entries_.clear();
  bytes_.clear();
}

bool FrameAssembler::try_complete() {
  // Order by distance from the first packet to arrive; a frame spans far
  // less than half the sequence space, so the 16-bit difference is exact.
  const std::uint16_t base = entries_.front().sequence_number;
  std::sort(entries_.begin(), entries_.end(), [base](const Entry& a, const Entry& b) {
    return static_cast<std::int16_t>(a.sequence_number - base) < static_cast<std::int16_t>(b.sequence_number - base);
  });
  if (!entries_.front().begins || !entries_.back().ends) return false;
  for (std::size_t i = 1; i < entries_.size(); ++i) {
    const std::uint16_t previous = entries_[i - 1].sequence_number;
    if (entries_[i].sequence_number != static_cast<std::uint16_t>(previous + 1) &&
        !bridged(previous, entries_[i].sequence_number))
      return false;
  }
  frame_.clear();
  for (const auto& e : entries_) {
    const auto* first = bytes_.data() + e.offset;
    frame_.insert(frame_.end(), first, first + e.size);
  }
  frame_timestamp_ = timestamp_;
  return true;
}

AssemblyResult FrameAssembler::add(const FramePacket& packet) {
  AssemblyResult result;
  frame_.clear();
  if (open_ && packet.rtp_timestamp != timestamp_) {
    if (!is_newer_timestamp(packet.rtp_timestamp, timestamp_)) {
      result.late = true;
      return result;
    }
    // A newer frame has started while this one still misses packets; with
    // in-order arrival they are lost, and waiting longer would cost memory.
    if (!overflowed_) ++result.given_up_frames;
    close_unit(false);
  }
  if (!open_ && last_timestamp_ && packet.rtp_timestamp != *last_timestamp_ &&
      !is_newer_timestamp(packet.rtp_timestamp, *last_timestamp_)) {
    result.late = true;
    return result;
  }
  // Under the timestamp of a closed frame only packets after its end are
  // new: VP9's next spatial layer. Anything else is a straggler or a copy.
  if (last_timestamp_ && packet.rtp_timestamp == *last_timestamp_ && !is_new_after_last_end(packet.sequence_number)) {
    result.late = true;
    return result;
  }
  if (!open_) start_unit(packet.rtp_timestamp);
  if (overflowed_) return result;
  for (const auto& e : entries_) {
    if (e.sequence_number == packet.sequence_number) {
      result.late = true;
      return result;
    }
  }
  if (entries_.size() >= max_frame_packets_ || packet.data.size() > max_frame_bytes_ - bytes_.size()) {
    ++result.given_up_frames;
    // Remember where this frame got to so the next one sees the gap.
    entries_.push_back(Entry{packet.sequence_number, false, false, 0, 0});
    close_unit(false);
    start_unit(packet.rtp_timestamp);
    overflowed_ = true;
    return result;
  }
  entries_.push_back(Entry{packet.sequence_number, packet.begins_frame, packet.ends_frame, bytes_.size(), packet.data.size()});
  bytes_.insert(bytes_.end(), packet.data.begin(), packet.data.end());
  has_end_ = has_end_ || packet.ends_frame;
  if (has_end_ && try_complete()) {
    result.completed = true;
    result.gap_before = gap_before_frame();
    close_unit(true);
  }
  return result;
}

AssemblyResult FrameAssembler::add_filler(std::uint16_t sequence_number) {
  AssemblyResult result;
  frame_.clear();
  fillers_[filler_next_] = sequence_number;
  filler_next_ = (filler_next_ + 1) % kMaxFillers;
  filler_count_ = std::min(filler_count_ + 1, kMaxFillers);
  // A filler inside the open frame (the sender's pacer put FEC between its
  // packets) may be the last thing it waited for.
  if (open_ && !overflowed_ && has_end_ && !entries_.empty() && try_complete()) {
    result.completed = true;
    result.gap_before = gap_before_frame();
    close_unit(true);
  }
  return result;
}

}  // namespace parrot::media::probes
