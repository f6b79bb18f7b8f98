#include "bot/transfer/jingle_ft/refusal.hpp"

#include <variant>

#include "bot/report_text.hpp"

namespace parrot::bot::transfer::jingle_ft {

using jingle::ReasonCondition;

std::optional<Refusal> refusal_for(const FtContent& offer, const TransferLimits& limits, TransferCount load) {
  if (!offer.file) return Refusal{ReasonCondition::kUnsupportedApplications, "no file offer in this content", false};
  const FileDescription& file = *offer.file;
  if (file.request || (!offer.senders.empty() && offer.senders != "initiator")) {
    return Refusal{ReasonCondition::kUnsupportedApplications, "parrot receives files; it has none to send", false};
  }
  if (file.range && (file.range->offset != 0 || file.range->length)) {
    // Only a whole file can be checked against the sender's hash.
    return Refusal{ReasonCondition::kFailedApplication, "parrot only accepts whole files, not a range", false};
  }
  if (file.size && *file.size > limits.max_file_bytes) {
    return Refusal{ReasonCondition::kDecline,
                   "the file is larger than parrot's limit of " + grouped(limits.max_file_bytes) + " bytes", true};
  }
  if (!std::holds_alternative<IbbTransport>(offer.transport) && !std::holds_alternative<S5bTransport>(offer.transport)) {
    return Refusal{ReasonCondition::kUnsupportedTransports,
                   "parrot receives files over SOCKS5 (XEP-0260) or IBB (XEP-0261) only", false};
  }
  if (load.total >= limits.max_transfers) {
    return Refusal{ReasonCondition::kBusy,
                   "parrot is receiving " + counted(limits.max_transfers, "file") + " already; try again later", false};
  }
  if (load.for_contact >= limits.max_per_contact) {
    return Refusal{ReasonCondition::kBusy,
                   "you are sending parrot " + counted(limits.max_per_contact, "file") +
                       " already; wait until they are done",
                   false};
  }
  if (const auto* ibb = std::get_if<IbbTransport>(&offer.transport); ibb && ibb->sid.empty()) {
    return Refusal{ReasonCondition::kFailedTransport, "the IBB transport has no sid", false};
  }
  return std::nullopt;
}

}  // namespace parrot::bot::transfer::jingle_ft
