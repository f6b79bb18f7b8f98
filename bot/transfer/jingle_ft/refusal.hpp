// Whether parrot takes one content of a Jingle file offer, as a pure
// function of the content, the limits and the transfers under way: no I/O,
// no clock, no manager state. JingleTransfers asks it for every content of
// a session-initiate; a refused content gets a REFUSED report, and when no
// content is left the session ends with the refusal's condition
// (XEP-0166 §6.7, XEP-0234 §6.1).
#pragma once

#include <optional>
#include <string>

#include "bot/jingle/reason.hpp"
#include "bot/transfer/jingle_ft/elements.hpp"
#include "bot/transfer/transfer_load.hpp"

namespace parrot::bot::transfer::jingle_ft {

struct Refusal {
  jingle::ReasonCondition condition = jingle::ReasonCondition::kDecline;
  std::string text;             // the <text/> and the report's failure
  bool file_too_large = false;  // XEP-0234 §9.2 <file-too-large/> goes with it

  // busy and decline say more than the others about a whole session, so
  // they win when several contents are refused for different reasons.
  bool decisive() const noexcept {
    return condition == jingle::ReasonCondition::kBusy || condition == jingle::ReasonCondition::kDecline;
  }

  friend bool operator==(const Refusal&, const Refusal&) = default;
};

// nullopt: parrot takes `offer`. `load` counts every transfer under way,
// including the contents of the same offer already taken. Checked in this
// order: a file request or a content parrot would send, a range, the size,
// the transport, the load, an IBB transport without sid.
std::optional<Refusal> refusal_for(const FtContent& offer, const TransferLimits& limits, TransferCount load);

}  // namespace parrot::bot::transfer::jingle_ft
