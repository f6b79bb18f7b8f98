#include "media/signals/frame_counter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parrot::media::signals {
namespace {

struct Picture {
  explicit Picture(int w, int h, std::size_t s) : width(w), height(h), stride(s), pixels(s * static_cast<std::size_t>(h), 128) {}
  LumaPlane plane() { return {pixels, stride, width, height}; }
  ConstLumaPlane const_plane() const { return {pixels, stride, width, height}; }
  std::uint8_t at(int x, int y) const { return pixels[static_cast<std::size_t>(y) * stride + static_cast<std::size_t>(x)]; }
  int width;
  int height;
  std::size_t stride;
  std::vector<std::uint8_t> pixels;
};

TEST(FrameCounter, GlyphsAreTheDrawnFont) {
  const std::vector<std::string> eight{
      ".###.",
      "#...#",
      "#...#",
      ".###.",
      "#...#",
      "#...#",
      ".###.",
  };
  const std::vector<std::string> four{
      "...#.",
      "..##.",
      ".#.#.",
      "#..#.",
      "#####",
      "...#.",
      "...#.",
  };
  for (const auto& [digit, art] : {std::pair{8, eight}, std::pair{4, four}}) {
    const Glyph& glyph = digit_glyph(digit);
    for (int row = 0; row < kGlyphHeight; ++row) {
      for (int column = 0; column < kGlyphWidth; ++column) {
        const bool on = (glyph[static_cast<std::size_t>(row)] >> (4 - column)) & 1;
        EXPECT_EQ(on, art[static_cast<std::size_t>(row)][static_cast<std::size_t>(column)] == '#')
            << digit << " row " << row << " column " << column;
      }
    }
  }
}

TEST(FrameCounter, BoxGeometryFor640x360) {
  const CounterBox box = counter_box(640, 360);
  // Scale: min(640·2/3 / 37 units, 360/3 / 9 units) = min(11, 13) = 11 → even 10.
  EXPECT_EQ(box.scale_px, 10);
  EXPECT_EQ(box.width_px, 370);  // 6 digits · 6 columns + 1 margin = 37 units
  EXPECT_EQ(box.height_px, 90);  // 7 rows + 2 margins = 9 units
  EXPECT_EQ(box.x_px, 134);      // (640 - 370) / 2 = 135, rounded down to even
  EXPECT_EQ(box.y_px, 240);      // 360 - 90 - 360/12
  EXPECT_EQ(counter_box(100, 50).scale_px, 0);
}

TEST(FrameCounter, DrawsWhiteStrokesOnBlack) {
  Picture picture{640, 360, 672};
  draw_frame_counter(picture.plane(), 100'000);  // digits 1 0 0 0 0 0
  // First digit '1', row 0 is ..#..: font pixel (2, 0) spans x 134+10+20 ..+9,
  // y 240+10 ..+9; its centre (169, 255) is foreground, (149, 255) is not.
  EXPECT_EQ(picture.at(169, 255), 235);
  EXPECT_EQ(picture.at(149, 255), 16);
  EXPECT_EQ(picture.at(134, 240), 16);   // box corner: background
  EXPECT_EQ(picture.at(133, 240), 128);  // just outside: untouched
  EXPECT_EQ(picture.at(504, 329), 128);  // just past the bottom-right corner (134+370, 240+90-1)
}

TEST(FrameCounter, ReadsBackWhatItDrew) {
  Picture picture{640, 360, 640};
  for (const std::uint64_t value : {0ULL, 7ULL, 123'456ULL, 987'654ULL, 999'999ULL}) {
    draw_frame_counter(picture.plane(), value);
    EXPECT_EQ(read_frame_counter(picture.const_plane()), value);
  }
  draw_frame_counter(picture.plane(), 1'234'567);
  EXPECT_EQ(read_frame_counter(picture.const_plane()), 234'567U);  // modulo 10^6
}

TEST(FrameCounter, ToleratesTwoWrongFontPixelsPerDigitButNotThree) {
  Picture picture{320, 180, 320};
  const CounterBox box = counter_box(320, 180);
  ASSERT_EQ(box.scale_px, 4);
  const auto flip = [&](int digit, int gx, int gy) {
    const int x0 = box.x_px + box.scale_px * (1 + 6 * digit + gx);
    const int y0 = box.y_px + box.scale_px * (1 + gy);
    for (int y = y0; y < y0 + box.scale_px; ++y) {
      for (int x = x0; x < x0 + box.scale_px; ++x) {
        auto& pixel = picture.pixels[static_cast<std::size_t>(y) * picture.stride + static_cast<std::size_t>(x)];
        pixel = pixel == kCounterForegroundLuma ? kCounterBackgroundLuma : kCounterForegroundLuma;
      }
    }
  };
  draw_frame_counter(picture.plane(), 555'555);
  flip(2, 0, 0);
  flip(2, 4, 6);
  EXPECT_EQ(read_frame_counter(picture.const_plane()), 555'555U);
  flip(2, 2, 3);
  EXPECT_EQ(read_frame_counter(picture.const_plane()), std::nullopt);
}

TEST(FrameCounter, PlaneTooSmallForItsSizeIsRefused) {
  Picture picture{640, 360, 640};
  LumaPlane short_plane = picture.plane();
  short_plane.pixels = short_plane.pixels.first(640 * 300);
  draw_frame_counter(short_plane, 1);  // must not write past the span
  ConstLumaPlane short_read{short_plane.pixels, 640, 640, 360};
  EXPECT_EQ(read_frame_counter(short_read), std::nullopt);
  ConstLumaPlane bad_stride{picture.pixels, 100, 640, 360};
  EXPECT_EQ(read_frame_counter(bad_stride), std::nullopt);
}

}  // namespace
}  // namespace parrot::media::signals
