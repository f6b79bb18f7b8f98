// The traffic of the cross-backend test, built identically in two processes:
// one runs libsrtp's stock crypto, the other parrot's OpenSSL types (the
// choice is process-wide, so the comparison needs two processes). One side
// protects every packet and writes the results to a file; the other
// protects the same packets itself, requires the very same bytes, then
// unprotects the file's packets, and checks that a tampered copy and a
// replay are refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "media/bytes.hpp"
#include "media/srtp/keying_material.hpp"
#include "media/srtp/srtp_session.hpp"

namespace parrot::media::srtp::cross_backend {

struct Packet {
  bool is_rtp = true;
  std::vector<std::byte> plain;
};

// One direction's keys; the receiving side swaps them.
inline KeyingMaterial sender_keys(SrtpProfile profile) {
  KeyingMaterial keys;
  keys.profile = profile;
  for (std::size_t i = 0; i < key_salt_bytes(profile); ++i) {
    keys.local_key_salt.push_back(std::byte(static_cast<std::uint8_t>(0x3c + i * 29)));
    keys.remote_key_salt.push_back(std::byte(static_cast<std::uint8_t>(0xa1 + i * 17)));
  }
  return keys;
}
inline KeyingMaterial receiver_keys(SrtpProfile profile) {
  KeyingMaterial keys = sender_keys(profile);
  std::swap(keys.local_key_salt, keys.remote_key_salt);
  return keys;
}

inline void append_u16(std::vector<std::byte>& out, std::uint16_t v) {
  out.push_back(std::byte(static_cast<std::uint8_t>(v >> 8)));
  out.push_back(std::byte(static_cast<std::uint8_t>(v)));
}
inline void append_u32(std::vector<std::byte>& out, std::uint32_t v) {
  append_u16(out, static_cast<std::uint16_t>(v >> 16));
  append_u16(out, static_cast<std::uint16_t>(v));
}
inline void append_pattern(std::vector<std::byte>& out, std::size_t bytes, std::uint32_t seed) {
  for (std::size_t i = 0; i < bytes; ++i) out.push_back(std::byte(static_cast<std::uint8_t>(seed * 31 + i * 7)));
}

// RFC 3550 §5.1 header, optional CSRCs and RFC 8285 extension block.
inline std::vector<std::byte> rtp(std::uint32_t ssrc, std::uint16_t sequence, std::size_t csrcs, int extension,
                                  std::size_t payload_bytes) {
  std::vector<std::byte> out;
  out.push_back(std::byte(static_cast<std::uint8_t>(0x80 | (extension != 0 ? 0x10 : 0) | csrcs)));
  out.push_back(std::byte{111});
  append_u16(out, sequence);
  append_u32(out, 960u * sequence);
  append_u32(out, ssrc);
  for (std::size_t i = 0; i < csrcs; ++i) append_u32(out, 0xc0000000u + static_cast<std::uint32_t>(i));
  if (extension == 1) {  // one-byte form: id 1 (1 byte), id 3 (3 bytes), padding
    append_u16(out, 0xbede);
    append_u16(out, 2);
    for (const int b : {0x10, 0x7f, 0x32, 0x01, 0x02, 0x03, 0x00, 0x00}) out.push_back(std::byte(static_cast<std::uint8_t>(b)));
  } else if (extension == 2) {  // two-byte form: id 5, 2 bytes
    append_u16(out, 0x1000);
    append_u16(out, 1);
    for (const int b : {0x05, 0x02, 0xaa, 0xbb}) out.push_back(std::byte(static_cast<std::uint8_t>(b)));
  }
  append_pattern(out, payload_bytes, sequence);
  return out;
}

// A sender report with one report block, or a receiver report followed by
// an SDES CNAME chunk (a compound packet).
inline std::vector<std::byte> rtcp(std::uint32_t ssrc, int which) {
  std::vector<std::byte> out;
  if (which % 2 == 0) {
    out.push_back(std::byte{0x81});
    out.push_back(std::byte{200});
    append_u16(out, 12);  // (52 bytes / 4) - 1
    append_u32(out, ssrc);
    append_pattern(out, 20 + 24, static_cast<std::uint32_t>(which));
  } else {
    out.push_back(std::byte{0x81});
    out.push_back(std::byte{201});
    append_u16(out, 7);
    append_u32(out, ssrc);
    append_pattern(out, 24, static_cast<std::uint32_t>(which));
    out.push_back(std::byte{0x81});
    out.push_back(std::byte{202});
    append_u16(out, 3);
    append_u32(out, ssrc);
    for (const int b : {0x01, 0x02, int{'p'}, int{'a'}, 0x00, 0x00, 0x00, 0x00}) {
      out.push_back(std::byte(static_cast<std::uint8_t>(b)));
    }
  }
  return out;
}

// RTP across a sequence number rollover (the ROC enters the keystream and
// the tag), with CSRCs, both extension forms and payloads of 1 to 1,200
// bytes, a second SSRC, and RTCP in between.
inline std::vector<Packet> traffic() {
  std::vector<Packet> packets;
  const std::size_t payloads[] = {160, 1, 17, 1100, 32, 1200, 15, 16};
  for (int i = 0; i < 16; ++i) {
    const auto sequence = static_cast<std::uint16_t>(65'526 + i);  // 65526 ... 65535, 0 ... 5
    const auto csrcs = static_cast<std::size_t>(i % 3);
    const int extension = i % 4 == 3 ? 0 : i % 4;
    packets.push_back({true, rtp(0x11223344, sequence, csrcs, extension, payloads[i % 8])});
    if (i % 4 == 1) packets.push_back({true, rtp(0x55667788, static_cast<std::uint16_t>(100 + i), 1, 1, 80)});
    if (i % 5 == 2) packets.push_back({false, rtcp(0x11223344, i)});
  }
  packets.push_back({false, rtcp(0x55667788, 1)});
  return packets;
}

// Protects `packets` in order with a fresh outbound session.
inline std::vector<std::vector<std::byte>> protect_all(SrtpProfile profile, const std::vector<Packet>& packets) {
  SrtpSession sender(sender_keys(profile));
  std::vector<std::vector<std::byte>> out;
  for (const Packet& packet : packets) {
    std::vector<std::byte> buffer = packet.plain;
    buffer.resize(packet.plain.size() + kMaxRtcpTrailer);
    const auto length = packet.is_rtp ? sender.protect_rtp(buffer, packet.plain.size())
                                      : sender.protect_rtcp(buffer, packet.plain.size());
    buffer.resize(length.value_or(0));
    out.push_back(std::move(buffer));
  }
  return out;
}

// Where the payload starts: after the RTP header, CSRCs and extension
// block, or after an RTCP packet's header and sender SSRC.
inline std::size_t payload_offset(const Packet& packet) {
  if (!packet.is_rtp) return 8;
  const std::size_t cc = read_u8(packet.plain, 0) & 0x0f;
  std::size_t offset = 12 + 4 * cc;
  if ((read_u8(packet.plain, 0) & 0x10) != 0) offset += 4 + 4 * std::size_t{read_u16(packet.plain, offset + 2)};
  return offset;
}

// "" if `received` is what this process protects too, byte for byte, and
// unprotects to the plain packets, with tampered copies and replays refused
// (and counted as such); otherwise the first difference.
inline std::string check_all(SrtpProfile profile, const std::vector<Packet>& packets,
                             const std::vector<std::vector<std::byte>>& received) {
  const std::string name(to_string(profile));
  if (received.size() != packets.size()) return name + ": packet count differs";
  const auto own = protect_all(profile, packets);
  SrtpSession receiver(receiver_keys(profile));
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const std::string where = name + " packet " + std::to_string(i) + (packets[i].is_rtp ? " (RTP)" : " (RTCP)");
    if (received[i].empty()) return where + ": the other side could not protect it";
    if (own[i] != received[i]) return where + ": protected bytes differ between the back ends";
    auto unprotect = [&](std::vector<std::byte> bytes) -> std::optional<std::vector<std::byte>> {
      const auto length = packets[i].is_rtp ? receiver.unprotect_rtp(bytes) : receiver.unprotect_rtcp(bytes);
      if (!length) return std::nullopt;
      bytes.resize(*length);
      return bytes;
    };
    const std::uint64_t auth_fails = receiver.drops()[DropReason::kSrtpAuthFail];
    const std::uint64_t replays = receiver.drops()[DropReason::kSrtpReplay];
    // One bit of the (encrypted) payload, then one of the tag or, for AEAD
    // SRTCP, of the index after it.
    for (const std::size_t at : {payload_offset(packets[i]), received[i].size() - 1}) {
      std::vector<std::byte> tampered = received[i];
      tampered[at] ^= std::byte{0x04};
      if (unprotect(tampered)) return where + ": a tampered copy was accepted";
    }
    if (receiver.drops()[DropReason::kSrtpAuthFail] != auth_fails + 2) return where + ": tampering not counted";
    const auto plain = unprotect(received[i]);
    if (!plain) return where + ": refused";
    if (*plain != packets[i].plain) return where + ": unprotects to different bytes";
    if (unprotect(received[i])) return where + ": a replay was accepted";
    if (receiver.drops()[DropReason::kSrtpReplay] != replays + 1) return where + ": replay not counted";
  }
  return "";
}

// The file: for each profile of kAllProfiles, a count and then each
// protected packet as a 32-bit length and its bytes.
using Recording = std::vector<std::vector<std::vector<std::byte>>>;  // [profile][packet] -> bytes

inline bool write_recording(const std::string& path, const Recording& recording) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  auto put_u32 = [&file](std::uint32_t v) {
    const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                           static_cast<char>(v)};
    file.write(bytes, 4);
  };
  for (const auto& profile_packets : recording) {
    put_u32(static_cast<std::uint32_t>(profile_packets.size()));
    for (const auto& packet : profile_packets) {
      put_u32(static_cast<std::uint32_t>(packet.size()));
      file.write(reinterpret_cast<const char*>(packet.data()), static_cast<std::streamsize>(packet.size()));
    }
  }
  return static_cast<bool>(file);
}

