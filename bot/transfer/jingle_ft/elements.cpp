#include "bot/transfer/jingle_ft/elements.hpp"

#include <algorithm>
#include <cctype>
#include <span>

#include "bot/jingle/xml_util.hpp"
#include "transport/bytestream/base64.hpp"
#include "transport/bytestream/stream_hasher.hpp"
#include "transport/decimal.hpp"

namespace parrot::bot::transfer::jingle_ft {
namespace xml = jingle::xml;
namespace {

// Digest values are at most 64 bytes (SHA-512, BLAKE2b-512); a value that
// decodes to more is not a hash.
constexpr std::size_t kMaxDigestBytes = 64;

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool too_long(const std::string& text) { return text.size() > kMaxTextBytes; }

bool is_hash_namespace(const std::string& xmlns) { return xmlns == kHashes2 || xmlns == kHashes1; }

// Reads <hash>/<hash-used> children of `parent` (a <file/> or <checksum>'s
// <file/>) into `hashes` and `used`. False with `error` set on bad input.
bool read_hashes(const gloox::Tag& parent, std::vector<Hash>& hashes, std::vector<std::string>* used,
                 std::string& error) {
  for (const gloox::Tag* child : parent.children()) {
    const std::string xmlns = xml::namespace_of(*child);
    if (!is_hash_namespace(xmlns)) continue;
    if (child->name() != "hash" && child->name() != "hash-used") continue;
    const std::string algo = lowercase(child->findAttribute("algo"));
    if (algo.empty() || too_long(algo)) {
      error = "a <" + child->name() + "/> without a usable algo";
      return false;
    }
    if (hashes.size() + (used ? used->size() : 0) >= kMaxHashes) {
      error = "too many hashes";
      return false;
    }
    // XEP-0234 :4 allows an empty <hash/> to announce the algorithm, as
    // :5's <hash-used/> does.
    const std::string value = child->cdata();
    if (child->name() == "hash-used" || value.empty()) {
      if (used) used->push_back(algo);
      continue;
    }
    if (value.size() > 256) {
      error = "a hash value is too long";
      return false;
    }
    hashes.push_back(Hash{algo, value, xmlns == kHashes1});
  }
  return true;
}

gloox::Tag* add_text(gloox::Tag& parent, const std::string& name, const std::string& text) {
  gloox::Tag* child = xml::add_child(parent, name);
  child->setCData(text);
  return child;
}

void write_hashes(gloox::Tag& parent, const std::vector<Hash>& hashes) {
  for (const auto& hash : hashes) {
    gloox::Tag* child = xml::add_child(parent, "hash", hash.legacy ? kHashes1 : kHashes2);
    child->addAttribute("algo", hash.algo);
    child->setCData(hash.value);
  }
}

// XEP-0260 §2.2: type defaults to direct when absent.
std::optional<CandidateType> candidate_type(std::string_view text) {
  if (text.empty() || text == "direct") return CandidateType::kDirect;
  if (text == "assisted") return CandidateType::kAssisted;
  if (text == "tunnel") return CandidateType::kTunnel;
  if (text == "proxy") return CandidateType::kProxy;
  return std::nullopt;
}

jingle::ParseResult<S5bCandidate> parse_candidate(const gloox::Tag& tag) {
  S5bCandidate candidate;
  candidate.cid = tag.findAttribute("cid");
  candidate.host = tag.findAttribute("host");
  candidate.jid = tag.findAttribute("jid");
  if (candidate.cid.empty() || candidate.host.empty() || candidate.jid.empty())
    return jingle::ParseResult<S5bCandidate>::fail("a candidate needs cid, host and jid");
  if (too_long(candidate.cid) || too_long(candidate.host) || too_long(candidate.jid))
    return jingle::ParseResult<S5bCandidate>::fail("a candidate attribute is too long");
  // Port 0 cannot be connected to; a missing port is XEP-0065's 1080.
  if (const auto port = xml::attribute(tag, "port")) {
    const auto value = xml::parse_uint(*port, 65535);
    if (!value || *value == 0) return jingle::ParseResult<S5bCandidate>::fail("bad candidate port");
    candidate.port = static_cast<std::uint16_t>(*value);
  }
  const auto priority = xml::parse_uint(tag.findAttribute("priority"), 0xFFFFFFFFu);
  if (!priority) return jingle::ParseResult<S5bCandidate>::fail("bad or missing candidate priority");
  candidate.priority = *priority;
  const auto type = candidate_type(tag.findAttribute("type"));
  if (!type) return jingle::ParseResult<S5bCandidate>::fail("unknown candidate type");
  candidate.type = *type;
  return jingle::ParseResult<S5bCandidate>::ok(std::move(candidate));
}

}  // namespace

bool is_file_transfer_namespace(std::string_view xmlns) noexcept {
  return xmlns == kFt5 || xmlns == kFt4 || xmlns == kFt3;
}

std::optional<std::uint64_t> parse_u64(std::string_view text) noexcept {
  // Twenty digits hold every uint64; longer text is refused even when it is
  // zeros in front.
  if (text.size() > 20) return std::nullopt;
  return transport::parse_decimal<std::uint64_t>(text);
}

std::optional<std::string> Hash::hex() const {
  // hashes:1 left the encoding open and early senders wrote hex (research
  // §3): an even-length all-hex value is taken as hex there.
  if (legacy && value.size() % 2 == 0 &&
      std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isxdigit(c) != 0; })) {
    return lowercase(value);
  }
  std::vector<std::byte> raw;
  if (transport::bytestream::base64_decode(value, kMaxDigestBytes, raw) != transport::bytestream::Base64Status::kOk ||
      raw.empty()) {
    return std::nullopt;
  }
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size());
  return transport::bytestream::to_hex(bytes);
}

