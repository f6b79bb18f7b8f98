// XEP-0260 SOCKS5 on the control thread, part of JingleTransfers (see
// jingle_transfers.hpp): parrot's candidates in session-accept, the plan
// its worker-side S5bSide runs (the sender's candidates in priority order,
// DST.ADDR = SHA-1(transport sid + initiator + parrot), then Gajim 1.x's
// session sid; parrot's listener with either JID order and either sid),
// the S5bSide's events, the sender's transport-info, and parrot's own
// proxy: connect with SHA-1(sid + parrot + initiator), activate
// (XEP-0065 §6.3.3), <activated/>.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "bot/transfer/jingle_ft/elements.hpp"
#include "bot/transfer/jingle_transfer_state.hpp"
#include "bot/transfer/jingle_transfers.hpp"
#include "transport/bytestream/socks5.hpp"

namespace parrot::bot::transfer {
namespace ft = jingle_ft;
using transport::bytestream::socks5_dst_addr;

std::unique_ptr<gloox::Tag> JingleTransfers::s5b_accept(const Session& session, Transfer& transfer) {
  ft::S5bTransport offer;
  offer.sid = transfer.s5b_sid;
  if (!direct_.addresses.empty()) {
    try {
      transfer.listener = transport::bytestream::TcpListener::open(direct_.port_min, direct_.port_max);
      const auto count = static_cast<std::uint32_t>(direct_.addresses.size());
      for (std::uint32_t i = 0; i < count; ++i) {
        // XEP-0260 §2.2: type preference 126 for direct candidates; the
        // local preference keeps the operator's order.
        transfer.own_direct.push_back(ft::S5bCandidate{"parrot-direct-" + std::to_string(++next_id_),
                                                       direct_.addresses[i], self_, transfer.listener->port(),
                                                       (126u << 16) + (count - i), ft::CandidateType::kDirect});
      }
    } catch (const std::exception& e) {
      // The transfer goes on with the sender's candidates and the proxy.
      spdlog::warn("jingle-ft: no direct SOCKS5 candidate of parrot's for this transfer: {}", e.what());
    }
  }
  offer.candidates = transfer.own_direct;
  if (const auto& proxy = proxy_discovery_.proxy()) {
    // XEP-0260 §2.2: a proxy candidate's type preference is 10; its
    // DST.ADDR is owner first (parrot + initiator), also sent as dstaddr.
    transfer.own_proxy = ft::S5bCandidate{"parrot-proxy-" + std::to_string(++next_id_), proxy->host, proxy->jid,
                                          proxy->port, 10u << 16, ft::CandidateType::kProxy};
    offer.candidates.push_back(*transfer.own_proxy);
    offer.dstaddr = socks5_dst_addr(transfer.s5b_sid, self_, session.initiator());
  }
  return offer.to_tag();
}

void JingleTransfers::start_s5b(Session& session, Transfer& transfer) {
  S5bPlan plan;
  auto candidates = transfer.candidates;
  // XEP-0260 §2.4: highest priority first; direct before proxy on a tie.
  std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    return a.type != ft::CandidateType::kProxy && b.type == ft::CandidateType::kProxy;
  });
  // Every sender agrees on SHA-1(transport sid + initiator + responder);
  // Gajim 1.x hashes the Jingle session id instead (docs/file-senders.md),
  // so the same candidates are tried again with it.
  std::vector<std::string> sids{transfer.s5b_sid};
  if (session.sid() != transfer.s5b_sid) sids.push_back(session.sid());
  if (transfer.listener) {
    // Senders disagree on the JID order for the responder's direct
    // candidates: owner first (Conversations, Dino) or initiator first
    // (Psi, Gajim); either is accepted, with either sid.
    plan.listener = std::move(transfer.listener);
    for (const auto& sid : sids) {
      plan.inbound_dst_addrs.push_back(socks5_dst_addr(sid, self_, session.initiator()));
      plan.inbound_dst_addrs.push_back(socks5_dst_addr(sid, session.initiator(), self_));
    }
  }
  for (const auto& sid : sids) {
    const std::string dst = socks5_dst_addr(sid, session.initiator(), self_);
    for (const auto& candidate : candidates) {
      plan.attempts.push_back(
          {candidate.cid, candidate.host, candidate.port, dst, candidate.type == ft::CandidateType::kProxy});
    }
  }
  run_s5b(transfer, std::move(plan));
}

