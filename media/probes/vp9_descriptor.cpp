#include "media/probes/vp9_descriptor.hpp"

namespace parrot::media::probes {
namespace {

// Cursor over the payload: every read is checked against the remaining
// bytes, and a failed read leaves the cursor unusable (ok() false).
class Reader {
 public:
  explicit Reader(ByteView bytes) noexcept : bytes_(bytes) {}
  bool u8(std::uint8_t& out) noexcept {
    if (!ok_ || at_ >= bytes_.size()) return ok_ = false;
    out = read_u8(bytes_, at_++);
    return true;
  }
  bool u16(std::uint16_t& out) noexcept {
    if (!ok_ || bytes_.size() - at_ < 2) return ok_ = false;
    out = read_u16(bytes_, at_);
    at_ += 2;
    return true;
  }
  bool skip(std::size_t n) noexcept {
    if (!ok_ || bytes_.size() - at_ < n) return ok_ = false;
    at_ += n;
    return true;
  }
  std::size_t offset() const noexcept { return at_; }
  std::size_t remaining() const noexcept { return bytes_.size() - at_; }

 private:
  ByteView bytes_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

// RFC 9628 §4.2.1:
//   |N_S|Y|G|-|-|-|  then (N_S+1) x {WIDTH(16) HEIGHT(16)} if Y,
//   then N_G(8) if G, then N_G x {|T|U|R|-|-| + R x P_DIFF(8)}.
std::optional<Vp9ScalabilityStructure> parse_ss(Reader& in) noexcept {
  Vp9ScalabilityStructure ss;
  std::uint8_t head = 0;
  if (!in.u8(head)) return std::nullopt;
  ss.spatial_layers = static_cast<std::uint8_t>((head >> 5) + 1);
  ss.has_resolutions = (head & 0x10) != 0;
  ss.has_picture_group = (head & 0x08) != 0;
  if (ss.has_resolutions) {
    for (std::size_t i = 0; i < ss.spatial_layers; ++i) {
      std::uint16_t width = 0;
      std::uint16_t height = 0;
      if (!in.u16(width) || !in.u16(height)) return std::nullopt;
      ss.resolutions[i] = FrameSize{width, height};
    }
  }
  if (ss.has_picture_group) {
    if (!in.u8(ss.picture_group_size)) return std::nullopt;
    for (std::size_t i = 0; i < ss.picture_group_size; ++i) {
      std::uint8_t entry = 0;
      if (!in.u8(entry)) return std::nullopt;
      const std::size_t references = (entry >> 2) & 0x03;
      if (!in.skip(references)) return std::nullopt;
    }
  }
  return ss;
}

}  // namespace

std::optional<FrameSize> Vp9Descriptor::resolution() const noexcept {
  if (!ss || !ss->has_resolutions || ss->spatial_layers == 0) return std::nullopt;
  return ss->resolutions[ss->spatial_layers - 1];
}

std::optional<Vp9Descriptor> parse_vp9_descriptor(ByteView payload) noexcept {
  Reader in(payload);
  Vp9Descriptor d;
  // |I|P|L|F|B|E|V|Z|
  std::uint8_t first = 0;
  if (!in.u8(first)) return std::nullopt;
  d.has_picture_id = (first & 0x80) != 0;
  d.inter_picture_predicted = (first & 0x40) != 0;
  d.has_layer_indices = (first & 0x20) != 0;
  d.flexible_mode = (first & 0x10) != 0;
  d.begins_frame = (first & 0x08) != 0;
  d.ends_frame = (first & 0x04) != 0;
  d.has_ss = (first & 0x02) != 0;
  d.not_upper_reference = (first & 0x01) != 0;

  if (d.has_picture_id) {
    // |M| PICTURE ID |, M=1 announcing the EXTENDED PID byte.
    std::uint8_t p = 0;
    if (!in.u8(p)) return std::nullopt;
    if ((p & 0x80) != 0) {
      std::uint8_t low = 0;
      if (!in.u8(low)) return std::nullopt;
      d.picture_id_15bit = true;
      d.picture_id = static_cast<std::uint16_t>(((p & 0x7F) << 8) | low);
    } else {
      d.picture_id = p;
    }
  }
  if (d.has_layer_indices) {
    // |TID|U| SID |D|; non-flexible mode adds TL0PICIDX (§4.2).
    std::uint8_t layers = 0;
    if (!in.u8(layers)) return std::nullopt;
    d.temporal_id = static_cast<std::uint8_t>(layers >> 5);
    d.switching_up = (layers & 0x10) != 0;
    d.spatial_id = static_cast<std::uint8_t>((layers >> 1) & 0x07);
    d.inter_layer_dependency = (layers & 0x01) != 0;
    if (!d.flexible_mode) {
      std::uint8_t tl0 = 0;
      if (!in.u8(tl0)) return std::nullopt;
      d.tl0_pic_idx = tl0;
    }
  }
  if (d.flexible_mode && d.inter_picture_predicted) {
    // |P_DIFF|N|, N=1 announcing another; the RFC allows at most three.
    bool more = true;
    while (more) {
      if (d.p_diff_count == d.p_diff.size()) return std::nullopt;
      std::uint8_t ref = 0;
      if (!in.u8(ref)) return std::nullopt;
      d.p_diff[d.p_diff_count++] = static_cast<std::uint8_t>(ref >> 1);
      more = (ref & 0x01) != 0;
    }
  }
  if (d.has_ss) {
    d.ss = parse_ss(in);
    if (!d.ss) return std::nullopt;
  }
  if (in.remaining() == 0) return std::nullopt;
  d.header_size = in.offset();
  return d;
}

}  // namespace parrot::media::probes
