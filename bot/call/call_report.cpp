#include "bot/call/call_report.hpp"

#include <algorithm>
#include <cmath>
#include <strings.h>

#include <fmt/format.h>

#include "bot/report_text.hpp"

namespace parrot::bot::call {

using parrot::call::diagnose_nat;
using parrot::call::endpoint;
using parrot::call::NatEvidenceInput;
using parrot::call::NatMapping;

namespace {

using nlohmann::json;

// Audio whose RMS stays below this is not someone speaking into a
// microphone; -60 dBFS is the probe's own silent-frame threshold.
constexpr double kSilentLevelDbfs = -60.0;
constexpr double kMostlySilentShare = 0.98;

bool received_any(const CallFacts& facts) {
  return std::any_of(facts.streams.begin(), facts.streams.end(),
                     [](const StreamFacts& s) { return s.echo.received.packets > 0; });
}

bool not_hearing(media::stats::Hearing hearing) {
  using media::stats::Hearing;
  return hearing == Hearing::kHeardNothing || hearing == Hearing::kStoppedHearing || hearing == Hearing::kNoRtcp;
}

// The caller's own RTCP says it does not get parrot's packets: reports that
// never (or no longer) name parrot's stream, none at all, or a report block
// with everything lost, once parrot had sent enough to know.
const StreamFacts* caller_not_hearing(const CallFacts& facts) {
  for (const StreamFacts& s : facts.streams) {
    const auto& sent = s.echo.sent;
    if (not_hearing(s.echo.return_path.hearing)) return &s;
    // Net of upstream gaps when the block could be placed: the caller's own
    // count includes what never reached parrot (50% lost upstream alone
    // came to 90% of what parrot sent).
    const auto& net = s.echo.return_loss;
    if (net.reports > 0) {
      if (net.sent >= 50 && net.lost >= net.sent * 9 / 10) return &s;
    } else if (sent.packets >= 50 && sent.remote_cumulative_lost &&
               *sent.remote_cumulative_lost >= static_cast<std::int64_t>(sent.packets) * 9 / 10) {
      return &s;
    }
  }
  return nullptr;
}

std::uint64_t packets_sent(const CallFacts& facts) {
  std::uint64_t sent = 0;
  for (const StreamFacts& s : facts.streams) sent += s.echo.sent.packets;
  return sent;
}

// parrot's own path refused most of the echo (a local firewall, no ICE pair
// for the rest of the call): drops.not_sent, which packets_sent leaves out.
bool echo_not_sent(const CallFacts& facts) {
  constexpr std::uint64_t kMinNotSent = 50;
  const std::uint64_t not_sent = facts.drops[media::DropReason::kNotSent];
  return not_sent >= kMinNotSent && not_sent > packets_sent(facts);
}

std::string_view media_name(const StreamFacts& s) {
  return s.echo.kind == media::echo::MediaKind::kAudio ? "audio" : "video";
}

// The evidence behind ONE-WAY, in the caller's terms.
std::string one_way_evidence(const CallFacts& facts) {
  if (!received_any(facts)) return "parrot received no media from you";
  if (echo_not_sent(facts))
    return fmt::format("parrot's network path refused its echo: {} packets could not be sent, {} were",
                       grouped(facts.drops[media::DropReason::kNotSent]), grouped(packets_sent(facts)));
  const StreamFacts* s = caller_not_hearing(facts);
  if (s == nullptr) return {};
  const auto& path = s->echo.return_path;
  switch (path.hearing) {
    case media::stats::Hearing::kHeardNothing:
      return fmt::format(
          "your client received none of parrot's {}: its {} reports never mention parrot's stream ({} packets sent)",
          media_name(*s), grouped(path.caller_reports), grouped(s->echo.sent.packets));
    case media::stats::Hearing::kStoppedHearing:
      return fmt::format(
          "your client stopped receiving parrot's {} {:.0f} s into the call: the last {} packets never arrived",
          media_name(*s), path.last_report_s.value_or(0), grouped(path.lost_to_end));
    case media::stats::Hearing::kNoRtcp:
      return fmt::format("your client sent no RTCP reports at all, so nothing shows it received parrot's {}",
                         media_name(*s));
    default:
      if (s->echo.return_loss.reports > 0)
        return fmt::format("your client reports losing {} of parrot's {} {} packets", grouped(s->echo.return_loss.lost),
                           grouped(s->echo.return_loss.sent), media_name(*s));
      return fmt::format("your client reports losing {} of parrot's {} {} packets",
                         grouped(static_cast<std::uint64_t>(s->echo.sent.remote_cumulative_lost.value_or(0))),
                         grouped(s->echo.sent.packets), media_name(*s));
  }
}

// 0..1 to 0.001: audio packets whose decoded audio is in the figures.
double decoded_share(const media::probes::OpusStats& audio) {
  if (audio.audio_packets == 0) return 0.0;
  const double share = static_cast<double>(audio.measured_frames) / static_cast<double>(audio.audio_packets);
  return std::round(std::min(share, 1.0) * 1000) / 1000;
}

// Said after the level when it is not from decoding every packet.
std::string how_measured(const media::probes::OpusStats& audio) {
  if (audio.level_source == media::probes::OpusLevelSource::kAudioLevel) {
    if (audio.audio_level_packets >= audio.audio_packets) return " (your client's RFC 6464 level of every packet)";
    return fmt::format(" (your client's RFC 6464 level of {} of {} packets)", grouped(audio.audio_level_packets),
                       grouped(audio.audio_packets));
  }
  if (audio.measured_frames < audio.audio_packets)
    return fmt::format(" (decoded {} of {} packets)", grouped(audio.measured_frames), grouped(audio.audio_packets));
  return "";
}

// Pictures neither decoded nor left out by sampling: lost, incomplete,
// waiting for a key frame after loss, or refused by the decoder.
std::uint64_t undecodable_pictures(const media::probes::VideoStats& video) {
  const std::uint64_t usable = video.pictures_decoded + video.pictures_not_sampled;
  return video.pictures - std::min(video.pictures, usable);
}

// 0..1 to 0.001: of the pictures the probe could have decoded, those it did.
double decoded_share(const media::probes::VideoStats& video) {
  const std::uint64_t usable = video.pictures_decoded + video.pictures_not_sampled;
  if (usable == 0) return 0.0;
  return std::round(static_cast<double>(video.pictures_decoded) / static_cast<double>(usable) * 1000) / 1000;
}

// Said after the frame rate: which frames were decoded, when not all.
std::string how_video_was_checked(const media::probes::VideoStats& video) {
  constexpr double kVideoClockHz = 90'000;  // RFC 7741 §4.1, RFC 9628 §4.1
  std::string parts;
  if (video.pictures_not_sampled > 0) {
    parts = fmt::format("decoded {} of {} frames: {:.0f} s after key frames", grouped(video.pictures_decoded),
                        grouped(video.pictures), video.sampling.window_ticks / kVideoClockHz);
  }
  if (const std::uint64_t undecodable = undecodable_pictures(video); undecodable > 0) {
    parts += fmt::format("{}{} of {} frames could not be decoded", parts.empty() ? "" : "; ", grouped(undecodable),
                         grouped(video.pictures));
  }
  return parts.empty() ? "" : " (" + parts + ")";
}

bool audio_silent(const CallFacts& facts) {
  for (const StreamFacts& s : facts.streams) {
    if (!s.audio || s.audio->level_source == media::probes::OpusLevelSource::kNone) continue;
    if (s.audio->level_dbfs < kSilentLevelDbfs || s.audio->silent_frame_share >= kMostlySilentShare) return true;
  }
  return false;
}

const PayloadName* offered_with_id(const StreamFacts& s, std::uint8_t id) {
  for (const PayloadName& p : s.offered) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

std::string payload_name(const StreamFacts& s, std::uint8_t id) {
  const PayloadName* p = offered_with_id(s, id);
  return p ? fmt::format("{}/{}", p->name, p->clock_rate_hz) : fmt::format("pt{}", id);
}

bool named(const PayloadName* p, const char* name) { return p && strcasecmp(p->name.c_str(), name) == 0; }

std::string codec_of(const StreamFacts& s) {
  // The payload type seen most often, named as the caller offered it.
  const auto& seen = s.echo.payload_types;
  const auto top = std::max_element(seen.begin(), seen.end(), [](auto& a, auto& b) { return a.second < b.second; });
  if (top == seen.end()) return "none";
  if (named(offered_with_id(s, top->first), "red")) {
    // RFC 2198: what RED carried is the codec (libwebrtc's default video,
    // Chromium's red/48000); FEC inside it is not.
    for (const auto& [inner, count] : s.carriage.carried_in_red) {
      if (!named(offered_with_id(s, inner), "ulpfec")) return payload_name(s, inner) + " in RED";
    }
  }
  return payload_name(s, top->first);
}

// What the caller achieved sending to parrot, and the congestion control
// feedback parrot gave it: the ramp-up a libwebrtc caller's estimate allowed.
json upstream_json(const media::echo::StreamSnapshot& e) {
  const auto& up = e.upstream;
  json reached = json::object();
  for (std::size_t i = 0; i < up.reached.size(); ++i) {
    if (up.reached[i])
      reached[std::to_string(media::stats::RateHistory::kMarksKbps[i])] = std::round(media::to_ms(*up.reached[i]) / 100) / 10;
  }
  json out{{"mean_kbps", std::lround(up.mean_bps / 1000)},
           {"peak_kbps", std::lround(up.peak_bps / 1000)},
           {"reached_after_s", reached}};
  if (e.transport_cc_feedback) {
    out["feedback"] = "transport-cc";
    out["transport_feedback_packets"] = e.transport_feedback_sent;
  } else if (e.remb_sent > 0) {
    out["feedback"] = "goog-remb";
    out["remb_last_kbps"] = std::lround(static_cast<double>(e.remb_last_bps.value_or(0)) / 1000);
    out["remb_max_kbps"] = std::lround(static_cast<double>(e.remb_max_bps.value_or(0)) / 1000);
  } else {
    out["feedback"] = "none";
  }
  return out;
}

}  // namespace

std::string_view to_string(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::kMediaOk: return "MEDIA OK";
    case Verdict::kOneWay: return "ONE-WAY";
    case Verdict::kSilentAudio: return "SILENT AUDIO";
    case Verdict::kIceFailed: return "ICE FAILED";
    case Verdict::kDtlsFailed: return "DTLS FAILED";
    case Verdict::kNoMedia: return "NO MEDIA";
    case Verdict::kRefused: return "REFUSED";
  }
  return "UNKNOWN";
}

Verdict verdict(const CallFacts& facts) {
  if (facts.refused) return Verdict::kRefused;
  // Where the path broke comes first: later stages never ran.
  if (!facts.transport || !facts.transport->connect_ms) return Verdict::kIceFailed;
  if (facts.transport->encrypted && !facts.transport->keys_ms) return Verdict::kDtlsFailed;
  const bool parrot_received = received_any(facts);
  const bool parrot_sent = std::any_of(facts.streams.begin(), facts.streams.end(),
                                       [](const StreamFacts& s) { return s.echo.sent.packets > 0; });
  if (!parrot_received && !parrot_sent) return Verdict::kNoMedia;
  if (!parrot_received || echo_not_sent(facts) || caller_not_hearing(facts)) return Verdict::kOneWay;
  if (audio_silent(facts)) return Verdict::kSilentAudio;
  return Verdict::kMediaOk;
}

std::vector<std::string> notes(const CallFacts& facts) {
  std::vector<std::string> out;
  if (!facts.offer_ignored.empty()) {
    std::string parts;
    for (const auto& part : facts.offer_ignored) parts += (parts.empty() ? "" : "; ") + part;
    out.push_back(fmt::format("parrot left out what it could not read in your offer ({}) and used the rest", parts));
  }
  if (facts.refused) return out;
  if (facts.transport && facts.transport->connect_ms && !facts.transport->encrypted)
    out.push_back("media was not encrypted (your client offered no DTLS)");
  // Not when the NAT advice already says what TURN is needed for.
  if (facts.transport && facts.transport->connect_ms &&
      std::find(facts.remote_candidate_types.begin(), facts.remote_candidate_types.end(), "relay") ==
          facts.remote_candidate_types.end() &&
      !nat_diagnosis(facts).advises_turn)
    out.push_back(
        "your client offered no relay (TURN) candidates; fine here, but calls across strict NATs or firewalls "
        "need a TURN server");
  for (const StreamFacts& s : facts.streams) {
    if (s.probe_skipped > 0)
      out.push_back(fmt::format("{} {} measured on a sample: {} packets not probed under load", media_name(s),
                                s.echo.kind == media::echo::MediaKind::kAudio ? "level" : "resolution and frame rate",
                                grouped(s.probe_skipped)));
  }
  return out;
}

NatDiagnosis nat_diagnosis(const CallFacts& facts) {
  NatEvidenceInput input;
  input.caller_candidates = facts.remote_candidates;
  input.parrot_candidates = facts.local_candidates;
  input.public_address = facts.public_address;
  if (facts.transport) {
    input.tried = true;
    input.selected = facts.transport->selected_pair;
    input.connected = facts.transport->connect_ms.has_value();
    input.failure = facts.transport->failure;
  }
  if (verdict(facts) == Verdict::kOneWay) {
    if (!received_any(facts)) input.one_way = NatEvidenceInput::OneWay::kCallerToParrotLost;
    else if (caller_not_hearing(facts) != nullptr) input.one_way = NatEvidenceInput::OneWay::kParrotToCallerLost;
  }
  return diagnose_nat(input);
}

json report_json(const CallFacts& facts) {
  const Verdict v = verdict(facts);
  json report{{"kind", "call"},
              {"id", facts.id},
              {"peer", facts.peer},
              {"started", iso8601(facts.started)},
              {"duration_s", std::round(facts.duration_s * 10) / 10},
              {"verdict", std::string(to_string(v))}};
  if (!facts.failure.empty()) report["failure"] = facts.failure;
  if (const std::string_view code = parrot::call::failure_code(facts.end_cause); !code.empty())
    report["failure_code"] = std::string(code);
  if (v == Verdict::kOneWay) report["one_way"] = one_way_evidence(facts);
  report["notes"] = notes(facts);

  // The documented keys (docs/reports.md) are always there: null when the call ended before a
  // transport existed (a refusal, a caller who hung up while ringing).
  json ice{{"remote_candidate_types", facts.remote_candidate_types},
           {"restarts", facts.ice_restarts},
           {"selected", nullptr},
           {"connect_ms", nullptr}};
  json dtls{{"encrypted", nullptr}, {"srtp_profile", nullptr}, {"fingerprint_ok", nullptr}};
  if (facts.transport) {
    const auto& t = *facts.transport;
    if (t.selected_pair) {
      ice["selected"] = {{"local_type", std::string(transport::to_string(t.selected_pair->local.type))},
                         {"remote_type", std::string(transport::to_string(t.selected_pair->remote.type))},
                         {"protocol", t.selected_pair->local.protocol},
                         {"local_address", t.selected_pair->local.ip},
                         {"remote_address", t.selected_pair->remote.ip}};
    }
    ice["connect_ms"] = t.connect_ms ? json(std::lround(*t.connect_ms)) : json(nullptr);
    dtls["encrypted"] = t.encrypted;
    dtls["srtp_profile"] = t.srtp_profile ? json(std::string(media::srtp::to_string(*t.srtp_profile))) : json(nullptr);
    dtls["fingerprint_ok"] = t.fingerprint_ok;
    if (t.keys_ms) dtls["keys_ms"] = std::lround(*t.keys_ms);
    if (!t.failure_reason.empty()) dtls["failure"] = t.failure_reason;
    if (t.failure != transport::TransportFailure::kNone) dtls["failure_code"] = std::string(transport::to_string(t.failure));
  }
  if (!facts.transports.empty()) {
    // Without BUNDLE each content had its own path; they may differ.
    json per_transport = json::array();
    for (const auto& [media, t] : facts.transports) {
      json entry{{"media", media},
                 {"connect_ms", t.connect_ms ? json(std::lround(*t.connect_ms)) : json(nullptr)},
                 {"srtp_profile",
                  t.srtp_profile ? json(std::string(media::srtp::to_string(*t.srtp_profile))) : json(nullptr)}};
      if (t.selected_pair) {
        entry["local_type"] = std::string(transport::to_string(t.selected_pair->local.type));
        entry["remote_type"] = std::string(transport::to_string(t.selected_pair->remote.type));
        entry["protocol"] = t.selected_pair->local.protocol;
      }
      if (!t.failure_reason.empty()) entry["failure"] = t.failure_reason;
      if (t.failure != transport::TransportFailure::kNone)
        entry["failure_code"] = std::string(transport::to_string(t.failure));
      per_transport.push_back(entry);
    }
    ice["transports"] = per_transport;
  }
  report["ice"] = ice;
  report["dtls"] = dtls;

  json streams = json::array();
  for (const StreamFacts& s : facts.streams) {
    const auto& e = s.echo;
    json stream{{"media", e.kind == media::echo::MediaKind::kAudio ? "audio" : "video"},
                {"codec", codec_of(s)},
                {"packets_received", e.received.packets},
                {"packets_sent", e.sent.packets},
                {"lost", e.received.lost},
                {"loss_pct", std::round(e.received.loss_pct * 100) / 100},
                {"jitter_ms", std::round(e.received.jitter_ms * 10) / 10},
                {"late_dropped", e.jitter_buffer.late},
                {"duplicates", e.received.duplicates},
                {"reordered", e.received.reordered},
                {"bitrate_kbps", std::lround(e.received.average_bitrate_bps / 1000)},
                {"buffer_delay_ms", {{"min", std::round(e.jitter_buffer.min_held_ms * 10) / 10}, {"avg", std::round(e.jitter_buffer.avg_held_ms * 10) / 10}, {"max", std::round(e.jitter_buffer.max_held_ms * 10) / 10}}},
                {"nacks_sent", e.nacks_sent},
                {"retransmitted", e.sent.retransmitted},
                {"keyframe_requests_relayed", e.plis_relayed + e.firs_relayed},
                {"red_packets", s.carriage.red_packets},
                {"fec_packets", s.carriage.fec_packets},
                {"sent_back", s.sent_back}};
    stream["upstream"] = upstream_json(e);
    if (e.sent.rtt_ms) stream["rtt_ms"] = std::round(*e.sent.rtt_ms * 10) / 10;
    if (e.return_loss.reports > 0) {
      // What the caller lost of what parrot sent, net of the upstream gaps
      // the echo keeps (media/stats/return_loss.hpp); the caller's own
      // block counts both directions.
      const auto& r = e.return_loss;
      stream["your_loss_pct"] = std::round(r.loss_pct * 100) / 100;
      json return_loss{{"lost", r.lost},
                       {"packets", r.sent},
                       {"loss_pct", std::round(r.loss_pct * 100) / 100},
                       {"basis", "caller RTCP, net of upstream gaps"}};
      if (r.interval_loss_pct) return_loss["interval_loss_pct"] = std::round(*r.interval_loss_pct * 100) / 100;
      if (e.sent.remote_cumulative_lost) return_loss["caller_reported_lost"] = *e.sent.remote_cumulative_lost;
      stream["return_loss"] = return_loss;
    }
    // Whether the caller hears parrot, from its own RTCP (media/stats/return_path.hpp).
    json return_path{{"hearing", std::string(media::stats::to_string(e.return_path.hearing))},
                     {"caller_reports", e.return_path.caller_reports},
                     {"caller_reports_about_parrot", e.return_path.caller_reports_about_parrot},
                     {"lost_to_end", e.return_path.lost_to_end}};
    if (e.return_path.last_report_s) return_path["last_report_s"] = std::round(*e.return_path.last_report_s * 10) / 10;
    stream["return_path"] = return_path;
    if (s.audio) {
      stream["level_dbfs"] = std::round(s.audio->level_dbfs * 10) / 10;
      stream["silent_share"] = std::round(s.audio->silent_frame_share * 1000) / 1000;
      stream["clipped_samples"] = s.audio->clipped_samples;
      // How the probe measured: the sender's RFC 6464 levels or decoding,
      // and the share of audio packets decoded (peak and clipping are of those).
      stream["level_source"] = media::probes::to_string(s.audio->level_source);
      stream["decoded_share"] = decoded_share(*s.audio);
    }
    if (s.audio || s.video) stream["probe_skipped_packets"] = s.probe_skipped;
    if (s.video && s.video->width > 0) {
      stream["resolution"] = fmt::format("{}x{}", s.video->width, s.video->height);
      stream["keyframes"] = s.video->keyframes;
    }
    if (s.video && s.video->pictures > 1) {
      // The stream's own rate, from its timestamps, decoded or not; and
      // plainly how many pictures the probe could not decode.
      const auto& video = *s.video;
      stream["frame_rate_fps"] = std::round(video.frame_rate_fps * 10) / 10;
      stream["average_frame_rate_fps"] = std::round(video.average_frame_rate_fps * 10) / 10;
      stream["decoded_frame_rate_fps"] = std::round(video.decoded_frame_rate_fps * 10) / 10;
      stream["frames"] = video.pictures;
      stream["frames_undecodable"] = undecodable_pictures(video);
      // How the probe checked the video: every frame, or windows after key
      // frames, where a frame left out is decodable, not undecodable.
      stream["frames_decoded"] = video.pictures_decoded;
      stream["decoding"] = video.sampling.decodes_everything() ? "every frame" : "windows after key frames";
      stream["decode_windows"] = video.decode_windows;
      stream["decoded_share"] = decoded_share(video);
    }
    streams.push_back(stream);
  }
  report["streams"] = streams;

  const NatDiagnosis nat = nat_diagnosis(facts);
  const auto optional_text = [](const std::optional<std::string>& text) { return text ? json(*text) : json(nullptr); };
  report["nat"] = {{"verdict", nat.verdict},
                   {"explanation", nat.explanation},
                   {"mapping", std::string(to_string(nat.mapping))},
                   {"udp", std::string(to_string(nat.udp))},
                   {"path", std::string(to_string(nat.path))},
                   {"advice", nat.advice},
                   {"evidence",
                    {{"caller_host", nat.caller_host},
                     {"caller_srflx", nat.caller_srflx},
                     {"caller_relay", nat.caller_relay},
                     {"seen_at_parrot", optional_text(nat.seen_at_parrot)},
                     {"parrot_address", optional_text(nat.parrot_address)},
                     {"parrot_behind_nat", nat.parrot_behind_nat}}}};

  json drops = json::object();
  for (std::size_t i = 0; i < static_cast<std::size_t>(media::DropReason::kCount); ++i) {
    const auto reason = static_cast<media::DropReason>(i);
    if (facts.drops[reason] > 0) drops[std::string(media::to_string(reason))] = facts.drops[reason];
  }
  report["drops"] = drops;
  return report;
}

std::string summary(const CallFacts& facts) {
  const Verdict v = verdict(facts);
  std::string text = fmt::format("{}.", to_string(v));
  // "ICE FAILED. ICE failed: ..." says it twice.
  constexpr std::string_view kIcePrefix = "ICE failed: ";
  text += as_sentence(v == Verdict::kIceFailed && facts.failure.starts_with(kIcePrefix)
                          ? facts.failure.substr(kIcePrefix.size())
                          : facts.failure);
  // The cause and the fix of a failed path come first; otherwise what the
  // NAT did follows the figures (unless nothing stood between the caller
  // and parrot), and what to fix whenever there is something (docs/nat.md).
  const bool nat_first = v == Verdict::kIceFailed;
  const auto nat_text = [&] {
    if (v == Verdict::kRefused || !facts.transport) return std::string();
    const NatDiagnosis nat = nat_diagnosis(facts);
    std::string out;
    if (nat.mapping != NatMapping::kNone) out += " " + nat.explanation;
    if (!nat.advice.empty()) out += " " + nat.advice;
    return out;
  };
  if (nat_first) text += nat_text();
  if (v == Verdict::kOneWay) text += as_sentence(one_way_evidence(facts));
  for (const std::string& note : notes(facts)) text += as_sentence(note);
  for (const StreamFacts& s : facts.streams) {
    const auto& e = s.echo;
    if (e.received.packets == 0 && e.sent.packets == 0) continue;
    text += fmt::format(" {} {}: {} packets", e.kind == media::echo::MediaKind::kAudio ? "Audio" : "Video", codec_of(s),
                        grouped(e.received.packets));
    if (s.carriage.fec_packets > 0) text += fmt::format(" ({} of them FEC)", grouped(s.carriage.fec_packets));
    if (e.return_loss.reports > 0) {
      text += fmt::format(", {:.1f}% lost on the way in, {:.1f}% on the way back", e.received.loss_pct,
                          e.return_loss.loss_pct);
    } else {
      text += fmt::format(", {:.1f}% lost", e.received.loss_pct);
    }
    text += fmt::format(", jitter {:.0f} ms", e.received.jitter_ms);
    if (e.sent.rtt_ms) text += fmt::format(", RTT {:.0f} ms", *e.sent.rtt_ms);
    if (s.audio && s.audio->level_source != media::probes::OpusLevelSource::kNone)
      text += fmt::format(", level {:.0f} dBFS{}", s.audio->level_dbfs, how_measured(*s.audio));
    if (s.video && s.video->pictures > 1) {
      const auto& video = *s.video;
      if (video.width > 0) text += fmt::format(", {}x{}", video.width, video.height);
      text += fmt::format("{} {:.0f} fps", video.width > 0 ? " at" : ",", video.average_frame_rate_fps);
      text += how_video_was_checked(video);
    }
    if (e.kind == media::echo::MediaKind::kVideo && e.upstream.peak_bps > 0)
      text += fmt::format(", you sent {} kbit/s on average, {} at most", grouped(static_cast<std::uint64_t>(std::lround(e.upstream.mean_bps / 1000))),
                          grouped(static_cast<std::uint64_t>(std::lround(e.upstream.peak_bps / 1000))));
    if (s.sent_back != "echo") text += fmt::format("; parrot sent back: {}", s.sent_back);
    text += ".";
  }
  if (facts.transport && facts.transport->selected_pair) {
    const auto& pair = *facts.transport->selected_pair;
    text += fmt::format(" Path: your {}/{} <-> parrot {}/{}", transport::to_string(pair.remote.type), pair.remote.protocol,
                        transport::to_string(pair.local.type), pair.local.protocol);
    if (facts.transport->connect_ms) text += fmt::format(", connected in {:.0f} ms", *facts.transport->connect_ms);
    text += ".";
  }
  if (!nat_first) text += nat_text();
  return text;
}

}  // namespace parrot::bot::call
