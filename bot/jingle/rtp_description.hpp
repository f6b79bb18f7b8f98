// XEP-0167 <description xmlns='urn:xmpp:jingle:apps:rtp:1' media>: payload
// types and their parameters, with the extensions real clients put inside
// it: XEP-0293 rtcp-fb, XEP-0294 rtp-hdrext, XEP-0339 source/ssrc-group,
// rtcp-mux and SDES crypto (XEP-0167 §7).
#pragma once

#include <gloox/tag.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bot/jingle/parse_result.hpp"
#include "bot/jingle/senders.hpp"

namespace parrot::bot::jingle {

struct Parameter {  // <parameter name value/> (XEP-0167 §4, XEP-0339 §3)
  std::string name;
  std::string value;
  friend bool operator==(const Parameter&, const Parameter&) = default;
};

struct RtcpFeedback {  // XEP-0293 §3: <rtcp-fb type subtype/>, e.g. "nack" "pli"
  std::string type;
  std::string subtype;  // empty = absent
  friend bool operator==(const RtcpFeedback&, const RtcpFeedback&) = default;
};

struct PayloadType {
  std::uint8_t id = 0;  // 0..127 (RFC 3550 §5.1: 7 bits)
  std::string name;     // empty = absent (allowed for static ids)
  std::optional<std::uint32_t> clockrate;
  std::uint8_t channels = 1;  // XEP-0167 §4: default 1
  std::optional<std::uint32_t> ptime;
  std::optional<std::uint32_t> maxptime;
  std::vector<Parameter> parameters;
  std::vector<RtcpFeedback> rtcp_fb;
  std::optional<std::uint32_t> rtcp_fb_trr_int;  // XEP-0293 §4, milliseconds
  friend bool operator==(const PayloadType&, const PayloadType&) = default;
};

struct HeaderExtension {  // XEP-0294 §3
  std::uint16_t id = 0;   // 1..255 (RFC 8285 §4.2/§4.3; 15 is reserved in the one-byte form)
  std::string uri;
  std::optional<Senders> senders;  // absent = both
  friend bool operator==(const HeaderExtension&, const HeaderExtension&) = default;
};

struct Source {  // XEP-0339 §3: <source ssrc><parameter name='cname' value/>…
  std::uint32_t ssrc = 0;
  std::vector<Parameter> parameters;
  friend bool operator==(const Source&, const Source&) = default;
};

struct SsrcGroup {  // XEP-0339 §4: semantics "FID", "SIM", …
  std::string semantics;
  std::vector<std::uint32_t> ssrcs;
  friend bool operator==(const SsrcGroup&, const SsrcGroup&) = default;
};

struct Crypto {  // XEP-0167 §7 SDES, RFC 4568
  std::string crypto_suite;
  std::string key_params;
  std::string session_params;
  std::string tag;
  friend bool operator==(const Crypto&, const Crypto&) = default;
};

struct Bandwidth {  // XEP-0167 §4 <bandwidth type>value</bandwidth>
  std::string type;
  std::string value;
  friend bool operator==(const Bandwidth&, const Bandwidth&) = default;
};

struct RtpDescription {
  // Hostile-input caps; exceeding any of them is a parse error (bad-request).
  static constexpr std::size_t kMaxPayloadTypes = 128;     // every RTP payload id once
  static constexpr std::size_t kMaxParameters = 32;        // per payload-type or source
  static constexpr std::size_t kMaxRtcpFeedback = 32;      // per payload-type and at description level
  static constexpr std::size_t kMaxHeaderExtensions = 32;  // RFC 8285 one-byte ids are 14
  static constexpr std::size_t kMaxSources = 64;           // simulcast + rtx + fec is under 10
  static constexpr std::size_t kMaxSsrcGroups = 16;
  static constexpr std::size_t kMaxSsrcsPerGroup = 16;
  static constexpr std::size_t kMaxCrypto = 16;

  std::string media;  // "audio", "video" (REQUIRED by XEP-0167 §4)
  std::optional<std::uint32_t> ssrc;
  std::vector<PayloadType> payload_types;
  std::vector<RtcpFeedback> rtcp_fb;  // description level: applies to every payload
  std::optional<std::uint32_t> rtcp_fb_trr_int;
  std::vector<HeaderExtension> header_extensions;
  bool extmap_allow_mixed = false;  // XEP-0294 §4
  bool rtcp_mux = false;
  std::optional<Bandwidth> bandwidth;
  // SDES offers (Dino sends them next to DTLS). Parsed only to know they
  // were offered: to_tag() never writes them, because answering both would
  // double-encrypt the media (docs/client-quirks.md#dino-calls).
  std::vector<Crypto> crypto;
  bool encryption_required = false;
  std::vector<Source> sources;
  std::vector<SsrcGroup> ssrc_groups;

  // What parse() left out of an offer that is odd but usable, so one odd
  // element never refuses a call (libpurple's channels='0', a payload-type
  // without an id, a source without an ssrc): the element and why. Kept for
  // the call report; not serialised, and at most kMaxIgnored of them.
  struct Ignored {
    std::string what;  // e.g. the payload-type's name or the extension's uri
    std::string why;
    friend bool operator==(const Ignored&, const Ignored&) = default;
  };
  static constexpr std::size_t kMaxIgnored = 8;
  std::vector<Ignored> ignored;
  void ignore(std::string what, std::string why);

  // Errors: no media, a bad description-level ssrc, or any cap exceeded.
  // A payload-type with a bad id or number, a header extension without
  // id/uri, a source without ssrc or a malformed ssrc-group is left out and
  // noted in `ignored`; a typeless rtcp-fb is skipped. Unknown children are
  // ignored. Whether what remains is usable is the answer's decision.
  static ParseResult<RtpDescription> parse(const gloox::Tag& tag);
  // A new root element owned by the caller. Never writes <encryption>.
  std::unique_ptr<gloox::Tag> to_tag() const;

  friend bool operator==(const RtpDescription&, const RtpDescription&) = default;
};

}  // namespace parrot::bot::jingle
