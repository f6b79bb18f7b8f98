#include "media/srtp/srtp_session.hpp"

#include <srtp2/srtp.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "media/srtp/srtp_library.hpp"

namespace parrot::media::srtp {

void SrtpDealloc::operator()(srtp_ctx_t_* session) const noexcept { srtp_dealloc(session); }

namespace {

constexpr std::size_t kRtpHeaderBytes = 12;   // RFC 3550 §5.1 fixed header
constexpr std::size_t kRtcpHeaderBytes = 8;   // RFC 3550 §6.4: V/P/RC, PT, length, SSRC
constexpr std::size_t kSrtcpIndexBytes = 4;   // RFC 3711 §3.4: E flag + 31-bit index
// A UDP payload is never larger; keeps every length well inside libsrtp's int.
constexpr std::size_t kMaxPacketBytes = 65'535;

static_assert(kMaxRtpTrailer == SRTP_MAX_TAG_LEN);
static_assert(kMaxRtcpTrailer == SRTP_MAX_TAG_LEN + kSrtcpIndexBytes);

srtp_profile_t to_libsrtp(SrtpProfile profile) noexcept {
  switch (profile) {
    case SrtpProfile::kAes128CmSha1_80: return srtp_profile_aes128_cm_sha1_80;
    case SrtpProfile::kAes128CmSha1_32: return srtp_profile_aes128_cm_sha1_32;
    case SrtpProfile::kAeadAes128Gcm: return srtp_profile_aead_aes_128_gcm;
    case SrtpProfile::kAeadAes256Gcm: return srtp_profile_aead_aes_256_gcm;
  }
  return srtp_profile_reserved;
}

std::runtime_error refusal(SrtpProfile profile, std::string_view what, srtp_err_status_t status) {
  return std::runtime_error("libsrtp refused " + std::string(to_string(profile)) + ": " + std::string(what) +
                            " (status " + std::to_string(static_cast<int>(status)) + ")");
}

// `key_salt` is copied into the session's own key schedule by srtp_create,
// so the policy may point into the caller's vector only for this call.
SrtpSessionPtr create_session(SrtpProfile profile, srtp_ssrc_type_t direction, const std::vector<std::byte>& key_salt) {
  srtp_policy_t policy{};
  const srtp_profile_t libsrtp_profile = to_libsrtp(profile);
  // Each of .rtp and .rtcp set from its own function; libdatachannel's bug
  // of setting .rtp twice leaves SRTCP with a zeroed crypto policy.
  srtp_err_status_t status = srtp_crypto_policy_set_from_profile_for_rtp(&policy.rtp, libsrtp_profile);
  if (status != srtp_err_status_ok) throw refusal(profile, "no SRTP crypto policy", status);
  status = srtp_crypto_policy_set_from_profile_for_rtcp(&policy.rtcp, libsrtp_profile);
  if (status != srtp_err_status_ok) throw refusal(profile, "no SRTCP crypto policy", status);

  policy.ssrc.type = direction;
  // libsrtp never writes through the key pointer; its API is not const-correct.
  policy.key = const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(key_salt.data()));
  policy.window_size = kReplayWindowPackets;
  // Only meaningful outbound: NACK answers re-send a sequence number.
  policy.allow_repeat_tx = direction == ssrc_any_outbound ? 1 : 0;
  policy.next = nullptr;

  srtp_t raw = nullptr;
  status = srtp_create(&raw, &policy);
  SrtpSessionPtr session(raw);
  if (status != srtp_err_status_ok) {
    throw refusal(profile, direction == ssrc_any_outbound ? "outbound session" : "inbound session", status);
  }
  return session;
}

}  // namespace

SrtpSession::SrtpSession(const KeyingMaterial& keys) : profile_(keys.profile) {
  keys.validate();
  if (!SrtpLibrary::is_initialized()) {
    throw std::logic_error("SrtpSession created without a live SrtpLibrary (srtp_init not called)");
  }
  inbound_ = create_session(profile_, ssrc_any_inbound, keys.remote_key_salt);
  outbound_ = create_session(profile_, ssrc_any_outbound, keys.local_key_salt);

  std::uint32_t rtp_trailer = 0;
  std::uint32_t rtcp_trailer = 0;
  srtp_err_status_t status = srtp_get_protect_trailer_length(outbound_.get(), 0, 0, &rtp_trailer);
  if (status != srtp_err_status_ok) throw refusal(profile_, "SRTP trailer length", status);
  status = srtp_get_protect_rtcp_trailer_length(outbound_.get(), 0, 0, &rtcp_trailer);
  if (status != srtp_err_status_ok) throw refusal(profile_, "SRTCP trailer length", status);
  rtp_trailer_bytes_ = rtp_trailer;
  rtcp_trailer_bytes_ = rtcp_trailer;
  if (rtp_trailer_bytes_ > kMaxRtpTrailer || rtcp_trailer_bytes_ > kMaxRtcpTrailer) {
    throw std::runtime_error("libsrtp trailer for " + std::string(to_string(profile_)) +
                             " exceeds kMaxRtpTrailer/kMaxRtcpTrailer");
  }
}

