#include "call/call_media.hpp"

#include <glib.h>

#include <array>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bot/call/call_report.hpp"
#include "media/probes/opus_probe.hpp"
#include "media/rtp/red_payload.hpp"
#include "media/rtp/rtp_packet.hpp"
#include "media/rtp/ulpfec_header.hpp"
#include "media/signals/opus_tone_source.hpp"
#include "media/signals/vp8_test_pattern.hpp"
#include "media/srtp/srtp_library.hpp"
#include "media/srtp/srtp_session.hpp"
#include "tests/unit/transport/worker/loop_helpers.hpp"
#include "transport/worker/timer.hpp"

namespace parrot::call {

// What CallMedia measured, read back through the report bot/call makes of it.
using bot::call::report_json;
using bot::call::Verdict;
using bot::call::verdict;
namespace {

using namespace std::chrono_literals;

using transport::test::iterate_for;
using transport::test::iterate_until;

// The caller: a CallTransport of its own sending an Opus tone over SRTP and
// counting what comes back.
struct Caller : transport::CallTransport::Observer {
  virtual ~Caller() = default;
  std::unique_ptr<transport::CallTransport> transport;
  std::unique_ptr<media::srtp::SrtpSession> srtp;
  std::function<void(const transport::IceCandidate&)> trickle;
  std::uint64_t echoes = 0;
  std::vector<media::probes::ProbePacket> received;  // parrot's RTP, decrypted
  void on_local_candidate(const transport::IceCandidate& c) override { trickle(c); }
  void on_gathering_done() override {}
  void on_transport_state(transport::CallTransportState, const std::string&) override {}
  void on_selected_pair(const transport::SelectedPair&) override {}
  void on_srtp_keys(const media::srtp::KeyingMaterial& keys) override {
    srtp = std::make_unique<media::srtp::SrtpSession>(keys);
  }
  void on_media(unsigned, media::MutableByteView datagram) override {
    if (datagram.size() > 1 && static_cast<std::uint8_t>(datagram[1]) >= 192 && static_cast<std::uint8_t>(datagram[1]) <= 223)
      return;  // parrot's RTCP
    const auto length = srtp ? srtp->unprotect_rtp(datagram) : std::nullopt;
    if (!length) return;
    ++echoes;
    if (const auto packet = media::rtp::RtpPacket::parse(datagram.first(*length))) {
      media::probes::ProbePacket copy;
      copy.payload_type = packet->payload_type();
      copy.rtp_timestamp = packet->timestamp();
      copy.sequence_number = packet->sequence_number();
      copy.payload.assign(packet->payload().begin(), packet->payload().end());
      received.push_back(std::move(copy));
    }
  }
};

struct Parrot : CallMedia::Observer {
  virtual ~Parrot() = default;
  std::function<void(const transport::IceCandidate&)> trickle;
  transport::CallTransportState state = transport::CallTransportState::kNew;
  void on_local_candidate(std::size_t, const transport::IceCandidate& c) override { trickle(c); }
  void on_gathering_done(std::size_t) override {}
  void on_transport_state(std::size_t, transport::CallTransportState s, transport::TransportFailure,
                          const std::string&) override {
    state = s;
  }
  void on_media_timeout(MediaTimeout timeout, const std::string& why) override {
    timeouts.push_back(why);
    timeout_kinds.push_back(timeout);
  }
  std::vector<std::string> timeouts;
  std::vector<MediaTimeout> timeout_kinds;
};

// parrot's CallMedia and a caller's CallTransport on one context, wired as
// a call is: credentials swapped, candidates trickled both ways.
class CallMediaTest : public ::testing::Test {
 protected:
  void TearDown() override {
    media_.reset();
    caller_.transport.reset();
    for (int i = 0; i < 50; ++i) g_main_context_iteration(context_, FALSE);
    g_main_context_unref(context_);
  }

