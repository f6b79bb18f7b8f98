// The frame counter burnt into every test-pattern frame: kDigits decimal
// digits in a built-in 5x7 bitmap font, each font pixel drawn as a
// scale_px x scale_px block of white (luma 235) on black (luma 16). Big
// enough for a person watching the echo to read, and regular enough for a
// machine to read back from decoded luma (read_frame_counter).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace parrot::media::signals {

inline constexpr int kCounterDigits = 6;
inline constexpr int kGlyphWidth = 5;
inline constexpr int kGlyphHeight = 7;
inline constexpr std::uint8_t kCounterBackgroundLuma = 16;
inline constexpr std::uint8_t kCounterForegroundLuma = 235;

// Rows top to bottom; bit 4 of each row is the leftmost font pixel.
using Glyph = std::array<std::uint8_t, kGlyphHeight>;
// Returns the glyph of digit % 10.
const Glyph& digit_glyph(int digit) noexcept;

// Where the counter sits in a frame, in luma pixels. x/y/scale are even so
// the box covers whole chroma samples. Digit i's glyph starts at
// (x_px + scale_px * (1 + 6 i), y_px + scale_px); the box is one font pixel
// of background wider than the glyphs on every side.
struct CounterBox {
  int x_px = 0;
  int y_px = 0;
  int width_px = 0;
  int height_px = 0;
  int scale_px = 0;  // 0: the frame is too small to hold a counter
};
CounterBox counter_box(int frame_width_px, int frame_height_px) noexcept;

// An 8-bit plane (I420 luma). `pixels` must hold stride * (height - 1) + width
// bytes; functions given a smaller span do nothing (draw) or return empty (read).
struct LumaPlane {
  std::span<std::uint8_t> pixels;
  std::size_t stride = 0;
  int width_px = 0;
  int height_px = 0;
};
struct ConstLumaPlane {
  std::span<const std::uint8_t> pixels;
  std::size_t stride = 0;
  int width_px = 0;
  int height_px = 0;
};

// Paints the box background and value % 10^kCounterDigits, zero-padded.
void draw_frame_counter(LumaPlane luma, std::uint64_t value) noexcept;

// Reads the counter back: samples the centre of every font pixel, thresholds
// halfway between background and foreground, and matches each digit to the
// nearest glyph. Any two glyphs differ in at least 6 font pixels, so up to 2
// wrong pixels per digit are tolerated; more, or a plane too small, gives
// std::nullopt.
std::optional<std::uint64_t> read_frame_counter(ConstLumaPlane luma) noexcept;

}  // namespace parrot::media::signals
