// XML namespaces of the Jingle family, each with the XEP that defines it.
#pragma once

namespace parrot::bot::jingle::ns {

inline constexpr const char* kJingle = "urn:xmpp:jingle:1";                         // XEP-0166
inline constexpr const char* kJingleErrors = "urn:xmpp:jingle:errors:1";            // XEP-0166 §10
inline constexpr const char* kRtp = "urn:xmpp:jingle:apps:rtp:1";                   // XEP-0167
inline constexpr const char* kRtpInfo = "urn:xmpp:jingle:apps:rtp:info:1";          // XEP-0167 §7
inline constexpr const char* kRtcpFb = "urn:xmpp:jingle:apps:rtp:rtcp-fb:0";        // XEP-0293
inline constexpr const char* kRtpHdrext = "urn:xmpp:jingle:apps:rtp:rtp-hdrext:0";  // XEP-0294
inline constexpr const char* kSsma = "urn:xmpp:jingle:apps:rtp:ssma:0";             // XEP-0339
inline constexpr const char* kGrouping = "urn:xmpp:jingle:apps:grouping:0";         // XEP-0338
inline constexpr const char* kIceUdp = "urn:xmpp:jingle:transports:ice-udp:1";      // XEP-0176
inline constexpr const char* kRawUdp = "urn:xmpp:jingle:transports:raw-udp:1";      // XEP-0177
inline constexpr const char* kDtls = "urn:xmpp:jingle:apps:dtls:0";                 // XEP-0320
inline constexpr const char* kJingleMessage = "urn:xmpp:jingle-message:0";          // XEP-0353
inline constexpr const char* kDelay = "urn:xmpp:delay";                             // XEP-0203
inline constexpr const char* kStanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";      // RFC 6120 §8.3
// Conversations' ICE options draft (docs/client-quirks.md#conversations-calls):
// <trickle/>, <renomination/> inside the ICE-UDP transport.
inline constexpr const char* kIceOption = "http://gultsch.de/xmpp/drafts/jingle/transports/ice-udp/option";

}  // namespace parrot::bot::jingle::ns
