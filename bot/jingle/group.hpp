// XEP-0338 <group xmlns='urn:xmpp:jingle:apps:grouping:0' semantics>, a
// child of <jingle/>: contents (by name) that share one transport. Movim
// requires BUNDLE in the answer when it bundles
// (docs/client-quirks.md#movim-calls).
#pragma once

#include <gloox/tag.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "bot/jingle/parse_result.hpp"

namespace parrot::bot::jingle {

struct Group {
  static constexpr std::size_t kMaxContents = 16;  // same cap as contents per <jingle/>

  std::string semantics;  // "BUNDLE" (RFC 8843), "LS" (RFC 5888)
  std::vector<std::string> contents;

  // Errors: no semantics, a <content/> without name, more than kMaxContents.
  static ParseResult<Group> parse(const gloox::Tag& tag);
  std::unique_ptr<gloox::Tag> to_tag() const;  // new root, owned by the caller

  friend bool operator==(const Group&, const Group&) = default;
};

}  // namespace parrot::bot::jingle