jingle::ParseResult<FileDescription> FileDescription::parse(const gloox::Tag& tag) {
  using Result = jingle::ParseResult<FileDescription>;
  FileDescription description;
  description.xmlns = xml::namespace_of(tag);
  if (!is_file_transfer_namespace(description.xmlns)) return Result::fail("not a file-transfer description");
  const gloox::Tag* holder = &tag;
  if (description.xmlns == kFt3) {
    // :3 wraps the file in <offer> (sending) or <request> (asking for one).
    holder = tag.findChild("offer");
    if (holder == nullptr) {
      description.request = true;
      return Result::ok(std::move(description));
    }
  }
  const gloox::Tag* file = holder->findChild("file");
  if (file == nullptr) return Result::fail("no <file/> in the description");
  for (const gloox::Tag* child : file->children()) {
    const std::string& name = child->name();
    std::string text = child->cdata();
    if (too_long(text)) return Result::fail("<" + name + "/> is too long");
    if (name == "name") {
      description.name = std::move(text);
    } else if (name == "size") {
      const auto size = parse_u64(text);
      if (!size) return Result::fail("bad <size/>");
      description.size = size;
    } else if (name == "media-type" || name == "mediaType") {
      // Conversations writes camelCase <mediaType> (research §2.1).
      description.media_type = std::move(text);
    } else if (name == "date") {
      description.date = std::move(text);
    } else if (name == "desc") {
      description.desc = std::move(text);
    } else if (name == "range") {
      Range range;
      if (const auto offset = xml::attribute(*child, "offset")) {
        const auto value = parse_u64(*offset);
        if (!value) return Result::fail("bad range offset");
        range.offset = *value;
      }
      if (const auto length = xml::attribute(*child, "length")) {
        const auto value = parse_u64(*length);
        if (!value) return Result::fail("bad range length");
        range.length = value;
      }
      description.range = range;
    } else if (name == "encrypted" && xml::namespace_of(*child) == kAxolotl) {
      // Legacy OMEMO inside the file (psi-plus#784): the bytes are ciphertext.
      description.encrypted = true;
    }
  }
  std::string error;
  if (!read_hashes(*file, description.hashes, &description.hash_used, error)) return Result::fail(error);
  return Result::ok(std::move(description));
}

// Children in the order XEP-0234 §5's examples use; gloox writes them as
// added.
std::unique_ptr<gloox::Tag> FileDescription::to_tag() const {
  auto tag = std::make_unique<gloox::Tag>("description");
  tag->setXmlns(xmlns);
  gloox::Tag* holder = xmlns == kFt3 ? xml::add_child(*tag, "offer") : tag.get();
  gloox::Tag* file = xml::add_child(*holder, "file");
  if (!date.empty()) add_text(*file, "date", date);
  if (!desc.empty()) add_text(*file, "desc", desc);
  if (!media_type.empty()) add_text(*file, "media-type", media_type);
  if (!name.empty()) add_text(*file, "name", name);
  if (size) add_text(*file, "size", std::to_string(*size));
  if (range) {
    gloox::Tag* child = xml::add_child(*file, "range");
    if (range->offset != 0) child->addAttribute("offset", std::to_string(range->offset));
    if (range->length) child->addAttribute("length", std::to_string(*range->length));
  }
  write_hashes(*file, hashes);
  for (const auto& algo : hash_used) {
    xml::add_child(*file, "hash-used", kHashes2)->addAttribute("algo", algo);
  }
  return tag;
}

