#include "media/signals/frame_counter.hpp"

#include <algorithm>
#include <bit>

namespace parrot::media::signals {
namespace {

// A 5x7 font drawn for parrot; digits only.
constexpr std::array<Glyph, 10> kDigitGlyphs{{
    {0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110},
    {0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110},
    {0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111},
    {0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110},
    {0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010},
    {0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110},
    {0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110},
    {0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000},
    {0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110},
    {0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100},
}};

// Each digit advances by a glyph plus one column of spacing; the box adds one
// font pixel of margin around the row of digits.
constexpr int kAdvance = kGlyphWidth + 1;
constexpr int kBoxUnitsWide = kCounterDigits * kAdvance + 1;
constexpr int kBoxUnitsHigh = kGlyphHeight + 2;
constexpr int kMaxGlyphErrors = 2;

template <typename Plane>
bool fits(const Plane& plane, const CounterBox& box) noexcept {
  if (box.scale_px == 0 || plane.width_px <= 0 || plane.height_px <= 0 ||
      plane.stride < static_cast<std::size_t>(plane.width_px)) {
    return false;
  }
  const std::size_t needed =
      plane.stride * static_cast<std::size_t>(plane.height_px - 1) + static_cast<std::size_t>(plane.width_px);
  return plane.pixels.size() >= needed;
}

std::uint64_t power_of_ten(int exponent) noexcept {
  std::uint64_t value = 1;
  for (int i = 0; i < exponent; ++i) value *= 10;
  return value;
}

}  // namespace

const Glyph& digit_glyph(int digit) noexcept { return kDigitGlyphs[static_cast<std::size_t>(((digit % 10) + 10) % 10)]; }

CounterBox counter_box(int frame_width_px, int frame_height_px) noexcept {
  // At most two thirds of the width and a third of the height; even scale.
  const int scale = std::min(frame_width_px * 2 / 3 / kBoxUnitsWide, frame_height_px / 3 / kBoxUnitsHigh) & ~1;
  if (scale < 2) return {};
  CounterBox box;
  box.scale_px = scale;
  box.width_px = kBoxUnitsWide * scale;
  box.height_px = kBoxUnitsHigh * scale;
  box.x_px = ((frame_width_px - box.width_px) / 2) & ~1;
  box.y_px = (frame_height_px - box.height_px - frame_height_px / 12) & ~1;
  return box;
}

void draw_frame_counter(LumaPlane luma, std::uint64_t value) noexcept {
  const CounterBox box = counter_box(luma.width_px, luma.height_px);
  if (!fits(luma, box)) return;
  for (int y = 0; y < box.height_px; ++y) {
    auto row = luma.pixels.subspan(static_cast<std::size_t>(box.y_px + y) * luma.stride +
                                       static_cast<std::size_t>(box.x_px),
                                   static_cast<std::size_t>(box.width_px));
    std::fill(row.begin(), row.end(), kCounterBackgroundLuma);
  }
  std::uint64_t remaining = value % power_of_ten(kCounterDigits);
  for (int digit = kCounterDigits - 1; digit >= 0; --digit, remaining /= 10) {
    const Glyph& glyph = digit_glyph(static_cast<int>(remaining % 10));
    const int glyph_x = box.x_px + box.scale_px * (1 + digit * kAdvance);
    const int glyph_y = box.y_px + box.scale_px;
    for (int gy = 0; gy < kGlyphHeight; ++gy) {
      for (int gx = 0; gx < kGlyphWidth; ++gx) {
        if (((glyph[static_cast<std::size_t>(gy)] >> (kGlyphWidth - 1 - gx)) & 1) == 0) continue;
        for (int py = 0; py < box.scale_px; ++py) {
          const std::size_t at = static_cast<std::size_t>(glyph_y + gy * box.scale_px + py) * luma.stride +
                                 static_cast<std::size_t>(glyph_x + gx * box.scale_px);
          std::fill_n(luma.pixels.begin() + static_cast<std::ptrdiff_t>(at), box.scale_px, kCounterForegroundLuma);
        }
      }
    }
  }
}

std::optional<std::uint64_t> read_frame_counter(ConstLumaPlane luma) noexcept {
  const CounterBox box = counter_box(luma.width_px, luma.height_px);
  if (!fits(luma, box)) return std::nullopt;
  constexpr int kThreshold = (kCounterBackgroundLuma + kCounterForegroundLuma) / 2;
  // The central half of each font pixel: its edges blur most under a codec.
  const int inset = box.scale_px / 4;
  const int span = std::max(1, box.scale_px / 2);
  std::uint64_t value = 0;
  for (int digit = 0; digit < kCounterDigits; ++digit) {
    const int glyph_x = box.x_px + box.scale_px * (1 + digit * kAdvance);
    const int glyph_y = box.y_px + box.scale_px;
    Glyph seen{};
    for (int gy = 0; gy < kGlyphHeight; ++gy) {
      for (int gx = 0; gx < kGlyphWidth; ++gx) {
        int sum = 0;
        for (int py = 0; py < span; ++py) {
          for (int px = 0; px < span; ++px) {
            const std::size_t at =
                static_cast<std::size_t>(glyph_y + gy * box.scale_px + inset + py) * luma.stride +
                static_cast<std::size_t>(glyph_x + gx * box.scale_px + inset + px);
            sum += luma.pixels[at];
          }
        }
        if (sum > kThreshold * span * span) {
          seen[static_cast<std::size_t>(gy)] |= static_cast<std::uint8_t>(1 << (kGlyphWidth - 1 - gx));
        }
      }
    }
    int best_digit = -1;
    int best_errors = kMaxGlyphErrors + 1;
    for (int candidate = 0; candidate < 10; ++candidate) {
      int errors = 0;
      for (std::size_t row = 0; row < seen.size(); ++row) {
        errors += std::popcount(static_cast<unsigned>(seen[row] ^ kDigitGlyphs[static_cast<std::size_t>(candidate)][row]));
      }
      if (errors < best_errors) {
        best_errors = errors;
        best_digit = candidate;
      }
    }
    if (best_digit < 0) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(best_digit);
  }
  return value;
}

}  // namespace parrot::media::signals
