// The worker-side half of one XEP-0047 in-band bytestream, the one shared by
// both mechanisms that carry files in IBB: SI (XEP-0095/0096, si_transfers)
// and Jingle FT over XEP-0261 (jingle_transfers). It wraps an IbbReceiver
// (the pure per-block rules) with what both need around it: the end of the
// stream settled exactly once, its digests kept from then on, and the hop
// from the control thread, where the IQs arrive, to the transfer's worker,
// where the base64 is decoded and hashed, and back with the answer.
//
// Threads: built on the control thread, then used only by tasks run_on()
// posts to one pinned worker, in the order the blocks arrived; the last
// reference is dropped there (release()). Which IQ to answer and what to
// report stay the manager's: each mechanism words its reports its own way.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bot/transfer/ibb_receiver.hpp"
#include "transport/bytestream/stream_hasher.hpp"
#include "transport/worker/control_post.hpp"
#include "transport/worker/thread_confined.hpp"
#include "transport/worker/worker.hpp"

namespace parrot::bot::transfer {

// The stream as one task left it, handed back to the control thread.
struct IbbSnapshot {
  IbbState state = IbbState::kOpen;
  IbbFailure failure = IbbFailure::kNone;
  std::string failure_message;
  std::uint64_t bytes_received = 0;
  // True for the one task that ended the stream; then `digests` is final.
  bool ended_now = false;
  std::vector<transport::bytestream::Digest> digests;
};

class IbbStream {
 public:
  // Throws std::invalid_argument as IbbReceiver does.
  explicit IbbStream(IbbOptions options) : receiver_(std::move(options)) {}
  IbbStream(const IbbStream&) = delete;
  IbbStream& operator=(const IbbStream&) = delete;

  // One <data/> (its 'seq' and base64 text) or the sender's <close/>.
  IbbReply on_data(std::string_view seq, std::string_view base64);
  IbbState on_close();
  // The receiver's state; the first time the stream is over (or parrot
  // ends it: `force`), the digests too, and nothing is hashed after.
  IbbSnapshot settle(bool force);

  bool ended() const noexcept { return ended_; }
  // Final once ended(); empty before.
  const std::vector<transport::bytestream::Digest>& digests() const noexcept { return digests_; }
  std::uint64_t bytes_received() const noexcept { return receiver_.bytes_received(); }
  IbbFailure failure() const noexcept { return receiver_.failure(); }

  // Runs `work` on `worker` with the stream, after every task posted before,
  // then `then` with its value on the control thread through `back` (only
  // while the owner lives). The worker never touches the owner.
  template <typename Owner, typename Result>
  static void run_on(transport::Worker& worker, std::shared_ptr<IbbStream> stream,
                     std::function<Result(IbbStream&)> work, transport::ControlPost<Owner> back,
                     std::function<void(Owner&, Result&)> then) {
    worker.post([stream = std::move(stream), work = std::move(work), back, then = std::move(then)] {
      stream->on_worker();
      Result result = work(*stream);
      back([result = std::move(result), then](Owner& owner) mutable { then(owner, result); });
    });
  }
  // Drops the control thread's reference on `worker`, after the tasks
  // queued there, so that the receiver dies where it was used.
  static void release(transport::Worker* worker, std::shared_ptr<IbbStream>& stream);

 private:
  // The first task binds the stream to its worker (the control thread built
  // it); every later one must run there too.
  void on_worker() noexcept {
    if (!bound_) worker_thread_.rebind();
    bound_ = true;
    worker_thread_.check("IbbStream task");
  }

  IbbReceiver receiver_;
  bool ended_ = false;
  std::vector<transport::bytestream::Digest> digests_;
  transport::ThreadConfined worker_thread_;
  bool bound_ = false;
};

}  // namespace parrot::bot::transfer
