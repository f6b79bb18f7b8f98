#include "bot/transfer/ibb_stream.hpp"

namespace parrot::bot::transfer {

IbbReply IbbStream::on_data(std::string_view seq, std::string_view base64) { return receiver_.on_data(seq, base64); }

IbbState IbbStream::on_close() { return receiver_.on_close(); }

IbbSnapshot IbbStream::settle(bool force) {
  IbbSnapshot out;
  out.state = receiver_.state();
  out.failure = receiver_.failure();
  out.failure_message = receiver_.failure_message();
  out.bytes_received = receiver_.bytes_received();
  if (ended_ || (!force && out.state == IbbState::kOpen)) return out;
  ended_ = true;
  digests_ = receiver_.finish();
  out.ended_now = true;
  out.digests = digests_;
  return out;
}

void IbbStream::release(transport::Worker* worker, std::shared_ptr<IbbStream>& stream) {
  if (!stream) return;
  if (worker != nullptr) worker->post([last = std::move(stream)] {});
  stream.reset();
}

}  // namespace parrot::bot::transfer
