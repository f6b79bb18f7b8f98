// read_frame_counter() reads pictures decoded from whatever the far end
// sent, so any plane geometry and any pixels must be safe. Input layout:
//   bytes 0-1  width (big-endian, taken modulo 1024)
//   bytes 2-3  height (big-endian, taken modulo 1024)
//   byte  4    stride padding (0..255 bytes past the width)
//   bytes 5-7  a counter value to draw and read back
//   rest       pixels, repeated to fill the plane
// Each input is read three ways: the raw remainder as a plane (usually too
// short: must be refused, not overrun), the tiled plane, and the tiled plane
// with a counter drawn on it, which must read back exactly.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "media/signals/frame_counter.hpp"

using parrot::media::signals::ConstLumaPlane;
using parrot::media::signals::LumaPlane;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 8) return 0;
  const int width = ((data[0] << 8) | data[1]) % 1024;
  const int height = ((data[2] << 8) | data[3]) % 1024;
  const std::size_t stride = static_cast<std::size_t>(width) + data[4];
  const std::uint64_t value = (std::uint64_t{data[5]} << 16) | (std::uint64_t{data[6]} << 8) | data[7];
  const std::span<const std::uint8_t> pixels{data + 8, size - 8};

  (void)parrot::media::signals::read_frame_counter(ConstLumaPlane{pixels, stride, width, height});

  std::vector<std::uint8_t> plane(stride * static_cast<std::size_t>(height));
  for (std::size_t i = 0; i < plane.size() && !pixels.empty(); ++i) plane[i] = pixels[i % pixels.size()];
  (void)parrot::media::signals::read_frame_counter(ConstLumaPlane{plane, stride, width, height});

  parrot::media::signals::draw_frame_counter(LumaPlane{plane, stride, width, height}, value);
  const auto read = parrot::media::signals::read_frame_counter(ConstLumaPlane{plane, stride, width, height});
  const bool has_counter = parrot::media::signals::counter_box(width, height).scale_px > 0;
  if (has_counter && read != value % 1'000'000) std::abort();
  if (!has_counter && read.has_value()) std::abort();
  return 0;
}