std::optional<std::size_t> SrtpSession::protect_rtp(MutableByteView buffer, std::size_t length) noexcept {
  return protect(true, buffer, length);
}

std::optional<std::size_t> SrtpSession::unprotect_rtp(MutableByteView packet) noexcept {
  return unprotect(true, packet);
}

std::optional<std::size_t> SrtpSession::protect_rtcp(MutableByteView buffer, std::size_t length) noexcept {
  return protect(false, buffer, length);
}

std::optional<std::size_t> SrtpSession::unprotect_rtcp(MutableByteView packet) noexcept {
  return unprotect(false, packet);
}

std::optional<std::size_t> SrtpSession::protect(bool is_rtp, MutableByteView buffer, std::size_t length) noexcept {
  const std::size_t header_bytes = is_rtp ? kRtpHeaderBytes : kRtcpHeaderBytes;
  const std::size_t trailer_bytes = is_rtp ? rtp_trailer_bytes_ : rtcp_trailer_bytes_;
  if (length < header_bytes) {
    drops_.count(DropReason::kTooShort);
    return std::nullopt;
  }
  // libsrtp writes the trailer past `length` without knowing the buffer's
  // size, so the room is checked here rather than trusted.
  if (length > kMaxPacketBytes || length > buffer.size() || buffer.size() - length < trailer_bytes) {
    drops_.count(DropReason::kSrtpOther);
    return std::nullopt;
  }
  int srtp_length = static_cast<int>(length);
  const srtp_err_status_t status = is_rtp ? srtp_protect(outbound_.get(), buffer.data(), &srtp_length)
                                          : srtp_protect_rtcp(outbound_.get(), buffer.data(), &srtp_length);
  if (status != srtp_err_status_ok) {
    count_refusal(status);
    return std::nullopt;
  }
  ++(is_rtp ? counters_.rtp_protected : counters_.rtcp_protected);
  return static_cast<std::size_t>(srtp_length);
}

std::optional<std::size_t> SrtpSession::unprotect(bool is_rtp, MutableByteView packet) noexcept {
  // libsrtp has had out-of-bounds reads on truncated packets, and nothing
  // shorter than header + trailer can verify anyway, so it never sees them.
  const std::size_t minimum_bytes =
      is_rtp ? kRtpHeaderBytes + rtp_trailer_bytes_ : kRtcpHeaderBytes + rtcp_trailer_bytes_;
  if (packet.size() < minimum_bytes) {
    drops_.count(DropReason::kTooShort);
    return std::nullopt;
  }
  if (packet.size() > kMaxPacketBytes) {
    drops_.count(DropReason::kSrtpOther);
    return std::nullopt;
  }
  int plain_length = static_cast<int>(packet.size());
  const srtp_err_status_t status = is_rtp ? srtp_unprotect(inbound_.get(), packet.data(), &plain_length)
                                          : srtp_unprotect_rtcp(inbound_.get(), packet.data(), &plain_length);
  if (status != srtp_err_status_ok) {
    count_refusal(status);
    return std::nullopt;
  }
  ++(is_rtp ? counters_.rtp_unprotected : counters_.rtcp_unprotected);
  return static_cast<std::size_t>(plain_length);
}

void SrtpSession::count_refusal(int libsrtp_status) noexcept {
  switch (libsrtp_status) {
    case srtp_err_status_auth_fail: drops_.count(DropReason::kSrtpAuthFail); break;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old: drops_.count(DropReason::kSrtpReplay); break;
    default: drops_.count(DropReason::kSrtpOther); break;
  }
}

std::vector<SrtpProfile> supported_profiles() {
  std::vector<SrtpProfile> supported;
  for (const auto profile : kAllProfiles) {
    KeyingMaterial keys;
    keys.profile = profile;
    keys.local_key_salt.assign(key_salt_bytes(profile), std::byte{0x5a});
    keys.remote_key_salt = keys.local_key_salt;
    try {
      SrtpSession session(keys);
      supported.push_back(profile);
    } catch (const std::runtime_error&) {
      // libsrtp refused this profile: built without it.
    }
  }
  return supported;
}

}  // namespace parrot::media::srtp
