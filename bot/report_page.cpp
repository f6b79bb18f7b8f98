#include "bot/report_page.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

namespace parrot::bot {

namespace {

using nlohmann::json;

// The report is read, not trusted: each accessor gives nothing for a key
// that is absent or of another type.
const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto found = object.find(key);
  return found == object.end() ? nullptr : &*found;
}
std::string text_of(const json& object, const char* key) {
  const json* value = member(object, key);
  if (value == nullptr) return "";
  if (value->is_string()) return value->get<std::string>();
  if (value->is_number() || value->is_boolean()) return value->dump();
  return "";
}
std::optional<double> number_of(const json& value) {
  if (value.is_number()) return value.get<double>();
  return std::nullopt;
}
std::vector<std::string> strings_of(const json& object, const char* key) {
  std::vector<std::string> out;
  const json* value = member(object, key);
  if (value == nullptr || !value->is_array()) return out;
  for (const auto& item : *value)
    if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}
const json& object_or_empty(const json& object, const char* key) {
  static const json empty = json::object();
  const json* value = member(object, key);
  return value != nullptr && value->is_object() ? *value : empty;
}

std::string e(std::string_view text) { return escape_markup(text); }

// Style of the page; inline because nothing may come from elsewhere.
constexpr const char* kStyle = R"(
body{font-family:system-ui,sans-serif;margin:0;background:#f6f6f4;color:#1d1d1b}
main{max-width:960px;margin:0 auto;padding:1.5rem}
h1{font-size:2rem;margin:.2rem 0}
h1.ok{color:#1b7a2e} h1.bad{color:#b3261e}
.summary{font-size:1.1rem;line-height:1.5;white-space:pre-wrap}
.meta{color:#555}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}
.advice{border-left:4px solid #b3261e;padding-left:.6rem}
svg text{font-family:system-ui,sans-serif;font-size:12px;fill:#1d1d1b}
svg .box{fill:#fff;stroke:#555}
svg .nat{fill:#fff4e0;stroke:#b26b00}
svg .nonat{fill:none;stroke:#aaa;stroke-dasharray:4 4}
svg .link{stroke:#1b7a2e;stroke-width:3;fill:none}
svg .nolink{stroke:#b3261e;stroke-width:3;stroke-dasharray:8 6;fill:none}
svg .axis{stroke:#999;fill:none}
svg .series{stroke:#2757a6;stroke-width:1.5;fill:none}
svg .dim{fill:#666}
.charts{display:flex;flex-wrap:wrap;gap:.5rem}
pre{white-space:pre-wrap;word-break:break-all;font-size:.8rem}
)";

std::string format_number(double value) {
  if (std::fabs(value) >= 100 || value == std::round(value)) return fmt::format("{:.0f}", value);
  return fmt::format("{:.1f}", value);
}

// ---- The path diagram ----------------------------------------------------

// One candidate list line per address, at most a few of each kind.
void candidate_lines(std::vector<std::string>& lines, const char* kind, const std::vector<std::string>& addresses) {
  constexpr std::size_t kShown = 3;
  for (std::size_t i = 0; i < addresses.size() && i < kShown; ++i) lines.push_back(std::string(kind) + " " + addresses[i]);
  if (addresses.size() > kShown) lines.push_back(fmt::format("{} +{} more", kind, addresses.size() - kShown));
}

std::string svg_text(double x, double y, std::string_view text, std::string_view css_class = "",
                     std::string_view anchor = "start") {
  return fmt::format("<text x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"{}\"{}>{}</text>", x, y, anchor,
                     css_class.empty() ? "" : fmt::format(" class=\"{}\"", css_class), e(text));
}

// A line in a 240-pixel box: a long one (an IPv6 address with its port)
// loses its middle, and the whole text stays in a tooltip.
std::string svg_box_line(double x, double y, std::string_view text) {
  constexpr std::size_t kFits = 36;
  if (text.size() <= kFits) return svg_text(x, y, text, "dim");
  const std::string shown = std::string(text.substr(0, kFits / 2 - 1)) + "..." +
                            std::string(text.substr(text.size() - (kFits / 2 - 2)));
  return fmt::format("<text x=\"{:.0f}\" y=\"{:.0f}\" class=\"dim\"><title>{}</title>{}</text>", x, y, e(text),
                     e(shown));
}

std::string nat_diagram(const json& report) {
  const json& nat = object_or_empty(report, "nat");
  const json& evidence = object_or_empty(nat, "evidence");
  const json& ice = object_or_empty(report, "ice");
  const json& selected = object_or_empty(ice, "selected");

  std::vector<std::string> caller;
  candidate_lines(caller, "host", strings_of(evidence, "caller_host"));
  candidate_lines(caller, "srflx", strings_of(evidence, "caller_srflx"));
  candidate_lines(caller, "relay", strings_of(evidence, "caller_relay"));
  if (caller.empty()) {
    // An older report, before the evidence: the kinds the caller offered.
    for (const auto& type : strings_of(ice, "remote_candidate_types")) {
      if (std::find(caller.begin(), caller.end(), type) == caller.end()) caller.push_back(type);
    }
  }
  if (caller.empty()) caller.push_back("no candidates");

  std::string seen = text_of(evidence, "seen_at_parrot");
  if (seen.empty()) seen = text_of(selected, "remote_address");
  std::string parrot_address = text_of(evidence, "parrot_address");
  if (parrot_address.empty()) parrot_address = text_of(selected, "local_address");
  std::string path = text_of(nat, "path");
  if (path.empty()) path = member(selected, "remote_type") != nullptr ? (text_of(selected, "remote_type") == "relay" ? "relay" : "direct") : "none";
  const std::string mapping = text_of(nat, "mapping");
  const bool parrot_behind_nat = text_of(evidence, "parrot_behind_nat") == "true";

  const double line_height = 16;
  const double box_height = std::max(90.0, 40 + line_height * static_cast<double>(caller.size()));
  const double height = box_height + 70;
  std::string svg = fmt::format(
      "<svg id=\"nat-diagram\" role=\"img\" aria-label=\"caller, NAT and parrot\" viewBox=\"0 0 760 {0:.0f}\" "
      "width=\"760\" height=\"{0:.0f}\" xmlns=\"http://www.w3.org/2000/svg\">",
      height);
  // The caller.
  svg += fmt::format("<rect class=\"box\" x=\"5\" y=\"5\" width=\"240\" height=\"{:.0f}\" rx=\"6\"/>", box_height);
  svg += svg_text(15, 25, "you (caller)");
  for (std::size_t i = 0; i < caller.size(); ++i)
    svg += svg_box_line(15, 45 + line_height * static_cast<double>(i), caller[i]);
  // The NAT, or the absence of one.
  // Before the mapping field, the verdict alone said so.
  const bool no_nat = mapping == "none" || (mapping.empty() && text_of(nat, "verdict") == "no NAT");
  svg += fmt::format("<rect class=\"{}\" x=\"300\" y=\"20\" width=\"160\" height=\"{:.0f}\" rx=\"6\"/>",
                     no_nat ? "nonat" : "nat", box_height - 30);
  svg += svg_text(380, 42, no_nat ? "no NAT" : "NAT", "", "middle");
  if (!mapping.empty() && !no_nat) svg += svg_text(380, 60, mapping, "dim", "middle");
  if (text_of(nat, "udp") == "blocked") svg += svg_text(380, 96, "UDP blocked", "dim", "middle");
  const std::string verdict = text_of(nat, "verdict");
  if (!verdict.empty() && !(no_nat && verdict == "no NAT")) svg += svg_text(380, 78, verdict, "dim", "middle");
  // parrot.
  svg += fmt::format("<rect class=\"box\" x=\"515\" y=\"5\" width=\"240\" height=\"{:.0f}\" rx=\"6\"/>", box_height);
  svg += svg_text(525, 25, "parrot");
  if (!parrot_address.empty()) svg += svg_box_line(525, 45, parrot_address);
  if (parrot_behind_nat) svg += svg_text(525, 61, "behind a NAT itself", "dim");
  if (!seen.empty()) svg += svg_box_line(525, 77 + (parrot_behind_nat ? 0 : -16), "saw you as " + seen);
  // The path.
  const double y = box_height + 30;
  svg += fmt::format("<path class=\"{}\" d=\"M125 {:.0f} V{:.0f} H635 V{:.0f}\"/>", path == "none" ? "nolink" : "link",
                     box_height + 5, y, box_height + 5);
  std::string label;
  if (path == "none") {
    label = "no path: ICE failed";
  } else {
    const std::string remote_type = text_of(selected, "remote_type");
    const std::string local_type = text_of(selected, "local_type");
    const std::string protocol = text_of(selected, "protocol");
    label = path == "relay" ? "via a TURN relay" : "direct";
    if (!remote_type.empty())
      label += ": your " + remote_type + (protocol.empty() ? "" : "/" + protocol) + " <-> parrot " + local_type;
  }
  svg += svg_text(380, y + 20, label, "", "middle");
  svg += "</svg>";
  return svg;
}

// ---- Timelines -------------------------------------------------------------

struct Figure {
  const char* key;
  const char* title;
  const char* unit;
};
constexpr Figure kFigures[] = {
    {"jitter_buffer_ms", "jitter-buffer delay", "ms"},
    {"lost", "packets lost", "per interval"},
    {"bitrate_kbps", "bitrate", "kbit/s"},
    {"level_dbfs", "audio level", "dBFS"},
    {"frame_rate_fps", "frame rate", "fps"},
};

// A line chart of one figure over the call; null values break the line.
std::string chart(const Figure& figure, const json& times, const json& values) {
  constexpr double kWidth = 420, kHeight = 150, kLeft = 50, kRight = 10, kTop = 22, kBottom = 22;
  const std::size_t n = std::min(times.size(), values.size());
  std::vector<std::optional<std::pair<double, double>>> points;
  double t_max = 0, v_min = 0, v_max = 0;
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    const auto t = number_of(times[i]);
    const auto v = number_of(values[i]);
    if (!t || !v || !std::isfinite(*t) || !std::isfinite(*v)) {
      points.emplace_back();
      continue;
    }
    points.emplace_back(std::pair{*t, *v});
    t_max = std::max(t_max, *t);
    v_min = any ? std::min(v_min, *v) : *v;
    v_max = any ? std::max(v_max, *v) : *v;
    any = true;
  }
  // Levels are negative: show down to their lowest (at least -60 dBFS);
  // every other figure from zero.
  double low = 0, high = 1;
  if (any) {
    if (std::string_view(figure.key) == "level_dbfs") {
      low = std::min(v_min, -60.0);
      high = std::max(0.0, v_max);
    } else {
      low = std::min(0.0, v_min);
      high = std::max(v_max * 1.1, low + 1);
    }
  }
  if (t_max <= 0) t_max = 1;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  const auto x_of = [&](double t) { return kLeft + t / t_max * plot_w; };
  const auto y_of = [&](double v) { return kTop + (high - v) / (high - low) * plot_h; };

  std::string svg = fmt::format(
      "<svg class=\"timeline\" data-figure=\"{}\" role=\"img\" aria-label=\"{} over the call\" viewBox=\"0 0 {:.0f} "
      "{:.0f}\" width=\"{:.0f}\" height=\"{:.0f}\" xmlns=\"http://www.w3.org/2000/svg\">",
      figure.key, figure.title, kWidth, kHeight, kWidth, kHeight);
  svg += svg_text(kLeft, 14, fmt::format("{} ({})", figure.title, figure.unit));
  svg += fmt::format("<path class=\"axis\" d=\"M{0:.0f} {1:.0f} V{2:.0f} H{3:.0f}\"/>", kLeft, kTop, kTop + plot_h,
                     kLeft + plot_w);
  svg += svg_text(kLeft - 4, kTop + 4, format_number(high), "dim", "end");
  svg += svg_text(kLeft - 4, kTop + plot_h, format_number(low), "dim", "end");
  svg += svg_text(kLeft, kHeight - 6, "0 s", "dim");
  svg += svg_text(kLeft + plot_w, kHeight - 6, format_number(t_max) + " s", "dim", "end");
  if (!any) {
    svg += svg_text(kLeft + plot_w / 2, kTop + plot_h / 2, "no values", "dim", "middle");
    return svg + "</svg>";
  }
  std::string run;
  std::size_t run_points = 0;
  const auto close_run = [&] {
    if (run_points > 0) svg += fmt::format("<polyline class=\"series\" points=\"{}\"/>", run);
    run.clear();
    run_points = 0;
  };
  for (const auto& point : points) {
    if (!point) {
      close_run();
      continue;
    }
    run += fmt::format("{}{:.1f},{:.1f}", run.empty() ? "" : " ", x_of(point->first), y_of(point->second));
    ++run_points;
  }
  close_run();
  return svg + "</svg>";
}

// Beside the level chart: whose measure the level is, and how much the
// probe decoded (the report's level_source and decoded_share).
std::string how_audio_was_measured(const json& report_stream) {
  const std::string source = text_of(report_stream, "level_source");
  const json* decoded = member(report_stream, "decoded_share");
  const std::optional<double> share = decoded != nullptr ? number_of(*decoded) : std::nullopt;
  if (source.empty() || source == "none") return "";
  std::string how = source == "audio level"
                        ? "Audio level and silence from the caller's own RFC 6464 level of each packet"
                        : "Audio level and silence from decoding the caller's audio";
  if (share) how += fmt::format("; {:.0f}% of its packets decoded", *share * 100);
  return "<p class=\"how\">" + e(how) + ".</p>";
}

// Beside the video charts: whether the probe decoded every frame or windows
// after key frames (the report's decoding, frames_decoded, decoded_share).
std::string how_video_was_checked(const json& report_stream) {
  const std::string decoding = text_of(report_stream, "decoding");
  if (decoding.empty()) return "";
  std::string how = "Video frames assembled, counted and sized from their headers; ";
  if (decoding == "every frame") {
    how += "every decodable frame decoded";
  } else {
    const json* decoded = member(report_stream, "frames_decoded");
    const json* share = member(report_stream, "decoded_share");
    const std::optional<double> frames = decoded != nullptr ? number_of(*decoded) : std::nullopt;
    const std::optional<double> part = share != nullptr ? number_of(*share) : std::nullopt;
    how += "decoded in windows after key frames";
    if (frames && part) how += fmt::format(": {:.0f} frames, {:.0f}% of the decodable ones", *frames, *part * 100);
  }
  return "<p class=\"how\">" + e(how) + ".</p>";
}

std::string stream_section(const json& timeline_stream, const json& report_stream, std::size_t index) {
  const std::string media = text_of(timeline_stream, "media");
  const std::string codec = text_of(report_stream, "codec");
  std::string html = fmt::format("<section class=\"stream\" data-media=\"{}\"><h3>{} {}</h3>", e(media),
                                 e(media.empty() ? "stream " + std::to_string(index + 1) : media), e(codec));
  const json* times = member(timeline_stream, "t_s");
  if (times == nullptr || !times->is_array() || times->empty()) {
    return html + "<p>No per-second figures were recorded for this stream (the call ended within its first second).</p></section>";
  }
  html += "<div class=\"charts\">";
  for (const Figure& figure : kFigures) {
    const json* values = member(timeline_stream, figure.key);
    if (values == nullptr || !values->is_array()) continue;
    html += chart(figure, *times, *values);
  }
  return html + "</div>" + how_audio_was_measured(report_stream) + how_video_was_checked(report_stream) + "</section>";
}

std::string timelines(const json& report, const json& timeline) {
  const json* streams = member(timeline, "streams");
  std::string html = "<section id=\"timelines\"><h2>Over the call</h2>";
  if (streams == nullptr || !streams->is_array() || streams->empty())
    return html + "<p>No per-second figures were recorded for this call.</p></section>";
  const json* report_streams = member(report, "streams");
  static const json empty = json::object();
  for (std::size_t i = 0; i < streams->size(); ++i) {
    const json& report_stream =
        report_streams != nullptr && report_streams->is_array() && i < report_streams->size() ? (*report_streams)[i] : empty;
    html += stream_section((*streams)[i], report_stream, i);
  }
  return html + "</section>";
}

}  // namespace

std::string escape_markup(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        out += static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r' ? ' ' : c;
    }
  }
  return out;
}

std::string render_report_page(const json& report, const json& timeline, std::string_view summary) {
  const std::string verdict = text_of(report, "verdict");
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                     "<meta name=\"referrer\" content=\"no-referrer\">";
  html += "<title>parrot report: " + e(verdict.empty() ? "report" : verdict) + "</title>";
  html += std::string("<style>") + kStyle + "</style></head><body><main>";
  html += fmt::format("<h1 id=\"verdict\" class=\"{}\">{}</h1>", verdict == "MEDIA OK" ? "ok" : "bad",
                      e(verdict.empty() ? "no verdict" : verdict));
  html += "<p id=\"summary\" class=\"summary\">" + e(summary) + "</p>";
  const std::string peer = text_of(report, "peer");
  const std::string started = text_of(report, "started");
  const std::string duration = text_of(report, "duration_s");
  html += "<p class=\"meta\">";
  if (!peer.empty()) html += "Call from " + e(peer);
  if (!started.empty()) html += ", started " + e(started);
  if (!duration.empty()) html += ", " + e(duration) + " s";
  html += "</p>";

  const json& nat = object_or_empty(report, "nat");
  html += "<section id=\"nat\"><h2>The path</h2>";
  const std::string explanation = text_of(nat, "explanation");
  if (!explanation.empty()) html += "<p>" + e(explanation) + "</p>";
  const std::string advice = text_of(nat, "advice");
  if (!advice.empty()) html += "<p class=\"advice\"><strong>What to fix:</strong> " + e(advice) + "</p>";
  html += nat_diagram(report) + "</section>";

  const auto notes = strings_of(report, "notes");
  if (!notes.empty()) {
    html += "<section id=\"notes\"><h2>Notes</h2><ul>";
    for (const auto& note : notes) html += "<li>" + e(note) + "</li>";
    html += "</ul></section>";
  }
  html += timelines(report, timeline);
  html += "<section><details><summary>The report as JSON</summary><pre>" + e(report.dump(2, ' ', false, json::error_handler_t::replace)) +
          "</pre></details></section>";
  html += "</main></body></html>\n";
  return html;
}

}  // namespace parrot::bot
