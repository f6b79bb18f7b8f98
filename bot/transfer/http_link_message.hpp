// Files shared as links in chat messages (docs/client-quirks.md#file-links):
// the XEP-0363 GET URL in the body and/or in XEP-0066 <x
// xmlns='jabber:x:oob'><url> (Conversations, Gajim, Dino), and XEP-0447
// <file-sharing xmlns='urn:xmpp:sfs:0'> with XEP-0446 <file> metadata and
// XEP-0300 hashes (Dino ≥ 0.5, which may send the metadata and the source
// in two messages tied by the sfs id or XEP-0367 attach-to).
#pragma once

#include <gloox/tag.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace parrot::bot::transfer {

inline constexpr const char* kOobNamespace = "jabber:x:oob";
inline constexpr const char* kSfsNamespace = "urn:xmpp:sfs:0";
inline constexpr const char* kFileMetadataNamespace = "urn:xmpp:file:metadata:0";
inline constexpr const char* kUrlDataNamespace = "http://jabber.org/protocol/url-data";
inline constexpr const char* kHashesNamespace = "urn:xmpp:hashes:2";
inline constexpr const char* kAttachingNamespace = "urn:xmpp:message-attaching:1";

// XEP-0446 <file> as far as a report needs it.
struct FileMetadata {
  std::string name;
  std::string media_type;
  std::optional<std::uint64_t> size;
  // XEP-0300 hashes by lowercase algorithm name, as lowercase hex; values
  // that are not canonical base64 are left out.
  std::map<std::string, std::string> hashes;
};

struct LinkOffer {
  std::string url;        // empty for metadata waiting for its source
  std::string sfs_id;     // XEP-0447 id of file-sharing or sources
  std::string attach_to;  // XEP-0367 id of the message this one attaches to
  std::string message_id;
  std::optional<FileMetadata> metadata;
};

// nullopt when the message shares no file: not a chat/normal message, or
// without oob url, SFS element, or a body that is exactly one http(s)://
// or aesgcm:// URL. The URL is taken from SFS url-data, then oob, then the
// body. Never throws (except std::bad_alloc).
std::optional<LinkOffer> parse_link_message(const gloox::Tag& message);

// XEP-0446 <file/>; hash values decoded from base64 to hex.
FileMetadata parse_file_metadata(const gloox::Tag& file);

}  // namespace parrot::bot::transfer