void JingleTransfers::on_s5b_transport_info(Session& session, Transfer& transfer, const ft::S5bTransport& s5b) {
  // The sender's candidate-used naming a direct candidate (its own or
  // parrot's), candidate-error and activated need nothing from parrot: the
  // worker takes the bytes from whichever connection carries them.
  touch(transfer);
  if (s5b.candidate_used && transfer.own_proxy && *s5b.candidate_used == transfer.own_proxy->cid &&
      !transfer.nominated_own) {
    // XEP-0260 §2.4: with both sides' candidates used, the higher priority
    // wins, and on equal priority the initiator's choice: the sender's
    // candidate-used, naming parrot's proxy. So parrot's proxy loses to a
    // direct candidate of the sender that parrot reached, but wins against
    // the same server proxy offered by both sides, where parrot, its owner,
    // must connect and activate (waiting instead moved nothing).
    const bool parrot_connected = transfer.s5b && transfer.facts.transport != "SOCKS5";
    const auto used = std::find_if(transfer.candidates.begin(), transfer.candidates.end(),
                                   [&](const ft::S5bCandidate& c) { return c.cid == transfer.used_cid; });
    // The sender is the initiator of every session this manager runs.
    const bool own_wins =
        !parrot_connected || used == transfer.candidates.end() || transfer.own_proxy->priority >= used->priority;
    if (own_wins && transfer.phase != Transfer::Phase::kGrace && transfer.phase != Transfer::Phase::kDone) {
      use_own_proxy(session, transfer);
    }
  }
  if (s5b.proxy_error && transfer.s5b) {
    // XEP-0260 §2.5: the proxy could not be activated; no byte will come
    // through it. The sender falls back with transport-replace (or the
    // idle timeout ends it).
    spdlog::info("jingle-ft {}: the sender could not activate its proxy", session.sid());
    stop_s5b(transfer);
    transfer.phase = Transfer::Phase::kNegotiating;
  }
}

void JingleTransfers::use_own_proxy(Session& session, Transfer& transfer) {
  transfer.nominated_own = true;
  if (transfer.s5b && !transfer.told_candidate) {
    // Still trying the sender's candidates: stop, and say none worked, so
    // the sender knows its nomination stands (XEP-0260 §2.5).
    ft::S5bTransport error;
    error.sid = transfer.s5b_sid;
    error.candidate_error = true;
    transfer.told_candidate = true;
    send_transport_info(session, transfer, error.to_tag());
  }
  stop_s5b(transfer);
  S5bPlan plan;
  plan.own_proxy = true;
  plan.attempts.push_back({transfer.own_proxy->cid, transfer.own_proxy->host, transfer.own_proxy->port,
                           socks5_dst_addr(transfer.s5b_sid, self_, session.initiator()), true});
  run_s5b(transfer, std::move(plan));
}

void JingleTransfers::run_s5b(Transfer& transfer, S5bPlan plan) {
  plan.log_id = transfer.sid();
  plan.options.expected_bytes = transfer.file.size;
  plan.options.max_bytes = options_.limits.max_file_bytes;
  plan.options.algorithms = transfer.algorithms;
  plan.options.connect_timeout = options_.socks5_connect;
  plan.options.idle_timeout = options_.limits.idle;
  // Catch bytes sent beyond the size before the sender's close.
  plan.options.linger = std::chrono::milliseconds(1000);
  auto side = std::make_shared<S5bSide>(
      std::move(plan), [post = to_control(), sid = transfer.sid(), content = transfer.name](S5bEvent event) {
        post([sid, content, event = std::move(event)](JingleTransfers& m) { m.on_s5b_event(sid, content, event); });
      });
  transfer.s5b = side;
  transfer.phase = Transfer::Phase::kData;
  transfer.data_started = std::chrono::steady_clock::now();
  transport::Worker* worker = transfer.pin.worker();
  worker->post([side = std::move(side), worker] { side->start(worker->context()); });
}

