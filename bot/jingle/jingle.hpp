// XEP-0166 <jingle xmlns='urn:xmpp:jingle:1' action sid initiator responder>:
// the envelope of every Jingle IQ, with its contents, XEP-0338 groups, the
// reason and the XEP-0167 session-info payloads.
//
// Ownership convention for every element in bot/jingle/: parse() reads a
// gloox::Tag it does not keep; to_tag() returns a new root as
// std::unique_ptr<gloox::Tag>. To attach it, hand it to a parent with
// parent.addChild(tag.release()) (gloox then owns and frees it) or to
// gloox::IQ via a StanzaExtension that adopts it.
#pragma once

#include <gloox/tag.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/jingle/content.hpp"
#include "bot/jingle/group.hpp"
#include "bot/jingle/parse_result.hpp"
#include "bot/jingle/reason.hpp"
#include "bot/jingle/session_info.hpp"

namespace parrot::bot::jingle {

// XEP-0166 §7.2, in the order of the XEP's table.
enum class Action {
  kContentAccept,
  kContentAdd,
  kContentModify,
  kContentReject,
  kContentRemove,
  kDescriptionInfo,
  kSecurityInfo,
  kSessionAccept,
  kSessionInfo,
  kSessionInitiate,
  kSessionTerminate,
  kTransportAccept,
  kTransportInfo,
  kTransportReject,
  kTransportReplace,
};

std::string_view to_string(Action action) noexcept;  // "content-accept", …
std::optional<Action> action_from_string(std::string_view text) noexcept;

struct Jingle {
  // Hostile-input cap: a call has audio, video and perhaps screen share;
  // Conversations/Movim put at most a few contents in one stanza.
  static constexpr std::size_t kMaxContents = 16;
  static constexpr std::size_t kMaxGroups = 4;
  static constexpr std::size_t kMaxSessionInfo = 8;

  Action action = Action::kSessionInitiate;
  std::string sid;
  std::string initiator;  // JIDs as sent; empty = absent (Movim sends a bare JID)
  std::string responder;
  std::vector<Content> contents;
  std::vector<Group> groups;
  std::optional<Reason> reason;
  // session-info payloads parrot knows; an empty session-info is a ping
  // (XEP-0166 §7.2.16).
  std::vector<SessionInfo> session_info;
  // A session-info child parrot does not know: answer <unsupported-info/>.
  bool unsupported_session_info = false;

  const Content* find_content(std::string_view name) const;
  const Group* bundle() const;  // the BUNDLE group, if any

  // `tag` is the <jingle/> element. Errors (all bad-request): missing or
  // unknown action, missing sid, more than kMaxContents contents or
  // kMaxGroups groups, two contents with one name, or an error in a
  // content, group or reason. Never throws except std::bad_alloc.
  static ParseResult<Jingle> parse(const gloox::Tag& tag);
  std::unique_ptr<gloox::Tag> to_tag() const;  // new root, owned by the caller

  friend bool operator==(const Jingle&, const Jingle&) = default;
};

// XEP-0166 §10 Jingle-specific error conditions (urn:xmpp:jingle:errors:1).
enum class JingleError { kOutOfOrder, kTieBreak, kUnknownSession, kUnsupportedInfo };

std::string_view to_string(JingleError error) noexcept;

// The <error/> child of an IQ error reply, with the stanza error XEP-0166
// pairs with each condition: out-of-order → wait/unexpected-request,
// tie-break → cancel/conflict, unknown-session → cancel/item-not-found,
// unsupported-info → modify/feature-not-implemented. `text` is optional.
std::unique_ptr<gloox::Tag> jingle_error(JingleError error, const std::string& text = {});

// <error type='modify'><bad-request/></error> for a stanza that failed to
// parse; `text` (the parse error) is optional.
std::unique_ptr<gloox::Tag> bad_request_error(const std::string& text = {});

}  // namespace parrot::bot::jingle
