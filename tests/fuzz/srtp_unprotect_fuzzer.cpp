// Any datagram through SrtpSession: as SRTP and as SRTCP, for every profile
// the installed libsrtp2 supports. Never a crash, a refusal is always
// counted, an accepted packet only shrinks; and a plain packet built from
// the input always survives protect -> unprotect unchanged.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "media/bytes.hpp"
#include "media/srtp/keying_material.hpp"
#include "media/srtp/srtp_library.hpp"
#include "media/srtp/srtp_session.hpp"

namespace {

using namespace parrot::media;
using namespace parrot::media::srtp;

// The real pipeline never sees more than a UDP datagram; this also keeps runs fast.
constexpr std::size_t kMaxDatagram = 2048;

// Fixed keys: the corpus seeds are packets protected with kSeedKey, so they
// get past authentication into the decrypt path.
constexpr std::uint8_t kSeedKeyByte = 0x42;
constexpr std::uint8_t kOtherKeyByte = 0x17;

KeyingMaterial fixed_keys(SrtpProfile profile, std::uint8_t local, std::uint8_t remote) {
  KeyingMaterial keys;
  keys.profile = profile;
  keys.local_key_salt.assign(key_salt_bytes(profile), std::byte{local});
  keys.remote_key_salt.assign(key_salt_bytes(profile), std::byte{remote});
  return keys;
}

#define CHECK(condition)                                                              \
  do {                                                                                \
    if (!(condition)) {                                                               \
      std::fprintf(stderr, "srtp_unprotect_fuzzer:%d: CHECK(%s)\n", __LINE__, #condition); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (false)

void feed_as_srtp(SrtpSession& session, std::span<const std::uint8_t> input, bool is_rtp) {
  std::vector<std::byte> packet(input.size());
  if (!input.empty()) std::memcpy(packet.data(), input.data(), input.size());
  const std::uint64_t drops_before = session.drops().total();
  const auto plain = is_rtp ? session.unprotect_rtp(packet) : session.unprotect_rtcp(packet);
  if (plain) {
    const std::size_t trailer = is_rtp ? session.rtp_trailer_bytes() : session.rtcp_trailer_bytes();
    CHECK(*plain + trailer <= input.size());
    CHECK(session.drops().total() == drops_before);
  } else {
    CHECK(session.drops().total() == drops_before + 1);
  }
}

// True if libsrtp will accept `packet` as an RTP header: fixed header, CSRCs
// and (X=1) a header extension whose length fits (RFC 3550 §5.1, §5.3.1).
bool rtp_header_fits(std::span<const std::byte> packet) {
  if (packet.size() < 12) return false;
  const std::uint8_t first = read_u8(packet, 0);
  std::size_t header_bytes = 12 + 4 * std::size_t{first & 0x0Fu};
  if (packet.size() < header_bytes) return false;
  if ((first & 0x10) != 0) {
    if (packet.size() < header_bytes + 4) return false;
    header_bytes += 4 + 4 * std::size_t{read_u16(packet, header_bytes + 2)};
    if (packet.size() < header_bytes) return false;
  }
  return true;
}

// Sessions live for the whole run: creating one costs an NSS context per
// cipher, far more than a packet. Their replay state is kept deterministic
// for the round trip by overwriting the sequence number and SSRC.
struct ProfileSessions {
  SrtpSession receiver;  // fuzz input goes here; only a forged tag could change its state
  SrtpSession loop;      // local == remote: unprotects what it protected itself
  std::uint16_t next_sequence = 0;
};

std::vector<ProfileSessions>& sessions_per_profile() {
  static const SrtpLibrary library;
  static std::vector<ProfileSessions> sessions = [] {
    std::vector<ProfileSessions> all;
    for (const SrtpProfile profile : supported_profiles()) {
      all.push_back(ProfileSessions{SrtpSession(fixed_keys(profile, kOtherKeyByte, kSeedKeyByte)),
                                    SrtpSession(fixed_keys(profile, kSeedKeyByte, kSeedKeyByte))});
      CHECK(all.back().loop.profile() == profile);
    }
    return all;
  }();
  return sessions;
}

void round_trip(ProfileSessions& sessions, std::span<const std::uint8_t> input, bool is_rtp) {
  SrtpSession& session = sessions.loop;
  const std::size_t trailer = is_rtp ? kMaxRtpTrailer : kMaxRtcpTrailer;
  std::vector<std::byte> buffer(input.size() + trailer);
  std::memcpy(buffer.data(), input.data(), input.size());
  // Version 2, no padding; RTP keeps X and CC, RTCP keeps its count field.
  buffer[0] = std::byte(0x80 | (input[0] & 0x1F));
  // One SSRC (no stream per input) and, for RTP, an always-new sequence
  // number (SRTCP numbers its packets itself).
  write_u32(buffer, 4, 0x0A0B0C0D);
  if (is_rtp) {
    write_u32(buffer, 8, 0x0A0B0C0D);
    write_u16(buffer, 2, sessions.next_sequence++);
  }
  const auto plain = std::span<const std::byte>(buffer).first(input.size());
  if (is_rtp && !rtp_header_fits(plain)) return;
  const std::vector<std::byte> original(plain.begin(), plain.end());
  const SrtpCounters before = session.counters();

  const auto protected_length =
      is_rtp ? session.protect_rtp(buffer, input.size()) : session.protect_rtcp(buffer, input.size());
  CHECK(protected_length.has_value());
  CHECK(*protected_length == input.size() + (is_rtp ? session.rtp_trailer_bytes() : session.rtcp_trailer_bytes()));
  const auto srtp = std::span(buffer).first(*protected_length);
  const auto unprotected_length = is_rtp ? session.unprotect_rtp(srtp) : session.unprotect_rtcp(srtp);
  CHECK(unprotected_length == input.size());
  CHECK(std::memcmp(buffer.data(), original.data(), original.size()) == 0);
  const SrtpCounters& after = session.counters();
  CHECK(is_rtp ? after.rtp_unprotected == before.rtp_unprotected + 1
               : after.rtcp_unprotected == before.rtcp_unprotected + 1);
  CHECK(session.drops().total() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxDatagram) return 0;
  const std::span<const std::uint8_t> input(data, size);
  for (ProfileSessions& sessions : sessions_per_profile()) {
    feed_as_srtp(sessions.receiver, input, true);
    feed_as_srtp(sessions.receiver, input, false);
    if (size >= 12) round_trip(sessions, input, true);
    if (size >= 8) round_trip(sessions, input, false);
  }
  return 0;
}
