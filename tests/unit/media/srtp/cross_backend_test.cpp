// libsrtp's stock crypto (NSS on Debian 12) and parrot's OpenSSL types must
// produce the same bytes and accept each other's packets, for every profile
// parrot negotiates. The crypto back end is process-wide, so the stock side
// runs in srtp_cross_backend_peer while this process runs OpenSSL.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "media/srtp/srtp_library.hpp"
#include "tests/unit/media/srtp/cross_backend_traffic.hpp"

extern char** environ;

namespace parrot::media::srtp {
namespace {

// Runs the peer and returns its exit status (-1 if it did not exit).
int run_peer(const std::string& backend, const std::string& action, const std::string& path) {
  std::vector<std::string> args = {PARROT_SRTP_CROSS_BACKEND_PEER, backend, action, path};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

class CrossBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(SrtpLibrary::backend(), SrtpBackend::kOpenSsl) << SrtpLibrary::backend_note();
    path_ = ::testing::TempDir() + "srtp_cross_backend_" + std::to_string(getpid()) + ".bin";
  }
  void TearDown() override { std::remove(path_.c_str()); }

  SrtpLibrary library_;  // OpenSSL in this process
  std::string path_;
};

TEST_F(CrossBackendTest, TrafficCoversEveryProfileRolloverCsrcsAndExtensions) {
  const auto packets = cross_backend::traffic();
  bool rollover = false, csrcs = false, one_byte = false, two_byte = false, rtcp = false;
  std::uint16_t previous = 0;
  for (const auto& packet : packets) {
    if (!packet.is_rtp) {
      rtcp = true;
      continue;
    }
    const auto sequence = read_u16(packet.plain, 2);
    if (read_u32(packet.plain, 8) == 0x11223344) {
      rollover = rollover || (previous == 65'535 && sequence == 0);
      previous = sequence;
    }
    const std::size_t cc = read_u8(packet.plain, 0) & 0x0f;
    csrcs = csrcs || cc > 0;
    if ((read_u8(packet.plain, 0) & 0x10) != 0) {
      const auto profile = read_u16(packet.plain, 12 + 4 * cc);
      one_byte = one_byte || profile == 0xbede;
      two_byte = two_byte || profile == 0x1000;
    }
  }
  EXPECT_TRUE(rollover && csrcs && one_byte && two_byte && rtcp);
  EXPECT_EQ(std::size(kAllProfiles), 4u);
}

TEST_F(CrossBackendTest, StockProtectsAndOpenSslUnprotects) {
  ASSERT_EQ(run_peer("stock", "protect", path_), 0);
  const auto recording = cross_backend::read_recording(path_, std::size(kAllProfiles));
  ASSERT_TRUE(recording.has_value());
  EXPECT_EQ(cross_backend::check_every_profile(*recording), "");
}

TEST_F(CrossBackendTest, OpenSslProtectsAndStockUnprotects) {
  ASSERT_TRUE(cross_backend::write_recording(path_, cross_backend::protect_every_profile()));
  EXPECT_EQ(run_peer("stock", "check", path_), 0);
}

// The comparison can fail: packets protected with other keys differ.
TEST_F(CrossBackendTest, ADifferentRecordingIsReported) {
  auto recording = cross_backend::protect_every_profile();
  recording[1][3][20] ^= std::byte{0x01};
  EXPECT_NE(cross_backend::check_every_profile(recording), "");
  ASSERT_TRUE(cross_backend::write_recording(path_, recording));
  EXPECT_EQ(run_peer("stock", "check", path_), 1);
}

}  // namespace
}  // namespace parrot::media::srtp
