// XEP-0047 data handling (bot/transfer/ibb_receiver): the input is a series of
// <data/> elements, each a 'seq' text and a base64 text cut from the input
// (with a bias toward the right next seq, so long streams happen). Checks: the
// bytes hashed are the sum of the accepted blocks and never pass the limit,
// a closed stream accepts nothing more, and every refusal names a condition.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bot/transfer/ibb_receiver.hpp"
#include "fuzz_input.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::string_view text(parrot::media::ByteView bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  parrot::fuzz::FuzzInput input(data, size);
  parrot::bot::transfer::IbbOptions options;
  options.block_size = static_cast<std::uint16_t>(1 + input.u8() % 64);
  const std::uint8_t limit = input.u8();
  if (limit % 2 == 0) options.expected_bytes = limit / 2;
  options.max_bytes = 4096;
  parrot::bot::transfer::IbbReceiver receiver(options);
  const std::uint64_t cap = options.expected_bytes.value_or(options.max_bytes);

  std::uint64_t accepted = 0;
  std::uint64_t next = 0;
  while (!input.empty()) {
    const std::uint8_t shape = input.u8();
    std::string seq;
    if (shape % 4 != 0) {
      seq = std::to_string(shape % 4 == 1 ? next : next + 65536);
    } else {
      seq = std::string(text(input.bytes(input.u8() % 24)));
    }
    const std::string_view base64 = text(input.bytes(input.u8()));
    const bool was_open = receiver.state() == parrot::bot::transfer::IbbState::kOpen;
    const auto reply = receiver.on_data(seq, base64);
    check(reply.state == receiver.state());
    if (reply.ok) {
      check(was_open);
      check(reply.bytes <= options.block_size);
      accepted += reply.bytes;
      ++next;
    } else {
      check(!reply.condition.empty() && !reply.message.empty());
      check(reply.bytes == 0);
    }
    check(receiver.bytes_received() == accepted);
    check(accepted <= cap);
    if (input.u8() == 0xC1) receiver.on_close();
  }
  receiver.on_close();
  check(receiver.state() != parrot::bot::transfer::IbbState::kOpen);
  check(receiver.finish().size() == 2);
  return 0;
}
