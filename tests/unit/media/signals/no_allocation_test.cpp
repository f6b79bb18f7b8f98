// Counts calls to the global operator new so a test can assert that the
// per-frame paths allocate nothing once constructed. libvpx and libopus use
// malloc internally; what this watches is parrot's own buffers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "media/signals/opus_tone_source.hpp"
#include "media/signals/vp8_test_pattern.hpp"

namespace {
std::size_t allocation_count = 0;
}  // namespace

void* operator new(std::size_t size) {
  ++allocation_count;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc{};
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace parrot::media::signals {
namespace {

TEST(NoAllocation, OpusFramesAllocateNothing) {
  OpusToneSource source{OpusToneConfig{}};
  const std::size_t before = allocation_count;
  for (int i = 0; i < 200; ++i) source.next();
  EXPECT_EQ(allocation_count, before);
}

TEST(NoAllocation, Vp8FramesAllocateNothingAfterTheFirst) {
  Vp8TestPattern pattern{Vp8TestPatternConfig{}};
  pattern.next_frame();
  const std::size_t before = allocation_count;
  for (int i = 0; i < 100; ++i) pattern.next_frame();
  pattern.request_keyframe();
  pattern.next_frame();
  EXPECT_EQ(allocation_count, before);
}

}  // namespace
}  // namespace parrot::media::signals
