#include "media/echo/echo_engine.hpp"

#include <algorithm>
#include <array>
#include <random>
#include <stdexcept>

#include "media/demux.hpp"
#include "media/probes/probe_queue.hpp"
#include "media/rtcp/compound.hpp"
#include "media/rtp/header_extensions.hpp"
#include "media/rtp/rtp_packet.hpp"

namespace parrot::media::echo {

struct EchoEngine::Stream {
  Stream(const StreamConfig& c, const jitter::JitterBufferConfig& jc, std::uint16_t initial_sequence,
         std::uint32_t initial_timestamp, std::size_t max_history_packets, Duration history_age)
      : config(c),
        jitter_config(jc),
        buffer(std::make_unique<jitter::JitterBuffer>(jc)),
        received(c.clock_rate_hz),
        rewriter(c.local_ssrc, c.clock_rate_hz, initial_sequence, initial_timestamp),
        history(32, max_history_packets, history_age),
        sent(c.clock_rate_hz),
        fec(c.red_payload_type, c.ulpfec_payload_type) {}

  StreamConfig config;
  jitter::JitterBufferConfig jitter_config;
  std::unique_ptr<jitter::JitterBuffer> buffer;  // one per caller SSRC
  // RFC 3550 receive statistics for the whole call: the buffer is replaced
  // when the caller changes SSRC, these only start a new source.
  stats::ReceiveStatistics received;
  StreamRewriter rewriter;
  SendHistory history;
  stats::SendStatistics sent;
  stats::ReturnPathMonitor return_path;
  stats::ReturnLoss return_loss;
  FecRewriter fec;
  std::optional<std::uint32_t> remote_ssrc;
  Timestamp last_received{};
  std::uint64_t resyncs_seen = 0;
  probes::ProbeQueue* probe = nullptr;

  // Totals carried over from jitter buffers replaced by a source change.
  std::uint64_t source_changes = 0;
  std::array<std::uint64_t, 128> payload_type_packets{};
  std::string remote_cname;
  bool bye_received = false;
  std::uint64_t nacks_sent = 0;
  std::uint64_t nacks_received = 0;
  std::uint64_t plis_relayed = 0;
  std::uint64_t firs_relayed = 0;
  Timestamp last_relay{};
  bool relayed_any = false;
  std::uint8_t fir_sequence = 0;
  std::optional<std::uint8_t> last_caller_fir_sequence;

  std::size_t index = 0;  // in streams_
  StreamSource source = StreamSource::kEcho;
  std::uint16_t local_sequence = 0;  // send_local()'s own numbering, before the rewrite
  bool keyframe_requested = false;

