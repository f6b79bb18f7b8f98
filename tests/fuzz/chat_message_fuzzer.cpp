// Hostile stanzas: arbitrary bytes through gloox's XML parser, and whatever
// parses goes through the chat rules (echo, commands, corrections, receipts,
// pacing: a budget of two, so later messages queue and are drained) and the
// disco#info answer. Nothing may crash, every reply must be addressed to the
// sender (as its prepared JID), and the queue must drain completely.
#include <gloox/parser.h>
#include <gloox/taghandler.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bot/chat/chat_echo.hpp"
#include "bot/xmpp/disco_info.hpp"

namespace {

struct Collector : gloox::TagHandler {
  void handleTag(gloox::Tag* tag) override {
    if (tag && tag->name() == "message") {
      for (auto& reply : echo->on_message(*tag, self, parrot::bot::Clock::time_point{})) {
        if (reply->findAttribute("to") != gloox::JID(tag->findAttribute("from")).full()) std::abort();
        (void)reply->xml();
      }
    }
    if (tag && parrot::bot::xmpp::parrot_disco_info().answers(*tag)) {
      (void)parrot::bot::xmpp::parrot_disco_info().answer(*tag, self.full())->xml();
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
  parrot::bot::ChatEcho echo(
      parrot::bot::ChatPolicy{.rate_per_second = 1, .burst = 2, .max_queued_per_sender = 8, .max_queued_total = 16},
      commands);
  Collector collector;
  collector.echo = &echo;
  gloox::Parser parser(&collector);
  std::string xml(reinterpret_cast<const char*>(data), size);
  parser.feed(xml);
  // One token a second: within 32 s every queued message (16 at most) has
  // had its turn.
  auto now = parrot::bot::Clock::time_point{};
  for (int second = 0; second < 32; ++second) {
    now += std::chrono::seconds(1);
    for (auto& reply : echo.on_timer(collector.self, now)) (void)reply->xml();
  }
  if (echo.queued() != 0 || echo.next_due(now)) std::abort();
  (void)parrot::bot::parse_command(xml);
  return 0;
}
