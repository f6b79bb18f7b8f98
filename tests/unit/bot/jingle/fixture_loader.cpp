#include "fixture_loader.hpp"

#include <gloox/parser.h>
#include <gloox/taghandler.h>

#include <fstream>
#include <sstream>

namespace parrot::bot::jingle::test {
namespace {

struct FirstTag : gloox::TagHandler {
  // gloox deletes the tag after this call, so keep a clone.
  void handleTag(gloox::Tag* tag) override {
    if (!first && tag) first.reset(tag->clone());
  }
  std::unique_ptr<gloox::Tag> first;
};

}  // namespace

std::unique_ptr<gloox::Tag> parse_xml(const std::string& xml) {
  std::string body = xml;
  // Provenance comments sit before the root; strip them rather than rely on
  // the stream parser's prolog handling.
  for (auto start = body.find_first_not_of(" \t\r\n");
       start != std::string::npos && body.compare(start, 4, "<!--") == 0; start = body.find_first_not_of(" \t\r\n")) {
    const auto end = body.find("-->", start);
    if (end == std::string::npos) return nullptr;
    body.erase(0, end + 3);
  }
  FirstTag handler;
  gloox::Parser parser(&handler);
  std::string feed = body;
  parser.feed(feed);
  return std::move(handler.first);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::unique_ptr<gloox::Tag> load_fixture(const std::string& relative) {
  return parse_xml(read_file(std::string(PARROT_FIXTURES_DIR) + "/" + relative));
}

const gloox::Tag* jingle_child(const gloox::Tag& iq) { return iq.findChild("jingle"); }

}  // namespace parrot::bot::jingle::test