jingle::ParseResult<Checksum> Checksum::parse(const gloox::Tag& tag) {
  using Result = jingle::ParseResult<Checksum>;
  Checksum checksum;
  checksum.xmlns = xml::namespace_of(tag);
  if (tag.name() != "checksum" || !is_file_transfer_namespace(checksum.xmlns)) return Result::fail("not a checksum");
  checksum.creator = tag.findAttribute("creator");
  checksum.name = tag.findAttribute("name");
  // Gajim 1.x sends neither creator nor name (research §2.3): both optional.
  if (too_long(checksum.creator) || too_long(checksum.name)) return Result::fail("checksum attribute too long");
  const gloox::Tag* file = tag.findChild("file");
  if (file == nullptr) return Result::fail("a checksum without <file/>");
  std::string error;
  std::vector<std::string> used;
  if (!read_hashes(*file, checksum.hashes, &used, error)) return Result::fail(error);
  return Result::ok(std::move(checksum));
}

std::unique_ptr<gloox::Tag> Checksum::to_tag() const {
  auto tag = std::make_unique<gloox::Tag>("checksum");
  tag->setXmlns(xmlns);
  if (!creator.empty()) tag->addAttribute("creator", creator);
  if (!name.empty()) tag->addAttribute("name", name);
  write_hashes(*xml::add_child(*tag, "file"), hashes);
  return tag;
}

std::unique_ptr<gloox::Tag> received_tag(const std::string& xmlns, const std::string& creator,
                                         const std::string& name) {
  auto tag = std::make_unique<gloox::Tag>("received");
  tag->setXmlns(xmlns);
  if (!creator.empty()) tag->addAttribute("creator", creator);
  if (!name.empty()) tag->addAttribute("name", name);
  return tag;
}

jingle::ParseResult<IbbTransport> IbbTransport::parse(const gloox::Tag& tag) {
  using Result = jingle::ParseResult<IbbTransport>;
  IbbTransport transport;
  transport.sid = tag.findAttribute("sid");
  if (too_long(transport.sid)) return Result::fail("IBB sid too long");
  if (const auto block = xml::attribute(tag, "block-size")) {
    // XEP-0047 §2.1: at most 65535; zero would never move a byte.
    const auto value = xml::parse_uint(*block, 65535);
    if (!value || *value == 0) return Result::fail("bad IBB block-size");
    transport.block_size = value;
  }
  return Result::ok(std::move(transport));
}

std::unique_ptr<gloox::Tag> IbbTransport::to_tag() const {
  auto tag = std::make_unique<gloox::Tag>("transport");
  tag->setXmlns(kIbbTransport);
  if (block_size) tag->addAttribute("block-size", std::to_string(*block_size));
  if (!sid.empty()) tag->addAttribute("sid", sid);
  return tag;
}

std::string_view to_string(CandidateType type) noexcept {
  switch (type) {
    case CandidateType::kDirect: return "direct";
    case CandidateType::kAssisted: return "assisted";
    case CandidateType::kTunnel: return "tunnel";
    case CandidateType::kProxy: return "proxy";
  }
  return "direct";
}

jingle::ParseResult<S5bTransport> S5bTransport::parse(const gloox::Tag& tag) {
  using Result = jingle::ParseResult<S5bTransport>;
  S5bTransport transport;
  transport.sid = tag.findAttribute("sid");
  if (transport.sid.empty() || too_long(transport.sid)) return Result::fail("an s5b transport needs a sid");
  transport.mode = tag.findAttribute("mode");
  transport.dstaddr = tag.findAttribute("dstaddr");
  if (too_long(transport.mode) || too_long(transport.dstaddr)) return Result::fail("s5b attribute too long");
  for (const gloox::Tag* child : tag.children()) {
    const std::string& name = child->name();
    if (name == "candidate") {
      if (transport.candidates.size() >= kMaxCandidates) return Result::fail("too many candidates");
      auto candidate = parse_candidate(*child);
      if (!candidate) return Result::fail(candidate.error);
      transport.candidates.push_back(std::move(*candidate.value));
    } else if (name == "candidate-used" || name == "activated") {
      std::string cid = child->findAttribute("cid");
      if (cid.empty() || too_long(cid)) return Result::fail("<" + name + "/> needs a cid");
      (name == "activated" ? transport.activated : transport.candidate_used) = std::move(cid);
    } else if (name == "candidate-error") {
      // XEP-0260 §2.5: none of the peer's candidates worked.
      transport.candidate_error = true;
    } else if (name == "proxy-error") {
      // XEP-0260 §2.6: the nominated proxy could not be activated.
      transport.proxy_error = true;
    }
  }
  return Result::ok(std::move(transport));
}

