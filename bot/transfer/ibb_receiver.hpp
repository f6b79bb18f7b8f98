// The receiving end of one XEP-0047 in-band bytestream (also the data phase
// of XEP-0261 Jingle IBB), as pure logic: the bot hands over each <data/>
// element's 'seq' attribute and base64 text, gets back what to answer, and
// the decoded bytes go straight into a StreamHasher; nothing is stored.
//
// Rules (XEP-0047 §2.2, with what real senders do, see
// docs/file-senders.md):
// - 'seq' is compared modulo 65536: XEP-0047 wraps 65535 -> 0, Conversations
//   sends 65536, 65537, … instead; both are the successor of 65535.
// - A seq that was just used -> unexpected-request (the data is ignored; the
//   stream stays usable, the sender is told). Any other gap -> unexpected-
//   request and the stream is closed: a lost block cannot be recovered.
// - base64 must be valid (whitespace allowed) -> else bad-request, closed.
// - A block larger than the negotiated block-size, or bytes past the
//   announced size -> not-acceptable, closed.
// - The end is the announced size (Conversations never sends <close/>):
//   the block that completes it reports kComplete. <close/> before that is
//   a truncated transfer.
//
// Threads: one receiver is used by one thread at a time (the control thread,
// or a worker if the bot moves IBB decoding there).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "transport/bytestream/stream_hasher.hpp"

namespace parrot::bot::transfer {

struct IbbOptions {
  std::uint16_t block_size = 4096;              // negotiated, pre-base64 bytes (XEP-0047 §2.1)
  std::optional<std::uint64_t> expected_bytes;  // the announced file size
  std::uint64_t max_bytes = std::uint64_t{1} << 40;  // cap when no size was announced
  std::vector<std::string> algorithms{"sha-256", "sha-1"};
};

enum class IbbState {
  kOpen,       // more data expected
  kComplete,   // every announced byte arrived (or <close/> with no size announced)
  kFailed,     // closed because of an error; see failure()
  kTruncated,  // <close/> before the announced size
};

enum class IbbFailure {
  kNone,
  kBadSequence,   // a gap in 'seq', or 'seq' not a decimal number
  kBadBase64,
  kBlockTooLarge,
  kTooManyBytes,  // beyond the announced size or max_bytes
};

// What the bot answers to one <data/>: an IQ result (ok), or an IQ error of
// type 'cancel' with the RFC 6120 §8.3.3 condition named here.
struct IbbReply {
  bool ok = true;
  std::string_view condition;  // "unexpected-request", "bad-request", "not-acceptable", "item-not-found"
  std::string message;         // for the log and the report
  std::size_t bytes = 0;       // decoded bytes accepted from this block
  IbbState state = IbbState::kOpen;
};

class IbbReceiver {
 public:
  // Throws std::invalid_argument for block_size 0 or an unsupported algorithm.
  explicit IbbReceiver(IbbOptions options);

  // seq_text: the 'seq' attribute as received; base64: the element's text.
  // Never throws except std::bad_alloc.
  IbbReply on_data(std::string_view seq_text, std::string_view base64);
  // The sender's <close/>; returns the resulting state.
  IbbState on_close();

  IbbState state() const noexcept { return state_; }
  IbbFailure failure() const noexcept { return failure_; }
  const std::string& failure_message() const noexcept { return failure_message_; }
  std::uint64_t bytes_received() const noexcept { return hasher_.bytes_hashed(); }
  std::uint64_t blocks_received() const noexcept { return blocks_; }
  std::uint64_t duplicates() const noexcept { return duplicates_; }
  // The digests over the bytes received so far; ends hashing.
  const std::vector<transport::bytestream::Digest>& finish() { return hasher_.finish(); }

 private:
  IbbReply fail(IbbFailure failure, std::string_view condition, std::string message);

  IbbOptions options_;
  transport::bytestream::StreamHasher hasher_;
  std::uint16_t next_seq_ = 0;
  bool any_block_ = false;
  std::uint64_t blocks_ = 0;
  std::uint64_t duplicates_ = 0;
  IbbState state_ = IbbState::kOpen;
  IbbFailure failure_ = IbbFailure::kNone;
  std::string failure_message_;
  std::vector<std::byte> decoded_;  // reused for every block
};

}  // namespace parrot::bot::transfer