inline std::optional<Recording> read_recording(const std::string& path, std::size_t profiles) {
  std::ifstream file(path, std::ios::binary);
  auto get_u32 = [&file]() -> std::optional<std::uint32_t> {
    unsigned char bytes[4];
    if (!file.read(reinterpret_cast<char*>(bytes), 4)) return std::nullopt;
    return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) |
           bytes[3];
  };
  Recording recording(profiles);
  for (auto& profile_packets : recording) {
    const auto count = get_u32();
    if (!count || *count > 10'000) return std::nullopt;
    for (std::uint32_t i = 0; i < *count; ++i) {
      const auto length = get_u32();
      if (!length || *length > 65'535) return std::nullopt;
      std::vector<std::byte> packet(*length);
      if (!file.read(reinterpret_cast<char*>(packet.data()), static_cast<std::streamsize>(*length))) {
        return std::nullopt;
      }
      profile_packets.push_back(std::move(packet));
    }
  }
  return recording;
}

inline Recording protect_every_profile() {
  Recording recording;
  const auto packets = traffic();
  for (const SrtpProfile profile : kAllProfiles) recording.push_back(protect_all(profile, packets));
  return recording;
}

// "" or the first difference over every profile.
inline std::string check_every_profile(const Recording& recording) {
  const auto packets = traffic();
  std::size_t p = 0;
  for (const SrtpProfile profile : kAllProfiles) {
    const std::string problem = check_all(profile, packets, recording.at(p++));
    if (!problem.empty()) return problem;
  }
  return "";
}

}  // namespace parrot::media::srtp::cross_backend
