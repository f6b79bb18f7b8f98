#include "bot/jingle/group.hpp"

#include "bot/jingle/namespaces.hpp"
#include "bot/jingle/xml_util.hpp"

namespace parrot::bot::jingle {

// The names are not checked against the contents here: the group may
// precede them, so Jingle's caller compares once everything is parsed.
ParseResult<Group> Group::parse(const gloox::Tag& tag) {
  Group group;
  group.semantics = tag.findAttribute("semantics");
  if (group.semantics.empty()) return ParseResult<Group>::fail("group without semantics");
  for (const gloox::Tag* child : tag.children()) {
    if (child->name() != "content") continue;
    if (group.contents.size() >= kMaxContents) return ParseResult<Group>::fail("too many contents in group");
    std::string name = child->findAttribute("name");
    if (name.empty()) return ParseResult<Group>::fail("group content without name");
    group.contents.push_back(std::move(name));
  }
  return ParseResult<Group>::ok(std::move(group));
}

std::unique_ptr<gloox::Tag> Group::to_tag() const {
  auto tag = std::make_unique<gloox::Tag>("group");
  tag->setXmlns(ns::kGrouping);
  tag->addAttribute("semantics", semantics);
  for (const auto& name : contents) xml::add_child(*tag, "content")->addAttribute("name", name);
  return tag;
}

}  // namespace parrot::bot::jingle
