#include "media/signals/vp8_test_pattern.hpp"

#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <string>

#include "media/signals/frame_counter.hpp"

namespace parrot::media::signals {
namespace {

struct Yuv {
  std::uint8_t y, u, v;
};

// 100% colour bars in BT.601 limited-range Y'CbCr: white, yellow, cyan,
// green, magenta, red, blue, black.
constexpr std::array<Yuv, 8> kBars{{
    {235, 128, 128},
    {210, 16, 146},
    {170, 166, 16},
    {145, 54, 34},
    {106, 202, 222},
    {81, 90, 240},
    {41, 240, 110},
    {16, 128, 128},
}};
constexpr std::uint8_t kNeutralChroma = 128;

void check_range(const char* name, long long value, long long low, long long high) {
  if (value < low || value > high) {
    throw std::invalid_argument(std::string{"Vp8TestPatternConfig: "} + name + " must be in " +
                                std::to_string(low) + ".." + std::to_string(high));
  }
}

const Vp8TestPatternConfig& validated(const Vp8TestPatternConfig& config) {
  check_range("width_px", config.width_px, 128, 4096);
  check_range("height_px", config.height_px, 72, 4096);
  if (config.width_px % 2 != 0 || config.height_px % 2 != 0) {
    throw std::invalid_argument("Vp8TestPatternConfig: width_px and height_px must be even (I420)");
  }
  check_range("frame_rate_fps", config.frame_rate_fps, 1, 120);
  check_range("bitrate_kbps", config.bitrate_kbps, 10, 100'000);
  check_range("keyframe_interval (ms)", config.keyframe_interval.count(), 0, 3'600'000);
  check_range("cpu_used", config.cpu_used, -16, 16);
  return config;
}

VpxCodecPtr make_encoder(const Vp8TestPatternConfig& config) {
  vpx_codec_enc_cfg_t cfg{};
  if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK) {
    throw std::runtime_error("vpx_codec_enc_config_default failed for VP8");
  }
  cfg.g_w = static_cast<unsigned>(config.width_px);
  cfg.g_h = static_cast<unsigned>(config.height_px);
  cfg.g_timebase = {1, config.frame_rate_fps};
  cfg.g_threads = 1;
  cfg.g_pass = VPX_RC_ONE_PASS;
  cfg.g_lag_in_frames = 0;  // one packet out per frame in, no look-ahead
  cfg.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
  cfg.rc_end_usage = VPX_CBR;
  cfg.rc_target_bitrate = static_cast<unsigned>(config.bitrate_kbps);
  // Never skip a frame: the counter must advance by one in every picture.
  cfg.rc_dropframe_thresh = 0;
  cfg.rc_resize_allowed = 0;
  // Keyframes come only from our schedule and request_keyframe(), so their
  // positions are deterministic.
  cfg.kf_mode = VPX_KF_DISABLED;

  // The context struct becomes owned by VpxCodecPtr only once init succeeded;
  // a failed init leaves nothing to destroy.
  auto context = std::make_unique<vpx_codec_ctx_t>();
  if (vpx_codec_enc_init(context.get(), vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK) {
    throw std::runtime_error(std::string{"vpx_codec_enc_init: "} + vpx_codec_error(context.get()));
  }
  VpxCodecPtr encoder{context.release()};
  if (vpx_codec_control(encoder.get(), VP8E_SET_CPUUSED, config.cpu_used) != VPX_CODEC_OK) {
    throw std::runtime_error(std::string{"VP8E_SET_CPUUSED: "} + vpx_codec_error(encoder.get()));
  }
  return encoder;
}

VpxImagePtr make_image(const Vp8TestPatternConfig& config) {
  VpxImagePtr image{vpx_img_alloc(nullptr, VPX_IMG_FMT_I420, static_cast<unsigned>(config.width_px),
                                  static_cast<unsigned>(config.height_px), 32)};
  if (!image) throw std::runtime_error("vpx_img_alloc failed");
  return image;
}

std::uint64_t interval_frames(const Vp8TestPatternConfig& config) {
  const auto frames = (config.keyframe_interval.count() * config.frame_rate_fps + 500) / 1000;
  return static_cast<std::uint64_t>(std::max<long long>(frames, 1));
}

}  // namespace

Vp8TestPattern::Vp8TestPattern(const Vp8TestPatternConfig& config)
    : width_px_(validated(config).width_px),
      height_px_(config.height_px),
      frame_rate_fps_(config.frame_rate_fps),
      keyframe_interval_frames_(interval_frames(config)),
      initial_rtp_timestamp_(config.initial_rtp_timestamp),
      picture_id_(static_cast<std::uint16_t>(config.initial_picture_id & Vp8Packetizer::kPictureIdMask)),
      encoder_(make_encoder(config)),
      image_(make_image(config)),
      packetizer_(config.max_payload_size_bytes),
      bar_row_y_(static_cast<std::size_t>(config.width_px)),
      bar_row_u_(static_cast<std::size_t>(config.width_px / 2)),
      bar_row_v_(static_cast<std::size_t>(config.width_px / 2)) {
  frame_bytes_.reserve(64 * 1024);
}

Duration Vp8TestPattern::frame_interval() const noexcept {
  return Duration{1'000'000 / frame_rate_fps_};
}

void Vp8TestPattern::draw(std::uint64_t frame_number) {
  // Bars are computed for one chroma-sample pair of columns at a time, so
  // luma and chroma edges coincide.
  const auto width = static_cast<std::uint64_t>(width_px_);
  const std::uint64_t offset = (frame_number * kScrollPxPerFrame) % width;
  for (std::size_t cx = 0; cx < bar_row_u_.size(); ++cx) {
    const std::uint64_t x = (2 * cx + width - offset) % width;
    const Yuv& colour = kBars[static_cast<std::size_t>(x * kBars.size() / width)];
    bar_row_y_[2 * cx] = colour.y;
    bar_row_y_[2 * cx + 1] = colour.y;
    bar_row_u_[cx] = colour.u;
    bar_row_v_[cx] = colour.v;
  }
  vpx_image_t& image = *image_;
  for (int y = 0; y < height_px_; ++y) {
    std::memcpy(image.planes[VPX_PLANE_Y] + y * image.stride[VPX_PLANE_Y], bar_row_y_.data(), bar_row_y_.size());
  }
  for (int y = 0; y < height_px_ / 2; ++y) {
    std::memcpy(image.planes[VPX_PLANE_U] + y * image.stride[VPX_PLANE_U], bar_row_u_.data(), bar_row_u_.size());
    std::memcpy(image.planes[VPX_PLANE_V] + y * image.stride[VPX_PLANE_V], bar_row_v_.data(), bar_row_v_.size());
  }

  // The counter box is grey-scale: neutral chroma under white-on-black digits.
  const CounterBox box = counter_box(width_px_, height_px_);
  for (int y = box.y_px / 2; y < (box.y_px + box.height_px) / 2; ++y) {
    for (const int plane : {VPX_PLANE_U, VPX_PLANE_V}) {
      std::memset(image.planes[plane] + y * image.stride[plane] + box.x_px / 2, kNeutralChroma,
                  static_cast<std::size_t>(box.width_px / 2));
    }
  }
  const auto luma_stride = static_cast<std::size_t>(image.stride[VPX_PLANE_Y]);
  const std::size_t luma_bytes = luma_stride * static_cast<std::size_t>(height_px_);
  draw_frame_counter(LumaPlane{{image.planes[VPX_PLANE_Y], luma_bytes}, luma_stride, width_px_, height_px_},
                     frame_number);
}

VideoFrame Vp8TestPattern::next_frame() {
  VideoFrame frame;
  frame.frame_number = frame_number_;
  frame.rtp_timestamp = static_cast<std::uint32_t>(
      initial_rtp_timestamp_ + frame_number_ * kRtpClockRateHz / static_cast<std::uint64_t>(frame_rate_fps_));
  draw(frame_number_);

  const bool force_keyframe = keyframe_requested_ || frames_since_keyframe_ >= keyframe_interval_frames_;
  const vpx_enc_frame_flags_t flags = force_keyframe ? VPX_EFLAG_FORCE_KF : 0;
  ++frame_number_;
  ++frames_since_keyframe_;
  if (vpx_codec_encode(encoder_.get(), image_.get(), static_cast<vpx_codec_pts_t>(frame.frame_number), 1, flags,
                       VPX_DL_REALTIME) != VPX_CODEC_OK) {
    ++encode_failures_;
    return frame;
  }

  // With no look-ahead and no partitions, one frame goes in and one frame
  // packet comes out; concatenating keeps this right should that change.
  frame_bytes_.clear();
  vpx_codec_iter_t iterator = nullptr;
  while (const vpx_codec_cx_pkt_t* packet = vpx_codec_get_cx_data(encoder_.get(), &iterator)) {
    if (packet->kind != VPX_CODEC_CX_FRAME_PKT) continue;
    const auto* data = static_cast<const std::byte*>(packet->data.frame.buf);
    frame_bytes_.insert(frame_bytes_.end(), data, data + packet->data.frame.sz);
    frame.keyframe = frame.keyframe || (packet->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
  }
  if (frame_bytes_.empty()) {
    ++encode_failures_;
    return frame;
  }
  if (frame.keyframe) {
    keyframe_requested_ = false;
    frames_since_keyframe_ = 1;
  }
  frame.packets = packetizer_.packetize(frame_bytes_, picture_id_);
  picture_id_ = static_cast<std::uint16_t>((picture_id_ + 1) & Vp8Packetizer::kPictureIdMask);
  return frame;
}

}  // namespace parrot::media::signals