std::unique_ptr<gloox::Tag> S5bTransport::to_tag() const {
  auto tag = std::make_unique<gloox::Tag>("transport");
  tag->setXmlns(kS5b);
  tag->addAttribute("sid", sid);
  if (!mode.empty()) tag->addAttribute("mode", mode);
  if (!dstaddr.empty()) tag->addAttribute("dstaddr", dstaddr);
  for (const auto& candidate : candidates) {
    gloox::Tag* child = xml::add_child(*tag, "candidate");
    child->addAttribute("cid", candidate.cid);
    child->addAttribute("host", candidate.host);
    child->addAttribute("jid", candidate.jid);
    child->addAttribute("port", std::to_string(candidate.port));
    child->addAttribute("priority", std::to_string(candidate.priority));
    child->addAttribute("type", std::string(to_string(candidate.type)));
  }
  if (candidate_used) xml::add_child(*tag, "candidate-used")->addAttribute("cid", *candidate_used);
  if (candidate_error) xml::add_child(*tag, "candidate-error");
  if (activated) xml::add_child(*tag, "activated")->addAttribute("cid", *activated);
  if (proxy_error) xml::add_child(*tag, "proxy-error");
  return tag;
}

jingle::ParseResult<FtJingle> FtJingle::parse(const gloox::Tag& tag) {
  using Result = jingle::ParseResult<FtJingle>;
  FtJingle jingle;
  const std::string action = tag.findAttribute("action");
  jingle.action = ::parrot::bot::jingle::action_from_string(action);
  jingle.sid = tag.findAttribute("sid");
  jingle.initiator = tag.findAttribute("initiator");
  if (action.empty() || jingle.sid.empty()) return Result::fail("a jingle element needs action and sid");
  if (too_long(jingle.sid) || too_long(jingle.initiator)) return Result::fail("jingle attribute too long");
  for (const gloox::Tag* child : tag.children()) {
    const std::string xmlns = xml::namespace_of(*child);
    if (child->name() == "content") {
      if (jingle.contents.size() >= kMaxContents) return Result::fail("too many contents");
      FtContent content;
      content.creator = child->findAttribute("creator");
      content.name = child->findAttribute("name");
      content.senders = child->findAttribute("senders");
      if (too_long(content.name) || too_long(content.creator) || too_long(content.senders))
        return Result::fail("content attribute too long");
      for (const gloox::Tag* part : child->children()) {
        const std::string part_ns = xml::namespace_of(*part);
        if (part->name() == "description") {
          content.description_xmlns = part_ns;
          if (is_file_transfer_namespace(part_ns)) {
            auto file = FileDescription::parse(*part);
            if (!file) return Result::fail(file.error);
            content.file = std::move(*file.value);
          }
        } else if (part->name() == "transport") {
          content.transport_xmlns = part_ns;
          if (part_ns == kIbbTransport) {
            auto ibb = IbbTransport::parse(*part);
            if (!ibb) return Result::fail(ibb.error);
            content.transport = std::move(*ibb.value);
          } else if (part_ns == kS5b) {
            auto s5b = S5bTransport::parse(*part);
            if (!s5b) return Result::fail(s5b.error);
            content.transport = std::move(*s5b.value);
          }
        } else if (part->name() == "security") {
          content.security = true;  // XEP-0391 JET (or a variant): the bytes are ciphertext
        }
      }
      jingle.contents.push_back(std::move(content));
    } else if (child->name() == "reason") {
      auto reason = jingle::Reason::parse(*child);
      if (!reason) return Result::fail(reason.error);
      jingle.reason = std::move(*reason.value);
    } else if (jingle.action == ::parrot::bot::jingle::Action::kSessionInfo) {
      // XEP-0234 §8: checksum and received; anything else is answered
      // unsupported-info by the manager (XEP-0166 §7.2.16).
      if (child->name() == "checksum" && is_file_transfer_namespace(xmlns)) {
        if (jingle.checksums.size() >= kMaxContents) return Result::fail("too many checksums");
        auto checksum = Checksum::parse(*child);
        if (!checksum) return Result::fail(checksum.error);
        jingle.checksums.push_back(std::move(*checksum.value));
      } else if (child->name() == "received" && is_file_transfer_namespace(xmlns)) {
        jingle.received = true;
      } else {
        jingle.other_info = true;
      }
    }
  }
  return Result::ok(std::move(jingle));
}

// Checked before any full parse, so that App can route a session-initiate
// to the transfer manager or to calls by its descriptions alone.
bool is_file_offer(const gloox::Tag& iq) {
  const gloox::Tag* jingle = iq.findChild("jingle", "xmlns", "urn:xmpp:jingle:1");
  if (jingle == nullptr ||
      ::parrot::bot::jingle::action_from_string(jingle->findAttribute("action")) !=
          ::parrot::bot::jingle::Action::kSessionInitiate) {
    return false;
  }
  for (const gloox::Tag* content : jingle->findChildren("content")) {
    for (const gloox::Tag* part : content->findChildren("description")) {
      if (is_file_transfer_namespace(xml::namespace_of(*part))) return true;
    }
  }
  return false;
}

}  // namespace parrot::bot::transfer::jingle_ft
