#include "bot/jingle/xml_util.hpp"

namespace parrot::bot::jingle::xml {

std::optional<std::uint32_t> parse_uint(std::string_view text, std::uint32_t max) {
  // Ten digits hold every uint32; checking the length first keeps the
  // accumulator in 64 bits without overflow.
  if (text.empty() || text.size() > 10) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > max) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

std::optional<std::string> attribute(const gloox::Tag& tag, const std::string& name) {
  if (!tag.hasAttribute(name)) return std::nullopt;
  return tag.findAttribute(name);
}

std::string namespace_of(const gloox::Tag& tag) {
  if (!tag.prefix().empty()) return tag.xmlns();  // gloox resolves declared prefixes
  for (const gloox::Tag* t = &tag; t != nullptr; t = t->parent()) {
    if (!t->prefix().empty()) continue;
    std::string declared = t->xmlns();
    if (!declared.empty()) return declared;
  }
  return {};
}

bool is(const gloox::Tag& child, std::string_view name, std::string_view xmlns) {
  return child.name() == name && namespace_of(child) == xmlns;
}

gloox::Tag* add_child(gloox::Tag& parent, const std::string& name, const std::string& xmlns) {
  auto* child = new gloox::Tag(&parent, name);  // owned by `parent` from here on
  if (!xmlns.empty()) child->setXmlns(xmlns);
  return child;
}

}  // namespace parrot::bot::jingle::xml
