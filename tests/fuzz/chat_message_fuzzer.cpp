// Hostile stanzas: arbitrary bytes through gloox's XML parser, and whatever
// parses goes through the chat rules (echo, commands, corrections, receipts).
// Nothing may crash, and every reply must be addressed to the sender (as
// its prepared JID).
#include <gloox/parser.h>
#include <gloox/taghandler.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bot/chat/chat_echo.hpp"

namespace {

struct Collector : gloox::TagHandler {
  void handleTag(gloox::Tag* tag) override {
    if (tag && tag->name() == "message") {
      for (auto& reply : echo->on_message(*tag, self, parrot::bot::Clock::time_point{})) {
        if (reply->findAttribute("to") != gloox::JID(tag->findAttribute("from")).full()) std::abort();
        (void)reply->xml();
      }
    }
  }
  parrot::bot::ChatEcho* echo = nullptr;
  gloox::JID self{"parrot@example.org/parrot"};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static parrot::bot::CommandTable commands = [] {
    parrot::bot::CommandTable table;
    table.add("ping", "ping", "check", [](const parrot::bot::CommandRequest& r) { return "pong " + r.args; });
    return table;
  }();
  parrot::bot::ChatEcho echo(parrot::bot::ChatPolicy{1e9, 1e9, 4096}, commands);
  Collector collector;
  collector.echo = &echo;
  gloox::Parser parser(&collector);
  std::string xml(reinterpret_cast<const char*>(data), size);
  parser.feed(xml);
  (void)parrot::bot::parse_command(xml);
  return 0;
}
