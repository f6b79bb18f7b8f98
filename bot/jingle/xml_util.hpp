// Small helpers shared by the Jingle element parsers: strict decimal numbers
// and child iteration on gloox::Tag. Internal to bot/jingle/.
#pragma once

#include <gloox/tag.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parrot::bot::jingle::xml {

// Plain decimal digits only (no sign, no spaces, at most 10 digits), and at
// most `max`. nullopt otherwise: "abc", "", "-1", "1e3", "300" with max 127.
std::optional<std::uint32_t> parse_uint(std::string_view text, std::uint32_t max);

// The attribute's value if it is present (gloox returns "" for absent).
std::optional<std::string> attribute(const gloox::Tag& tag, const std::string& name);

// The element's namespace, inherited from its ancestors when it declares
// none (gloox::Tag::xmlns() only reports a namespace declared on the element
// itself or through a prefix). "" when no ancestor declares one.
std::string namespace_of(const gloox::Tag& tag);

// True when `child` is named `name` in namespace `xmlns` (see namespace_of).
bool is(const gloox::Tag& child, std::string_view name, std::string_view xmlns);

// A new child element of `parent`, owned by it; `xmlns` is written only when
// not empty.
gloox::Tag* add_child(gloox::Tag& parent, const std::string& name, const std::string& xmlns = {});

}  // namespace parrot::bot::jingle::xml
