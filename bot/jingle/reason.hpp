// XEP-0166 §7.4 <reason/>: why a session, content or JMI call ended. Used
// in session-terminate, content-reject/-remove and the XEP-0353 reject,
// retract and finish messages (always in namespace urn:xmpp:jingle:1).
#pragma once

#include <gloox/tag.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bot/jingle/parse_result.hpp"

namespace parrot::bot::jingle {

enum class ReasonCondition {
  kAlternativeSession,
  kBusy,
  kCancel,
  kConnectivityError,
  kDecline,
  kExpired,
  kFailedApplication,
  kFailedTransport,
  kGeneralError,
  kGone,
  kIncompatibleParameters,
  kMediaError,
  kSecurityError,
  kSuccess,
  kTimeout,
  kUnsupportedApplications,
  kUnsupportedTransports,
};

// The element name: "alternative-session", "busy", …
std::string_view to_string(ReasonCondition condition) noexcept;
std::optional<ReasonCondition> reason_condition_from_string(std::string_view text) noexcept;

struct Reason {
  ReasonCondition condition = ReasonCondition::kSuccess;
  std::string text;             // <text/>, empty = absent
  std::string alternative_sid;  // <alternative-session><sid/></…>, only for that condition

  // Error: no known condition child (XEP-0166 §7.4: exactly one is
  // REQUIRED). Application-specific children are ignored.
  static ParseResult<Reason> parse(const gloox::Tag& tag);
  std::unique_ptr<gloox::Tag> to_tag() const;  // new root, owned by the caller

  friend bool operator==(const Reason&, const Reason&) = default;
};

}  // namespace parrot::bot::jingle
