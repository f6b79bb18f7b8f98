#include "media/probes/vp9_frame_header.hpp"

namespace parrot::media::probes {
namespace {

// MSB-first bit reader; reading past the end sets a sticky failure flag
// and yields zeros, so callers test ok() once after a group of reads.
class BitReader {
 public:
  explicit BitReader(ByteView bytes) noexcept : bytes_(bytes) {}
  std::uint32_t bits(unsigned count) noexcept {
    std::uint32_t value = 0;
    for (unsigned i = 0; i < count; ++i) {
      const std::size_t byte = bit_ / 8;
      if (byte >= bytes_.size()) {
        ok_ = false;
        return 0;
      }
      const unsigned shift = 7 - static_cast<unsigned>(bit_ % 8);
      value = (value << 1) | ((read_u8(bytes_, byte) >> shift) & 1U);
      ++bit_;
    }
    return value;
  }
  bool ok() const noexcept { return ok_; }

 private:
  ByteView bytes_;
  std::size_t bit_ = 0;
  bool ok_ = true;
};

constexpr std::uint32_t kColorSpaceRgb = 7;

bool sync_code_ok(BitReader& in) noexcept {
  return in.bits(8) == 0x49 && in.bits(8) == 0x83 && in.bits(8) == 0x42;
}

// §6.2.2 color_config(); only its length matters here.
void skip_color_config(BitReader& in, std::uint8_t profile) noexcept {
  if (profile >= 2) in.bits(1);  // ten_or_twelve_bit
  const auto color_space = in.bits(3);
  if (color_space != kColorSpaceRgb) {
    in.bits(1);  // color_range
    if (profile == 1 || profile == 3) in.bits(3);  // subsampling_x, subsampling_y, reserved_zero
  } else if (profile == 1 || profile == 3) {
    in.bits(1);  // reserved_zero
  }
}

FrameSize read_frame_size(BitReader& in) noexcept {
  const auto width = in.bits(16) + 1;
  const auto height = in.bits(16) + 1;
  return FrameSize{width, height};
}

}  // namespace

std::optional<Vp9FrameHeader> parse_vp9_frame_header(ByteView frame) noexcept {
  BitReader in(frame);
  Vp9FrameHeader h;
  if (in.bits(2) != 2) return std::nullopt;  // frame_marker
  const auto low = in.bits(1);
  const auto high = in.bits(1);
  h.profile = static_cast<std::uint8_t>((high << 1) | low);
  if (h.profile == 3) in.bits(1);  // reserved_zero
  h.show_existing_frame = in.bits(1) != 0;
  if (h.show_existing_frame) {
    in.bits(3);
    return in.ok() ? std::optional{h} : std::nullopt;
  }
  h.keyframe = in.bits(1) == 0;  // frame_type: KEY_FRAME is 0
  const bool show_frame = in.bits(1) != 0;
  const bool error_resilient = in.bits(1) != 0;
  if (h.keyframe) {
    if (!sync_code_ok(in)) return std::nullopt;
    skip_color_config(in, h.profile);
    h.size = read_frame_size(in);
  } else {
    h.intra_only = show_frame ? false : in.bits(1) != 0;
    if (!error_resilient) in.bits(2);  // reset_frame_context
    if (h.intra_only) {
      if (!sync_code_ok(in)) return std::nullopt;
      if (h.profile > 0) skip_color_config(in, h.profile);
      in.bits(8);  // refresh_frame_flags
      h.size = read_frame_size(in);
    } else {
      in.bits(8);  // refresh_frame_flags
      for (int i = 0; i < 3; ++i) in.bits(4);  // ref_frame_idx, sign_bias
      // frame_size_with_refs(): an explicit size only when no found_ref is set.
      bool found_ref = false;
      for (int i = 0; i < 3 && !found_ref; ++i) found_ref = in.bits(1) != 0;
      if (!found_ref) h.size = read_frame_size(in);
    }
  }
  if (!in.ok()) return std::nullopt;
  return h;
}

std::size_t split_vp9_superframe(ByteView data, std::array<ByteView, 8>& frames) noexcept {
  if (data.empty()) return 0;
  // Annex B: the last byte is |1|1|0|size_bytes-1 (2)|frames-1 (3)|, and
  // the index it closes starts with the same byte.
  const std::uint8_t marker = read_u8(data, data.size() - 1);
  if ((marker & 0xE0) == 0xC0) {
    const std::size_t count = (marker & 0x07) + 1U;
    const std::size_t size_bytes = ((marker >> 3) & 0x03) + 1U;
    const std::size_t index_bytes = 2 + size_bytes * count;
    if (data.size() >= index_bytes && read_u8(data, data.size() - index_bytes) == marker) {
      std::size_t index_at = data.size() - index_bytes + 1;
      std::size_t frame_at = 0;
      const std::size_t frames_end = data.size() - index_bytes;
      for (std::size_t i = 0; i < count; ++i) {
        std::size_t frame_size = 0;
        for (std::size_t b = 0; b < size_bytes; ++b) frame_size |= std::size_t{read_u8(data, index_at++)} << (8 * b);
        if (frame_size > frames_end - frame_at) return 0;
        frames[i] = data.subspan(frame_at, frame_size);
        frame_at += frame_size;
      }
      return count;
    }
  }
  frames[0] = data;
  return 1;
}

}  // namespace parrot::media::probes
