// XML fuzz inputs: the first element gloox's parser makes of the bytes, as
// every stanza fuzzer needs it, and the abort that tells libFuzzer an
// invariant broke.
#pragma once

#include <gloox/parser.h>
#include <gloox/tag.h>
#include <gloox/taghandler.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

namespace parrot::fuzz {

// The first complete element of `xml`, or nullptr when none parses.
inline std::unique_ptr<gloox::Tag> first_tag(const std::string& xml) {
  struct FirstTag : gloox::TagHandler {
    void handleTag(gloox::Tag* tag) override {
      if (!first && tag) first.reset(tag->clone());
    }
    std::unique_ptr<gloox::Tag> first;
  } handler;
  gloox::Parser parser(&handler);
  std::string copy = xml;  // gloox's feed() may consume its argument
  parser.feed(copy);
  return std::move(handler.first);
}

inline std::unique_ptr<gloox::Tag> first_tag(const std::uint8_t* data, std::size_t size) {
  return first_tag(std::string(reinterpret_cast<const char*>(data), size));
}

inline void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace parrot::fuzz
