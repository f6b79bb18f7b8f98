// The XEP-0234 Jingle File Transfer elements parrot receives and sends, on
// gloox::Tag: the file description (:5, and the older :4 and :3 shapes), the
// XEP-0300 hashes inside it, <range/>, the session-info payloads <checksum/>
// and <received/>, and the two transports, XEP-0261 IBB and XEP-0260 SOCKS5
// with every transport-info child. Plus FtJingle, the envelope of one Jingle
// IQ as the file-transfer manager needs it (bot/jingle's Jingle keeps no
// unknown description or session-info payload).
//
// Ownership follows bot/jingle/jingle.hpp: parse() reads a Tag it does not
// keep, to_tag() returns a new root. Parsers never throw except
// std::bad_alloc; hostile input gets a ParseResult error (bad-request).
// What real clients send (Conversations' <mediaType>, Gajim's <checksum>
// without name, Conversations' IBB transport without sid) is accepted; see
// docs/file-senders.md.
#pragma once

#include <gloox/tag.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bot/jingle/jingle.hpp"
#include "bot/jingle/parse_result.hpp"
#include "bot/jingle/reason.hpp"

namespace parrot::bot::transfer::jingle_ft {

inline constexpr const char* kFt5 = "urn:xmpp:jingle:apps:file-transfer:5";  // XEP-0234 ≥ 0.18
inline constexpr const char* kFt4 = "urn:xmpp:jingle:apps:file-transfer:4";  // XEP-0234 0.16
inline constexpr const char* kFt3 = "urn:xmpp:jingle:apps:file-transfer:3";  // XEP-0234 0.14-0.15
inline constexpr const char* kFtErrors = "urn:xmpp:jingle:apps:file-transfer:errors:0";  // XEP-0234 §9.2
inline constexpr const char* kS5b = "urn:xmpp:jingle:transports:s5b:1";                 // XEP-0260
inline constexpr const char* kIbbTransport = "urn:xmpp:jingle:transports:ibb:1";        // XEP-0261
inline constexpr const char* kIbb = "http://jabber.org/protocol/ibb";                   // XEP-0047
inline constexpr const char* kBytestreams = "http://jabber.org/protocol/bytestreams";   // XEP-0065
inline constexpr const char* kHashes2 = "urn:xmpp:hashes:2";                            // XEP-0300
inline constexpr const char* kHashes1 = "urn:xmpp:hashes:1";                            // XEP-0300 < 0.5
inline constexpr const char* kJet = "urn:xmpp:jingle:jet:0";                            // XEP-0391
inline constexpr const char* kAxolotl = "eu.siacs.conversations.axolotl";               // legacy OMEMO

// Hostile-input caps. Psi puts one content per file, a sender lists a few
// interfaces and one proxy, and sends at most a handful of algorithms.
inline constexpr std::size_t kMaxHashes = 16;
inline constexpr std::size_t kMaxCandidates = 32;
inline constexpr std::size_t kMaxContents = 64;
inline constexpr std::size_t kMaxTextBytes = 4096;  // name, desc, media-type, sid, host, …

// One of the three description namespaces.
bool is_file_transfer_namespace(std::string_view xmlns) noexcept;

// Strict decimal, up to 2^64-1 (gloox's atoi overflows above 2 GiB).
std::optional<std::uint64_t> parse_u64(std::string_view text) noexcept;

// XEP-0300 <hash algo='…'>value</hash> (or an empty <hash-used algo/>).
struct Hash {
  std::string algo;   // lowercased
  std::string value;  // as sent: base64 in hashes:2, hex or base64 in hashes:1
  // Lowercase hex of the value, nullopt when it is neither valid base64 nor
  // (hashes:1 only) hex.
  std::optional<std::string> hex() const;
  bool legacy = false;  // urn:xmpp:hashes:1 (FT :3/:4)

  friend bool operator==(const Hash&, const Hash&) = default;
};

// XEP-0234 §6.4 <range offset length/>: an empty one means "ranges supported".
struct Range {
  std::uint64_t offset = 0;
  std::optional<std::uint64_t> length;

  friend bool operator==(const Range&, const Range&) = default;
};

// The <description/> of a file offer: :5 and :4 hold <file> directly, :3 in
// <offer> (a :3 <request> is a file request and is refused by the caller).
struct FileDescription {
  std::string xmlns;  // the description's namespace, answered in kind
  std::string name;
  std::optional<std::uint64_t> size;
  std::string media_type;  // <media-type>, or Conversations' <mediaType>
  std::string date;
  std::string desc;
  std::vector<Hash> hashes;           // values sent in the offer
  std::vector<std::string> hash_used;  // algorithms announced for a later checksum
  std::optional<Range> range;
  bool request = false;    // :3 <request> or no <file> to send: not an offer
  bool encrypted = false;  // an OMEMO <encrypted/> in the <file>

