// The offer: a session-initiate read content by content, each refused
// (refusal_for) or taken, then session-accept with parrot's side of each
// transport and content-reject for the rest. Part of JingleTransfers; see
// jingle_transfers.hpp.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <variant>

#include "bot/transfer/jingle_ft/elements.hpp"
#include "bot/transfer/jingle_ft/refusal.hpp"
#include "bot/transfer/jingle_ft/stanzas.hpp"
#include "bot/transfer/jingle_transfer_state.hpp"
#include "bot/transfer/jingle_transfers.hpp"
#include "bot/xmpp/jid.hpp"
#include "transport/bytestream/stream_hasher.hpp"

namespace parrot::bot::transfer {
namespace ft = jingle_ft;
using jingle::Action;
using jingle::ReasonCondition;

namespace {

// What parrot hashes: SHA-256 and SHA-1 always (the report's keys, and
// what Conversations sends), plus every algorithm the offer names that
// OpenSSL provides here. A checksum that comes later in another algorithm
// cannot be compared; parrot advertises only sha-256 so senders pick it.
std::vector<std::string> algorithms_for(const ft::FileDescription& file) {
  std::vector<std::string> names{"sha-256", "sha-1"};
  auto add = [&](const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end() &&
        transport::bytestream::StreamHasher::supported(name)) {
      names.push_back(name);
    }
  };
  for (const auto& hash : file.hashes) add(hash.algo);
  for (const auto& algo : file.hash_used) add(algo);
  return names;
}

}  // namespace

void JingleTransfers::on_offer(const gloox::Tag& iq, const std::string& from, ft::FtJingle& jingle) {
  send_result(iq);
  auto session = std::make_unique<Session>(jingle.sid, from, jingle.initiator.empty() ? from : jingle.initiator);
  const auto now = std::chrono::system_clock::now();

  std::vector<FileFacts> refused;
  std::optional<ft::Refusal> session_refusal;  // why, when nothing can be accepted
  bool too_large = false;                      // any content was over the size limit
  const std::string contact = parrot::xmpp::bare_jid(from);
  std::size_t accepted_here = 0;
  for (auto& content : jingle.contents) {
    if (!content.file) continue;
    auto transfer = std::make_unique<Transfer>();
    transfer->creator = content.creator;
    transfer->name = content.name;
    transfer->file = *content.file;
    FileFacts& facts = transfer->facts;
    facts.id = jingle.sid + (jingle.contents.size() > 1 ? "/" + content.name : "");
    facts.peer = from;
    facts.started = now;
    facts.mechanism = std::string("jingle-ft:") + content.file->xmlns.substr(content.file->xmlns.size() - 1);
    facts.name = content.file->name;
    facts.size = content.file->size;
    facts.media_type = content.file->media_type;
    facts.ciphertext = content.file->encrypted || content.security;
    add_advertised(facts, content.file->hashes);
    transfer->checksum = !content.file->hashes.empty();
    transfer->algorithms = algorithms_for(*content.file);

    const TransferCount load = load_ ? load_->of(contact) : own_load(contact);
    auto refusal = ft::refusal_for(content, options_.limits,
                                   TransferCount{load.total + accepted_here, load.for_contact + accepted_here});
    if (load_ && load_->draining()) refusal = ft::Refusal{ReasonCondition::kBusy, kDrainingRefusal, false};
    if (refusal) {
      facts.end = TransferEnd::kRefused;
      facts.failure = refusal->text;
      refused.push_back(facts);
      too_large |= refusal->file_too_large;
      if (!session_refusal || refusal->decisive()) session_refusal = std::move(refusal);
      continue;
    }
    if (const auto* ibb = std::get_if<ft::IbbTransport>(&content.transport)) {
      transfer->ibb_sid = ibb->sid;
      transfer->block_size = ibb->block_size.value_or(4096);
      facts.transport = "IBB";
    } else {
      const auto& s5b = std::get<ft::S5bTransport>(content.transport);
      transfer->s5b_sid = s5b.sid;
      transfer->candidates = s5b.candidates;
      facts.transport = "SOCKS5";
    }
    ++accepted_here;
    session->transfers.push_back(std::move(transfer));
  }

  if (session->transfers.empty()) {
    // XEP-0166 §6.7 / XEP-0234 §6.1: no content parrot can take ends the
    // whole session with the reason of the (last decisive) refusal.
    const ft::Refusal refusal = session_refusal.value_or(
        ft::Refusal{ReasonCondition::kUnsupportedApplications, "no file offer in this session", false});
    send_terminate(*session, refusal.condition, refusal.text, too_large);
    spdlog::info("jingle-ft {}: refused from {}: {}", jingle.sid, from, refusal.text);
    for (const auto& facts : refused) deliver_report(facts);
    return;
  }

  // Contents parrot refuses among others it takes are left out of the
  // accept and removed (XEP-0166 §7.2.7 content-reject).
  for (const auto& facts : refused) deliver_report(facts);
  auto accept = jingle_iq(*session, Action::kSessionAccept);
  for (auto& transfer : session->transfers) {
    gloox::Tag* content = ft::add_content(*accept, transfer->creator, transfer->name);
    content->addAttribute("senders", "initiator");
    ft::FileDescription echoed = transfer->file;
    echoed.range.reset();  // no <range/>: the whole file (docs/file-senders.md)
    content->addChild(echoed.to_tag().release());
    if (!transfer->ibb_sid.empty()) {
      content->addChild(ft::IbbTransport{transfer->ibb_sid, transfer->block_size}.to_tag().release());
    } else {
      content->addChild(s5b_accept(*session, *transfer).release());
    }
    transfer->counted = true;
    ++transfers_;
    ++per_contact_[contact];
    transfer->pin = workers_.pin_least_loaded();
  }
  std::unique_ptr<gloox::Tag> rejects;
  if (!refused.empty()) {
    auto reject = jingle_iq(*session, Action::kContentReject);
    for (const auto& content : jingle.contents) {
      const bool kept = std::any_of(session->transfers.begin(), session->transfers.end(),
                                    [&](const auto& t) { return t->name == content.name; });
      if (!kept) ft::add_content(*reject, content.creator, content.name);
    }
    rejects = std::move(reject);
  }
  Session& stored = *session;
  sessions_[jingle.sid] = std::move(session);
  send_(std::move(accept));
  stored.state.accept();
  if (rejects) send_(std::move(rejects));
  spdlog::info("jingle-ft {}: accepted {} file(s) from {}", jingle.sid, stored.transfers.size(), from);
  for (auto& transfer : stored.transfers) {
    touch(*transfer);
    if (!transfer->s5b_sid.empty()) start_s5b(stored, *transfer);
  }
}

}  // namespace parrot::bot::transfer
