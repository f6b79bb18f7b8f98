#include "bot/transfer/http_link_message.hpp"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <vector>

#include "transport/bytestream/base64.hpp"
#include "transport/bytestream/stream_hasher.hpp"

namespace parrot::bot::transfer {
namespace {

constexpr std::size_t kMaxUrlBytes = 8192;
constexpr std::size_t kMaxDigestBytes = 64;  // sha-512 / blake2b-512

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

bool starts_with_nocase(const std::string& text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), text.begin(),
                    [](char expected, char c) { return std::tolower(static_cast<unsigned char>(c)) == expected; });
}

// A body that is nothing but one link, as Conversations and Gajim send
// (docs/client-quirks.md#conversations-files); a sentence with a link in it
// is chat.
bool is_bare_link(const std::string& text) {
  if (text.empty() || text.size() > kMaxUrlBytes) return false;
  if (text.find_first_of(" \t\r\n") != std::string::npos) return false;
  return starts_with_nocase(text, "https://") || starts_with_nocase(text, "http://") ||
         starts_with_nocase(text, "aesgcm://");
}

const gloox::Tag* child_ns(const gloox::Tag& parent, const std::string& name, const char* ns) {
  return parent.findChild(name, "xmlns", ns);
}

std::string sfs_url(const gloox::Tag& sources) {
  for (const gloox::Tag* source : sources.children()) {
    if (source->name() == "url-data" && source->xmlns() == kUrlDataNamespace) {
      const std::string target = trim(source->findAttribute("target"));
      if (!target.empty() && target.size() <= kMaxUrlBytes) return target;
    }
  }
  return {};
}

}  // namespace

FileMetadata parse_file_metadata(const gloox::Tag& file) {
  FileMetadata meta;
  for (const gloox::Tag* child : file.children()) {
    const std::string& name = child->name();
    if (name == "name") {
      meta.name = trim(child->cdata()).substr(0, 1024);
    } else if (name == "media-type" || (name == "media_type" && meta.media_type.empty())) {
      // Dino writes both spellings (docs/client-quirks.md#dino-files).
      meta.media_type = trim(child->cdata()).substr(0, 256);
    } else if (name == "size") {
      const std::string text = trim(child->cdata());
      std::uint64_t value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error == std::errc() && end == text.data() + text.size() && !text.empty()) meta.size = value;
    } else if (name == "hash" && child->xmlns() == kHashesNamespace) {
      std::string algo = child->findAttribute("algo");
      std::transform(algo.begin(), algo.end(), algo.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      // XEP-0300 §3: base64 of the raw digest; anything else cannot be
      // compared, and a wrong value must not turn into a false mismatch.
      std::vector<std::byte> raw;
      if (algo.empty() || algo.size() > 32) continue;
      if (transport::bytestream::base64_decode(child->cdata(), kMaxDigestBytes, raw) !=
              transport::bytestream::Base64Status::kOk ||
          raw.empty()) {
        continue;
      }
      meta.hashes[algo] = transport::bytestream::to_hex(
          std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()));
    }
  }
  return meta;
}

std::optional<LinkOffer> parse_link_message(const gloox::Tag& message) {
  if (message.name() != "message") return std::nullopt;
  const std::string type = message.findAttribute("type");
  if (!type.empty() && type != "chat" && type != "normal") return std::nullopt;

  LinkOffer offer;
  offer.message_id = message.findAttribute("id");
  if (const gloox::Tag* attach = child_ns(message, "attach-to", kAttachingNamespace)) {
    offer.attach_to = attach->findAttribute("id");
  }
  bool shares = false;
  // XEP-0447 §3: everything in one <file-sharing>, or (Dino) the metadata
  // first and a <sources> with the same id later
  // (docs/client-quirks.md#dino-files).
  if (const gloox::Tag* sharing = child_ns(message, "file-sharing", kSfsNamespace)) {
    shares = true;
    offer.sfs_id = sharing->findAttribute("id");
    if (const gloox::Tag* file = child_ns(*sharing, "file", kFileMetadataNamespace)) {
      offer.metadata = parse_file_metadata(*file);
    }
    if (const gloox::Tag* sources = sharing->findChild("sources")) offer.url = sfs_url(*sources);
  }
  if (const gloox::Tag* sources = child_ns(message, "sources", kSfsNamespace)) {
    shares = true;
    if (offer.sfs_id.empty()) offer.sfs_id = sources->findAttribute("id");
    if (offer.url.empty()) offer.url = sfs_url(*sources);
  }
  if (const gloox::Tag* oob = child_ns(message, "x", kOobNamespace)) {
    if (const gloox::Tag* url = oob->findChild("url")) {
      const std::string text = trim(url->cdata());
      if (!text.empty() && text.size() <= kMaxUrlBytes) {
        shares = true;
        if (offer.url.empty()) offer.url = text;
      }
    }
  }
  // The body counts only without oob or SFS: Conversations' body equals its
  // oob URL, and a caption must not replace the real source
  // (docs/client-quirks.md#conversations-files).
  if (const gloox::Tag* body = message.findChild("body"); body && offer.url.empty()) {
    const std::string text = trim(body->cdata());
    if (is_bare_link(text)) {
      shares = true;
      offer.url = text;
    }
  }
  if (!shares) return std::nullopt;
  return offer;
}

}  // namespace parrot::bot::transfer
