#include "bot/report_page.hpp"

#include <gtest/gtest.h>

namespace parrot::bot {
namespace {

using nlohmann::json;

json a_report(const std::string& peer, const std::string& codec) {
  return json{{"kind", "call"},
              {"peer", peer},
              {"verdict", "MEDIA OK"},
              {"started", "2026-12-07T14:00:00Z"},
              {"duration_s", 12.5},
              {"notes", {"your client offered no relay (TURN) candidates"}},
              {"ice",
               {{"remote_candidate_types", {"host", "srflx"}},
                {"selected",
                 {{"local_type", "host"},
                  {"remote_type", "prflx"},
                  {"protocol", "udp"},
                  {"local_address", "192.0.2.1"},
                  {"remote_address", "198.51.100.7"}}}}},
              {"nat",
               {{"verdict", "symmetric NAT, direct path"},
                {"explanation", "Your NAT gave parrot another port than your STUN server."},
                {"mapping", "address-dependent"},
                {"udp", "ok"},
                {"path", "direct"},
                {"advice", "Calls between two people behind such NATs need a TURN server; yours offered none."},
                {"evidence",
                 {{"caller_host", {"10.0.0.2:5000"}},
                  {"caller_srflx", {"198.51.100.7:40000"}},
                  {"caller_relay", json::array()},
                  {"seen_at_parrot", "198.51.100.7:40123"},
                  {"parrot_address", "192.0.2.1:50000"},
                  {"parrot_behind_nat", false}}}}},
              {"streams", {{{"media", "audio"}, {"codec", codec}}, {{"media", "video"}, {"codec", "VP8/90000"}}}}};
}

json a_timeline() {
  return json{{"interval_s", 1},
              {"streams",
               {{{"media", "audio"},
                 {"t_s", {1, 2, 3, 4}},
                 {"jitter_buffer_ms", {20, 22, 40, 21}},
                 {"lost", {0, 3, 0, 1}},
                 {"bitrate_kbps", {32, 31.5, 30, 32}},
                 {"level_dbfs", {-30, nullptr, -28.5, -31}}},
                {{"media", "video"},
                 {"t_s", {1, 2, 3, 4}},
                 {"jitter_buffer_ms", {50, 52, 55, 51}},
                 {"lost", {0, 0, 2, 0}},
                 {"bitrate_kbps", {800, 900, 950, 1000}},
                 {"frame_rate_fps", {15, 14, 15, 15}}}}}};
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ReportPageTest, VerdictSummaryAndDiagramComeFirst) {
  const std::string page = render_report_page(a_report("alice@example.org/phone", "opus/48000"), a_timeline(),
                                              "MEDIA OK. Audio opus/48000: 600 packets.");
  const auto verdict = page.find("<h1 id=\"verdict\" class=\"ok\">MEDIA OK</h1>");
  const auto summary = page.find("MEDIA OK. Audio opus/48000: 600 packets.");
  const auto diagram = page.find("<svg id=\"nat-diagram\"");
  const auto timelines = page.find("<section id=\"timelines\"");
  ASSERT_NE(verdict, std::string::npos);
  ASSERT_NE(summary, std::string::npos);
  ASSERT_NE(diagram, std::string::npos);
  ASSERT_NE(timelines, std::string::npos);
  EXPECT_LT(verdict, summary);
  EXPECT_LT(summary, diagram);
  EXPECT_LT(diagram, timelines);
  // The evidence is drawn: candidates, what parrot saw, the advice.
  EXPECT_NE(page.find("srflx 198.51.100.7:40000"), std::string::npos);
  EXPECT_NE(page.find("saw you as 198.51.100.7:40123"), std::string::npos);
  EXPECT_NE(page.find("192.0.2.1:50000"), std::string::npos);
  EXPECT_NE(page.find("address-dependent"), std::string::npos);
  EXPECT_NE(page.find("need a TURN server"), std::string::npos);
}

TEST(ReportPageTest, BothMediaGetTheirTimelines) {
  const std::string page = render_report_page(a_report("alice@example.org", "opus/48000"), a_timeline(), "MEDIA OK.");
  EXPECT_EQ(count(page, "<section class=\"stream\" data-media=\"audio\">"), 1U);
  EXPECT_EQ(count(page, "<section class=\"stream\" data-media=\"video\">"), 1U);
  // Audio: delay, loss, bitrate, level; video: delay, loss, bitrate, frame rate.
  EXPECT_EQ(count(page, "<svg class=\"timeline\""), 8U);
  EXPECT_EQ(count(page, "data-figure=\"level_dbfs\""), 1U);
  EXPECT_EQ(count(page, "data-figure=\"frame_rate_fps\""), 1U);
  // The null level breaks its line in two.
  const auto level = page.find("data-figure=\"level_dbfs\"");
  const auto level_end = page.find("</svg>", level);
  EXPECT_EQ(count(page.substr(level, level_end - level), "<polyline"), 2U);
  EXPECT_NE(page.find("VP8/90000"), std::string::npos);
}

TEST(ReportPageTest, SaysHowTheAudioLevelWasMeasured) {
  json report = a_report("alice@example.org", "opus/48000");
  EXPECT_EQ(render_report_page(report, a_timeline(), "MEDIA OK.").find("<p class=\"how\">"), std::string::npos);
  report["streams"][0]["level_source"] = "audio level";
  report["streams"][0]["decoded_share"] = 0.1;
  const std::string page = render_report_page(report, a_timeline(), "MEDIA OK.");
  EXPECT_NE(page.find("<p class=\"how\">Audio level and silence from the caller&#39;s own RFC 6464 level of each "
                      "packet; 10% of its packets decoded.</p>"),
            std::string::npos);
  EXPECT_EQ(count(page, "<p class=\"how\">"), 1U);  // not under the video
}

TEST(ReportPageTest, SaysHowTheVideoWasChecked) {
  json report = a_report("alice@example.org", "opus/48000");
  report["streams"][1]["decoding"] = "windows after key frames";
  report["streams"][1]["frames_decoded"] = 120;
  report["streams"][1]["decoded_share"] = 0.067;
  std::string page = render_report_page(report, a_timeline(), "MEDIA OK.");
  const auto video = page.find("data-media=\"video\"");
  ASSERT_NE(video, std::string::npos);
  EXPECT_NE(page.find("<p class=\"how\">Video frames assembled, counted and sized from their headers; decoded in "
                      "windows after key frames: 120 frames, 7% of the decodable ones.</p>",
                      video),
            std::string::npos);
  report["streams"][1]["decoding"] = "every frame";
  page = render_report_page(report, a_timeline(), "MEDIA OK.");
  EXPECT_NE(page.find("every decodable frame decoded.</p>"), std::string::npos);
}

TEST(ReportPageTest, HostileStringsAreEscapedEverywhere) {
  const std::string jid = "<script>alert(1)</script>@evil.example/\"'><img src=x onerror=alert(2)>";
  const std::string codec = "</h3><script src=\"https://evil.example/x.js\"></script>";
  json report = a_report(jid, codec);
  report["nat"]["evidence"]["caller_host"] = {"<b>10.0.0.2</b>:1"};
  report["notes"] = {"<iframe src=//evil.example>"};
  json timeline = a_timeline();
  timeline["streams"][0]["media"] = "\"><svg onload=alert(3)>";
  const std::string page = render_report_page(report, timeline, "<script>summary</script>");
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<iframe"), std::string::npos);
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_EQ(page.find("<svg onload"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;@evil.example/&quot;&#39;&gt;&lt;img"), std::string::npos);
  EXPECT_NE(page.find("&lt;/h3&gt;&lt;script src=&quot;https://evil.example/x.js&quot;"), std::string::npos);
}

TEST(ReportPageTest, NoExternalAssets) {
  const std::string page = render_report_page(a_report("alice@example.org", "opus/48000"), a_timeline(), "MEDIA OK.");
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_EQ(page.find("url("), std::string::npos);
  EXPECT_EQ(page.find("@import"), std::string::npos);
}

TEST(ReportPageTest, AnEmptyTimelineSaysSo) {
  const std::string no_timeline = render_report_page(a_report("alice@example.org", "opus/48000"), nullptr, "MEDIA OK.");
  EXPECT_NE(no_timeline.find("No per-second figures were recorded for this call."), std::string::npos);
  EXPECT_EQ(no_timeline.find("<svg class=\"timeline\""), std::string::npos);
  json empty_stream{{"streams", {{{"media", "audio"}, {"t_s", json::array()}}}}};
  const std::string short_call = render_report_page(a_report("alice@example.org", "opus/48000"), empty_stream, "x");
  EXPECT_NE(short_call.find("No per-second figures were recorded for this stream"), std::string::npos);
}

TEST(ReportPageTest, AReportWithoutNatOrIceStillRenders) {
  // A refusal, an older report, or keys of the wrong type: rendered as far as they go.
  const std::string refused = render_report_page(json{{"verdict", "REFUSED"}}, nullptr, "REFUSED. nothing to echo");
  EXPECT_NE(refused.find("<h1 id=\"verdict\" class=\"bad\">REFUSED</h1>"), std::string::npos);
  EXPECT_NE(refused.find("no path: ICE failed"), std::string::npos);
  const std::string odd = render_report_page(
      json{{"verdict", 3}, {"nat", "x"}, {"ice", {{"selected", 1}}}, {"streams", 2}},
      json{{"streams", {{{"t_s", {1, "x", nullptr}}, {"lost", {1}}, {"bitrate_kbps", "y"}}}}}, "");
  EXPECT_NE(odd.find("<svg id=\"nat-diagram\""), std::string::npos);
  EXPECT_NE(render_report_page(json::array(), json::array(), "").find("no verdict"), std::string::npos);
}

TEST(ReportPageTest, LongAddressesFitTheirBoxAndKeepTheWholeTextInATooltip) {
  json report = a_report("alice@example.org", "opus/48000");
  const std::string v6 = "[2001:db8:1234:5678:9abc:def0:1234:5678]:50000";
  report["nat"]["evidence"]["caller_host"] = {v6};
  report["nat"]["udp"] = "blocked";
  const std::string page = render_report_page(report, nullptr, "x");
  EXPECT_NE(page.find("<title>host " + v6 + "</title>"), std::string::npos);
  EXPECT_NE(page.find("</title>host [2001:db8:12...1234:5678]:50000</text>"), std::string::npos) << page;
  EXPECT_NE(page.find("UDP blocked"), std::string::npos);
}

TEST(ReportPageTest, OlderReportsDrawThePathFromTheSelectedPair) {
  json report = a_report("alice@example.org", "opus/48000");
  report["nat"] = {{"verdict", "no NAT"}, {"explanation", "Your client reached parrot from its own address."}};
  const std::string page = render_report_page(report, nullptr, "MEDIA OK.");
  EXPECT_NE(page.find("saw you as 198.51.100.7"), std::string::npos);
  EXPECT_NE(page.find("your prflx/udp &lt;-&gt; parrot host"), std::string::npos);
}

}  // namespace
}  // namespace parrot::bot
