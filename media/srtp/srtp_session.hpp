// SRTP/SRTCP protection for one call (RFC 3711, RFC 7714), around libsrtp2.
//
// Usage on the call's worker (an srtp_t is not thread-safe, so a session is
// confined to the thread that uses it):
//
//   SrtpLibrary library;                      // once, in main()
//   SrtpSession session(keys);                // keys from DTLS-SRTP
//   if (auto n = session.unprotect_rtp(datagram)) handle(datagram.first(*n));
//   std::array<std::byte, 1500 + kMaxRtpTrailer> out; ... copy RTP in ...
//   if (auto n = session.protect_rtp(out, rtp_length)) send(std::span(out).first(*n));
//
// Packet-path calls never throw and never allocate after the first packet of
// an SSRC; a refused packet returns nullopt and counts a DropReason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "media/bytes.hpp"
#include "media/srtp/keying_material.hpp"
#include "media/stats/drop_reason.hpp"

struct srtp_ctx_t_;  // libsrtp's session type (srtp_t is srtp_ctx_t_*); kept out of this header

namespace parrot::media::srtp {

// Bytes protect_rtp()/protect_rtcp() may append: the longest authentication
// tag of the supported profiles (16, GCM) plus, for SRTCP, the E-flag and
// index word (RFC 3711 §3.4). No MKI is ever configured, so libsrtp's larger
// SRTP_MAX_TRAILER_LEN (which reserves 128 MKI bytes) does not apply.
inline constexpr std::size_t kMaxRtpTrailer = 16;
inline constexpr std::size_t kMaxRtcpTrailer = 16 + 4;

// libsrtp replay window for SRTP, in packets. The default (128) is too short
// for video, where a keyframe burst plus reordering spans hundreds of
// packets; RFC 3711 §3.3.2 requires at least 64.
inline constexpr std::size_t kReplayWindowPackets = 1024;

// Zero-size deleter type: the one place srtp_dealloc is called.
struct SrtpDealloc {
  void operator()(srtp_ctx_t_* session) const noexcept;
};
using SrtpSessionPtr = std::unique_ptr<srtp_ctx_t_, SrtpDealloc>;

struct SrtpCounters {
  std::uint64_t rtp_protected = 0;
  std::uint64_t rtp_unprotected = 0;
  std::uint64_t rtcp_protected = 0;
  std::uint64_t rtcp_unprotected = 0;
};

class SrtpSession {
 public:
  // Creates the inbound (remote key, any SSRC) and outbound (local key, any
  // SSRC) libsrtp sessions. Throws std::invalid_argument on key lengths that
  // do not match the profile, std::runtime_error naming the profile if
  // libsrtp refuses it, and std::logic_error if no SrtpLibrary exists.
  explicit SrtpSession(const KeyingMaterial& keys);

  // Movable (sessions live in containers); a moved-from session may only be
  // destroyed or assigned to.
  SrtpSession(SrtpSession&&) noexcept = default;
  SrtpSession& operator=(SrtpSession&&) noexcept = default;
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;
  ~SrtpSession() = default;

  SrtpProfile profile() const noexcept { return profile_; }

  // `buffer` starts with a plain RTP packet of `length` bytes and must have
  // room for rtp_trailer_bytes() more (kMaxRtpTrailer always suffices).
  // Encrypts in place and returns the SRTP length; nullopt (counted) if the
  // packet is shorter than an RTP header, the room is missing or libsrtp
  // refuses it. Sending the same sequence number twice is allowed: parrot
  // answers NACKs by re-protecting the packet from its send history (it does
  // not use RFC 4588 RTX), and a retransmission carries the very same
  // payload, so reusing its keystream reveals nothing new.
  std::optional<std::size_t> protect_rtp(MutableByteView buffer, std::size_t length) noexcept;

  // Verifies and decrypts one SRTP packet in place; returns the plain RTP
  // length (a prefix of `packet`), or nullopt after counting kTooShort,
  // kSrtpAuthFail, kSrtpReplay or kSrtpOther.
  std::optional<std::size_t> unprotect_rtp(MutableByteView packet) noexcept;

  // As protect_rtp for a (compound) RTCP packet; room for
  // rtcp_trailer_bytes() (kMaxRtcpTrailer always suffices).
  std::optional<std::size_t> protect_rtcp(MutableByteView buffer, std::size_t length) noexcept;

  // As unprotect_rtp for SRTCP.
  std::optional<std::size_t> unprotect_rtcp(MutableByteView packet) noexcept;

  // Exact trailer sizes of this profile: RTP tag; RTCP tag + 4-byte index.
  std::size_t rtp_trailer_bytes() const noexcept { return rtp_trailer_bytes_; }
  std::size_t rtcp_trailer_bytes() const noexcept { return rtcp_trailer_bytes_; }

  const DropCounters& drops() const noexcept { return drops_; }
  const SrtpCounters& counters() const noexcept { return counters_; }

 private:
  std::optional<std::size_t> protect(bool is_rtp, MutableByteView buffer, std::size_t length) noexcept;
  std::optional<std::size_t> unprotect(bool is_rtp, MutableByteView packet) noexcept;
  void count_refusal(int libsrtp_status) noexcept;

  SrtpProfile profile_;
  SrtpSessionPtr inbound_;
  SrtpSessionPtr outbound_;
  std::size_t rtp_trailer_bytes_ = 0;
  std::size_t rtcp_trailer_bytes_ = 0;
  DropCounters drops_;
  SrtpCounters counters_;
};

// The profiles the installed libsrtp2 accepts, in kAllProfiles order,
// found by creating a session of each (not assumed from the build flags).
// Needs a live SrtpLibrary.
std::vector<SrtpProfile> supported_profiles();

}  // namespace parrot::media::srtp
