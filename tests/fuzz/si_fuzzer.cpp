// Legacy SI stanza elements (bot/transfer/si/elements): the input is XML fed
// to gloox's parser as the stream would; every child of the first element
// goes through the SI offer, XEP-0065 query and XEP-0047 parsers, and the
// replies are built from what parsed. Checks: an accepted offer has an id, a
// name and a method parrot speaks; a refusal says why; a query has at least
// one streamhost with a port; an IBB open's block-size is 1..65535.
#include <gloox/parser.h>
#include <gloox/tag.h>
#include <gloox/taghandler.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "bot/transfer/si/elements.hpp"
#include "xml_input.hpp"

namespace {

namespace si = parrot::bot::transfer::si;

using parrot::fuzz::check;

void visit(const gloox::Tag& tag) {
  const si::IqRef ref = si::iq_ref(tag);
  if (tag.name() == "si") {
    const auto parsed = si::parse_si_offer(tag);
    if (parsed.offer) {
      check(!parsed.offer->id.empty() && !parsed.offer->file.name.empty());
      check(parsed.offer->chosen_method == si::kBytestreamsNamespace ||
            parsed.offer->chosen_method == si::kIbbNamespace);
      check(parsed.offer->file.md5.empty() || parsed.offer->file.md5.size() == 32);
      check(si::si_accept(ref, parsed.offer->chosen_method) != nullptr);
    } else {
      check(parsed.error != si::OfferError::kNone && !parsed.message.empty());
      check(si::offer_error(ref, parsed.error, parsed.message) != nullptr);
    }
  } else if (tag.name() == "query") {
    const auto parsed = si::parse_bytestream_query(tag);
    if (parsed.query) {
      check(!parsed.query->sid.empty() && !parsed.query->hosts.empty());
      for (const auto& host : parsed.query->hosts) check(host.port != 0 && !host.host.empty() && !host.jid.empty());
      check(si::streamhost_used(ref, parsed.query->sid, parsed.query->hosts.front().jid) != nullptr);
    } else {
      check(!parsed.condition.empty());
      check(si::iq_error(ref, "cancel", parsed.condition, parsed.message) != nullptr);
    }
  } else if (tag.name() == "open" || tag.name() == "data" || tag.name() == "close") {
    const auto parsed = si::parse_ibb(tag);
    if (parsed.element) {
      check(!parsed.element->sid.empty());
      if (parsed.element->kind == si::IbbElement::Kind::kOpen)
        check(parsed.element->block_size >= 1 && parsed.element->block_size <= 65535);
    } else {
      check(!parsed.condition.empty());
    }
  }
  for (const gloox::Tag* child : tag.children()) visit(*child);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (const auto tag = parrot::fuzz::first_tag(data, size)) visit(*tag);
  return 0;
}
