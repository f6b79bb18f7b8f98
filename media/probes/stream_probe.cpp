#include "media/probes/stream_probe.hpp"

#include <algorithm>

#include "media/rtp/red_payload.hpp"

namespace parrot::media::probes {

StreamProbe::StreamProbe(StreamProbeConfig config) : config_(std::move(config)) {
  switch (config_.codec) {
    case ProbedCodec::kOpus: opus_ = std::make_unique<OpusProbe>(config_.opus_channels, config_.opus_sampling); break;
    case ProbedCodec::kVp8: vp8_ = std::make_unique<Vp8Probe>(config_.video_sampling); break;
    case ProbedCodec::kVp9: vp9_ = std::make_unique<Vp9Probe>(config_.video_sampling); break;
    case ProbedCodec::kNone: break;
  }
  unwrapped_.payload.reserve(ProbeQueue::kMaxPayloadBytes);
}

bool StreamProbe::is_codec(std::uint8_t payload_type) const noexcept {
  const auto& pts = config_.codec_payload_types;
  return std::find(pts.begin(), pts.end(), payload_type) != pts.end();
}

void StreamProbe::on_packet(const ProbePacket& packet) {
  const bool red_type = packet.payload_type == config_.red_payload_type;
  if (red_type) ++counts_.red_packets;
  if (packet.payload.empty()) {
    // libwebrtc's padding without RTX: the last media payload type (RED
    // when negotiated), no RED header, only RTP padding.
    ++counts_.empty_packets;
    fill(packet);
    return;
  }
  if (red_type) {
    const auto red = rtp::RedPayload::parse(packet.payload);
    if (!red) {
      // Its sequence number stays a gap: what it carried is unknown.
      ++counts_.malformed_red;
      return;
    }
    counts_.redundant_blocks += red->redundant_count();
    const rtp::RedBlock primary = red->primary();
    ++carried_in_red_[primary.payload_type];
    if (primary.data.empty()) {
      ++counts_.empty_packets;
      fill(packet);
    } else if (primary.payload_type == config_.ulpfec_payload_type) {
      ++counts_.fec_packets;
      fill(packet);
    } else if (!is_codec(primary.payload_type)) {
      ++counts_.other_codec_packets;
    } else {
      // RFC 2198 §3: the primary block has the packet's timestamp (offset 0).
      unwrapped_.arrival = packet.arrival;
      unwrapped_.payload_type = primary.payload_type;
      unwrapped_.rtp_timestamp = packet.rtp_timestamp;
      unwrapped_.sequence_number = packet.sequence_number;
      unwrapped_.marker = packet.marker;
      unwrapped_.audio_level = packet.audio_level;
      unwrapped_.payload.assign(primary.data.begin(), primary.data.end());
      probe(unwrapped_);
    }
    return;
  }
  if (packet.payload_type == config_.ulpfec_payload_type) {
    ++counts_.fec_packets;
    fill(packet);
  } else if (!is_codec(packet.payload_type)) {
    ++counts_.other_codec_packets;
  } else {
    probe(packet);
  }
}

void StreamProbe::probe(const ProbePacket& packet) {
  if (opus_) opus_->on_packet(packet);
  if (vp8_) vp8_->on_packet(packet);
  if (vp9_) vp9_->on_packet(packet);
}

void StreamProbe::fill(const ProbePacket& packet) {
  // Audio senders put no FEC or padding between Opus packets; the Opus
  // probe counts a gap there as loss, which it then is.
  if (vp8_) vp8_->on_filler_packet(packet);
  if (vp9_) vp9_->on_filler_packet(packet);
}

std::optional<OpusStats> StreamProbe::audio() const {
  if (opus_) return opus_->stats();
  return std::nullopt;
}

std::optional<VideoStats> StreamProbe::video() const {
  if (vp8_) return vp8_->stats();
  if (vp9_) return vp9_->stats();
  return std::nullopt;
}

CarriageStats StreamProbe::carriage() const {
  CarriageStats stats = counts_;
  for (std::size_t pt = 0; pt < carried_in_red_.size(); ++pt) {
    if (carried_in_red_[pt] > 0) stats.carried_in_red.emplace_back(static_cast<std::uint8_t>(pt), carried_in_red_[pt]);
  }
  std::stable_sort(stats.carried_in_red.begin(), stats.carried_in_red.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return stats;
}

}  // namespace parrot::media::probes
