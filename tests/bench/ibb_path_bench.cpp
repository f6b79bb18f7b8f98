// parrot's own cost per IBB block, in one process without sockets, threads
// or a server (docs/BENCHMARKS.md, "File transfers": "IBB throughput with the default block size.
// Target: >= 20 MB/s"; tests/bench/ibb_bench.py measures end to end):
//   - Base64/<block>: transport::bytestream::base64_decode of one block's
//     text, as the XEP-0047 sender wrote it (no line breaks).
//   - Receiver/<block>: IbbReceiver::on_data per block: 'seq', strict
//     base64, SHA-256 + SHA-1 (what the transfer's worker does per IQ).
//   - Stanza/<block>: also gloox's share on the control thread: the
//     serialized <iq><data/></iq> read by gloox::Parser into a Tag, the
//     element's 'seq' and text copied out (as the transfer owners do),
//     then on_data. TLS, syscalls and the hop between the two threads are
//     not included; ibb_bench.py's CPU seconds per run include them.
// bytes_per_second counts file bytes (decoded), so it compares directly with
// the MB/s of the report.
//
//   <build>/tests/ibb_path_bench  (figures in docs/BENCHMARKS.md, "File transfers")
#include <benchmark/benchmark.h>
#include <gloox/parser.h>
#include <gloox/tag.h>
#include <gloox/taghandler.h>

#include <cstddef>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bot/transfer/ibb_receiver.hpp"
#include "transport/bytestream/base64.hpp"

namespace {

using parrot::bot::transfer::IbbOptions;
using parrot::bot::transfer::IbbReceiver;

std::string random_block_base64(std::size_t size) {
  std::mt19937 random(static_cast<std::mt19937::result_type>(size));
  std::vector<unsigned char> bytes(size);
  for (auto& byte : bytes) byte = static_cast<unsigned char>(random());
  return parrot::transport::bytestream::base64_encode(bytes.data(), bytes.size());
}

IbbOptions options_for(std::size_t block) {
  IbbOptions options;
  options.block_size = static_cast<std::uint16_t>(block);
  return options;  // no announced size: the stream never completes
}

void Base64(benchmark::State& state) {
  const auto block = static_cast<std::size_t>(state.range(0));
  const std::string text = random_block_base64(block);
  std::vector<std::byte> out;
  for (auto _ : state) {
    const auto status = parrot::transport::bytestream::base64_decode(text, block, out);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(block));
}
BENCHMARK(Base64)->Arg(4096)->Arg(8192)->Arg(65535);

void Receiver(benchmark::State& state) {
  const auto block = static_cast<std::size_t>(state.range(0));
  const std::string text = random_block_base64(block);
  IbbReceiver receiver(options_for(block));
  std::uint64_t seq = 0;
  for (auto _ : state) {
    const auto reply = receiver.on_data(std::to_string(seq++ % 65536), text);
    if (!reply.ok) state.SkipWithError(reply.message.c_str());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(receiver.bytes_received()));
}
BENCHMARK(Receiver)->Arg(4096)->Arg(8192)->Arg(65535);

// Hands every top-level stanza gloox parsed to the receiver the way
// JingleTransfers::on_ibb_iq reads it.
class IbbStanzaSink : public gloox::TagHandler {
 public:
  explicit IbbStanzaSink(std::size_t block) : receiver_(options_for(block)) {}

  void handleTag(gloox::Tag* tag) override {
    if (tag->name() != "iq") return;
    const gloox::Tag* data = tag->findChild("data", "xmlns", "http://jabber.org/protocol/ibb");
    if (data == nullptr) return;
    std::string seq = data->findAttribute("seq");
    std::string text = data->cdata();
    ok_ &= receiver_.on_data(seq, text).ok;
  }

  bool ok() const { return ok_; }
  std::uint64_t bytes() const { return receiver_.bytes_received(); }

 private:
  IbbReceiver receiver_;
  bool ok_ = true;
};

void Stanza(benchmark::State& state) {
  const auto block = static_cast<std::size_t>(state.range(0));
  const std::string text = random_block_base64(block);
  IbbStanzaSink sink(block);
  gloox::Parser parser(&sink);
  std::string open =
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "from='parrot.test' id='bench' version='1.0'>";
  parser.feed(open);
  std::uint64_t seq = 0;
  for (auto _ : state) {
    // What Prosody forwards: its own attribute order, single quotes.
    std::string stanza = "<iq id='ibbb" + std::to_string(seq) +
                         "' type='set' to='parrot@parrot.test/parrot' from='alice@parrot.test/test'>"
                         "<data xmlns='http://jabber.org/protocol/ibb' sid='0123456789abcdef' seq='" +
                         std::to_string(seq % 65536) + "'>" + text + "</data></iq>";
    ++seq;
    if (parser.feed(stanza) >= 0) state.SkipWithError("gloox could not parse the stanza");
  }
  if (!sink.ok() || sink.bytes() != seq * block) state.SkipWithError("a block was refused");
  state.SetBytesProcessed(static_cast<std::int64_t>(sink.bytes()));
}
BENCHMARK(Stanza)->Arg(4096)->Arg(8192)->Arg(65535);

}  // namespace

BENCHMARK_MAIN();
