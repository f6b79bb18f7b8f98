#include "bot/chat/chat_echo.hpp"

#include <array>
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace parrot::bot {
namespace {

constexpr const char* kChatStatesNs = "http://jabber.org/protocol/chatstates";
constexpr const char* kReceiptsNs = "urn:xmpp:receipts";
constexpr const char* kCorrectionNs = "urn:xmpp:message-correct:0";
constexpr const char* kDelayNs = "urn:xmpp:delay";
constexpr const char* kHintsNs = "urn:xmpp:hints";
constexpr std::array<const char*, 5> kChatStates = {"active", "composing", "paused", "inactive", "gone"};

const gloox::Tag* find_chat_state(const gloox::Tag& message) {
  for (const gloox::Tag* child : message.children()) {
    if (child->xmlns() != kChatStatesNs) continue;
    for (const char* state : kChatStates) {
      if (child->name() == state) return child;
    }
  }
  return nullptr;
}

// gloox's parser keeps "xml:lang" as attribute "lang" with prefix "xml"; a
// Tag built in code may carry it under the full name.
std::string xml_lang(const gloox::Tag& tag) {
  for (const gloox::Tag::Attribute* attribute : tag.attributes()) {
    if (attribute->name() == "xml:lang" || (attribute->name() == "lang" && attribute->prefix() == "xml")) {
      return attribute->value();
    }
  }
  return {};
}


}  // namespace

ChatEcho::ChatEcho(ChatPolicy policy, const CommandTable& commands)
    : policy_(policy), commands_(commands), limiter_(policy.rate_per_second, policy.burst) {
  std::random_device random;
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int i = 0; i < 6; ++i) id_prefix_ += kAlphabet[random() % (sizeof kAlphabet - 1)];
}

std::string ChatEcho::next_id() { return "parrot-" + id_prefix_ + "-" + std::to_string(++id_counter_); }

void ChatEcho::address_reply(const gloox::Tag& message, gloox::Tag& reply) const {
  if (reply_from_addressed_ && message.hasAttribute("to")) reply.addAttribute("from", message.findAttribute("to"));
  auto* marker = new gloox::Tag(&reply, "parrot", "xmlns", kEchoMarkerNs);
  if (!instance_name_.empty()) marker->addAttribute("instance", instance_name_);
}

TagPtr ChatEcho::new_reply(const gloox::Tag& message, const gloox::JID& to, const std::string& type) {
  auto reply = std::make_unique<gloox::Tag>("message");
  reply->addAttribute("to", to.full());
  reply->addAttribute("type", type);
  reply->addAttribute("id", next_id());
  address_reply(message, *reply);
  return reply;
}

TagPtr ChatEcho::text_reply(const gloox::Tag& message, const gloox::JID& to, const std::string& type,
                            const std::string& text) {
  auto reply = new_reply(message, to, type);
  new gloox::Tag(reply.get(), "body", text);
  if (const gloox::Tag* thread = message.findChild("thread")) reply->addChild(thread->clone());
  return reply;
}

std::vector<TagPtr> ChatEcho::on_message(const gloox::Tag& message, const gloox::JID& self,
                                         Clock::time_point now) {
  std::vector<TagPtr> out;
  const gloox::JID from(message.findAttribute("from"));
  std::string type = message.findAttribute("type");
  if (type.empty()) type = "normal";  // RFC 6121 §5.2.2: no type means normal

  // bare() compares the prepared strings; bareJID() would run stringprep again.
  const bool answerable = from && from.bare() != self.bare() && (type == "chat" || type == "normal") &&
                          !message.findChild("parrot", "xmlns", kEchoMarkerNs);
  if (!answerable) {
    ++counters_.ignored;
    return out;
  }

  const gloox::TagList bodies = message.findChildren("body");
  const gloox::Tag* chat_state = find_chat_state(message);
  if (bodies.empty()) {
    // A standalone chat state (typing notification) is mirrored; anything
    // else without a body (receipts, markers, encrypted payloads) is not.
    if (chat_state) {
      auto mirror = new_reply(message, from, type);
      mirror->addChild(chat_state->clone());
      new gloox::Tag(mirror.get(), "no-store", "xmlns", kHintsNs);
      out.push_back(std::move(mirror));
      ++counters_.chat_states;
    } else {
      ++counters_.ignored;
    }
    return out;
  }

  const std::string& their_id = message.findAttribute("id");
  if (message.findChild("request", "xmlns", kReceiptsNs) && !their_id.empty()) {
    auto receipt = std::make_unique<gloox::Tag>("message");
    receipt->addAttribute("to", from.full());
    receipt->addAttribute("id", next_id());
    (new gloox::Tag(receipt.get(), "received", "xmlns", kReceiptsNs))->addAttribute("id", their_id);
    address_reply(message, *receipt);
    out.push_back(std::move(receipt));
    ++counters_.receipts;
  }

  // Order holds per sender: once a message waits, later ones wait behind it.
  if (queues_.contains(from.bare()) || !limiter_.try_take(from.bare(), now)) {
    pace(message, from, type, out);
    return out;
  }
  answer(message, self, out);
  return out;
}

