// Test-only signal sources: libvpx encoders producing real VP8/VP9 frames
// and small RFC 7741 / RFC 9628 packetizers, written independently of the
// parsers under test.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <stdexcept>
#include <vector>

#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

#include "media/probes/probe_queue.hpp"

namespace parrot::media::probes::test {

struct EncodedFrame {
  std::vector<std::uint8_t> data;
  bool keyframe = false;
};

struct EncoderDestroy {
  void operator()(vpx_codec_ctx_t* c) const noexcept {
    vpx_codec_destroy(c);
    delete c;
  }
};
struct ImageFree {
  void operator()(vpx_image_t* i) const noexcept { vpx_img_free(i); }
};

// Encodes `count` frames of fresh noise (so every frame is large enough to
// span several packets); frames listed in `forced_keyframes` are key frames,
// and so is the first. No other key frames are placed.
inline std::vector<EncodedFrame> encode_noise(vpx_codec_iface_t* iface, unsigned width, unsigned height, int count,
                                              const std::vector<int>& forced_keyframes = {}) {
  vpx_codec_enc_cfg_t cfg{};
  if (vpx_codec_enc_config_default(iface, &cfg, 0) != VPX_CODEC_OK) throw std::runtime_error("enc config");
  cfg.g_w = width;
  cfg.g_h = height;
  cfg.g_timebase = {1, 30};
  cfg.rc_target_bitrate = 1500;
  cfg.g_threads = 1;
  cfg.g_lag_in_frames = 0;
  cfg.rc_dropframe_thresh = 0;
  cfg.kf_mode = VPX_KF_DISABLED;
  cfg.g_error_resilient = 0;
  std::unique_ptr<vpx_codec_ctx_t, EncoderDestroy> enc(new vpx_codec_ctx_t{});
  if (vpx_codec_enc_init(enc.get(), iface, &cfg, 0) != VPX_CODEC_OK) throw std::runtime_error("enc init");
  vpx_codec_control(enc.get(), VP8E_SET_CPUUSED, 8);
  std::unique_ptr<vpx_image_t, ImageFree> image(vpx_img_alloc(nullptr, VPX_IMG_FMT_I420, width, height, 16));
  std::mt19937 rng(42);
  std::vector<EncodedFrame> out;
  for (int i = 0; i < count; ++i) {
    for (int plane = 0; plane < 3; ++plane) {
      const unsigned w = plane == 0 ? width : (width + 1) / 2;
      const unsigned h = plane == 0 ? height : (height + 1) / 2;
      for (unsigned y = 0; y < h; ++y) {
        for (unsigned x = 0; x < w; ++x) {
          image->planes[plane][y * static_cast<unsigned>(image->stride[plane]) + x] = static_cast<unsigned char>(rng() & 0xFF);
        }
      }
    }
    const bool force = std::find(forced_keyframes.begin(), forced_keyframes.end(), i) != forced_keyframes.end();
    if (vpx_codec_encode(enc.get(), image.get(), i, 1, force ? VPX_EFLAG_FORCE_KF : 0, VPX_DL_REALTIME) !=
        VPX_CODEC_OK) {
      throw std::runtime_error("encode");
    }
    vpx_codec_iter_t iter = nullptr;
    while (const vpx_codec_cx_pkt_t* pkt = vpx_codec_get_cx_data(enc.get(), &iter)) {
      if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
      const auto* bytes = static_cast<const std::uint8_t*>(pkt->data.frame.buf);
      out.push_back({{bytes, bytes + pkt->data.frame.sz}, (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0});
    }
  }
  return out;
}

inline constexpr std::size_t kMaxPayloadBytes = 1100;
inline constexpr std::uint32_t kTicksPerFrame = 3000;  // 90 kHz / 30 fps

inline ProbePacket make_packet(std::uint32_t ts, std::uint16_t seq, bool marker, std::vector<std::uint8_t> bytes) {
  ProbePacket p;
  p.rtp_timestamp = ts;
  p.sequence_number = seq;
  p.marker = marker;
  for (auto b : bytes) p.payload.push_back(std::byte{b});
  return p;
}

// RFC 7741 §4.2 descriptor: X=1, S on the first packet, PID=0, I=1 with a
// 15-bit PictureID (M=1).
inline std::vector<std::vector<ProbePacket>> packetize_vp8(const std::vector<EncodedFrame>& frames,
                                                           std::uint16_t first_seq, std::uint32_t first_ts) {
  std::vector<std::vector<ProbePacket>> out;
  std::uint16_t seq = first_seq;
  for (std::size_t f = 0; f < frames.size(); ++f) {
    const auto& data = frames[f].data;
    const std::uint16_t picture_id = static_cast<std::uint16_t>(f & 0x7FFF);
    const std::size_t chunk = kMaxPayloadBytes - 4;
    std::vector<ProbePacket> packets;
    for (std::size_t at = 0; at < data.size(); at += chunk) {
      const std::size_t n = std::min(chunk, data.size() - at);
      std::vector<std::uint8_t> bytes{
          static_cast<std::uint8_t>(at == 0 ? 0x90 : 0x80),          // X=1, S=1 on the first packet, PID=0
          0x80,                                                      // I=1
          static_cast<std::uint8_t>(0x80 | (picture_id >> 8)),       // M=1, PictureID high bits
          static_cast<std::uint8_t>(picture_id & 0xFF),              // PictureID low bits
      };
      bytes.insert(bytes.end(), data.begin() + static_cast<std::ptrdiff_t>(at),
                   data.begin() + static_cast<std::ptrdiff_t>(at + n));
      packets.push_back(make_packet(first_ts + static_cast<std::uint32_t>(f) * kTicksPerFrame, seq++,
                                    at + n == data.size(), std::move(bytes)));
    }
    out.push_back(std::move(packets));
  }
  return out;
}

// RFC 9628 §4.2 non-flexible descriptor: I=1 (15-bit PICTURE ID), L=1 with
// TID=SID=0 and TL0PICIDX, P on inter frames, B/E on the first/last packet,
// and on a key frame's first packet an SS (one layer, Y=1) with the size.
inline std::vector<std::vector<ProbePacket>> packetize_vp9(const std::vector<EncodedFrame>& frames, unsigned width,
                                                           unsigned height, std::uint16_t first_seq,
                                                           std::uint32_t first_ts) {
  std::vector<std::vector<ProbePacket>> out;
  std::uint16_t seq = first_seq;
  for (std::size_t f = 0; f < frames.size(); ++f) {
    const auto& data = frames[f].data;
    const bool key = frames[f].keyframe;
    const std::uint16_t picture_id = static_cast<std::uint16_t>(f & 0x7FFF);
    std::vector<ProbePacket> packets;
    std::size_t at = 0;
    while (at < data.size()) {
      const bool first = at == 0;
      const bool ss = first && key;
      const std::size_t header = 5 + (ss ? 5 : 0);
      const std::size_t n = std::min(kMaxPayloadBytes - header, data.size() - at);
      const bool last = at + n == data.size();
      std::vector<std::uint8_t> bytes{
          static_cast<std::uint8_t>(0x80 | (key ? 0 : 0x40) | 0x20 | (first ? 0x08 : 0) | (last ? 0x04 : 0) |
                                    (ss ? 0x02 : 0)),     // I P L F=0 B E V Z=0
          static_cast<std::uint8_t>(0x80 | (picture_id >> 8)),  // M=1, PICTURE ID high bits
          static_cast<std::uint8_t>(picture_id & 0xFF),
          0x00,                                        // TID=0 U=0 SID=0 D=0
          static_cast<std::uint8_t>(f & 0xFF),         // TL0PICIDX
      };
      if (ss) {
        bytes.push_back(0x10);  // N_S=0 Y=1 G=0
        bytes.push_back(static_cast<std::uint8_t>(width >> 8));
        bytes.push_back(static_cast<std::uint8_t>(width & 0xFF));
        bytes.push_back(static_cast<std::uint8_t>(height >> 8));
        bytes.push_back(static_cast<std::uint8_t>(height & 0xFF));
      }
      bytes.insert(bytes.end(), data.begin() + static_cast<std::ptrdiff_t>(at),
                   data.begin() + static_cast<std::ptrdiff_t>(at + n));
      packets.push_back(make_packet(first_ts + static_cast<std::uint32_t>(f) * kTicksPerFrame, seq++, last,
                                    std::move(bytes)));
      at += n;
    }
    out.push_back(std::move(packets));
  }
  return out;
}

}  // namespace parrot::media::probes::test
