#include "bot/call/call_report.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace parrot::bot::call {
namespace {

transport::IceCandidate candidate(transport::IceCandidateType type, const std::string& ip, std::uint16_t port = 0) {
  transport::IceCandidate c;
  c.type = type;
  c.ip = ip;
  c.port = port;
  c.protocol = "udp";
  return c;
}

// A healthy audio call through a NAT: 1,512 packets in, 0.3% lost.
CallFacts good_call() {
  CallFacts facts;
  facts.id = "c1";
  facts.peer = "alice@example.org/phone";
  facts.started = std::chrono::system_clock::time_point{std::chrono::seconds{1'800'000'000}};
  facts.duration_s = 30.24;
  transport::CallTransportStats t;
  t.state = transport::CallTransportState::kSecure;
  t.selected_pair = transport::SelectedPair{candidate(transport::IceCandidateType::kHost, "192.0.2.10", 9000),
                                            candidate(transport::IceCandidateType::kServerReflexive, "198.51.100.7", 40000)};
  t.connect_ms = 180.4;
  t.keys_ms = 230.0;
  t.encrypted = true;
  t.srtp_profile = media::srtp::SrtpProfile::kAeadAes128Gcm;
  t.fingerprint_ok = true;
  facts.transport = t;
  facts.remote_candidate_types = {"host", "srflx", "relay"};
  facts.remote_candidates = {candidate(transport::IceCandidateType::kHost, "10.0.0.5", 40000),
                             candidate(transport::IceCandidateType::kServerReflexive, "198.51.100.7", 40000),
                             candidate(transport::IceCandidateType::kRelayed, "203.0.113.9", 50000)};
  facts.local_candidates = {candidate(transport::IceCandidateType::kHost, "192.0.2.10", 9000)};
  StreamFacts audio;
  audio.echo.kind = media::echo::MediaKind::kAudio;
  audio.echo.payload_types = {{111, 1512}};
  audio.echo.received.packets = 1512;
  audio.echo.received.lost = 5;
  audio.echo.received.loss_pct = 0.33;
  audio.echo.received.jitter_ms = 4.2;
  audio.echo.sent.packets = 1510;
  audio.echo.sent.rtt_ms = 21.3;
  audio.offered = {{111, "opus", 48000}, {0, "PCMU", 8000}};
  media::probes::OpusStats opus;
  opus.decoded_frames = 1512;
  opus.audio_packets = 1512;
  opus.measured_frames = 1512;
  opus.level_source = media::probes::OpusLevelSource::kDecoded;
  opus.level_dbfs = -23.4;
  opus.silent_frame_share = 0.1;
  audio.audio = opus;
  facts.streams.push_back(audio);
  return facts;
}

TEST(CallReport, HealthyCallReadsMediaOk) {
  const CallFacts facts = good_call();
  EXPECT_EQ(verdict(facts), Verdict::kMediaOk);
  EXPECT_EQ(summary(facts),
            "MEDIA OK. Audio opus/48000: 1,512 packets, 0.3% lost, jitter 4 ms, RTT 21 ms, level -23 dBFS. "
            "Path: your srflx/udp <-> parrot host/udp, connected in 180 ms. Your client is behind a NAT that kept "
            "the same public address (198.51.100.7:40000) for parrot as for its STUN server (an "
            "endpoint-independent mapping), so ICE found a direct path.");
}

TEST(CallReport, JsonHasEveryKeyDesignAsksFor) {
  const auto report = report_json(good_call());
  for (const char* key : {"kind", "id", "peer", "started", "duration_s", "verdict", "ice", "dtls", "streams", "nat"})
    EXPECT_TRUE(report.contains(key)) << key;
  EXPECT_EQ(report["kind"], "call");
  EXPECT_EQ(report["started"], "2027-01-15T08:00:00Z");
  EXPECT_EQ(report["duration_s"], 30.2);
  EXPECT_EQ(report["ice"]["selected"]["local_type"], "host");
  EXPECT_EQ(report["ice"]["selected"]["remote_type"], "srflx");
  EXPECT_EQ(report["ice"]["selected"]["protocol"], "udp");
  EXPECT_EQ(report["ice"]["connect_ms"], 180);
  EXPECT_EQ(report["ice"]["remote_candidate_types"].size(), 3u);
  EXPECT_EQ(report["dtls"]["srtp_profile"], "SRTP_AEAD_AES_128_GCM");
  EXPECT_EQ(report["dtls"]["fingerprint_ok"], true);
  const auto& stream = report["streams"][0];
  for (const char* key : {"media", "codec", "packets_received", "packets_sent", "lost", "loss_pct", "jitter_ms", "late_dropped"})
    EXPECT_TRUE(stream.contains(key)) << key;
  EXPECT_EQ(stream["codec"], "opus/48000");
  EXPECT_EQ(stream["packets_received"], 1512);
  EXPECT_EQ(stream["loss_pct"], 0.33);
  EXPECT_EQ(stream["level_dbfs"], -23.4);
  EXPECT_EQ(stream["level_source"], "decoded");
  EXPECT_EQ(stream["decoded_share"], 1.0);
  EXPECT_EQ(report["nat"]["verdict"], "NAT, direct path");
}

TEST(CallReport, VerdictsInTheOrderThePathBreaks) {
  CallFacts facts = good_call();
  facts.transport->connect_ms.reset();
  facts.transport->selected_pair.reset();
  EXPECT_EQ(verdict(facts), Verdict::kIceFailed);

  facts = good_call();
  facts.transport->keys_ms.reset();
  EXPECT_EQ(verdict(facts), Verdict::kDtlsFailed);

  facts = good_call();
  facts.streams[0].echo.received.packets = 0;
  facts.streams[0].echo.sent.packets = 0;
  EXPECT_EQ(verdict(facts), Verdict::kNoMedia);

  facts = good_call();
  facts.streams[0].echo.received.packets = 0;
  EXPECT_EQ(verdict(facts), Verdict::kOneWay);

  facts = good_call();  // the caller's RTCP says it lost everything parrot sent
  facts.streams[0].echo.sent.remote_cumulative_lost = 1500;
  EXPECT_EQ(verdict(facts), Verdict::kOneWay);

  facts = good_call();  // the same, net of upstream gaps
  facts.streams[0].echo.return_loss = {.sent = 1500, .lost = 1400, .loss_pct = 93.3, .interval_loss_pct = {}, .reports = 3};
  EXPECT_EQ(verdict(facts), Verdict::kOneWay);

  facts = good_call();  // half lost upstream, nothing on the way back: the caller hears parrot
  facts.streams[0].echo.sent.remote_cumulative_lost = 1500;
  facts.streams[0].echo.return_loss = {.sent = 1500, .lost = 0, .loss_pct = 0, .interval_loss_pct = {}, .reports = 3};
  EXPECT_EQ(verdict(facts), Verdict::kMediaOk);

  facts = good_call();
  facts.streams[0].audio->level_dbfs = -80;
  EXPECT_EQ(verdict(facts), Verdict::kSilentAudio);

  facts = good_call();  // no relay candidates is a note, not a verdict
  facts.remote_candidate_types = {"host", "srflx"};
  EXPECT_EQ(verdict(facts), Verdict::kMediaOk);

  facts = good_call();
  facts.refused = true;
  EXPECT_EQ(verdict(facts), Verdict::kRefused);

  facts = good_call();
  facts.transport.reset();  // no transport at all: the caller sent nothing usable
  EXPECT_EQ(verdict(facts), Verdict::kIceFailed);
}

TEST(CallReport, NatObjectCarriesTheEvidence) {
  const auto nat = report_json(good_call())["nat"];
  EXPECT_EQ(nat["mapping"], "endpoint-independent");
  EXPECT_EQ(nat["udp"], "ok");
  EXPECT_EQ(nat["path"], "direct");
  EXPECT_EQ(nat["advice"], "");
  EXPECT_EQ(nat["evidence"]["seen_at_parrot"], "198.51.100.7:40000");
  EXPECT_EQ(nat["evidence"]["parrot_address"], "192.0.2.10:9000");
  EXPECT_EQ(nat["evidence"]["caller_srflx"], nlohmann::json::array({"198.51.100.7:40000"}));
  EXPECT_EQ(nat["evidence"]["parrot_behind_nat"], false);
}

TEST(CallReport, IceFailureGivesCauseAndFixInChat) {
  CallFacts facts = good_call();
  facts.transport->connect_ms.reset();
  facts.transport->selected_pair.reset();
  facts.failure = "ICE failed: no candidate pair succeeded";
  facts.remote_candidates = {candidate(transport::IceCandidateType::kHost, "10.0.0.5", 40000)};
  const std::string text = summary(facts);
  EXPECT_EQ(text.rfind("ICE FAILED. No candidate pair succeeded. No path worked:", 0), 0u) << text;
  EXPECT_NE(text.find("TCP or TLS on port 443"), std::string::npos) << text;
  EXPECT_EQ(report_json(facts)["nat"]["udp"], "blocked");
}

// The typed cause travels to the report as a stable code beside the text.
TEST(CallReport, FailureCodesNameTheCauseBesideTheText) {
  CallFacts facts = good_call();
  EXPECT_FALSE(report_json(facts).contains("failure_code"));  // a call that ended normally
  facts.failure = "DTLS: fingerprint mismatch";
  facts.end_cause = transport::TransportFailure::kFingerprintMismatch;
  facts.transport->failure = transport::TransportFailure::kFingerprintMismatch;
  facts.transport->failure_reason = facts.failure;
  auto report = report_json(facts);
  EXPECT_EQ(report["failure"], "DTLS: fingerprint mismatch");
  EXPECT_EQ(report["failure_code"], "fingerprint-mismatch");
  EXPECT_EQ(report["dtls"]["failure_code"], "fingerprint-mismatch");

  facts = good_call();
  facts.failure = "no media from you for 20 s";
  facts.end_cause = parrot::call::MediaTimeout::kNoMedia;
  EXPECT_EQ(report_json(facts)["failure_code"], "no-media");
  facts.end_cause = parrot::call::MediaTimeout::kNeverConnected;
  EXPECT_EQ(report_json(facts)["failure_code"], "never-connected");
  facts.end_cause = transport::TransportFailure::kConsentLost;
  EXPECT_EQ(report_json(facts)["failure_code"], "consent-lost");
}

// The notes name the missing relay only when the NAT advice has not
// already said what TURN is for (SymmetricNatAdviceReachesTheChatOnce has
// the other side).
TEST(CallReport, NoRelayNoteWhenTheAdviceSaysNothingOfTurn) {
  CallFacts facts = good_call();
  facts.remote_candidate_types = {"host", "srflx"};
  ASSERT_FALSE(nat_diagnosis(facts).advises_turn);
  const auto all = notes(facts);
  EXPECT_TRUE(std::any_of(all.begin(), all.end(),
                          [](const std::string& n) { return n.find("no relay (TURN) candidates") != std::string::npos; }));
}

TEST(CallReport, CallEndedWhileRingingHasNoNatAdvice) {
  CallFacts facts = good_call();
  facts.transport.reset();
  facts.remote_candidates.clear();
  EXPECT_EQ(nat_diagnosis(facts).advice, "");
  EXPECT_EQ(summary(facts).find("candidates"), std::string::npos) << summary(facts);
}

TEST(CallReport, SampledProbeSaysSo) {
  CallFacts facts = good_call();
  EXPECT_EQ(report_json(facts)["streams"][0]["probe_skipped_packets"], 0);
  facts.streams[0].probe_skipped = 1200;
  EXPECT_EQ(report_json(facts)["streams"][0]["probe_skipped_packets"], 1200);
  EXPECT_NE(summary(facts).find("Audio level measured on a sample: 1,200 packets not probed under load"),
            std::string::npos)
      << summary(facts);
}

// libwebrtc's default video: VP8 inside RED (118), ULPFEC inside RED too.
StreamFacts vp8_in_red() {
  StreamFacts video;
  video.echo.kind = media::echo::MediaKind::kVideo;
  video.echo.payload_types = {{118, 612}};
  video.echo.received.packets = 612;
  video.echo.received.jitter_ms = 2.1;
  video.echo.sent.packets = 612;
  video.offered = {{96, "VP8", 90000}, {97, "rtx", 90000}, {118, "red", 90000}, {127, "ulpfec", 90000}};
  video.carriage.red_packets = 612;
  video.carriage.fec_packets = 12;
  video.carriage.carried_in_red = {{96, 600}, {127, 12}};
  media::probes::VideoStats vp8;
  vp8.frames_decoded = 160;
  vp8.keyframes = 2;
  vp8.width = 640;
  vp8.height = 480;
  vp8.frame_rate_fps = 20.04;
  vp8.average_frame_rate_fps = 20.04;
  vp8.pictures = 160;
  vp8.pictures_decoded = 160;
  video.video = vp8;
  return video;
}

TEST(CallReport, SaysWhoseLevelItIsAndHowMuchWasDecoded) {
  CallFacts facts = good_call();
  auto& audio = *facts.streams[0].audio;
  audio.level_source = media::probes::OpusLevelSource::kAudioLevel;
  audio.audio_level_packets = 1512;
  audio.measured_frames = 150;
  audio.decoded_frames = 156;
  auto stream = report_json(facts)["streams"][0];
  EXPECT_EQ(stream["level_source"], "audio level");
  EXPECT_EQ(stream["decoded_share"], 0.099);
  EXPECT_NE(summary(facts).find("level -23 dBFS (your client's RFC 6464 level of every packet)"), std::string::npos)
      << summary(facts);
  audio.audio_level_packets = 1000;
  EXPECT_NE(summary(facts).find("(your client's RFC 6464 level of 1,000 of 1,512 packets)"), std::string::npos);
  // Decoded, but not all of it (the levels stopped coming for a while).
  audio.level_source = media::probes::OpusLevelSource::kDecoded;
  EXPECT_NE(summary(facts).find("level -23 dBFS (decoded 150 of 1,512 packets)"), std::string::npos);
  stream = report_json(facts)["streams"][0];
  EXPECT_EQ(stream["level_source"], "decoded");
}

TEST(CallReport, NamesTheCodecInsideRed) {
  CallFacts facts = good_call();
  facts.streams.push_back(vp8_in_red());
  const auto report = report_json(facts);
  const auto& video = report["streams"][1];
  EXPECT_EQ(video["codec"], "VP8/90000 in RED");
  EXPECT_EQ(video["resolution"], "640x480");
  EXPECT_EQ(video["frame_rate_fps"], 20.0);
  EXPECT_EQ(video["keyframes"], 2);
  EXPECT_EQ(video["red_packets"], 612);
  EXPECT_EQ(video["fec_packets"], 12);
  // Streams without RED carry the keys too, at zero.
  EXPECT_EQ(report["streams"][0]["red_packets"], 0);
  EXPECT_EQ(report["streams"][0]["fec_packets"], 0);
  const std::string text = summary(facts);
  EXPECT_NE(text.find(" Video VP8/90000 in RED: 612 packets (12 of them FEC), 0.0% lost, jitter 2 ms, 640x480 at 20 fps."),
            std::string::npos)
      << text;
}

// 20% lost each way: the caller's block says 1,560 lost (both directions);
// parrot sent 6,240 of the 7,800 numbers and the caller lost 1,123 of those.
TEST(CallReport, LossInEachDirectionNetOfUpstreamGaps) {
  CallFacts facts = good_call();
  auto& audio = facts.streams[0].echo;
  audio.received.loss_pct = 20.0;
  audio.sent.remote_loss_pct = 35.2;
  audio.sent.remote_cumulative_lost = 2683;
  audio.return_loss = {.sent = 6240, .lost = 1123, .loss_pct = 17.996, .interval_loss_pct = 19.5, .reports = 12};
  const auto report = report_json(facts);
  const auto& stream = report["streams"][0];
  EXPECT_EQ(stream["your_loss_pct"], 18.0);
  EXPECT_EQ(stream["return_loss"]["lost"], 1123);
  EXPECT_EQ(stream["return_loss"]["packets"], 6240);
  EXPECT_EQ(stream["return_loss"]["loss_pct"], 18.0);
  EXPECT_EQ(stream["return_loss"]["interval_loss_pct"], 19.5);
  EXPECT_EQ(stream["return_loss"]["caller_reported_lost"], 2683);
  EXPECT_EQ(stream["return_loss"]["basis"], "caller RTCP, net of upstream gaps");
  EXPECT_NE(summary(facts).find("Audio opus/48000: 1,512 packets, 20.0% lost on the way in, 18.0% on the way back, jitter 4 ms"),
            std::string::npos)
      << summary(facts);
  // No usable block from the caller: no return figure at all.
  EXPECT_FALSE(report_json(good_call())["streams"][0].contains("your_loss_pct"));
  EXPECT_FALSE(report_json(good_call())["streams"][0].contains("return_loss"));
}

TEST(CallReport, FrameRateOfTheStreamAndFramesNotDecoded) {
  CallFacts facts = good_call();
  StreamFacts video = vp8_in_red();
  video.video->pictures = 450;
  video.video->pictures_decoded = 120;
  video.video->frame_rate_fps = 14.96;
  video.video->average_frame_rate_fps = 15.02;
  video.video->decoded_frame_rate_fps = 3.1;
  facts.streams.push_back(video);
  const auto report = report_json(facts);
  const auto& stream = report["streams"][1];
  EXPECT_EQ(stream["frame_rate_fps"], 15.0);
  EXPECT_EQ(stream["average_frame_rate_fps"], 15.0);
  EXPECT_EQ(stream["decoded_frame_rate_fps"], 3.1);
  EXPECT_EQ(stream["frames"], 450);
  EXPECT_EQ(stream["frames_undecodable"], 330);
  EXPECT_NE(summary(facts).find(", 640x480 at 15 fps (330 of 450 frames could not be decoded)."), std::string::npos)
      << summary(facts);
  // Nothing decoded at all: the rate is still the stream's, without a size.
  facts.streams[1].video->width = 0;
  facts.streams[1].video->pictures_decoded = 0;
  EXPECT_FALSE(report_json(facts)["streams"][1].contains("resolution"));
  EXPECT_EQ(report_json(facts)["streams"][1]["frames_undecodable"], 450);
  EXPECT_NE(summary(facts).find(", 15 fps (450 of 450 frames could not be decoded)."), std::string::npos) << summary(facts);
}

TEST(CallReport, SampledVideoIsNotReportedAsUndecodable) {
  // Decoded in windows after key frames: the frames between windows were
  // whole, on intact references, and left out on purpose.
  CallFacts facts = good_call();
  StreamFacts video = vp8_in_red();
  video.video->sampling = media::probes::VideoSampling::windows();
  video.video->pictures = 1800;
  video.video->pictures_decoded = 120;
  video.video->pictures_not_sampled = 1680;
  video.video->decode_windows = 2;
  video.video->average_frame_rate_fps = 30;
  facts.streams.push_back(video);
  auto stream = report_json(facts)["streams"][1];
  EXPECT_EQ(stream["frames_undecodable"], 0);
  EXPECT_EQ(stream["frames_decoded"], 120);
  EXPECT_EQ(stream["decoding"], "windows after key frames");
  EXPECT_EQ(stream["decode_windows"], 2);
  EXPECT_EQ(stream["decoded_share"], 0.067);
  EXPECT_NE(summary(facts).find(", 640x480 at 30 fps (decoded 120 of 1,800 frames: 2 s after key frames)."),
            std::string::npos)
      << summary(facts);
  EXPECT_EQ(summary(facts).find("could not be decoded"), std::string::npos) << summary(facts);
  EXPECT_EQ(verdict(facts), Verdict::kMediaOk);
  // Loss on top: only the frames neither decoded nor sampled out are undecodable.
  facts.streams[1].video->pictures_not_sampled = 1600;
  stream = report_json(facts)["streams"][1];
  EXPECT_EQ(stream["frames_undecodable"], 80);
  EXPECT_NE(summary(facts).find("(decoded 120 of 1,800 frames: 2 s after key frames; 80 of 1,800 frames could not be decoded)"),
            std::string::npos)
      << summary(facts);
  // Every frame decoded: said as such, share 1.
  CallFacts every_frame = good_call();
  every_frame.streams.push_back(vp8_in_red());
  stream = report_json(every_frame)["streams"][1];
  EXPECT_EQ(stream["decoding"], "every frame");
  EXPECT_EQ(stream["decoded_share"], 1.0);
}

TEST(CallReport, NamesOpusInsideAudioRed) {
  // Chromium's red/48000 with fmtp 111/111.
  CallFacts facts = good_call();
  auto& audio = facts.streams[0];
  audio.offered = {{111, "opus", 48000}, {63, "red", 48000}};
  audio.echo.payload_types = {{63, 1500}, {111, 12}};
  audio.carriage.red_packets = 1500;
  audio.carriage.redundant_blocks = 2990;
  audio.carriage.carried_in_red = {{111, 1500}};
  EXPECT_EQ(report_json(facts)["streams"][0]["codec"], "opus/48000 in RED");
  EXPECT_NE(summary(facts).find("Audio opus/48000 in RED: 1,512 packets, 0.3% lost"), std::string::npos);
}

TEST(CallReport, RedThatCarriedOnlyFecOrNothingProbedIsNamedAsRed) {
  CallFacts facts = good_call();
  StreamFacts video = vp8_in_red();
  video.carriage.carried_in_red = {{127, 12}};
  facts.streams.push_back(video);
  EXPECT_EQ(report_json(facts)["streams"][1]["codec"], "red/90000");
  facts.streams[1].carriage.carried_in_red.clear();
  EXPECT_EQ(report_json(facts)["streams"][1]["codec"], "red/90000");
}

TEST(CallReport, UnencryptedCallSaysSo) {
  CallFacts facts = good_call();
  facts.transport->encrypted = false;
  facts.transport->srtp_profile.reset();
  facts.transport->keys_ms.reset();
  EXPECT_EQ(verdict(facts), Verdict::kMediaOk);
  EXPECT_NE(summary(facts).find("not encrypted"), std::string::npos);
  EXPECT_EQ(report_json(facts)["dtls"]["encrypted"], false);
}

TEST(CallReport, ACallWithoutATransportStillHasEveryKey) {
  CallFacts facts = good_call();
  facts.transport.reset();
  const auto report = report_json(facts);
  ASSERT_TRUE(report["ice"].contains("selected"));
  EXPECT_TRUE(report["ice"]["selected"].is_null());
  EXPECT_TRUE(report["ice"]["connect_ms"].is_null());
  for (const char* key : {"encrypted", "srtp_profile", "fingerprint_ok"}) {
    ASSERT_TRUE(report["dtls"].contains(key)) << key;
    EXPECT_TRUE(report["dtls"][key].is_null()) << key;
  }
}

// A libwebrtc video stream that ramped up under transport-cc: 1 Mbit/s
// after 1.2 s, 1.5 Mbit/s after 3.45 s, 2.5 never.
StreamFacts ramped_video() {
  StreamFacts video;
  video.echo.kind = media::echo::MediaKind::kVideo;
  video.echo.payload_types = {{96, 3000}};
  video.echo.received.packets = 3000;
  video.echo.sent.packets = 2990;
  video.offered = {{96, "VP8", 90000}};
  video.echo.upstream.mean_bps = 1'583'400;
  video.echo.upstream.peak_bps = 2'104'000;
  video.echo.upstream.reached = {std::chrono::milliseconds(210), std::chrono::milliseconds(610),
                                 std::chrono::milliseconds(1200), std::chrono::milliseconds(3450), std::nullopt};
  video.echo.transport_cc_feedback = true;
  video.echo.transport_feedback_sent = 612;
  return video;
}

TEST(CallReport, UpstreamRampAndTransportCcFeedback) {
  CallFacts facts = good_call();
  facts.streams.push_back(ramped_video());
  const auto report = report_json(facts);
  const auto& up = report["streams"][1]["upstream"];
  EXPECT_EQ(up["mean_kbps"], 1583);
  EXPECT_EQ(up["peak_kbps"], 2104);
  EXPECT_EQ(up["reached_after_s"], (nlohmann::json{{"250", 0.2}, {"500", 0.6}, {"1000", 1.2}, {"1500", 3.5}}));
  EXPECT_EQ(up["feedback"], "transport-cc");
  EXPECT_EQ(up["transport_feedback_packets"], 612);
  EXPECT_FALSE(up.contains("remb_last_kbps"));
  // Audio without any feedback negotiated says so.
  EXPECT_EQ(report["streams"][0]["upstream"]["feedback"], "none");
  EXPECT_NE(summary(facts).find("Video VP8/90000: 3,000 packets, 0.0% lost, jitter 0 ms, you sent 1,583 kbit/s on average, 2,104 at most."),
            std::string::npos)
      << summary(facts);
}

TEST(CallReport, UpstreamWithRemb) {
  CallFacts facts = good_call();
  StreamFacts video = ramped_video();
  video.echo.transport_cc_feedback = false;
  video.echo.remb_sent = 9;
  video.echo.remb_last_bps = 2'400'000;
  video.echo.remb_max_bps = 3'150'000;
  facts.streams.push_back(video);
  const auto report = report_json(facts);
  const auto& up = report["streams"][1]["upstream"];
  EXPECT_EQ(up["feedback"], "goog-remb");
  EXPECT_EQ(up["remb_last_kbps"], 2400);
  EXPECT_EQ(up["remb_max_kbps"], 3150);
  EXPECT_FALSE(up.contains("transport_feedback_packets"));
}

}  // namespace
}  // namespace parrot::bot::call

namespace parrot::bot::call {
namespace {

TEST(CallReport, WhatIsWorthKnowingIsANoteBesideMediaOk) {
  CallFacts facts = good_call();
  EXPECT_TRUE(notes(facts).empty());
  EXPECT_TRUE(report_json(facts)["notes"].empty());

  facts.remote_candidate_types = {"host"};
  facts.transport->encrypted = false;
  const auto list = notes(facts);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0], "media was not encrypted (your client offered no DTLS)");
  EXPECT_NE(list[1].find("no relay (TURN) candidates"), std::string::npos);
  EXPECT_EQ(report_json(facts)["verdict"], "MEDIA OK");
  EXPECT_EQ(report_json(facts)["notes"].size(), 2u);
  // The chat body: verdict, then each note as a sentence, then the streams.
  EXPECT_EQ(summary(facts).rfind("MEDIA OK. Media was not encrypted (your client offered no DTLS). Your client offered "
                                 "no relay (TURN) candidates",
                                 0),
            0u)
      << summary(facts);
}

TEST(CallReport, RefusedOfferSaysWhyAndWhatWasLeftOut) {
  CallFacts facts;
  facts.id = "s1";
  facts.peer = "bob@example.org/pidgin";
  facts.refused = true;
  facts.failure = "parrot cannot answer this offer: none of the payload types offered is one parrot can echo";
  facts.offer_ignored = {"payload-type with a malformed number ('PCMU' in audio)"};
  const auto report = report_json(facts);
  EXPECT_EQ(report["verdict"], "REFUSED");
  EXPECT_EQ(report["failure"], facts.failure);
  EXPECT_EQ(report["notes"].size(), 1u);
  EXPECT_EQ(summary(facts),
            "REFUSED. Parrot cannot answer this offer: none of the payload types offered is one parrot can echo. "
            "Parrot left out what it could not read in your offer (payload-type with a malformed number ('PCMU' in "
            "audio)) and used the rest.");
}

// RFC 3550 §6.4: a caller that hears nothing sends reports without a block
// for parrot's SSRC; that is ONE-WAY, with the evidence in the report.
TEST(CallReport, CallerWhoseReportsNeverNameParrotIsOneWay) {
  CallFacts facts = good_call();
  auto& path = facts.streams[0].echo.return_path;
  path.hearing = media::stats::Hearing::kHeardNothing;
  path.caller_reports = 12;
  path.lost_to_end = 1510;
  EXPECT_EQ(verdict(facts), Verdict::kOneWay);
  const auto report = report_json(facts);
  EXPECT_EQ(report["streams"][0]["return_path"]["hearing"], "heard nothing");
  EXPECT_EQ(report["streams"][0]["return_path"]["caller_reports"], 12);
  EXPECT_EQ(report["streams"][0]["return_path"]["lost_to_end"], 1510);
  EXPECT_NE(report["one_way"].get<std::string>().find("never mention parrot's stream"), std::string::npos);
  EXPECT_NE(summary(facts).find("ONE-WAY. Your client received none of parrot's audio"), std::string::npos)
      << summary(facts);
}

TEST(CallReport, CallerWhoStoppedHearingIsOneWayWithTheLossToTheEnd) {
  CallFacts facts = good_call();
  auto& path = facts.streams[0].echo.return_path;
  path.hearing = media::stats::Hearing::kStoppedHearing;
  path.last_report_s = 12.0;
  path.lost_to_end = 900;
  EXPECT_EQ(verdict(facts), Verdict::kOneWay);
  EXPECT_NE(summary(facts).find("stopped receiving parrot's audio 12 s into the call: the last 900 packets"),
            std::string::npos)
      << summary(facts);
  facts.streams[0].echo.return_path.hearing = media::stats::Hearing::kHears;
  EXPECT_EQ(verdict(facts), Verdict::kMediaOk);
  EXPECT_FALSE(report_json(facts).contains("one_way"));
}

// parrot's own path refused its echo (a local firewall answers EPERM, or
// no ICE pair for the rest of the call): what could not leave is not in
// packets_sent, and most of the echo missing is ONE-WAY too.
TEST(CallReport, EchoTheNetworkPathRefusedIsOneWay) {
  CallFacts facts = good_call();
  const std::uint64_t sent = facts.streams[0].echo.sent.packets;
  facts.drops.count(media::DropReason::kNotSent, sent + 400);
  EXPECT_EQ(verdict(facts), Verdict::kOneWay);
  const auto report = report_json(facts);
  EXPECT_EQ(report["drops"]["not_sent"], sent + 400);
  EXPECT_NE(report["one_way"].get<std::string>().find("could not be sent"), std::string::npos) << report["one_way"];
  // A few lost across a restart after a consent loss are not.
  facts.drops = {};
  facts.drops.count(media::DropReason::kNotSent, 40);
  EXPECT_EQ(verdict(facts), Verdict::kMediaOk);
}

}  // namespace
}  // namespace parrot::bot::call

namespace parrot::bot::call {
namespace {

// A symmetric NAT without TURN: the advice says what TURN is for, once.
TEST(CallReport, SymmetricNatAdviceReachesTheChatOnce) {
  CallFacts facts = good_call();
  facts.remote_candidate_types = {"host", "srflx"};
  facts.remote_candidates.pop_back();  // no relay
  facts.transport->selected_pair->remote.type = transport::IceCandidateType::kPeerReflexive;
  facts.transport->selected_pair->remote.port = 61234;
  const std::string text = summary(facts);
  EXPECT_NE(text.find("a symmetric NAT"), std::string::npos) << text;
  EXPECT_NE(text.find("need a TURN server; yours offered none"), std::string::npos) << text;
  EXPECT_EQ(text.find("offered no relay (TURN) candidates"), std::string::npos) << text;
  EXPECT_EQ(report_json(facts)["nat"]["mapping"], "address-dependent");
}

}  // namespace
}  // namespace parrot::bot::call
