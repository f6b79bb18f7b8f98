// What SiTransfers keeps per transfer, shared by its two source files
// (si_transfers.cpp: the offer, SOCKS5, the end and the report; si_ibb.cpp:
// the IBB stream) and by nothing else. Control thread only; the worker
// halves (Reader, IbbStream) are held by shared_ptr and released on their
// worker.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bot/transfer/file_report.hpp"
#include "bot/transfer/ibb_stream.hpp"
#include "bot/transfer/si/elements.hpp"
#include "bot/transfer/si_transfers.hpp"
#include "transport/worker/timer.hpp"

namespace parrot::bot::transfer {
namespace si_detail {

// Streams are keyed by the sender's full JID as well as the sid: a sid is
// only unique per sender, and another JID must not feed someone's transfer
// (XEP-0047 §5).
inline std::string key_of(const std::string& peer, const std::string& sid) { return peer + '\n' + sid; }

inline std::vector<std::string> algorithms_for(const si::SiOffer& offer) {
  std::vector<std::string> names{"sha-256", "sha-1"};
  // XEP-0096 §2's hash is MD5; it is computed only to compare with it.
  if (!offer.file.md5.empty()) names.emplace_back("md5");
  return names;
}

inline void put_digests(FileFacts& facts, const std::vector<transport::bytestream::Digest>& digests) {
  for (const auto& digest : digests) facts.digests[digest.algorithm] = digest.hex();
}

}  // namespace si_detail

// What one IBB task on the worker learned, returned to the control thread as
// a value.
struct SiTransfers::IbbOutcome {
  enum class Cause { kStream, kIdle, kMalformed };

  // The IQ to answer (none for the idle timeout): a result when `condition`
  // is empty, else an error.
  std::optional<si::IqRef> iq;
  std::string error_type = "cancel";
  std::string condition;
  std::string text;
  // Who ends the stream: the sender's bytes, or parrot (end_ibb).
  Cause cause = Cause::kStream;
  std::string reason;  // kMalformed: the report's failure
  // True when this task ended the stream; then the fields below are final.
  bool ended = false;
  IbbState state = IbbState::kOpen;
  IbbFailure failure = IbbFailure::kNone;
  std::string failure_message;
  std::uint64_t bytes_received = 0;
  std::vector<transport::bytestream::Digest> digests;

  void take(IbbSnapshot snapshot);
};

// The outcome's stream fields from a snapshot of the worker's IbbStream.
inline void SiTransfers::IbbOutcome::take(IbbSnapshot snapshot) {
  state = snapshot.state;
  failure = snapshot.failure;
  failure_message = std::move(snapshot.failure_message);
  bytes_received = snapshot.bytes_received;
  ended = snapshot.ended_now;
  digests = std::move(snapshot.digests);
}

struct SiTransfers::Transfer {
  Key key;
  std::string peer;  // the sender's full JID
  si::SiOffer offer;
  FileFacts facts;
  // SOCKS5 (XEP-0065): the sender's query, answered when a streamhost works.
  std::optional<si::IqRef> query_iq;
  std::string target;  // the JID the sender addressed: part of DST.ADDR
  std::vector<si::Streamhost> hosts;
  std::size_t next_host = 0;
  std::string host_errors;
  std::optional<si::Streamhost> used;
  transport::Worker::Pin pin;
  std::shared_ptr<Reader> reader;
  unsigned attempt = 0;
  // IBB (XEP-0047): shared with the tasks queued on the worker.
  std::shared_ptr<IbbStream> ibb;
  std::chrono::steady_clock::time_point ibb_first{};
  std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();
  transport::Timer idle;
};

}  // namespace parrot::bot::transfer