void JingleTransfers::stop_s5b(Transfer& transfer) {
  if (!transfer.s5b) return;
  auto side = std::move(transfer.s5b);
  if (transfer.pin) transfer.pin.worker()->post([side] { side->stop(); });
}

void JingleTransfers::on_s5b_event(const std::string& sid, const std::string& content, S5bEvent event) {
  Transfer* transfer = find_transfer(sid, content);
  if (transfer == nullptr || transfer->s5b.get() != event.origin) return;  // replaced meanwhile
  switch (event.kind) {
    case S5bEvent::Kind::kAttemptsFailed:
      return on_s5b_attempts_failed(*sessions_.at(sid), *transfer, event.inbound_possible);
    case S5bEvent::Kind::kOwnProxyConnected: return on_own_proxy_connected(sid, content);
    case S5bEvent::Kind::kConnected: {
      transfer->facts.transport = event.proxy ? "SOCKS5 proxy" : "SOCKS5 direct";
      transfer->s5b_connected = true;
      transfer->used_cid = event.cid;
      ft::S5bTransport used;
      used.sid = transfer->s5b_sid;
      used.candidate_used = event.cid;
      transfer->told_candidate = true;
      send_transport_info(*sessions_.at(sid), *transfer, used.to_tag());
      return touch(*transfer);
    }
    case S5bEvent::Kind::kProgress:
      transfer->facts.bytes_received = event.bytes;  // what a cancellation's report counts
      return touch(*transfer);
    case S5bEvent::Kind::kInboundConnected:
      transfer->s5b_connected = true;
      return touch(*transfer);
    case S5bEvent::Kind::kFinished:
      transfer->facts.transport = event.transport;
      return on_bytes_done(sid, content, std::move(event.partial), event.end, std::move(event.failure));
  }
}

void JingleTransfers::on_s5b_attempts_failed(Session& session, Transfer& transfer, bool inbound_possible) {
  if (inbound_possible) {
    spdlog::info("jingle-ft {}: no SOCKS5 candidate of the sender answered; waiting for it on parrot's",
                 session.sid());
  } else {
    transfer.s5b.reset();
    transfer.phase = Transfer::Phase::kNegotiating;
    spdlog::info("jingle-ft {}: no SOCKS5 candidate of the sender answered; waiting for a transport-replace",
                 session.sid());
  }
  ft::S5bTransport error;
  error.sid = transfer.s5b_sid;
  error.candidate_error = true;
  transfer.told_candidate = true;
  send_transport_info(session, transfer, error.to_tag());
  touch(transfer);
}

void JingleTransfers::on_own_proxy_connected(const std::string& sid, const std::string& content) {
  Transfer* transfer = find_transfer(sid, content);
  if (transfer == nullptr) return;
  const Session& session = *sessions_.at(sid);
  transfer->facts.transport = "SOCKS5 proxy";
  // XEP-0065 §6.3.3 activation by the proxy's user (parrot), naming the
  // target; then XEP-0260 §2.4 <activated/> (or <proxy-error/>).
  auto query = std::make_unique<gloox::Tag>("query");
  query->setXmlns(ft::kBytestreams);
  query->addAttribute("sid", transfer->s5b_sid);
  new gloox::Tag(query.get(), "activate", session.initiator());
  send_iq(transfer->own_proxy->jid, "set", std::move(query), [this, sid, content](const gloox::Tag& answer) {
    Transfer* activated = find_transfer(sid, content);
    if (activated == nullptr) return;
    ft::S5bTransport info;
    info.sid = activated->s5b_sid;
    if (answer.findAttribute("type") == "result") {
      info.activated = activated->own_proxy->cid;
    } else {
      info.proxy_error = true;
      spdlog::info("jingle-ft {}: the proxy refused the activation", sid);
    }
    send_transport_info(*sessions_.at(sid), *activated, info.to_tag());
    touch(*activated);
  });
}

}  // namespace parrot::bot::transfer