  stats::RateHistory upstream;  // across source changes: the whole call
  std::uint64_t remb_sent = 0;
  std::optional<std::uint64_t> remb_last_bps;
  std::optional<std::uint64_t> remb_max_bps;
};

namespace {

jitter::JitterBufferConfig jitter_config_for(const StreamConfig& stream, const EchoConfig& config) {
  jitter::JitterBufferConfig c;
  c.clock_rate_hz = stream.clock_rate_hz;
  c.video = stream.kind == MediaKind::kVideo;
  c.nack = stream.nack;
  c.min_delay = c.video ? config.video_min_delay : config.audio_min_delay;
  c.max_delay = config.max_delay;
  c.initial_delay = std::clamp(c.initial_delay, c.min_delay, c.max_delay);
  // The ring grows to what the stream needs; these bounds hold 2 s of 10 ms
  // audio frames, or of video at ~4 Mbit/s in 1,100-byte packets.
  c.initial_packets = c.video ? 64 : 16;
  c.max_packets = c.video ? 1024 : 256;
  c.max_buffered = config.max_delay * 2;
  return c;
}

// RFC 6464: the caller's own level of the packet, for the probe, when the
// extension was negotiated and the packet carries it.
std::optional<rtp::AudioLevel> audio_level_of(const rtp::RtpPacket& packet, std::uint8_t id) {
  if (id == 0 || !packet.has_extension()) return std::nullopt;
  const auto extensions = rtp::HeaderExtensions::parse(packet.extension_profile(), packet.extension_data());
  if (!extensions) return std::nullopt;
  const auto value = extensions->find(id);
  return value ? rtp::parse_audio_level(*value) : std::nullopt;
}

}  // namespace

EchoEngine::EchoEngine(EchoConfig config)
    : config_(std::move(config)), random_(config_.random_seed), rtcp_scheduler_(config_.random_seed) {
  if (config_.streams.empty()) throw std::invalid_argument("echo engine: no streams configured");
  const std::vector<StreamConfig> streams = std::move(config_.streams);
  config_.streams.clear();
  for (const StreamConfig& stream : streams) add_stream(stream);
}

std::size_t EchoEngine::add_stream(const StreamConfig& stream) {
  if (stream.clock_rate_hz == 0) throw std::invalid_argument("echo engine: a stream has a zero clock rate");
  for (const std::uint8_t pt : stream.payload_types) {
    if (pt > 127 || claimed_[pt]) throw std::invalid_argument("echo engine: payload type " + std::to_string(pt) + " is invalid or claimed twice");
  }
  for (const std::uint8_t pt : stream.payload_types) claimed_[pt] = true;
  const bool video = stream.kind == MediaKind::kVideo;
  // Bounds for the history, which grows to send_history's worth of packets.
  const std::size_t history_packets = video ? 2048 : 256;
  streams_.push_back(std::make_unique<Stream>(stream, jitter_config_for(stream, config_),
                                              static_cast<std::uint16_t>(random_()), static_cast<std::uint32_t>(random_()),
                                              history_packets, config_.send_history));
  streams_.back()->index = streams_.size() - 1;
  streams_.back()->buffer->set_extra_delay(config_.extra_delay);
  config_.streams.push_back(stream);
  // One generator for the transport: the numbers count every packet the
  // caller sends on it (BUNDLE makes the ids agree across contents).
  if (stream.transport_cc && stream.transport_sequence_extension_id != 0 && !feedback_generator_) {
    feedback_generator_ = std::make_unique<TransportFeedbackGenerator>(stream.local_ssrc);
    transport_sequence_extension_id_ = stream.transport_sequence_extension_id;
  }
  return streams_.size() - 1;
}

EchoEngine::~EchoEngine() = default;

void EchoEngine::set_srtp(const srtp::KeyingMaterial& keys) {
  srtp_ = std::make_unique<srtp::SrtpSession>(keys);
  expect_srtp_ = true;
}

void EchoEngine::set_extra_delay(Duration extra) {
  config_.extra_delay = std::max(Duration{0}, extra);
  for (auto& stream : streams_) stream->buffer->set_extra_delay(config_.extra_delay);
}

void EchoEngine::set_source(std::size_t index, StreamSource source) noexcept {
  if (index >= streams_.size() || streams_[index]->source == source) return;
  streams_[index]->source = source;
  streams_[index]->rewriter.reanchor();
}

bool EchoEngine::send_local(Timestamp now, std::size_t index, const LocalFrame& frame) {
  outbox_.clear();
  if (index >= streams_.size() || frame.payload_type > 127) return false;
  Stream& stream = *streams_[index];
  if (stream.source != StreamSource::kLocal || (expect_srtp_ && !srtp_)) return false;
  if (rtp::kFixedHeaderSize + frame.payload.size() > kMaxDatagram) return false;
  begin_call(now);
  const auto rewritten = stream.rewriter.rewrite(now, stream.local_sequence++, frame.timestamp);
  rtp::RtpHeader header;
  header.marker = frame.marker;
  header.payload_type = frame.payload_type;
  header.sequence_number = rewritten.sequence_number;
  header.timestamp = rewritten.timestamp;
  header.ssrc = stream.rewriter.local_ssrc();
  MutableByteView out = next_buffer(rtp::kFixedHeaderSize + frame.payload.size());
  std::size_t size = rtp::serialize(header, frame.payload, out);
  if (size == 0) return false;
  stream.sent.on_sent(now, rewritten.timestamp, frame.payload.size());
  stream.return_path.on_sent(now);
  stream.return_loss.on_sent(rewritten.sequence_number);
  if (stream.config.nack) {
    history_scratch_.assign(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(size));
    stream.history.store_swap(now, rewritten.sequence_number, history_scratch_);
  }
  if (srtp_) {
    const auto protected_size = srtp_->protect_rtp(out, size);
    if (!protected_size) return false;
    size = *protected_size;
  }
  commit_buffer(size, OutgoingDatagram::Counted::kMedia, &stream, frame.payload.size(), rewritten.sequence_number);
  return true;
}

bool EchoEngine::take_keyframe_request(std::size_t index) noexcept {
  if (index >= streams_.size() || !streams_[index]->keyframe_requested) return false;
  streams_[index]->keyframe_requested = false;
  return true;
}

void EchoEngine::attach_probe(std::size_t index, probes::ProbeQueue* queue) noexcept {
  if (index < streams_.size()) streams_[index]->probe = queue;
}

void EchoEngine::on_datagram(Timestamp now, MutableByteView datagram) {
  on_datagram(now, datagram, classify_muxed_packet(datagram));
}

void EchoEngine::on_datagram(Timestamp now, MutableByteView datagram, MuxedPacketKind kind) {
  outbox_.clear();
  if (datagram.size() > kMaxDatagram) {
    drops_.count(DropReason::kTooLarge);
    return;
  }
  switch (kind) {
    case MuxedPacketKind::kRtp:
      on_rtp(now, datagram);
      break;
    case MuxedPacketKind::kRtcp:
      on_rtcp(now, datagram);
      break;
    case MuxedPacketKind::kInvalid:
      drops_.count(datagram.size() < 2 ? DropReason::kTooShort : DropReason::kNotRtp);
      break;
  }
}

void EchoEngine::on_timer(Timestamp now) {
  outbox_.clear();
  play_due(now);
  if (now >= next_nack_check_) send_nacks(now);
  if (rtcp_scheduler_.started() && now >= rtcp_scheduler_.next_report()) send_reports(now);
  if (feedback_generator_ && now >= feedback_generator_->next_feedback()) send_transport_feedback(now);
}

Timestamp EchoEngine::next_wakeup() const noexcept {
  Timestamp next = rtcp_scheduler_.started() ? rtcp_scheduler_.next_report() : kNever;
  next = std::min(next, next_nack_check_);
  if (feedback_generator_) next = std::min(next, feedback_generator_->next_feedback());
  for (const auto& stream : streams_) next = std::min(next, stream->buffer->next_wakeup());
  return next;
}

void EchoEngine::begin_call(Timestamp now) {
  if (!rtcp_scheduler_.started()) rtcp_scheduler_.start(now);
}

EchoEngine::Stream* EchoEngine::stream_for(Timestamp now, std::uint32_t ssrc, std::uint8_t payload_type) {
  for (auto& stream : streams_) {
    if (stream->remote_ssrc == ssrc) return stream.get();
  }
  for (auto& stream : streams_) {
    const auto& pts = stream->config.payload_types;
    if (std::find(pts.begin(), pts.end(), payload_type) == pts.end()) continue;
    if (stream->config.remote_ssrc && *stream->config.remote_ssrc != ssrc) continue;
    if (stream->remote_ssrc) {
      // The caller switched sources on this media (a camera change, a
      // restarted encoder): follow once the old one has gone quiet.
      if (now - stream->last_received < kSourceSilenceBeforeSwitch) return nullptr;
      stream->buffer = std::make_unique<jitter::JitterBuffer>(stream->jitter_config);
      stream->buffer->set_extra_delay(config_.extra_delay);
      stream->received.on_source_change();
      stream->rewriter.reanchor();
      stream->fec.reset();
      ++stream->source_changes;
    }
    stream->remote_ssrc = ssrc;
    return stream.get();
  }
  return nullptr;
}

void EchoEngine::on_rtp(Timestamp now, MutableByteView datagram) {
  std::size_t length = datagram.size();
  if (srtp_) {
    const auto plain = srtp_->unprotect_rtp(datagram);
    if (!plain) return;  // counted by the session
    length = *plain;
  } else if (expect_srtp_) {
    drops_.count(DropReason::kNoKeys);
    return;
  }
  const auto packet = rtp::RtpPacket::parse(datagram.first(length));
  if (!packet) {
    drops_.count(length < rtp::kFixedHeaderSize ? DropReason::kTooShort : DropReason::kNotRtp);
    return;
  }
  if (feedback_generator_ && packet->has_extension()) {
    // Every packet on the transport, before the stream lookup: libwebrtc's
    // bandwidth probes may come as padding on a source parrot does not echo.
    const auto extensions = rtp::HeaderExtensions::parse(packet->extension_profile(), packet->extension_data());
    if (extensions) {
      if (const auto value = extensions->find(transport_sequence_extension_id_)) {
        if (const auto sequence = rtp::parse_transport_sequence_number(*value))
          feedback_generator_->on_packet(now, *sequence, packet->ssrc(), length);
      }
    }
  }
  Stream* stream = stream_for(now, packet->ssrc(), packet->payload_type());
  if (stream == nullptr) {
    drops_.count(DropReason::kUnknownSsrc);
    return;
  }
  begin_call(now);
  stream->last_received = now;
  stream->return_path.on_caller_rtp(now);
  stream->upstream.on_bytes(now, packet->payload().size());
  ++stream->payload_type_packets[packet->payload_type()];
  const auto result = stream->buffer->insert(now, *packet, stream->received);
  if (stream->received.resyncs() != stream->resyncs_seen) {
    stream->resyncs_seen = stream->received.resyncs();
    stream->rewriter.reanchor();
    stream->fec.reset();
  }
  stream->fec.on_received(packet->sequence_number(), packet->timestamp());
  if (result == jitter::JitterBuffer::InsertResult::kBuffered && stream->probe != nullptr) {
    stream->probe->offer(now, packet->payload_type(), packet->timestamp(), packet->sequence_number(), packet->marker(),
                         packet->payload(), audio_level_of(*packet, stream->config.audio_level_extension_id));
  }
  play_due(now);
  // The first gap is asked about at once; later ones on the 20 ms check.
  if (stream->config.nack && next_nack_check_ == kNever) send_nacks(now);
}

void EchoEngine::play_due(Timestamp now) {
  for (auto& stream : streams_) {
    while (auto packet = stream->buffer->pop(now)) {
      // A kLocal stream still plays its buffer out, so loss, jitter and
      // delay are measured as for an echo; the packets go nowhere.
      if (stream->source == StreamSource::kEcho) send_echo(now, *stream, *packet);
    }
  }
}

void EchoEngine::send_echo(Timestamp now, Stream& stream, const jitter::ReleasedPacket& packet) {
  const auto parsed = rtp::RtpPacket::parse(packet.bytes);
  if (!parsed) return;  // the buffer only holds parsed packets
  const auto rewritten = stream.rewriter.rewrite(now, parsed->sequence_number(), parsed->timestamp());
  // Read before the rewrite below: `parsed` may view the same bytes.
  const auto sequence_offset = static_cast<std::uint16_t>(rewritten.sequence_number - parsed->sequence_number());
  const std::uint32_t timestamp_offset = rewritten.timestamp - parsed->timestamp();
  const std::size_t payload_bytes = parsed->payload().size();
  stream.sent.on_sent(now, rewritten.timestamp, payload_bytes);
  stream.return_path.on_sent(now);
  stream.return_loss.on_sent(rewritten.sequence_number);
  // With NACK the plain packet moves into the history (no copy) and is
  // rewritten there; the outbox gets the one copy SRTP encrypts in place.
  MutableByteView plain;
  if (stream.config.nack) {
    stream.buffer->exchange_released_bytes(history_scratch_);
    plain = stream.history.store_swap(now, rewritten.sequence_number, history_scratch_);
  } else {
    plain = packet.bytes;
  }
  rtp::set_ssrc(plain, stream.rewriter.local_ssrc());
  rtp::set_sequence_number(plain, rewritten.sequence_number);
  rtp::set_timestamp(plain, rewritten.timestamp);
  stream.fec.rewrite(plain, sequence_offset, timestamp_offset);
  MutableByteView out = next_buffer(plain.size());
  std::copy(plain.begin(), plain.end(), out.begin());
  std::size_t size = plain.size();
  stamp_extensions(now, stream, out.first(size));
  if (srtp_) {
    const auto protected_size = srtp_->protect_rtp(out, size);
    if (!protected_size) return;
    size = *protected_size;
  }
  commit_buffer(size, OutgoingDatagram::Counted::kMedia, &stream, payload_bytes, rewritten.sequence_number);
}

void EchoEngine::on_rtcp(Timestamp now, MutableByteView datagram) {
  std::size_t length = datagram.size();
  if (srtp_) {
    const auto plain = srtp_->unprotect_rtcp(datagram);
    if (!plain) return;
    length = *plain;
  } else if (expect_srtp_) {
    drops_.count(DropReason::kNoKeys);
    return;
  }
  const auto parsed = rtcp::parse_compound(datagram.first(length), drops_);
  if (!parsed) return;
  ++rtcp_received_;
  rtcp_unknown_skipped_ += parsed->unknown_skipped;
  rtcp_scheduler_.on_report_received(length);

  const auto by_local = [this](std::uint32_t ssrc) -> Stream* {
    for (auto& s : streams_) {
      if (s->config.local_ssrc == ssrc) return s.get();
    }
    return nullptr;
  };
  const auto by_remote = [this](std::uint32_t ssrc) -> Stream* {
    for (auto& s : streams_) {
      if (s->remote_ssrc == ssrc) return s.get();
    }
    return nullptr;
  };
  // What the compound says of each of parrot's streams, for the return
  // path (libwebrtc puts every block in its first SR/RR): the caller hears
  // what it reports. No allocation after the first compound.
  bool has_report = false;
  reported_highest_.assign(streams_.size(), std::nullopt);
  const auto on_blocks = [&](const std::vector<rtcp::ReportBlock>& blocks) {
    has_report = true;
    for (const auto& block : blocks) {
      for (std::size_t i = 0; i < streams_.size(); ++i) {
        Stream& s = *streams_[i];
        if (s.config.local_ssrc != block.ssrc) continue;
        s.sent.on_report_block(now, config_.unix_time_at_epoch, block.fraction_lost, block.cumulative_lost,
                               block.jitter, block.last_sr, block.delay_since_last_sr);
        // Every block counts, whichever of the caller's sources sent it:
        // the cumulative figures make a repeated block harmless.
        s.return_loss.on_report_block(block.extended_highest_sequence, block.cumulative_lost);
        reported_highest_[i] = block.extended_highest_sequence;
      }
    }
  };

  for (const rtcp::Packet& packet : parsed->packets) {
    if (const auto* sr = std::get_if<rtcp::SenderReport>(&packet)) {
      if (Stream* s = by_remote(sr->sender_ssrc)) s->received.on_sender_report(now, sr->ntp);
      on_blocks(sr->report_blocks);
    } else if (const auto* rr = std::get_if<rtcp::ReceiverReport>(&packet)) {
      on_blocks(rr->report_blocks);
    } else if (const auto* nack = std::get_if<rtcp::Nack>(&packet)) {
      if (Stream* s = by_local(nack->media_ssrc)) answer_nack(now, *s, nack->sequence_numbers);
    } else if (const auto* pli = std::get_if<rtcp::Pli>(&packet)) {
      if (Stream* s = by_local(pli->media_ssrc)) relay_picture_request(now, *s, false);
    } else if (const auto* fir = std::get_if<rtcp::Fir>(&packet)) {
      for (const auto& entry : fir->entries) {
        Stream* s = by_local(entry.ssrc);
        // RFC 5104 §4.3.1.2: a repeated sequence number is the same request.
        if (s == nullptr || s->last_caller_fir_sequence == entry.sequence_number) continue;
        s->last_caller_fir_sequence = entry.sequence_number;
        relay_picture_request(now, *s, true);
      }
    } else if (const auto* sdes = std::get_if<rtcp::Sdes>(&packet)) {
      for (const auto& chunk : sdes->chunks) {
        if (Stream* s = by_remote(chunk.ssrc); s != nullptr && !chunk.cname.empty()) s->remote_cname = chunk.cname;
      }
    } else if (const auto* bye = std::get_if<rtcp::Bye>(&packet)) {
      for (const std::uint32_t ssrc : bye->ssrcs) {
        if (Stream* s = by_remote(ssrc)) s->bye_received = true;
      }
    } else if (std::holds_alternative<rtcp::TransportFeedback>(packet)) {
      ++transport_feedback_received_;  // about parrot's echo; parrot only echoes, at the caller's pace
    }
    // REMB from the caller estimates parrot's sending; parrot only echoes.
  }
  if (has_report) {
    for (std::size_t i = 0; i < streams_.size(); ++i) streams_[i]->return_path.on_caller_report(now, reported_highest_[i]);
  }
}

void EchoEngine::answer_nack(Timestamp now, Stream& stream, std::span<const std::uint16_t> sequence_numbers) {
  stream.nacks_received += sequence_numbers.size();
  if (!stream.config.nack) return;
  for (const std::uint16_t sequence : sequence_numbers) {
    const ByteView stored = stream.history.for_resend(now, sequence);
    if (stored.empty()) {
      stream.sent.on_nack_unanswered();
      continue;
    }
    MutableByteView out = next_buffer(stored.size());
    std::copy(stored.begin(), stored.end(), out.begin());
    std::size_t size = stored.size();
    stamp_extensions(now, stream, out.first(size));  // a resend is a new packet on the transport
    if (srtp_) {
      const auto protected_size = srtp_->protect_rtp(out, size);
      if (!protected_size) continue;
      size = *protected_size;
    }
    commit_buffer(size, OutgoingDatagram::Counted::kRetransmission, &stream);
    stream.sent.on_retransmitted();
  }
}

void EchoEngine::relay_picture_request(Timestamp now, Stream& stream, bool full_intra) {
  if (stream.source == StreamSource::kLocal) {
    stream.keyframe_requested = true;  // parrot's own encoder answers it
    return;
  }
  // The caller's decoder wants a keyframe of parrot's stream, which is the
  // caller's own encoder echoed: ask the caller's encoder.
  if (!stream.remote_ssrc) return;
  if (stream.relayed_any && now - stream.last_relay < kMinFeedbackRelayGap) return;
  const bool use_fir = full_intra ? stream.config.fir || !stream.config.pli : !stream.config.pli && stream.config.fir;
  if (!stream.config.pli && !stream.config.fir) return;
  stream.relayed_any = true;
  stream.last_relay = now;
  if (use_fir) {
    queue_feedback(stream, rtcp::Fir{stream.config.local_ssrc, {rtcp::Fir::Entry{*stream.remote_ssrc, ++stream.fir_sequence}}});
    ++stream.firs_relayed;
  } else {
    queue_feedback(stream, rtcp::Pli{stream.config.local_ssrc, *stream.remote_ssrc});
    ++stream.plis_relayed;
  }
}

void EchoEngine::send_nacks(Timestamp now) {
  bool any_nack_stream = false;
  for (auto& stream : streams_) {
    if (!stream->config.nack || !stream->remote_ssrc) continue;
    any_nack_stream = true;
    nack_scratch_.clear();
    const Duration rtt = stream->sent.rtt().value_or(std::chrono::milliseconds(100));
    stream->buffer->collect_nacks(now, rtt, nack_scratch_);
    if (nack_scratch_.empty()) continue;
    stream->nacks_sent += nack_scratch_.size();
    queue_feedback(*stream, rtcp::Nack{stream->config.local_ssrc, *stream->remote_ssrc, nack_scratch_});
  }
  next_nack_check_ = any_nack_stream ? now + kNackCheckInterval : kNever;
}

void EchoEngine::send_reports(Timestamp now) {
  std::size_t bytes = 0;
  // One REMB for the whole transport, in the first REMB stream's compound:
  // libwebrtc takes the value as its total send rate limit, whatever SSRCs
  // it lists, so one per stream would cap all of them at one stream's rate.
  std::optional<std::uint64_t> remb = remb_estimate(now);
  if (remb) remb = rtcp::Remb::decode_bitrate(rtcp::Remb::encode_bitrate(*remb));  // as the caller reads it
  std::vector<std::uint32_t> remb_ssrcs;
  const Stream* remb_carrier = nullptr;
  if (remb) {
    for (auto& stream : streams_) {
      if (!stream->config.remb || !stream->remote_ssrc) continue;
      remb_ssrcs.push_back(*stream->remote_ssrc);
      if (remb_carrier == nullptr) remb_carrier = stream.get();
      ++stream->remb_sent;
      stream->remb_last_bps = *remb;
      stream->remb_max_bps = std::max(stream->remb_max_bps.value_or(0), *remb);
    }
  }
  for (auto& stream : streams_) {
    rtcp_scratch_.clear();
    std::vector<rtcp::ReportBlock> blocks;
    if (stream->remote_ssrc && stream->received.has_packets()) {
      const auto fields = stream->received.make_report_block(now);
      blocks.push_back(rtcp::ReportBlock{*stream->remote_ssrc, fields.fraction_lost, fields.cumulative_lost,
                                         fields.extended_highest_sequence, fields.jitter_ticks, fields.last_sr,
                                         fields.delay_since_last_sr});
    }
    if (stream->sent.has_sent()) {
      rtcp_scratch_.emplace_back(rtcp::SenderReport{stream->config.local_ssrc, to_ntp(now, config_.unix_time_at_epoch),
                                                    stream->sent.rtp_timestamp_at(now), stream->sent.packet_count(),
                                                    stream->sent.octet_count(), std::move(blocks)});
    } else {
      rtcp_scratch_.emplace_back(rtcp::ReceiverReport{stream->config.local_ssrc, std::move(blocks)});
    }
    rtcp_scratch_.emplace_back(rtcp::Sdes{{rtcp::Sdes::Chunk{stream->config.local_ssrc, config_.cname}}});
    if (config_.remb_cap_bps && stream->remote_ssrc) {
      rtcp_scratch_.emplace_back(rtcp::Remb{stream->config.local_ssrc, *config_.remb_cap_bps, {*stream->remote_ssrc}});
    } else if (remb && !remb_ssrcs.empty() && stream.get() == remb_carrier) {
      rtcp_scratch_.emplace_back(rtcp::Remb{stream->config.local_ssrc, *remb, remb_ssrcs});
    }
    bytes += rtcp::serialized_size(std::span<const rtcp::Packet>(rtcp_scratch_));
    queue_rtcp(rtcp_scratch_);
  }
  rtcp_scheduler_.on_report_sent(now, bytes, session_bandwidth_bps());
}

void EchoEngine::queue_feedback(const Stream& stream, rtcp::Packet feedback) {
  queue_feedback(stream.config.local_ssrc, std::move(feedback));
}

void EchoEngine::queue_feedback(std::uint32_t local_ssrc, rtcp::Packet feedback) {
  // RFC 4585 §3.1: feedback travels in a compound packet led by an RR and
  // an SDES CNAME (Jingle has no reduced-size RTCP negotiation).
  rtcp_scratch_.clear();
  rtcp_scratch_.emplace_back(rtcp::ReceiverReport{local_ssrc, {}});
  rtcp_scratch_.emplace_back(rtcp::Sdes{{rtcp::Sdes::Chunk{local_ssrc, config_.cname}}});
  rtcp_scratch_.push_back(std::move(feedback));
  queue_rtcp(rtcp_scratch_);
}

void EchoEngine::send_transport_feedback(Timestamp now) {
  feedback_scratch_.clear();
  feedback_generator_->build(now, feedback_scratch_);
  for (auto& feedback : feedback_scratch_) {
    const std::uint32_t sender = feedback.sender_ssrc;
    queue_feedback(sender, std::move(feedback));
  }
}

std::optional<std::uint64_t> EchoEngine::remb_estimate(Timestamp now) const {
  // With transport-cc the caller's own delay-based estimate runs on parrot's
  // feedback, and libwebrtc sends at min(that, REMB): any REMB parrot made
  // up could only hold it back, so none is sent. Without it (an older
  // libwebrtc, aiortc, which offers only goog-remb), parrot has no delay
  // model of its own; it sends what cannot cap the caller below the path:
  // half as much again as what arrives, and at least libwebrtc's start rate.
  // The caller's loss-based control still backs off on a congested path,
  // and what arrives then falls, so the REMB follows it down.
  // A cap set for a test ("!remb") is sent instead, as it always was.
  if (feedback_generator_ || config_.remb_cap_bps) return std::nullopt;
  double arriving_bps = 0;
  bool any = false;
  for (const auto& stream : streams_) {
    if (!stream->config.remb || !stream->remote_ssrc) continue;
    any = true;
    arriving_bps += stream->upstream.rate_bps(now);
  }
  if (!any) return std::nullopt;
  return std::max(kRembFloorBps, static_cast<std::uint64_t>(arriving_bps * kRembHeadroom));
}

void EchoEngine::stamp_extensions(Timestamp now, const Stream& stream, MutableByteView packet) {
  // The caller's values describe the caller's sending; copied back they
  // would repeat numbers the caller's receiver has seen (transport-wide
  // sequence) or put send times in the past (abs-send-time), and the
  // caller's own estimate of parrot's stream would read the echo delay as
  // congestion. Same size, same place: only the value changes.
  if (stream.config.transport_sequence_extension_id == 0 && stream.config.abs_send_time_extension_id == 0) return;
  const rtp::WritableExtensions extensions(packet);
  if (const MutableByteView value =
          extensions.value(stream.config.transport_sequence_extension_id, rtp::kTransportSequenceNumberSize);
      !value.empty())
    write_u16(value, 0, next_transport_sequence_++);
  if (const MutableByteView value = extensions.value(stream.config.abs_send_time_extension_id, rtp::kAbsSendTimeSize);
      !value.empty())
    write_u24(value, 0, rtp::abs_send_time_of(now));
}

void EchoEngine::queue_rtcp(std::span<const rtcp::Packet> packets) {
  const std::size_t size = rtcp::serialized_size(packets);
  MutableByteView out = next_buffer(size);
  if (rtcp::serialize_compound(packets, out) != size || size == 0) return;
  std::size_t length = size;
  if (srtp_) {
    const auto protected_size = srtp_->protect_rtcp(out, length);
    if (!protected_size) return;
    length = *protected_size;
  } else if (expect_srtp_) {
    return;  // no keys yet: nothing may leave in the clear
  }
  ++rtcp_sent_;
  commit_buffer(length, OutgoingDatagram::Counted::kRtcp);
}

MutableByteView EchoEngine::next_buffer(std::size_t size) {
  if (outbox_.size() == buffers_.size()) buffers_.emplace_back();
  std::vector<std::byte>& buffer = buffers_[outbox_.size()];
  const std::size_t needed = size + srtp::kMaxRtcpTrailer;
  if (buffer.size() < needed) buffer.resize(std::max(needed, kMaxDatagram + srtp::kMaxRtcpTrailer));
  return buffer;
}

void EchoEngine::commit_buffer(std::size_t size, OutgoingDatagram::Counted counted, const Stream* stream,
                               std::size_t payload_bytes, std::uint16_t sequence_number) {
  outbox_.push_back(OutgoingDatagram{ByteView{buffers_[outbox_.size()].data(), size},
                                     counted == OutgoingDatagram::Counted::kRtcp, counted,
                                     static_cast<std::uint32_t>(stream != nullptr ? stream->index : 0),
                                     static_cast<std::uint32_t>(payload_bytes), sequence_number});
}

void EchoEngine::on_send_failed(const OutgoingDatagram& datagram) noexcept {
  drops_.count(DropReason::kNotSent);
  switch (datagram.counted) {
    case OutgoingDatagram::Counted::kRtcp:
      if (rtcp_sent_ > 0) --rtcp_sent_;
      return;
    case OutgoingDatagram::Counted::kMedia:
      if (datagram.stream < streams_.size()) {
        streams_[datagram.stream]->sent.on_not_sent(datagram.payload_bytes);
        streams_[datagram.stream]->return_path.on_not_sent();
        streams_[datagram.stream]->return_loss.on_not_sent(datagram.sequence_number);
      }
      return;
    case OutgoingDatagram::Counted::kRetransmission:
      if (datagram.stream < streams_.size()) streams_[datagram.stream]->sent.on_retransmission_not_sent();
      return;
  }
}

double EchoEngine::session_bandwidth_bps() const noexcept {
  // Both directions carry the same media: twice what the caller sends.
  // Jingle carries no session bandwidth (SDP's b=AS), and the first packet
  // measures none, so one Opus call each way is the floor.
  double bps = 0;
  for (const auto& stream : streams_) bps += 2 * stream->received.snapshot().average_bitrate_bps;
  return std::max(bps, kAssumedSessionBandwidthBps);
}

EchoSnapshot EchoEngine::snapshot() const {
  EchoSnapshot snapshot;
  snapshot.drops = drops_;
  if (srtp_) {
    for (std::size_t i = 0; i < static_cast<std::size_t>(DropReason::kCount); ++i) {
      const auto reason = static_cast<DropReason>(i);
      snapshot.drops.count(reason, srtp_->drops()[reason]);
    }
    snapshot.srtp_profile = srtp_->profile();
  }
  snapshot.encrypted = srtp_ != nullptr;
  snapshot.rtcp_received = rtcp_received_;
  snapshot.rtcp_sent = rtcp_sent_;
  snapshot.rtcp_unknown_skipped = rtcp_unknown_skipped_;
  snapshot.transport_feedback_sent = feedback_generator_ ? feedback_generator_->feedback_sent() : 0;
  snapshot.transport_feedback_received = transport_feedback_received_;
  for (const auto& stream : streams_) {
    StreamSnapshot s;
    s.kind = stream->config.kind;
    s.local_ssrc = stream->config.local_ssrc;
    s.remote_ssrc = stream->remote_ssrc;
    s.remote_cname = stream->remote_cname;
    for (std::size_t pt = 0; pt < stream->payload_type_packets.size(); ++pt) {
      if (stream->payload_type_packets[pt] > 0) s.payload_types.emplace_back(static_cast<std::uint8_t>(pt), stream->payload_type_packets[pt]);
    }
    s.received = stream->received.snapshot();
    s.jitter_buffer = stream->buffer->snapshot();
    s.sent = stream->sent.snapshot();
    s.return_path = stream->return_path.snapshot();
    s.return_loss = stream->return_loss.snapshot();
    s.nacks_sent = stream->nacks_sent;
    s.nacks_received = stream->nacks_received;
    s.plis_relayed = stream->plis_relayed;
    s.firs_relayed = stream->firs_relayed;
    s.source_changes = stream->source_changes;
    s.bye_received = stream->bye_received;
    s.upstream = stream->upstream.snapshot();
    s.transport_cc_feedback = feedback_generator_ && stream->config.transport_cc && feedback_generator_->feedback_sent() > 0;
    s.transport_feedback_sent = snapshot.transport_feedback_sent;
    s.remb_sent = stream->remb_sent;
    s.remb_last_bps = stream->remb_last_bps;
    s.remb_max_bps = stream->remb_max_bps;
    snapshot.streams.push_back(std::move(s));
  }
  return snapshot;
}

}  // namespace parrot::media::echo
