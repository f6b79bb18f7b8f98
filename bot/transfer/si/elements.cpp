#include "bot/transfer/si/elements.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

namespace parrot::bot::transfer::si {
namespace {

constexpr const char* kStanzasNamespace = "urn:ietf:params:xml:ns:xmpp-stanzas";

bool is(const gloox::Tag& tag, std::string_view name, std::string_view xmlns) {
  return tag.name() == name && namespace_of(tag) == xmlns;
}

const gloox::Tag* child(const gloox::Tag& parent, std::string_view name, std::string_view xmlns) {
  for (const gloox::Tag* c : parent.children())
    if (is(*c, name, xmlns)) return c;
  return nullptr;
}

std::optional<std::string> attribute(const gloox::Tag& tag, const std::string& name) {
  if (!tag.hasAttribute(name)) return std::nullopt;
  return tag.findAttribute(name);
}

// XEP-0096 §2: the hash is the MD5 of the file in hex; anything else cannot
// be compared and is dropped rather than reported as a mismatch.
bool is_md5_hex(std::string_view text) {
  return text.size() == 32 &&
         std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// The option values of the stream-method field (XEP-0095 §3.1 via XEP-0020
// feature negotiation in an XEP-0004 form of type 'form').
std::optional<std::vector<std::string>> stream_methods(const gloox::Tag& si) {
  const gloox::Tag* feature = child(si, "feature", kFeatureNegNamespace);
  if (feature == nullptr) return std::nullopt;
  const gloox::Tag* form = child(*feature, "x", kDataFormsNamespace);
  if (form == nullptr) return std::nullopt;
  for (const gloox::Tag* field : form->children()) {
    if (field->name() != "field" || field->findAttribute("var") != "stream-method") continue;
    std::vector<std::string> methods;
    for (const gloox::Tag* option : field->children()) {
      if (option->name() != "option") continue;
      if (const gloox::Tag* value = option->findChild("value")) methods.push_back(value->cdata());
    }
    return methods;
  }
  return std::nullopt;
}

}  // namespace

std::string namespace_of(const gloox::Tag& tag) {
  for (const gloox::Tag* t = &tag; t != nullptr; t = t->parent()) {
    if (!t->xmlns().empty()) return t->xmlns();
  }
  return {};
}

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

OfferParse parse_si_offer(const gloox::Tag& si) {
  OfferParse out;
  const auto fail = [&out](OfferError error, std::string message) {
    out.error = error;
    out.message = std::move(message);
    return out;
  };
  SiOffer offer;
  offer.id = si.findAttribute("id");
  // XEP-0095 §3.1 limits nothing but the stream id's presence; parrot also
  // caps its length because it is hashed into DST.ADDR and echoed in logs.
  if (offer.id.empty() || offer.id.size() > 256) return fail(OfferError::kBadRequest, "the <si/> has no usable 'id'");
  if (si.findAttribute("profile") != kFileProfile)
    return fail(OfferError::kBadProfile, "profile '" + si.findAttribute("profile").substr(0, 100) + "' is not file transfer");
  offer.mime_type = si.findAttribute("mime-type");

  const gloox::Tag* file = child(si, "file", kFileProfile);
  if (file == nullptr) return fail(OfferError::kBadRequest, "no <file/> in the file-transfer profile");
  offer.file.name = file->findAttribute("name");
  if (offer.file.name.empty()) return fail(OfferError::kBadRequest, "the <file/> has no 'name'");
  // XEP-0096 §2 makes size REQUIRED; without it the end of the data cannot be told.
  const auto size = parse_u64(file->findAttribute("size"));
  if (!size) return fail(OfferError::kBadRequest, "the <file/> has no decimal 'size'");
  offer.file.size = *size;
  if (const auto hash = attribute(*file, "hash")) {
    if (is_md5_hex(*hash)) {
      offer.file.md5 = *hash;
      std::transform(offer.file.md5.begin(), offer.file.md5.end(), offer.file.md5.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    } else {
      offer.file.md5_malformed = true;
    }
  }
  offer.file.date = file->findAttribute("date");
  if (const gloox::Tag* desc = child(*file, "desc", kFileProfile)) offer.file.description = desc->cdata();
  offer.file.range_offered = child(*file, "range", kFileProfile) != nullptr;

  const auto methods = stream_methods(si);
  if (!methods) return fail(OfferError::kBadRequest, "no stream-method form in <feature/>");
  offer.stream_methods = *methods;
  // SOCKS5 first (XEP-0096 §4 lists it as the preferred method; a worker
  // reads it), IBB when that is all the sender has.
  for (const char* preferred : {kBytestreamsNamespace, kIbbNamespace}) {
    if (std::find(methods->begin(), methods->end(), preferred) != methods->end()) {
      offer.chosen_method = preferred;
      break;
    }
  }
  if (offer.chosen_method.empty()) return fail(OfferError::kNoValidStreams, "no stream method parrot speaks (SOCKS5, IBB)");
  out.offer = std::move(offer);
  return out;
}

BytestreamParse parse_bytestream_query(const gloox::Tag& query) {
  BytestreamParse out;
  BytestreamQuery parsed;
  parsed.sid = query.findAttribute("sid");
  if (parsed.sid.empty()) {
    out.condition = "bad-request";
    out.message = "the <query/> has no 'sid'";
    return out;
  }
  // XEP-0065 §5.3.1: 'mode' defaults to tcp; udp was never deployed.
  if (const auto mode = attribute(query, "mode"); mode && *mode != "tcp") {
    out.condition = "not-acceptable";
    out.message = "mode '" + mode->substr(0, 20) + "' is not supported (only tcp)";
    return out;
  }
  for (const gloox::Tag* host : query.children()) {
    if (!is(*host, "streamhost", kBytestreamsNamespace)) continue;
    Streamhost s;
    s.jid = host->findAttribute("jid");
    s.host = host->findAttribute("host");
    const auto port = parse_u64(host->findAttribute("port"));
    // A zeroconf-only streamhost (XEP-0065 §5.3.1 'zeroconf') has no host
    // and port; parrot, a server process, has no link-local discovery.
    if (s.jid.empty() || s.host.empty() || s.host.size() > 255 || !port || *port == 0 || *port > 65535) {
      ++parsed.skipped;
      continue;
    }
    s.port = static_cast<std::uint16_t>(*port);
    parsed.hosts.push_back(std::move(s));
  }
  if (parsed.hosts.empty()) {
    out.condition = "bad-request";
    out.message = "no usable <streamhost/> (jid, host and port)";
    return out;
  }
  out.query = std::move(parsed);
  return out;
}

IbbParse parse_ibb(const gloox::Tag& element) {
  IbbParse out;
  IbbElement parsed;
  const auto fail = [&out](std::string condition, std::string message) {
    out.condition = std::move(condition);
    out.message = std::move(message);
    return out;
  };
  parsed.sid = element.findAttribute("sid");
  if (parsed.sid.empty()) return fail("bad-request", "no 'sid'");
  if (element.name() == "open") {
    parsed.kind = IbbElement::Kind::kOpen;
    const auto block = parse_u64(element.findAttribute("block-size"));
    if (!block || *block == 0) return fail("bad-request", "no decimal 'block-size'");
    // XEP-0047 §2.1: block-size MUST NOT exceed 65535; a larger one is a
    // resource-constraint (type modify), so the sender may retry smaller.
    if (*block > 65535) return fail("resource-constraint", "block-size over 65535");
    parsed.block_size = static_cast<std::uint32_t>(*block);
    if (const auto stanza = attribute(element, "stanza")) parsed.stanza = *stanza;
    if (parsed.stanza != "iq" && parsed.stanza != "message") return fail("bad-request", "'stanza' is neither iq nor message");
  } else if (element.name() == "data") {
    parsed.kind = IbbElement::Kind::kData;
    parsed.seq = element.findAttribute("seq");
    parsed.data = element.cdata();
  } else if (element.name() == "close") {
    parsed.kind = IbbElement::Kind::kClose;
  } else {
    return fail("bad-request", "unknown IBB element <" + element.name().substr(0, 40) + "/>");
  }
  out.element = std::move(parsed);
  return out;
}

IqRef iq_ref(const gloox::Tag& iq) { return IqRef{iq.findAttribute("from"), iq.findAttribute("id")}; }

// No 'from': the server stamps parrot's full JID (RFC 6120 §8.1.2.1).
std::unique_ptr<gloox::Tag> iq_result(const IqRef& iq) {
  auto tag = std::make_unique<gloox::Tag>("iq");
  tag->addAttribute("type", "result");
  if (!iq.from.empty()) tag->addAttribute("to", iq.from);
  tag->addAttribute("id", iq.id);
  return tag;
}

std::unique_ptr<gloox::Tag> iq_error(const IqRef& iq, std::string_view type, std::string_view condition,
                                     std::string_view text, std::unique_ptr<gloox::Tag> app) {
  auto tag = iq_result(iq);
  tag->addAttribute("type", "error");
  auto* error = new gloox::Tag(tag.get(), "error");
  error->addAttribute("type", std::string(type));
  new gloox::Tag(error, std::string(condition), "xmlns", kStanzasNamespace);
  if (!text.empty()) {
    auto* t = new gloox::Tag(error, "text", std::string(text));
    t->setXmlns(kStanzasNamespace);
  }
  if (app) error->addChild(app.release());
  return tag;
}

// XEP-0095 §3.2: a profile the receiver does not know is type modify, a
// method list it cannot use is type cancel; both carry an SI-namespace child.
std::unique_ptr<gloox::Tag> offer_error(const IqRef& iq, OfferError error, std::string_view text) {
  switch (error) {
    case OfferError::kBadProfile:
      return iq_error(iq, "modify", "bad-request", text, std::make_unique<gloox::Tag>("bad-profile", "xmlns", kSiNamespace));
    case OfferError::kNoValidStreams:
      return iq_error(iq, "cancel", "bad-request", text,
                      std::make_unique<gloox::Tag>("no-valid-streams", "xmlns", kSiNamespace));
    case OfferError::kNone:
    case OfferError::kBadRequest: break;
  }
  return iq_error(iq, "modify", "bad-request", text);
}

std::unique_ptr<gloox::Tag> si_accept(const IqRef& iq, std::string_view method) {
  auto tag = iq_result(iq);
  auto* si = new gloox::Tag(tag.get(), "si", "xmlns", kSiNamespace);
  auto* feature = new gloox::Tag(si, "feature", "xmlns", kFeatureNegNamespace);
  auto* form = new gloox::Tag(feature, "x", "xmlns", kDataFormsNamespace);
  form->addAttribute("type", "submit");
  auto* field = new gloox::Tag(form, "field", "var", "stream-method");
  new gloox::Tag(field, "value", std::string(method));
  return tag;
}

std::unique_ptr<gloox::Tag> streamhost_used(const IqRef& iq, std::string_view sid, std::string_view jid) {
  auto tag = iq_result(iq);
  auto* query = new gloox::Tag(tag.get(), "query", "xmlns", kBytestreamsNamespace);
  query->addAttribute("sid", std::string(sid));
  new gloox::Tag(query, "streamhost-used", "jid", std::string(jid));
  return tag;
}

}  // namespace parrot::bot::transfer::si
