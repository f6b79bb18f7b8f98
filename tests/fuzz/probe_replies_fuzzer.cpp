// What `parrot probe` reads from the network besides what parrot itself
// parses (bot/probe): the target's chat reports, and the replies to its file
// offer and IBB blocks. The input is XML fed to gloox's parser; every
// top-level element goes to read_target_report() and to an IbbFileSender
// that has offered a small file (id prefix "probe-file-1-", so seeds can
// drive it through open, data and close). Checks: a report read has a kind
// and an object; the sender never sends past the file's size, never has
// more than its window in flight, and finishes at most once with a digest
// exactly when every byte went out.
#include <gloox/parser.h>
#include <gloox/tag.h>
#include <gloox/taghandler.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bot/probe/file_sender.hpp"
#include "bot/probe/target_report.hpp"
#include "xml_input.hpp"

namespace {

using parrot::fuzz::check;
namespace probe = parrot::bot::probe;

struct AllTags : gloox::TagHandler {
  void handleTag(gloox::Tag* tag) override {
    if (tag && tags.size() < 256) tags.emplace_back(tag->clone());
  }
  std::vector<std::unique_ptr<gloox::Tag>> tags;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  AllTags handler;
  gloox::Parser parser(&handler);
  std::string xml(reinterpret_cast<const char*>(data), size);
  parser.feed(xml);

  constexpr std::uint64_t kFileBytes = 3 * probe::IbbFileSender::kBlockSize + 17;
  std::uint64_t data_sent = 0;
  int done_calls = 0;
  bool done_ok = false;
  probe::IbbFileSender sender(
      [&](std::unique_ptr<gloox::Tag> stanza) {
        check(stanza != nullptr);
        if (const gloox::Tag* block = stanza->findChild("data")) {
          ++data_sent;
          check(!block->cdata().empty());
        }
      },
      "parrot@example.org/parrot", kFileBytes, 1, [] {},
      [&](bool ok, const std::string& why) {
        ++done_calls;
        done_ok = ok;
        check(ok ? why.empty() : !why.empty());
      });
  sender.start();
  for (const auto& tag : handler.tags) {
    if (const auto report = probe::read_target_report(*tag)) {
      check(!report->kind.empty() && report->json.is_object());
    }
    sender.on_iq_reply(*tag);
    check(sender.bytes_sent() <= kFileBytes);
    check(data_sent * probe::IbbFileSender::kBlockSize < kFileBytes + probe::IbbFileSender::kBlockSize);
  }
  check(done_calls <= 1);
  check(done_ok == (done_calls == 1 && !sender.sha256().empty()));
  if (done_ok) check(sender.bytes_sent() == kFileBytes && sender.sha256().size() == 64);
  return 0;
}
