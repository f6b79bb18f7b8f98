// The receive side of transport-wide congestion control
// (draft-holmer-rmcat-transport-wide-cc-extensions-01): records when each
// packet carrying a transport-wide sequence number arrived, and every 50–
// 100 ms turns the records into transport-cc feedback, from which the
// caller's libwebrtc runs its delay-based bandwidth estimate. It plays the
// part of libwebrtc's own receiver (RemoteEstimatorProxy), so the caller's
// estimate behaves toward parrot as toward another browser or an SFU.
//
//   generator.on_packet(arrival, sequence, media_ssrc, bytes);  // every RTP packet with the extension
//   if (now >= generator.next_feedback()) generator.build(now, feedback);
//
// Rules, as libwebrtc's receiver has them:
// * Each feedback reports from the first sequence number not yet reported
//   up to the highest received; the gaps are "not received". The first
//   arrival of a sequence number counts; duplicates are ignored.
// * A packet that arrives after feedback covering it was sent (reordered
//   behind the feedback) moves the next report back to it, within the last
//   kHistory of arrivals, so the sender learns of it and re-reads the rest.
// * A jump of more than kMaxGap ahead is a sender that restarted its
//   numbering: what came before it is forgotten rather than reported as
//   thousands of losses.
// * A feedback packet ends where a delta would not fit 16 signed bits
//   (8.2 s) or its size would pass max_packet_size; the rest goes into the
//   next one, built at the same time. Each carries the next feedback count.
// * Interval: libwebrtc sizes its feedback at about 5% of the rate, between
//   50 and 250 ms; parrot keeps that rule but waits at most 100 ms (the
//   libwebrtc default): 100 ms for audio, 50 ms from ~220 kbit/s up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "media/rtcp/transport_feedback.hpp"
#include "media/sequence.hpp"
#include "media/time.hpp"

namespace parrot::media::echo {

class TransportFeedbackGenerator {
 public:
  static constexpr Duration kMinInterval = std::chrono::milliseconds(50);
  static constexpr Duration kMaxInterval = std::chrono::milliseconds(100);
  static constexpr Duration kHistory = std::chrono::milliseconds(500);
  static constexpr std::int64_t kMaxGap = 4096;
  // Arrivals kept at most (hostile input); 500 ms of 10 Mbit/s video is ~600.
  static constexpr std::size_t kMaxTracked = 8192;
  // Fits one feedback in a UDP datagram beside the compound's RR and SDES
  // and the SRTCP trailer, like libwebrtc's IP_PACKET_SIZE budget.
  static constexpr std::size_t kDefaultMaxPacketSize = 1200;

  explicit TransportFeedbackGenerator(std::uint32_t sender_ssrc, std::size_t max_packet_size = kDefaultMaxPacketSize);

  void on_packet(Timestamp arrival, std::uint16_t sequence, std::uint32_t media_ssrc, std::size_t bytes);
  // kNever while nothing waits to be reported.
  Timestamp next_feedback() const noexcept;
  // Appends the feedback due at `now` (one packet, or several when one
  // would be too large) and schedules the next. Nothing when nothing is new.
  void build(Timestamp now, std::vector<rtcp::TransportFeedback>& out);

  std::uint64_t feedback_sent() const noexcept { return feedback_sent_; }
  std::uint64_t packets_recorded() const noexcept { return packets_recorded_; }

 private:
  std::uint32_t sender_ssrc_;
  std::size_t max_packet_size_;
  SequenceUnwrapper unwrapper_;
  std::map<std::int64_t, Timestamp> arrivals_;  // unwrapped sequence → first arrival
  std::optional<std::int64_t> window_start_;      // the next feedback's base
  std::optional<std::int64_t> highest_;
  std::uint32_t media_ssrc_ = 0;
  std::uint8_t feedback_count_ = 0;
  Timestamp last_sent_{};
  bool sent_any_ = false;
  std::uint64_t bytes_since_sent_ = 0;
  Duration interval_ = kMaxInterval;
  std::uint64_t feedback_sent_ = 0;
  std::uint64_t packets_recorded_ = 0;
};

}  // namespace parrot::media::echo
