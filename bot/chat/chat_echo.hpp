// The chat half of parrot: decides, for each incoming <message/>, what goes
// back. Works on gloox Tags without a connection, so every rule is unit
// tested; bot/xmpp/ only feeds it stanzas and sends what it returns.
//
// Rules: chat and normal messages with a body come back verbatim (bodies with
// their xml:lang, thread, stanza xml:lang) to the full JID that sent them;
// XEP-0085 chat states are mirrored; XEP-0308 corrections become corrections
// of parrot's own echo; XEP-0184 requests are answered; an XEP-0203 delay
// (offline storage) is carried over. Error, groupchat and headline messages,
// parrot's own, and those of other parrots are never answered. A sender
// faster than the echo rate is paced, not dropped: its messages wait in a
// bounded queue and come back in order (a client's CI checking 1,000
// messages must see 1,000 echoes).
#pragma once

#include <gloox/jid.h>
#include <gloox/tag.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <string>
#include <vector>

#include "bot/chat/command_table.hpp"
#include "bot/chat/echo_id_map.hpp"
#include "bot/chat/token_bucket.hpp"

namespace parrot::bot {

inline constexpr const char* kEchoMarkerNs = "urn:parrot:echo:1";

struct ChatPolicy {
  // A sender's messages are echoed at most this fast; beyond the burst they
  // wait in a queue and come back in order at the rate (never dropped while
  // the queue has room). 1,000 messages sent at once come back in ~40 s.
  double rate_per_second = 25.0;
  double burst = 50.0;
  std::size_t max_queued_per_sender = 1000;
  // All senders together; bounds memory under a flood of many JIDs.
  std::size_t max_queued_total = 20'000;
  std::size_t max_body_bytes = 4096;
};

struct ChatCounters {
  std::uint64_t echoed = 0;
  std::uint64_t commands = 0;
  std::uint64_t chat_states = 0;
  std::uint64_t receipts = 0;
  std::uint64_t paced = 0;         // echoed late, from a sender's queue
  std::uint64_t rate_limited = 0;  // refused: the sender's queue was full
  std::uint64_t too_large = 0;
  std::uint64_t ignored = 0;
};

using TagPtr = std::unique_ptr<gloox::Tag>;

class ChatEcho {
 public:
  ChatEcho(ChatPolicy policy, const CommandTable& commands);

  // `message` is the whole <message/> as received; `self` is parrot's own JID.
  std::vector<TagPtr> on_message(const gloox::Tag& message, const gloox::JID& self, Clock::time_point now);
  // The queued messages whose turn has come, answered.
  std::vector<TagPtr> on_timer(const gloox::JID& self, Clock::time_point now);
  // When on_timer has work next; nullopt while no message waits.
  std::optional<Clock::time_point> next_due(Clock::time_point now) const;
  std::size_t queued() const noexcept { return queued_total_; }

  const ChatCounters& counters() const noexcept { return counters_; }
  // A reloaded policy (SIGHUP); senders' pacing starts over at the new rate.
  void set_policy(const ChatPolicy& policy) {
    policy_ = policy;
    limiter_ = SenderRateLimiter(policy.rate_per_second, policy.burst);
  }

 private:
  std::string next_id();
  // Replies go to the sender's prepared JID (RFC 7622), whatever case the
  // `from` attribute used.
  TagPtr new_reply(const gloox::JID& to, const std::string& type);
  TagPtr text_reply(const gloox::Tag& message, const gloox::JID& to, const std::string& type, const std::string& text);
  // The answer to a message with a body whose turn it is: the echo, a
  // command's reply or the size refusal.
  void answer(const gloox::Tag& message, const gloox::JID& self, std::vector<TagPtr>& out);
  // Queues `message` behind the sender's others, or refuses it when the
  // queue is full; notices go to `out`, one per episode or refused run.
  void pace(const gloox::Tag& message, const gloox::JID& from, const std::string& type, std::vector<TagPtr>& out);

  struct Queue {
    std::deque<TagPtr> messages;  // clones, oldest first
    bool refusal_noticed = false;  // this run of refusals was told already
  };

  ChatPolicy policy_;
  const CommandTable& commands_;
  SenderRateLimiter limiter_;
  std::unordered_map<std::string, Queue> queues_;  // by bare JID, only while non-empty
  std::size_t queued_total_ = 0;
  EchoIdMap echo_ids_{10'000};
  ChatCounters counters_;
  std::string id_prefix_;
  std::uint64_t id_counter_ = 0;
};

}  // namespace parrot::bot
