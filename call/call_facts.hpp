// What one call measured, as values: CallMedia gathers them from its
// transports, echo engines and probes, and bot/call adds what signalling
// knew; bot/call/call_report.hpp turns them into the report.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "media/echo/echo_engine.hpp"
#include "media/probes/opus_probe.hpp"
#include "media/probes/stream_probe.hpp"
#include "media/probes/video_stats.hpp"
#include "transport/call/call_transport.hpp"
#include "transport/ice/ice_candidate.hpp"

namespace parrot::call {

// CallMedia's watchdog (CallMediaSetup's timeouts).
enum class MediaTimeout {
  kNeverConnected,  // no path connected in time: ICE never completed
  kNoMedia,         // connected, then no RTP from the caller for too long
};
// "never-connected", "no-media". Stable: reports keep them.
std::string_view to_string(MediaTimeout timeout) noexcept;

// Why a call ended early, as a value: a transport failure or the media
// watchdog. std::monostate for every other end (a hang-up, a limit, a
// signalling error), which only the failure text describes.
using EndCause = std::variant<std::monostate, transport::TransportFailure, MediaTimeout>;
// The report's "failure_code": "dtls-failed", "no-media", …; "" for none.
std::string_view failure_code(const EndCause& cause) noexcept;

// A payload type as negotiated in Jingle, to name the codec in the report.
struct PayloadName {
  std::uint8_t id = 0;
  std::string name;  // "opus", "VP8"
  std::uint32_t clock_rate_hz = 0;
};

struct StreamFacts {
  media::echo::StreamSnapshot echo;  // counts, jitter, RTT, what the caller reported
  std::vector<PayloadName> offered;   // the caller's payload types for this media
  std::optional<media::probes::OpusStats> audio;
  std::optional<media::probes::VideoStats> video;
  // RED and ULPFEC packets, and the payload types RED carried (the codec
  // is named from those: "VP8/90000 in RED").
  media::probes::CarriageStats carriage;
  // Packets the probe's bounded queue turned away under load: the level or
  // resolution above then comes from a sample, and the report says so.
  std::uint64_t probe_skipped = 0;
  // What parrot sent back on this stream: "echo", "test tone" or "test pattern".
  std::string sent_back = "echo";
};

struct CallFacts {
  std::string id;
  std::string peer;  // the caller's full JID
  std::chrono::system_clock::time_point started;
  double duration_s = 0;
  std::optional<transport::CallTransportStats> transport;  // the first (or only) transport's
  // Every transport when there are several (no BUNDLE: one per content),
  // with the contents' media, in order; empty for one transport.
  std::vector<std::pair<std::string, transport::CallTransportStats>> transports;
  std::vector<std::string> remote_candidate_types;  // as offered in signalling: "host", "srflx", "relay"
  // The candidates both sides signalled (component 1, bounded): the NAT
  // evidence of nat_diagnosis().
  std::vector<transport::IceCandidate> remote_candidates;
  std::vector<transport::IceCandidate> local_candidates;
  std::string public_address;  // parrot's --public-address, empty if none
  unsigned ice_restarts = 0;                        // restarts the caller asked for (network changes)
  std::vector<StreamFacts> streams;
  media::DropCounters drops;
  // Why the call ended early, in the caller's terms, if it did
  // ("no candidates from the caller", "no media for 20 s", ...).
  std::string failure;
  EndCause end_cause;  // the same as a value, when it is one parrot can name
  // The offer was refused before any media (`failure` says why).
  bool refused = false;
  // Parts of the offer parrot left out and went on without, each as
  // "payload-type 'x': why" (XEP-0166 §7.3's liberal responder).
  std::vector<std::string> offer_ignored;
};

}  // namespace parrot::call