  // `tag` is the <description/>. Errors: not an FT namespace, no <file>,
  // a bad <size> or range, more than kMaxHashes hashes, oversized text.
  static jingle::ParseResult<FileDescription> parse(const gloox::Tag& tag);
  // <description xmlns><file>…</file></description> (:3: inside <offer>),
  // as echoed in session-accept; `range` is written only when set.
  std::unique_ptr<gloox::Tag> to_tag() const;

  friend bool operator==(const FileDescription&, const FileDescription&) = default;
};

// session-info <checksum creator name><file><hash/>…</file></checksum>
// (XEP-0234 §8.2). Gajim sends no creator/name; old Conversations always
// names 'a-file-offer'.
struct Checksum {
  std::string xmlns;
  std::string creator;
  std::string name;
  std::vector<Hash> hashes;

  static jingle::ParseResult<Checksum> parse(const gloox::Tag& tag);
  std::unique_ptr<gloox::Tag> to_tag() const;

  friend bool operator==(const Checksum&, const Checksum&) = default;
};

// session-info <received creator name/> (XEP-0234 §8.1).
std::unique_ptr<gloox::Tag> received_tag(const std::string& xmlns, const std::string& creator,
                                         const std::string& name);

// XEP-0261 <transport xmlns='urn:xmpp:jingle:transports:ibb:1' sid block-size/>.
struct IbbTransport {
  std::string sid;                         // may be absent in a transport-accept (Conversations)
  std::optional<std::uint32_t> block_size;  // absent: the XEP-0047 default 4096

  static jingle::ParseResult<IbbTransport> parse(const gloox::Tag& tag);
  std::unique_ptr<gloox::Tag> to_tag() const;

  friend bool operator==(const IbbTransport&, const IbbTransport&) = default;
};

enum class CandidateType { kDirect, kAssisted, kTunnel, kProxy };
std::string_view to_string(CandidateType type) noexcept;

// XEP-0260 §2.2 <candidate cid host jid port priority type/>.
struct S5bCandidate {
  std::string cid;
  std::string host;
  std::string jid;
  std::uint16_t port = 1080;  // XEP-0260: port is optional, default 1080
  std::uint32_t priority = 0;
  CandidateType type = CandidateType::kDirect;

  friend bool operator==(const S5bCandidate&, const S5bCandidate&) = default;
};

// XEP-0260 <transport xmlns='urn:xmpp:jingle:transports:s5b:1' sid mode
// dstaddr>: candidates in an offer or accept, or exactly one of the
// transport-info children candidate-used / candidate-error / activated /
// proxy-error.
struct S5bTransport {
  std::string sid;
  std::string mode;     // "tcp" (default) or "udp"
  std::string dstaddr;  // SHA-1 hex the owner of proxy candidates uses
  std::vector<S5bCandidate> candidates;
  std::optional<std::string> candidate_used;  // cid
  bool candidate_error = false;
  std::optional<std::string> activated;  // cid
  bool proxy_error = false;

  // Errors: missing sid, a candidate without cid/host/jid or with a bad
  // port, priority or type, more than kMaxCandidates.
  static jingle::ParseResult<S5bTransport> parse(const gloox::Tag& tag);
  std::unique_ptr<gloox::Tag> to_tag() const;

  friend bool operator==(const S5bTransport&, const S5bTransport&) = default;
};

// One <content/> as the file-transfer manager reads it.
struct FtContent {
  std::string creator;  // as sent; empty = absent
  std::string name;
  std::string senders;  // as sent; empty = absent (Conversations: initiator)
  std::string description_xmlns;  // empty = no description
  std::optional<FileDescription> file;  // set when the description is a file transfer
  std::string transport_xmlns;    // empty = no transport
  std::variant<std::monostate, IbbTransport, S5bTransport> transport;  // monostate: unknown or none
  bool security = false;  // a JET <security/> (XEP-0391): the payload is ciphertext

  friend bool operator==(const FtContent&, const FtContent&) = default;
};

// A Jingle IQ's <jingle/> for file transfers.
struct FtJingle {
  // nullopt: a name XEP-0166 does not define; acknowledged like the actions
  // a receiver does not expect (no file sender sends one).
  std::optional<jingle::Action> action;
  std::string sid;
  std::string initiator;
  std::vector<FtContent> contents;
  std::optional<jingle::Reason> reason;
  std::vector<Checksum> checksums;  // session-info
  bool received = false;            // session-info <received/>
  bool other_info = false;          // a session-info child parrot does not know

  // Errors (bad-request): no action or sid, more than kMaxContents
  // contents, or an error in a description, transport, checksum or reason.
  static jingle::ParseResult<FtJingle> parse(const gloox::Tag& tag);
};

// True when `iq` is a session-initiate with at least one content whose
// description is a file transfer (routing between calls and transfers).
bool is_file_offer(const gloox::Tag& iq);

}  // namespace parrot::bot::transfer::jingle_ft
