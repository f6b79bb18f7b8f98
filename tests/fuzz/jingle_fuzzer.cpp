// Hostile Jingle and JMI stanzas: arbitrary bytes through gloox's XML
// parser; every <jingle/> (at any depth) and every JMI element is parsed,
// and whatever parses is serialized, parsed again and must come back equal
// (parse-only fields aside). Nothing may crash or throw.
#include <gloox/parser.h>
#include <gloox/tag.h>
#include <gloox/taghandler.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "bot/jingle/answer.hpp"
#include "bot/jingle/jingle.hpp"
#include "bot/jingle/jingle_message.hpp"
#include "bot/jingle/namespaces.hpp"
#include "bot/jingle/offer.hpp"
#include "xml_input.hpp"

namespace {

namespace jingle = parrot::bot::jingle;

std::unique_ptr<gloox::Tag> reparse(const gloox::Tag& tag) { return parrot::fuzz::first_tag(tag.xml()); }

jingle::Jingle normalized(jingle::Jingle j) {
  j.unsupported_session_info = false;
  for (auto& content : j.contents) {
    if (auto* rtp = std::get_if<jingle::RtpDescription>(&content.description)) {
      rtp->crypto.clear();
      rtp->encryption_required = false;
      // What the parser left out is noted, not serialised.
      rtp->ignored.clear();
    }
    // Skipped candidates are counted, not kept, so the copy has none.
    if (auto* ice = std::get_if<jingle::IceUdpTransport>(&content.transport)) ice->skipped_candidates = 0;
  }
  return j;
}

void check_jingle(const gloox::Tag& tag) {
  const auto parsed = jingle::Jingle::parse(tag);
  if (!parsed) return;
  const auto& j = *parsed.value;
  (void)j.bundle();
  for (const auto& content : j.contents) (void)j.find_content(content.name);
  const auto out = j.to_tag();
  const auto back = reparse(*out);
  if (!back) std::abort();
  const auto again = jingle::Jingle::parse(*back);
  if (!again || !(*again.value == normalized(j))) std::abort();
  // Whatever parses may be an offer to answer or an answer to parrot's own
  // offer (!callme): both planners take any parsed Jingle.
  jingle::AnswerOptions answer_options;
  answer_options.fingerprint_sha256 = "AB:CD";
  const auto answer = jingle::plan_answer(j, answer_options);
  if (answer.ok() && answer.streams.empty()) std::abort();
  jingle::OfferOptions offer_options;
  offer_options.sid = j.sid;
  offer_options.video = true;
  const auto accepted = jingle::read_answer(jingle::plan_offer(offer_options), j);
  if (!accepted.error && accepted.streams.empty()) std::abort();
}

void check_message(const gloox::Tag& message) {
  (void)jingle::find_delay(message);
  const auto found = jingle::JingleMessage::from_message(message);
  if (!found || !*found) return;
  const auto out = found->value->to_tag();
  const auto back = reparse(*out);
  if (!back) std::abort();
  const auto again = jingle::JingleMessage::parse(*back);
  if (!again || !(*again.value == *found->value)) std::abort();
}

// Depth-first, bounded: a stanza nests <jingle/> inside <iq/>, but the
// fuzzer also tries it at the root and deeper.
void walk(const gloox::Tag& tag, int depth) {
  if (depth > 8) return;
  if (tag.name() == "jingle") check_jingle(tag);
  check_message(tag);
  for (const gloox::Tag* child : tag.children()) walk(*child, depth + 1);
}

struct Collector : gloox::TagHandler {
  void handleTag(gloox::Tag* tag) override {
    if (tag) walk(*tag, 0);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Collector collector;
  gloox::Parser parser(&collector);
  std::string xml(reinterpret_cast<const char*>(data), size);
  parser.feed(xml);
  return 0;
}