  // One transport carrying `stream`, parrot in DTLS `parrot_role`.
  void connect(CallMediaSetup setup, const media::echo::StreamConfig& stream, std::vector<PayloadName> offered,
               transport::DtlsRole parrot_role) {
    const auto caller_role =
        parrot_role == transport::DtlsRole::kClient ? transport::DtlsRole::kServer : transport::DtlsRole::kClient;
    CallMediaSetup::Transport unit;
    unit.config.ice.allowed_addresses = {"127.0.0.1"};
    unit.config.certificate = &parrot_certificate_;
    unit.config.dtls = transport::DtlsParameters{parrot_role, "sha-256", caller_certificate_.fingerprint_sha256(),
                                                 transport::DtlsParameters{}.profiles};
    unit.echo.streams = {stream};
    unit.offered = {std::move(offered)};
    setup.transports.push_back(std::move(unit));
    media_ = std::make_unique<CallMedia>(context_, std::move(setup), parrot_);

    transport::CallTransportConfig caller_config;
    caller_config.ice.controlling = true;
    caller_config.ice.allowed_addresses = {"127.0.0.1"};
    caller_config.certificate = &caller_certificate_;
    caller_config.dtls = transport::DtlsParameters{caller_role, "sha-256", parrot_certificate_.fingerprint_sha256(),
                                                   transport::DtlsParameters{}.profiles};
    caller_.transport = std::make_unique<transport::CallTransport>(context_, std::move(caller_config), caller_);
    caller_.trickle = [this](const transport::IceCandidate& c) { media_->add_remote_candidate(0, c); };
    parrot_.trickle = [this](const transport::IceCandidate& c) { caller_.transport->add_remote_candidate(c); };
    media_->set_remote_credentials(0, caller_.transport->local_credentials());
    caller_.transport->set_remote_credentials(media_->local_credentials(0));
    media_->gather();
    caller_.transport->gather();
  }

