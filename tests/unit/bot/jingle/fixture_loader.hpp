// Loads a stanza file (fixture or golden data) into a gloox::Tag through
// gloox's own XML parser, as the live client would see it.
#pragma once

#include <gloox/tag.h>

#include <memory>
#include <string>

namespace parrot::bot::jingle::test {

// The first top-level element of `xml`; leading XML comments (the fixture's
// provenance line) are skipped. nullptr when nothing parses.
std::unique_ptr<gloox::Tag> parse_xml(const std::string& xml);

std::string read_file(const std::string& path);

// tests/interop/fixtures/<relative>
std::unique_ptr<gloox::Tag> load_fixture(const std::string& relative);

// The <jingle/> child of a fixture's <iq/> (owned by `iq`).
const gloox::Tag* jingle_child(const gloox::Tag& iq);

}  // namespace parrot::bot::jingle::test