void ChatEcho::pace(const gloox::Tag& message, const gloox::JID& from, const std::string& type,
                    std::vector<TagPtr>& out) {
  const bool starting = !queues_.contains(from.bare());
  Queue& queue = queues_[from.bare()];
  if (queue.messages.size() >= policy_.max_queued_per_sender || queued_total_ >= policy_.max_queued_total) {
    ++counters_.rate_limited;
    spdlog::info("rate-limited peer={} id={} queued={}", from.full(), message.findAttribute("id"),
                 queue.messages.size());
    if (!queue.refusal_noticed) {
      queue.refusal_noticed = true;
      out.push_back(text_reply(message, from, type,
                               "I already hold " + std::to_string(queue.messages.size()) +
                                   " of your messages to echo, so I did not keep this one, nor will I keep the "
                                   "next ones until that queue shortens."));
    }
    if (queue.messages.empty()) queues_.erase(from.bare());
    return;
  }
  queue.refusal_noticed = false;
  queue.messages.emplace_back(message.clone());
  ++queued_total_;
  if (starting) {
    spdlog::info("pacing peer={} rate={}/s", from.full(), limiter_.rate());
    out.push_back(text_reply(
        message, from, type,
        "You are writing faster than I echo (" + fmt::format("{:g}", limiter_.rate()) +
            " messages a second), so your messages wait in a queue: every one comes back, in order."));
  }
}

std::vector<TagPtr> ChatEcho::on_timer(const gloox::JID& self, Clock::time_point now) {
  std::vector<TagPtr> out;
  for (auto it = queues_.begin(); it != queues_.end();) {
    Queue& queue = it->second;
    while (!queue.messages.empty() && limiter_.try_take(it->first, now)) {
      const TagPtr message = std::move(queue.messages.front());
      queue.messages.pop_front();
      --queued_total_;
      ++counters_.paced;
      answer(*message, self, out);
    }
    it = queue.messages.empty() ? queues_.erase(it) : std::next(it);
  }
  return out;
}

std::optional<Clock::time_point> ChatEcho::next_due(Clock::time_point now) const {
  if (queues_.empty()) return std::nullopt;
  // One token's refill time: every waiting sender gains one by then.
  return now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / limiter_.rate()));
}

void ChatEcho::answer(const gloox::Tag& message, const gloox::JID& self, std::vector<TagPtr>& out) {
  const gloox::JID from(message.findAttribute("from"));
  std::string type = message.findAttribute("type");
  if (type.empty()) type = "normal";
  const gloox::TagList bodies = message.findChildren("body");
  const gloox::Tag* chat_state = find_chat_state(message);
  const std::string& their_id = message.findAttribute("id");

  std::size_t body_bytes = 0;
  for (const gloox::Tag* body : bodies) body_bytes += body->cdata().size();
  if (body_bytes > policy_.max_body_bytes) {
    ++counters_.too_large;
    spdlog::info("too-large peer={} id={} bytes={}", from.full(), their_id, body_bytes);
    out.push_back(text_reply(message, from, type,
                             "That message is " + std::to_string(body_bytes) + " bytes; I echo at most " +
                                 std::to_string(policy_.max_body_bytes) + "."));
    return;
  }

  const gloox::Tag* default_body = bodies.front();
  for (const gloox::Tag* body : bodies) {
    if (xml_lang(*body).empty()) default_body = body;
  }
  if (auto command_reply = commands_.dispatch(default_body->cdata(), from.full())) {
    ++counters_.commands;
    spdlog::info("command peer={} id={} text={:.40}", from.full(), their_id, default_body->cdata());
    out.push_back(text_reply(message, from, type, command_reply->text));
    for (const auto& extension : command_reply->extensions) out.back()->addChild(extension->clone());
    return;
  }

  auto echo = new_reply(message, from, type);
  const std::string echo_id = echo->findAttribute("id");
  if (const std::string lang = xml_lang(message); !lang.empty()) {
    echo->addAttribute("xml:lang", lang);
  }
  for (const gloox::Tag* body : bodies) echo->addChild(body->clone());
  if (const gloox::Tag* thread = message.findChild("thread")) echo->addChild(thread->clone());
  if (chat_state) echo->addChild(chat_state->clone());
  if (const gloox::Tag* replace = message.findChild("replace", "xmlns", kCorrectionNs)) {
    // Only a correction of a message parrot echoed can be mirrored; an
    // unknown one is echoed as a new message.
    if (auto original = echo_ids_.find(from.bare(), replace->findAttribute("id"))) {
      (new gloox::Tag(echo.get(), "replace", "xmlns", kCorrectionNs))->addAttribute("id", *original);
    }
  }
  if (const gloox::Tag* delay = message.findChild("delay", "xmlns", kDelayNs)) {
    // Held in offline storage while parrot was away: say when it was sent.
    auto* echo_delay = new gloox::Tag(echo.get(), "delay", "xmlns", kDelayNs);
    echo_delay->addAttribute("from", self.bare());
    echo_delay->addAttribute("stamp", delay->findAttribute("stamp"));
    echo_delay->setCData("Sent while parrot was offline");
  }
  if (!their_id.empty()) echo_ids_.remember(from.bare(), their_id, echo_id);
  ++counters_.echoed;
  spdlog::debug("echo peer={} id={} echo={} bytes={}", from.full(), their_id, echo_id, body_bytes);
  out.push_back(std::move(echo));
}

}  // namespace parrot::bot