  const media::srtp::SrtpLibrary library_;
  GMainContext* context_ = g_main_context_new();
  const transport::Certificate parrot_certificate_ = transport::Certificate::generate();
  const transport::Certificate caller_certificate_ = transport::Certificate::generate();
  Caller caller_;
  Parrot parrot_;
  std::unique_ptr<CallMedia> media_;
};

TEST_F(CallMediaTest, EchoesAnOpusToneThroughIceDtlsAndReportsItsLevel) {
  media::echo::StreamConfig audio;
  audio.payload_types = {111};
  audio.local_ssrc = 0xA0A0A0A0;
  CallMediaSetup setup;
  setup.no_media_timeout = 1s;
  connect(std::move(setup), audio, {{111, "opus", 48000}}, transport::DtlsRole::kClient);
  ASSERT_TRUE(iterate_until(context_, [&] { return caller_.srtp && parrot_.state == transport::CallTransportState::kSecure; }));

  // 100 packets of a -20 dBFS tone, one every 20 ms, as a phone sends them.
  media::signals::OpusToneSource tone(media::signals::OpusToneConfig{});
  std::uint16_t sequence = 0;
  auto sender = transport::Timer::repeating(context_, 20ms, [&] {
    if (sequence >= 100) return;
    const auto frame = tone.next();
    std::array<std::byte, 1500> buffer{};
    media::rtp::RtpHeader header;
    header.payload_type = 111;
    header.ssrc = 0x11111111;
    header.sequence_number = sequence++;
    header.timestamp = frame.rtp_timestamp;
    const std::size_t length = media::rtp::serialize(header, frame.payload, buffer);
    const auto protected_length = caller_.srtp->protect_rtp(buffer, length);
    ASSERT_TRUE(protected_length);
    caller_.transport->send_media(1, media::ByteView(buffer).first(*protected_length));
  });
  ASSERT_TRUE(iterate_until(context_, [&] { return caller_.echoes >= 100; }));
  sender.cancel();
  // Two seconds of media at 50 packets/s never looked like silence.
  EXPECT_TRUE(parrot_.timeouts.empty());
  // The probe drains at low priority: until it decoded all it was offered.
  ASSERT_TRUE(iterate_until(context_, [&] {
    const CallFacts drained = media_->facts();
    return drained.streams.size() == 1 && drained.streams[0].audio && drained.streams[0].audio->decoded_frames >= 100;
  }));

  CallFacts facts = media_->facts();
  facts.remote_candidate_types = {"host", "relay"};
  ASSERT_EQ(facts.streams.size(), 1u);
  const auto& stream = facts.streams[0];
  EXPECT_EQ(stream.echo.received.packets, 100u);
  EXPECT_EQ(stream.echo.sent.packets, 100u);
  EXPECT_EQ(stream.echo.received.lost, 0);
  ASSERT_TRUE(stream.audio);
  EXPECT_EQ(stream.audio->decoded_frames, 100u);
  EXPECT_EQ(stream.probe_skipped, 0u);  // 100 packets fit the queue: every one was probed
  // A -20 dBFS peak sine is -23 dBFS RMS; the 10 ms pips at -3 dBFS once a
  // second lift the average to about -21.
  EXPECT_GT(stream.audio->level_dbfs, -25.0);
  EXPECT_LT(stream.audio->level_dbfs, -18.0);
  EXPECT_EQ(verdict(facts), Verdict::kMediaOk);
  const auto report = report_json(facts);
  EXPECT_EQ(report["streams"][0]["codec"], "opus/48000");
  EXPECT_EQ(report["dtls"]["srtp_profile"], "SRTP_AEAD_AES_128_GCM");
  EXPECT_EQ(report["ice"]["selected"]["local_type"], "host");

  // The caller went quiet: the watchdog ends the call once, saying why.
  ASSERT_TRUE(iterate_until(context_, [&] { return !parrot_.timeouts.empty(); }));
  EXPECT_EQ(parrot_.timeouts.front(), "no media from you for 1 s");
  EXPECT_EQ(parrot_.timeout_kinds.front(), MediaTimeout::kNoMedia);
  iterate_for(context_, 1500ms);  // time for a second timeout that must not come
  EXPECT_EQ(parrot_.timeouts.size(), 1u);

  // The report page's timeline, a point a second on the watchdog's tick:
  // the tone's level while it played, nothing lost, and no level (not
  // silence) in the quiet seconds after.
  const nlohmann::json timeline = media_->timeline();
  ASSERT_EQ(timeline["streams"].size(), 1u);
  const auto& audio_timeline = timeline["streams"][0];
  EXPECT_EQ(audio_timeline["media"], "audio");
  ASSERT_GE(audio_timeline["t_s"].size(), 3u) << timeline;
  ASSERT_TRUE(audio_timeline.contains("level_dbfs")) << timeline;
  std::size_t loud = 0, quiet = 0;
  for (const auto& level : audio_timeline["level_dbfs"]) {
    if (level.is_null()) ++quiet;
    else if (level.get<double>() > -30 && level.get<double>() < -15) ++loud;
  }
  EXPECT_GE(loud, 1u) << timeline;
  EXPECT_GE(quiet, 1u) << timeline;
  for (const auto& lost : audio_timeline["lost"]) EXPECT_EQ(lost, 0) << timeline;
}

TEST_F(CallMediaTest, SendsTheTestToneInsteadOfTheEchoWhenAsked) {
  media::echo::StreamConfig audio;
  audio.payload_types = {0, 111};
  audio.local_ssrc = 0xA0A0A0A0;
  CallMediaSetup setup;
  setup.test_signal = true;
  connect(std::move(setup), audio, {{0, "PCMU", 8000}, {111, "opus", 48000}}, transport::DtlsRole::kServer);
  // The caller sends nothing: whatever arrives is parrot's own tone.
  ASSERT_TRUE(iterate_until(context_, [&] { return caller_.received.size() >= 100; }));

  media::probes::OpusProbe decoder(2);
  for (std::size_t i = 0; i < caller_.received.size(); ++i) {
    if (i > 0) {
      EXPECT_EQ(caller_.received[i].sequence_number, static_cast<std::uint16_t>(caller_.received[i - 1].sequence_number + 1));
      EXPECT_EQ(caller_.received[i].rtp_timestamp - caller_.received[i - 1].rtp_timestamp, 960u);  // 20 ms at 48 kHz
    }
    decoder.on_packet(caller_.received[i]);
  }
  const auto heard = decoder.stats();
  EXPECT_EQ(heard.decoded_frames, caller_.received.size());
  EXPECT_GT(heard.level_dbfs, -25.0);  // the -23 dBFS RMS tone and its clicks
  EXPECT_LT(heard.level_dbfs, -18.0);
  const CallFacts facts = media_->facts();
  ASSERT_EQ(facts.streams.size(), 1u);
  EXPECT_EQ(facts.streams[0].sent_back, "test tone");
  EXPECT_GE(facts.streams[0].echo.sent.packets, 100u);
  EXPECT_EQ(report_json(facts)["streams"][0]["sent_back"], "test tone");
}

TEST_F(CallMediaTest, LooksInsideLibwebrtcsRedVideoAndEchoesItAsItCame) {
  // Chromium's default offer: VP8 96, red 118, ulpfec 127, and both kept in
  // parrot's answer, so every video packet is RED and FEC is RED too.
  media::echo::StreamConfig video;
  video.kind = media::echo::MediaKind::kVideo;
  video.clock_rate_hz = 90000;
  video.payload_types = {96, 118, 127};
  video.local_ssrc = 0xB0B0B0B0;
  video.nack = true;
  connect(CallMediaSetup{}, video, {{96, "VP8", 90000}, {118, "red", 90000}, {127, "ulpfec", 90000}},
          transport::DtlsRole::kClient);
  ASSERT_TRUE(iterate_until(context_, [&] { return caller_.srtp && parrot_.state == transport::CallTransportState::kSecure; }));

  media::signals::Vp8TestPatternConfig pattern_config;
  pattern_config.width_px = 320;
  pattern_config.height_px = 240;
  pattern_config.frame_rate_fps = 30;
  media::signals::Vp8TestPattern pattern(pattern_config);
  std::uint16_t sequence = 1000;
  std::uint64_t sent = 0;
  std::uint64_t fec = 0;
  const auto send_red = [&](std::uint8_t inner_pt, media::ByteView inner, std::uint32_t timestamp, bool marker) {
    std::array<std::byte, 1500> red{};
    const std::size_t red_size = media::rtp::serialize_red({}, media::rtp::RedBlock{inner_pt, 0, inner}, red);
    ASSERT_GT(red_size, 0u);
    std::array<std::byte, 1500> buffer{};
    media::rtp::RtpHeader header;
    header.payload_type = 118;
    header.ssrc = 0x22222222;
    header.sequence_number = sequence++;
    header.timestamp = timestamp;
    header.marker = marker;
    const std::size_t length = media::rtp::serialize(header, media::ByteView(red).first(red_size), buffer);
    const auto protected_length = caller_.srtp->protect_rtp(buffer, length);
    ASSERT_TRUE(protected_length);
    caller_.transport->send_media(1, media::ByteView(buffer).first(*protected_length));
    ++sent;
  };
  int frames = 0;
  auto sender = transport::Timer::repeating(context_, 33ms, [&] {
    if (frames >= 45) return;
    const auto frame = pattern.next_frame();
    for (const auto& packet : frame.packets) send_red(96, packet.payload, frame.rtp_timestamp, packet.marker);
    // After every fifth frame, one ULPFEC packet in RED over the frame's
    // last packet (RFC 5109: SN base, TS recovery, a one-bit mask), under
    // the frame's timestamp, without a marker.
    if (++frames % 5 == 0) {
      std::array<std::byte, 16> fec_payload{};
      media::write_u16(fec_payload, 2, static_cast<std::uint16_t>(sequence - 1));
      media::write_u32(fec_payload, 4, frame.rtp_timestamp);
      media::write_u16(fec_payload, 12, 0x8000);
      send_red(127, fec_payload, frame.rtp_timestamp, false);
      ++fec;
    }
  });
  ASSERT_TRUE(iterate_until(context_, [&] { return frames >= 45 && caller_.echoes >= sent; }));
  sender.cancel();
  // The probe drains at low priority: until it has had every frame.
  ASSERT_TRUE(iterate_until(context_, [&] {
    const CallFacts drained = media_->facts();
    if (drained.streams.size() != 1 || !drained.streams[0].video) return false;
    const auto& probed = *drained.streams[0].video;
    return probed.frames_decoded + probed.skipped_frames + probed.incomplete_frames >= 45;
  }));

  // Echoed as they came: RED, with the same RED bytes inside; the FEC
  // names the echoed packet it protects, in parrot's numbering.
  ASSERT_EQ(caller_.received.size(), sent);
  std::uint64_t fec_echoed = 0;
  for (std::size_t i = 0; i < caller_.received.size(); ++i) {
    const auto& echoed = caller_.received[i];
    EXPECT_EQ(echoed.payload_type, 118);
    const auto red = media::rtp::RedPayload::parse(echoed.payload);
    ASSERT_TRUE(red);
    if (red->primary().payload_type != 127) continue;
    ++fec_echoed;
    ASSERT_GT(i, 0u);
    const auto fec_header = media::rtp::UlpfecHeader::parse(red->primary().data);
    ASSERT_TRUE(fec_header);
    EXPECT_EQ(fec_header->sequence_base(), caller_.received[i - 1].sequence_number);
    EXPECT_EQ(fec_header->timestamp_recovery(), caller_.received[i - 1].rtp_timestamp);
  }
  EXPECT_EQ(fec_echoed, fec);
  const CallFacts facts = media_->facts();
  ASSERT_EQ(facts.streams.size(), 1u);
  const auto& stream = facts.streams[0];
  EXPECT_EQ(stream.probe_skipped, 0u);
  EXPECT_EQ(stream.carriage.red_packets, sent);
  EXPECT_EQ(stream.carriage.fec_packets, fec);
  ASSERT_TRUE(stream.video);
  EXPECT_EQ(stream.video->frames_decoded, 45u);
  EXPECT_EQ(stream.video->skipped_frames, 0u);
  EXPECT_EQ(stream.video->width, 320u);
  EXPECT_EQ(stream.video->height, 240u);
  EXPECT_GE(stream.video->keyframes, 1u);
  EXPECT_NEAR(stream.video->frame_rate_fps, 30.0, 0.5);
  const auto report = report_json(facts);
  EXPECT_EQ(report["streams"][0]["codec"], "VP8/90000 in RED");
  EXPECT_EQ(report["streams"][0]["resolution"], "320x240");
  EXPECT_EQ(report["streams"][0]["red_packets"], sent);
  EXPECT_EQ(report["streams"][0]["fec_packets"], fec);
}

TEST(CallMedia, EndsACallWhosePathNeverConnects) {
  GMainContext* context = g_main_context_new();
  const auto certificate = transport::Certificate::generate();
  Parrot parrot;
  parrot.trickle = [](const transport::IceCandidate&) {};
  CallMediaSetup setup;
  CallMediaSetup::Transport unit;
  unit.config.ice.allowed_addresses = {"127.0.0.1"};
  unit.config.certificate = &certificate;
  media::echo::StreamConfig audio;
  audio.payload_types = {111};
  unit.echo.streams = {audio};
  setup.transports.push_back(std::move(unit));
  setup.connect_timeout = 1ms;
  auto media = std::make_unique<CallMedia>(context, std::move(setup), parrot);
  media->gather();  // the caller never sends a candidate or credentials
  ASSERT_TRUE(iterate_until(context, [&] { return !parrot.timeouts.empty(); }));
  EXPECT_EQ(parrot.timeouts.front(), "no path to you connected within 0 s (ICE never completed)");
  EXPECT_EQ(parrot.timeout_kinds.front(), MediaTimeout::kNeverConnected);
  media.reset();
  for (int i = 0; i < 50; ++i) g_main_context_iteration(context, FALSE);
  g_main_context_unref(context);
}

}  // namespace
}  // namespace parrot::call
