#include "media/probes/video_probe.hpp"

#include <array>

#include "media/probes/vp8_descriptor.hpp"
#include "media/probes/vp9_frame_header.hpp"

namespace parrot::media::probes {
namespace {

bool fits(const FrameSize& size) noexcept {
  return size.width <= VideoProbe::kMaxFrameDimension && size.height <= VideoProbe::kMaxFrameDimension;
}

}  // namespace

VideoProbe::VideoProbe(VideoCodec codec) : codec_(codec), decoder_(codec) {}

void VideoProbe::on_malformed_packet() noexcept {
  ++stats_.packets;
  ++stats_.malformed_packets;
}

void VideoProbe::on_frame_packet(const FramePacket& packet) {
  ++stats_.packets;
  // Every picture counts for the frame rate, decodable or not: loss that
  // stops the decoder until the next key frame is not a slower stream.
  if (picture_rate_.add(packet.rtp_timestamp)) {
    stats_.pictures = picture_rate_.pictures();
    stats_.frame_rate_fps = picture_rate_.recent_fps();
    stats_.average_frame_rate_fps = picture_rate_.average_fps();
  }
  const AssemblyResult result = assembler_.add(packet);
  if (result.late) ++stats_.late_packets;
  if (result.given_up_frames > 0) {
    stats_.incomplete_frames += result.given_up_frames;
    waiting_for_keyframe_ = true;
  }
  if (result.completed) on_complete_frame(result.gap_before);
}

void VideoProbe::on_filler_packet(std::uint16_t sequence_number) {
  const AssemblyResult result = assembler_.add_filler(sequence_number);
  if (result.completed) on_complete_frame(result.gap_before);
}

bool VideoProbe::is_keyframe(ByteView frame) const noexcept {
  if (codec_ == VideoCodec::kVp8) return is_vp8_keyframe(frame);
  std::array<ByteView, 8> frames{};
  if (split_vp9_superframe(frame, frames) == 0) return false;
  const auto header = parse_vp9_frame_header(frames[0]);
  return header && header->keyframe;
}

bool VideoProbe::within_size_limit(ByteView frame) const noexcept {
  if (codec_ == VideoCodec::kVp8) {
    // Only key frames carry a size in VP8 (RFC 6386 §9.1).
    const auto size = vp8_keyframe_size(frame);
    return !size || fits(*size);
  }
  std::array<ByteView, 8> frames{};
  const std::size_t count = split_vp9_superframe(frame, frames);
  if (count == 0) return false;
  for (std::size_t i = 0; i < count; ++i) {
    const auto header = parse_vp9_frame_header(frames[i]);
    if (header && header->size && !fits(*header->size)) return false;
  }
  return true;
}

void VideoProbe::on_complete_frame(bool gap_before) {
  ++stats_.frames_assembled;
  const ByteView frame = assembler_.frame();
  const bool keyframe = is_keyframe(frame);
  if (keyframe) ++stats_.keyframes;
  // Whole frames can vanish between two complete ones; the references are
  // then broken just as after an incomplete frame.
  if (gap_before) waiting_for_keyframe_ = true;
  if (waiting_for_keyframe_ && !keyframe) {
    ++stats_.skipped_frames;
    return;
  }
  if (!within_size_limit(frame)) {
    ++stats_.decode_errors;
    waiting_for_keyframe_ = true;
    return;
  }
  const DecodeResult decoded = decoder_.decode(frame);
  if (!decoded.ok) {
    ++stats_.decode_errors;
    waiting_for_keyframe_ = true;
    return;
  }
  waiting_for_keyframe_ = false;
  ++stats_.frames_decoded;
  if (decoded.shown) {
    stats_.width = decoded.shown->width;
    stats_.height = decoded.shown->height;
  }
  // Spatial layers of one picture share its timestamp: one picture.
  if (last_decoded_timestamp_ != assembler_.frame_timestamp()) ++stats_.pictures_decoded;
  last_decoded_timestamp_ = assembler_.frame_timestamp();
  frame_rate_.add(assembler_.frame_timestamp());
  stats_.decoded_frame_rate_fps = frame_rate_.fps();
}

}  // namespace parrot::media::probes
