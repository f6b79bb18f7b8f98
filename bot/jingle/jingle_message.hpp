// XEP-0353 Jingle Message Initiation: the <propose/>, <retract/>,
// <accept/>, <proceed/>, <reject/>, <ringing/> and <finish/> payloads of a
// <message/> in urn:xmpp:jingle-message:0 (still the namespace at XEP-0353
// 0.8.0; no client sends a :1, so only :0 is recognised), plus the
// XEP-0203 <delay/> that marks a replayed propose.
#pragma once

#include <gloox/tag.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/jingle/parse_result.hpp"
#include "bot/jingle/reason.hpp"

namespace parrot::bot::jingle {

enum class JingleMessageKind { kPropose, kRetract, kAccept, kProceed, kReject, kRinging, kFinish };

std::string_view to_string(JingleMessageKind kind) noexcept;  // the element name

// One <description/> of a propose: its namespace and, for RTP, its media.
struct ProposedDescription {
  std::string xmlns;  // "urn:xmpp:jingle:apps:rtp:1" for calls
  std::string media;  // "audio" / "video"; empty for other applications
  friend bool operator==(const ProposedDescription&, const ProposedDescription&) = default;
};

struct JingleMessage {
  // A propose lists one description per media; 8 is far above any client.
  static constexpr std::size_t kMaxDescriptions = 8;

  JingleMessageKind kind = JingleMessageKind::kPropose;
  std::string id;                                 // the Jingle sid-to-be (REQUIRED on every element)
  std::vector<ProposedDescription> descriptions;  // propose only
  std::optional<Reason> reason;                   // retract, reject, finish (optional everywhere)

  bool proposes_media(std::string_view media) const;

  // `tag` is the JMI child element itself. Errors: not in the JMI namespace
  // or not a known element, missing id, a propose without descriptions or
  // with more than kMaxDescriptions, or a malformed <reason/>.
  static ParseResult<JingleMessage> parse(const gloox::Tag& tag);
  // Finds the first JMI child of `message` and parses it; nullopt when the
  // message carries none (so it is not a JMI message at all).
  static std::optional<ParseResult<JingleMessage>> from_message(const gloox::Tag& message);
  // A new root element owned by the caller; add it to a <message/>.
  std::unique_ptr<gloox::Tag> to_tag() const;

  friend bool operator==(const JingleMessage&, const JingleMessage&) = default;
};

// XEP-0203 <delay xmlns='urn:xmpp:delay' stamp from/> on a message: it was
// stored offline, or comes from MAM or carbons. The caller compares `stamp`
// with its clock and ignores old proposes
// (docs/client-quirks.md#monal-calls).
struct Delay {
  std::string stamp;  // XEP-0082 DateTime as sent
  std::string from;
  friend bool operator==(const Delay&, const Delay&) = default;
};

std::optional<Delay> find_delay(const gloox::Tag& message);

}  // namespace parrot::bot::jingle
