// Jingle File Transfer stanza elements (bot/transfer/jingle_ft/elements):
// the input is XML fed to gloox's parser as the stream would; every
// <jingle/> found goes through FtJingle::parse (descriptions, hashes,
// ranges, checksums, IBB and SOCKS5 transports), and what parsed is
// serialised and parsed again. Checks: no crash; a parsed file offer keeps
// its namespace; candidates have a cid, host and jid and a non-zero port;
// a block-size is 1..65535; every element parses again after to_tag().
#include <gloox/parser.h>
#include <gloox/tag.h>
#include <gloox/taghandler.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "bot/transfer/jingle_ft/elements.hpp"
#include "xml_input.hpp"

namespace {

namespace ft = parrot::bot::transfer::jingle_ft;

using parrot::fuzz::check;

void check_content(const ft::FtContent& content) {
  if (content.file) {
    check(ft::is_file_transfer_namespace(content.file->xmlns));
    for (const auto& hash : content.file->hashes) {
      check(!hash.algo.empty());
      if (const auto hex = hash.hex()) check(!hex->empty() && hex->size() <= 128);
    }
    const auto again = ft::FileDescription::parse(*content.file->to_tag());
    check(again.value.has_value() || content.file->request);
  }
  if (const auto* ibb = std::get_if<ft::IbbTransport>(&content.transport)) {
    if (ibb->block_size) check(*ibb->block_size >= 1 && *ibb->block_size <= 65535);
    check(ft::IbbTransport::parse(*ibb->to_tag()).value.has_value());
  }
  if (const auto* s5b = std::get_if<ft::S5bTransport>(&content.transport)) {
    check(!s5b->sid.empty() && s5b->candidates.size() <= ft::kMaxCandidates);
    for (const auto& candidate : s5b->candidates) {
      check(!candidate.cid.empty() && !candidate.host.empty() && !candidate.jid.empty() && candidate.port != 0);
    }
    const auto again = ft::S5bTransport::parse(*s5b->to_tag());
    check(again.value.has_value() && *again.value == *s5b);
  }
}

void visit(const gloox::Tag& tag) {
  if (tag.name() == "jingle") {
    const auto parsed = ft::FtJingle::parse(tag);
    if (parsed.value) {
      check(!parsed.value->sid.empty() && parsed.value->contents.size() <= ft::kMaxContents);
      for (const auto& content : parsed.value->contents) check_content(content);
      for (const auto& checksum : parsed.value->checksums) {
        check(ft::Checksum::parse(*checksum.to_tag()).value.has_value());
      }
    } else {
      check(!parsed.error.empty());
    }
  }
  for (const gloox::Tag* child : tag.children()) visit(*child);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (const auto tag = parrot::fuzz::first_tag(data, size)) {
    visit(*tag);
    (void)ft::is_file_offer(*tag);
  }
  return 0;
}
