#include "media/probes/video_probe.hpp"

#include <array>
#include <stdexcept>

#include "media/probes/vp8_descriptor.hpp"
#include "media/probes/vp9_frame_header.hpp"

namespace parrot::media::probes {
namespace {

bool fits(const FrameSize& size) noexcept {
  return size.width <= VideoProbe::kMaxFrameDimension && size.height <= VideoProbe::kMaxFrameDimension;
}

// RTP time from `from` to `to`, modulo 2^32 (timestamps wrap, RFC 3550 §5.1).
std::uint32_t ticks_between(std::uint32_t from, std::uint32_t to) noexcept { return to - from; }

}  // namespace

VideoProbe::VideoProbe(VideoCodec codec, VideoSampling sampling)
    : codec_(codec), sampling_(sampling), decoder_(std::in_place, codec) {
  // The decoder is made here even when sampling, so a libvpx that cannot
  // make one fails the probe's construction rather than a packet later; the
  // first key frame (the stream's first frame) opens a window anyway.
  stats_.sampling = sampling;
}

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

VideoProbe::FrameHeader VideoProbe::read_header(ByteView frame) const noexcept {
  FrameHeader header;
  if (codec_ == VideoCodec::kVp8) {
    // Only key frames carry a size in VP8 (RFC 6386 §9.1).
    header.keyframe = is_vp8_keyframe(frame);
    header.size = vp8_keyframe_size(frame);
    header.within_size_limit = !header.size || fits(*header.size);
    return header;
  }
  std::array<ByteView, 8> frames{};
  const std::size_t count = split_vp9_superframe(frame, frames);
  if (count == 0) {
    header.within_size_limit = false;
    return header;
  }
  for (std::size_t i = 0; i < count; ++i) {
    const auto parsed = parse_vp9_frame_header(frames[i]);
    if (!parsed) continue;
    if (i == 0) header.keyframe = parsed->keyframe;
    if (!parsed->size) continue;
    if (!fits(*parsed->size)) header.within_size_limit = false;
    // The superframe's last frame that codes a size: the shown one, or the
    // top spatial layer.
    header.size = parsed->size;
  }
  return header;
}

VideoProbe::Sample VideoProbe::sample(bool keyframe, std::uint32_t timestamp) {
  if (sampling_.decodes_everything()) return Sample::kDecode;
  if (window_open_) {
    if (ticks_between(*window_start_, timestamp) < sampling_.window_ticks) return Sample::kDecode;
    // The frame buffers (about 17 MiB at 1080p) are what an idle probe would
    // otherwise hold; making a decoder again costs far less than a window's
    // decoding (probes_bench).
    window_open_ = false;
    decoder_.reset();
    lease_.reset();
  }
  if (!keyframe) return Sample::kNotSampled;
  if (window_start_ && ticks_between(*window_start_, timestamp) < spacing_) return Sample::kNotSampled;
  DecodeBudget::Lease lease;
  if (sampling_.budget != nullptr) {
    lease = sampling_.budget->try_acquire();
    if (!lease) {
      ++stats_.windows_refused;
      return Sample::kNotSampled;
    }
  }
  try {
    if (!decoder_) decoder_.emplace(codec_);
  } catch (const std::runtime_error&) {
    return Sample::kNoDecoder;
  }
  lease_ = std::move(lease);
  window_open_ = true;
  window_start_ = timestamp;
  spacing_ = sampling_.min_spacing_ticks;
  if (sampling_.spacing_jitter_ticks > 0) {
    // Knuth's multiplicative hash spreads nearby timestamps apart.
    spacing_ += static_cast<std::uint32_t>((std::uint64_t{timestamp} * 2654435761U) % sampling_.spacing_jitter_ticks);
  }
  ++stats_.decode_windows;
  // The decoded rate is of one window's consecutive pictures, not of the
  // gap between windows.
  frame_rate_ = FrameRateWindow{};
  return Sample::kDecode;
}

void VideoProbe::on_complete_frame(bool gap_before) {
  ++stats_.frames_assembled;
  const ByteView frame = assembler_.frame();
  const std::uint32_t timestamp = assembler_.frame_timestamp();
  const FrameHeader header = read_header(frame);
  if (header.keyframe) ++stats_.keyframes;
  // Whole frames can vanish between two complete ones; the references are
  // then broken just as after an incomplete frame.
  if (gap_before) waiting_for_keyframe_ = true;
  if (waiting_for_keyframe_ && !header.keyframe) {
    ++stats_.skipped_frames;
    return;
  }
  if (!header.within_size_limit) {
    ++stats_.decode_errors;
    waiting_for_keyframe_ = true;
    return;
  }
  const Sample sampled = sample(header.keyframe, timestamp);
  if (sampled == Sample::kNoDecoder) {
    // Out of memory or the like: counted as a frame libvpx refused; the
    // next key frame tries again.
    ++stats_.decode_errors;
    waiting_for_keyframe_ = true;
    return;
  }
  if (sampled == Sample::kNotSampled) {
    // Complete, on an intact chain from a key frame: decodable, but not
    // sampled. Its header still gives the size.
    waiting_for_keyframe_ = false;
    ++stats_.frames_not_sampled;
    if (header.size && header.size->width > 0 && header.size->height > 0) {
      stats_.width = header.size->width;
      stats_.height = header.size->height;
    }
    if (last_not_sampled_timestamp_ != timestamp) ++stats_.pictures_not_sampled;
    last_not_sampled_timestamp_ = timestamp;
    return;
  }
  decode(frame);
}

void VideoProbe::decode(ByteView frame) {
  const DecodeResult decoded = decoder_->decode(frame);
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
  const std::uint32_t timestamp = assembler_.frame_timestamp();
  if (last_decoded_timestamp_ != timestamp) ++stats_.pictures_decoded;
  last_decoded_timestamp_ = timestamp;
  frame_rate_.add(timestamp);
  stats_.decoded_frame_rate_fps = frame_rate_.fps();
}

}  // namespace parrot::media::probes
