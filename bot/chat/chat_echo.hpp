// The chat half of parrot: decides, for each incoming <message/>, what goes
// back. Works on gloox Tags without a connection, so every rule is unit
// tested; bot/xmpp/ only feeds it stanzas and sends what it returns.
//
// Rules: chat and normal messages with a body come back verbatim (bodies with
// their xml:lang, thread, stanza xml:lang) to the full JID that sent them;
// XEP-0085 chat states are mirrored; XEP-0308 corrections become corrections
// of parrot's own echo; XEP-0184 requests are answered; an XEP-0203 delay
// (offline storage) is carried over. Error, groupchat and headline messages,
// parrot's own, and those of other parrots are never answered.
#pragma once

#include <gloox/jid.h>
#include <gloox/tag.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bot/chat/command_table.hpp"
#include "bot/chat/echo_id_map.hpp"
#include "bot/chat/token_bucket.hpp"

namespace parrot::bot {

inline constexpr const char* kEchoMarkerNs = "urn:parrot:echo:1";

struct ChatPolicy {
  double rate_per_second = 2.0;
  double burst = 20.0;
  std::size_t max_body_bytes = 4096;
};

struct ChatCounters {
  std::uint64_t echoed = 0;
  std::uint64_t commands = 0;
  std::uint64_t chat_states = 0;
  std::uint64_t receipts = 0;
  std::uint64_t rate_limited = 0;
  std::uint64_t too_large = 0;
  std::uint64_t ignored = 0;
};

using TagPtr = std::unique_ptr<gloox::Tag>;

class ChatEcho {
 public:
  ChatEcho(ChatPolicy policy, const CommandTable& commands);

  // `message` is the whole <message/> as received; `self` is parrot's own JID.
  std::vector<TagPtr> on_message(const gloox::Tag& message, const gloox::JID& self, Clock::time_point now);

  const ChatCounters& counters() const noexcept { return counters_; }

 private:
  std::string next_id();
  // Replies go to the sender's prepared JID (RFC 7622), whatever case the
  // `from` attribute used.
  TagPtr new_reply(const gloox::JID& to, const std::string& type);
  TagPtr text_reply(const gloox::Tag& message, const gloox::JID& to, const std::string& type, const std::string& text);

  ChatPolicy policy_;
  const CommandTable& commands_;
  SenderRateLimiter limiter_;
  EchoIdMap echo_ids_{10'000};
  ChatCounters counters_;
  std::string id_prefix_;
  std::uint64_t id_counter_ = 0;
};

}  // namespace parrot::bot
