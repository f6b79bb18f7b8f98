// The stanza elements of legacy file transfer, parsed from gloox::Tag: the
// XEP-0095 Stream Initiation offer with its XEP-0096 file profile, the
// XEP-0065 bytestream query with its streamhosts, and the XEP-0047 IBB
// open/data/close. Parsers never throw (except std::bad_alloc) and say what
// was wrong in words for the log, plus the error the XEP prescribes.
//
// What real senders put there (docs/file-senders.md): Pidgin sends name and size only; Psi adds an empty <range/> and a
// <fast xmlns='http://affinix.com/jabber/stream'/> sibling; slixmpp sends
// hash and date when its caller gives them. Sizes are 64-bit here (gloox's
// SIProfileFT parses them with atol).
#pragma once

#include <gloox/tag.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parrot::bot::transfer::si {

inline constexpr const char* kSiNamespace = "http://jabber.org/protocol/si";
inline constexpr const char* kFileProfile = "http://jabber.org/protocol/si/profile/file-transfer";
inline constexpr const char* kFeatureNegNamespace = "http://jabber.org/protocol/feature-neg";
inline constexpr const char* kDataFormsNamespace = "jabber:x:data";
inline constexpr const char* kBytestreamsNamespace = "http://jabber.org/protocol/bytestreams";
inline constexpr const char* kIbbNamespace = "http://jabber.org/protocol/ibb";

// What the XEP says to answer a bad offer with (XEP-0095 §3.2, §5).
enum class OfferError {
  kNone,
  kBadRequest,      // malformed: no id, no <file>, no name or size, no feature form
  kBadProfile,      // a profile other than file transfer: bad-request + <bad-profile/>
  kNoValidStreams,  // no stream method parrot speaks: bad-request + <no-valid-streams/>
};

struct SiFile {
  std::string name;
  std::uint64_t size = 0;
  std::string md5;            // XEP-0096 'hash', lowercase hex; empty if absent or malformed
  bool md5_malformed = false; // a 'hash' was there but is not 32 hex digits
  std::string date;
  std::string description;
  bool range_offered = false;  // the sender can start at an offset (parrot never asks)
};

struct SiOffer {
  std::string id;  // the stream id: the SOCKS5 / IBB sid that follows
  std::string mime_type;
  SiFile file;
  std::vector<std::string> stream_methods;  // the form's options, in the sender's order
  std::string chosen_method;                // bytestreams if offered, else ibb
};

struct OfferParse {
  std::optional<SiOffer> offer;
  OfferError error = OfferError::kNone;
  std::string message;  // why, when there is no offer
};

// `si` is the <si xmlns='http://jabber.org/protocol/si'/> element of an IQ set.
OfferParse parse_si_offer(const gloox::Tag& si);

// XEP-0065 §5.3.1: one place the target may connect to.
struct Streamhost {
  std::string jid;
  std::string host;
  std::uint16_t port = 0;
};

struct BytestreamQuery {
  std::string sid;
  std::vector<Streamhost> hosts;  // in the sender's order of preference
  std::size_t skipped = 0;        // streamhosts without a usable host or port
};

struct BytestreamParse {
  std::optional<BytestreamQuery> query;
  std::string condition;  // "bad-request" or "not-acceptable" (mode='udp')
  std::string message;
};

// `query` is <query xmlns='http://jabber.org/protocol/bytestreams'/> from an IQ set.
BytestreamParse parse_bytestream_query(const gloox::Tag& query);

// XEP-0047 §2: one of the three elements an IBB IQ set carries.
struct IbbElement {
  enum class Kind { kOpen, kData, kClose };
  Kind kind = Kind::kOpen;
  std::string sid;
  std::uint32_t block_size = 0;  // open: 1..65535
  std::string stanza = "iq";     // open: 'iq' (default) or 'message'
  std::string seq;               // data: as sent; IbbReceiver checks it
  std::string data;              // data: the base64 text
};

struct IbbParse {
  std::optional<IbbElement> element;
  std::string condition;  // "bad-request", or "resource-constraint" (block-size over 65535)
  std::string message;
};

// `element` is an <open/>, <data/> or <close/> in the IBB namespace.
IbbParse parse_ibb(const gloox::Tag& element);

// The namespace of `tag`, inherited from its ancestors when it declares none.
std::string namespace_of(const gloox::Tag& tag);

// Strict decimal: digits only, no sign or spaces, no overflow.
std::optional<std::uint64_t> parse_u64(std::string_view text);

// --- Replies (all to the IQ's sender, with its id) -------------------------

struct IqRef {
  std::string from;  // whom to answer
  std::string id;
};
IqRef iq_ref(const gloox::Tag& iq);

std::unique_ptr<gloox::Tag> iq_result(const IqRef& iq);
// <error type=…><condition xmlns=stanzas/><text/>[app]</error>.
std::unique_ptr<gloox::Tag> iq_error(const IqRef& iq, std::string_view type, std::string_view condition,
                                     std::string_view text = {}, std::unique_ptr<gloox::Tag> app = nullptr);
// The error an OfferError calls for (XEP-0095 §3.2, §5).
std::unique_ptr<gloox::Tag> offer_error(const IqRef& iq, OfferError error, std::string_view text);
// XEP-0095 §3.1: the result naming the chosen stream method in a submit form.
std::unique_ptr<gloox::Tag> si_accept(const IqRef& iq, std::string_view method);
// XEP-0065 §5.3.3: <query sid><streamhost-used jid/></query>.
std::unique_ptr<gloox::Tag> streamhost_used(const IqRef& iq, std::string_view sid, std::string_view jid);

}  // namespace parrot::bot::transfer::si
