// The VP9 payload descriptor (RFC 9628 §4.2), in flexible and non-flexible
// mode, with its optional scalability structure (SS, §4.2.1).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "media/bytes.hpp"
#include "media/probes/video_stats.hpp"

namespace parrot::media::probes {

// RFC 9628 §4.2.1. The picture-group description (N_G entries) is validated
// and counted but not kept: the probe needs resolutions, not references.
struct Vp9ScalabilityStructure {
  static constexpr std::size_t kMaxSpatialLayers = 8;  // N_S is 3 bits
  std::uint8_t spatial_layers = 0;                     // N_S + 1
  bool has_resolutions = false;                        // Y
  std::array<FrameSize, kMaxSpatialLayers> resolutions{};  // first spatial_layers valid when Y
  bool has_picture_group = false;                      // G
  std::uint8_t picture_group_size = 0;                 // N_G
};

struct Vp9Descriptor {
  bool has_picture_id = false;           // I
  bool inter_picture_predicted = false;  // P
  bool has_layer_indices = false;        // L
  bool flexible_mode = false;            // F
  bool begins_frame = false;             // B
  bool ends_frame = false;               // E
  bool has_ss = false;                   // V
  bool not_upper_reference = false;      // Z
  std::optional<std::uint16_t> picture_id;  // 7 or 15 bits, see picture_id_15bit
  bool picture_id_15bit = false;            // M
  // Layer indices (L): |TID|U|SID|D|.
  std::uint8_t temporal_id = 0;
  bool switching_up = false;                // U
  std::uint8_t spatial_id = 0;
  bool inter_layer_dependency = false;      // D
  std::optional<std::uint8_t> tl0_pic_idx;  // non-flexible mode with L
  // Flexible mode with P: reference indices (P_DIFF), at most three.
  std::array<std::uint8_t, 3> p_diff{};
  std::uint8_t p_diff_count = 0;
  std::optional<Vp9ScalabilityStructure> ss;  // present exactly when has_ss
  std::size_t header_size = 0;                // descriptor bytes; the VP9 frame data follows

  // Resolution of the highest spatial layer the SS announces, if it does.
  std::optional<FrameSize> resolution() const noexcept;
};

// Validates and decodes the descriptor. Empty when a field its bits announce
// does not fit, when SS declares more than fits, or when no frame byte
// follows the descriptor.
std::optional<Vp9Descriptor> parse_vp9_descriptor(ByteView payload) noexcept;

}  // namespace parrot::media::probes
