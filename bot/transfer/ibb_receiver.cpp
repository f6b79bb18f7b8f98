#include "bot/transfer/ibb_receiver.hpp"

#include <stdexcept>

#include "transport/bytestream/base64.hpp"

namespace parrot::bot::transfer {

namespace {

using transport::bytestream::Base64Status;

// 'seq' as a decimal number. XEP-0047's schema says unsignedShort; parrot
// takes any length up to 19 digits because Conversations keeps counting past
// 65535, and only the value modulo 65536 matters.
std::optional<std::uint64_t> parse_seq(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

}  // namespace

IbbReceiver::IbbReceiver(IbbOptions options) : options_(std::move(options)), hasher_(options_.algorithms) {
  if (options_.block_size == 0) throw std::invalid_argument("IbbReceiver: block-size 0");
  if (options_.expected_bytes == std::uint64_t{0}) state_ = IbbState::kComplete;  // an empty file
}

IbbReply IbbReceiver::fail(IbbFailure failure, std::string_view condition, std::string message) {
  state_ = IbbState::kFailed;
  failure_ = failure;
  failure_message_ = message;
  return IbbReply{false, condition, std::move(message), 0, state_};
}

IbbReply IbbReceiver::on_data(std::string_view seq_text, std::string_view base64) {
  if (state_ != IbbState::kOpen) {
    // The bytestream is over; XEP-0047 §2.2 answers data for a session it no
    // longer knows with item-not-found.
    if (state_ == IbbState::kComplete && !base64.empty()) {
      return fail(IbbFailure::kTooManyBytes, "not-acceptable", "data after all announced bytes arrived");
    }
    return IbbReply{false, "item-not-found", "bytestream already closed", 0, state_};
  }
  const std::optional<std::uint64_t> seq = parse_seq(seq_text);
  if (!seq) {
    return fail(IbbFailure::kBadSequence, "bad-request", "seq '" + std::string(seq_text.substr(0, 32)) + "' is not a number");
  }
  const auto seq16 = static_cast<std::uint16_t>(*seq & 0xFFFF);
  if (seq16 != next_seq_) {
    if (any_block_ && seq16 == static_cast<std::uint16_t>(next_seq_ - 1)) {
      ++duplicates_;
      return IbbReply{false, "unexpected-request", "seq " + std::to_string(*seq) + " already used", 0, state_};
    }
    return fail(IbbFailure::kBadSequence, "unexpected-request",
                "seq " + std::to_string(*seq) + " out of order, expected " + std::to_string(next_seq_) +
                    " (mod 65536)");
  }
  switch (transport::bytestream::base64_decode(base64, options_.block_size, decoded_)) {
    case Base64Status::kOk:
      break;
    case Base64Status::kMalformed:
      return fail(IbbFailure::kBadBase64, "bad-request", "seq " + std::to_string(*seq) + " is not valid base64");
    case Base64Status::kTooLarge:
      return fail(IbbFailure::kBlockTooLarge, "not-acceptable",
                  "seq " + std::to_string(*seq) + " is larger than the block-size of " +
                      std::to_string(options_.block_size));
  }
  const std::uint64_t limit = options_.expected_bytes.value_or(options_.max_bytes);
  if (decoded_.size() > limit - hasher_.bytes_hashed()) {
    return fail(IbbFailure::kTooManyBytes, "not-acceptable",
                options_.expected_bytes ? "more than the " + std::to_string(limit) + " bytes announced"
                                        : "more than the limit of " + std::to_string(limit) + " bytes");
  }
  hasher_.update(std::span<const std::byte>(decoded_));
  ++blocks_;
  any_block_ = true;
  ++next_seq_;  // wraps 65535 -> 0 as a uint16_t
  if (options_.expected_bytes && hasher_.bytes_hashed() == *options_.expected_bytes) state_ = IbbState::kComplete;
  return IbbReply{true, {}, {}, decoded_.size(), state_};
}

IbbState IbbReceiver::on_close() {
  if (state_ != IbbState::kOpen) return state_;
  if (options_.expected_bytes && hasher_.bytes_hashed() < *options_.expected_bytes) {
    state_ = IbbState::kTruncated;
    failure_message_ = "closed after " + std::to_string(hasher_.bytes_hashed()) + " of " +
                       std::to_string(*options_.expected_bytes) + " bytes";
  } else {
    state_ = IbbState::kComplete;
  }
  return state_;
}

}  // namespace parrot::bot::transfer
