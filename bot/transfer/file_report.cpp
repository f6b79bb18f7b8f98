#include "bot/transfer/file_report.hpp"

#include <cmath>

#include <fmt/format.h>

#include "bot/report_text.hpp"

namespace parrot::bot::transfer {

namespace {

using nlohmann::json;

// The strongest algorithm both sides have, for the summary's one line.
std::optional<std::string> compared_algorithm(const FileFacts& facts) {
  // md5 last: only legacy SI (XEP-0096) sends it, and only parrot's report
  // compares it; parrot never advertises it.
  for (const char* name :
       {"sha-512", "sha3-512", "sha3-256", "sha-256", "blake2b-512", "blake2b-256", "sha-1", "md5"}) {
    if (facts.advertised.contains(name) && facts.digests.contains(name)) return std::string(name);
  }
  return std::nullopt;
}

std::string mega(double bytes_per_s) {
  if (bytes_per_s >= 1e6) return fmt::format("{:.0f} MB/s", bytes_per_s / 1e6);
  if (bytes_per_s >= 1e3) return fmt::format("{:.0f} kB/s", bytes_per_s / 1e3);
  return fmt::format("{:.0f} B/s", bytes_per_s);
}

}  // namespace

std::string_view to_string(FileVerdict verdict) noexcept {
  switch (verdict) {
    case FileVerdict::kOk: return "FILE OK";
    case FileVerdict::kHashMismatch: return "HASH MISMATCH";
    case FileVerdict::kShort: return "SHORT";
    case FileVerdict::kLong: return "TOO LONG";
    case FileVerdict::kCancelled: return "CANCELLED";
    case FileVerdict::kFailed: return "FAILED";
    case FileVerdict::kRefused: return "REFUSED";
  }
  return "UNKNOWN";
}

std::optional<bool> hashes_match(const FileFacts& facts) {
  std::optional<bool> match;
  for (const auto& [name, advertised] : facts.advertised) {
    const auto computed = facts.digests.find(name);
    if (computed == facts.digests.end()) continue;
    const bool same = computed->second == advertised;
    match = match.value_or(true) && same;
  }
  return match;
}

FileVerdict verdict(const FileFacts& facts) {
  switch (facts.end) {
    case TransferEnd::kRefused: return FileVerdict::kRefused;
    case TransferEnd::kCancelled: return FileVerdict::kCancelled;
    case TransferEnd::kFailed:
      // A sender that sent more than it announced is told so, not just "failed".
      if (facts.size && facts.bytes_received > *facts.size) return FileVerdict::kLong;
      return FileVerdict::kFailed;
    case TransferEnd::kComplete: break;
  }
  if (facts.size && facts.bytes_received < *facts.size) return FileVerdict::kShort;
  if (facts.size && facts.bytes_received > *facts.size) return FileVerdict::kLong;
  if (hashes_match(facts) == false) return FileVerdict::kHashMismatch;
  return FileVerdict::kOk;
}

double throughput_bytes_per_s(const FileFacts& facts) {
  if (facts.duration_s <= 0 || facts.bytes_received == 0) return 0;
  return static_cast<double>(facts.bytes_received) / facts.duration_s;
}

json report_json(const FileFacts& facts) {
  json advertised = json::object();
  for (const auto& [name, hex] : facts.advertised) advertised[name] = hex;
  json digests = json::object();
  for (const auto& [name, hex] : facts.digests) digests[name] = hex;
  const auto digest = [&](const char* name) {
    const auto found = facts.digests.find(name);
    return found == facts.digests.end() ? json(nullptr) : json(found->second);
  };
  const auto match = hashes_match(facts);
  json report{{"kind", "file"},
              {"id", facts.id},
              {"peer", facts.peer},
              {"started", iso8601(facts.started)},
              {"duration_s", std::round(facts.duration_s * 100) / 100},
              {"verdict", std::string(to_string(verdict(facts)))},
              {"mechanism", facts.mechanism},
              {"transport", facts.transport},
              {"name", facts.name},
              {"size", facts.size ? json(*facts.size) : json(nullptr)},
              {"media_type", facts.media_type},
              {"bytes_received", facts.bytes_received},
              {"sha256", digest("sha-256")},
              {"sha1", digest("sha-1")},
              {"digests", digests},
              {"advertised", advertised},
              {"match", match ? json(*match) : json(nullptr)},
              {"throughput_mbps", std::round(throughput_bytes_per_s(facts) * 8 / 1e6 * 100) / 100},
              {"ciphertext", facts.ciphertext}};
  if (!facts.failure.empty()) report["failure"] = facts.failure;
  return report;
}

std::string summary(const FileFacts& facts) {
  const FileVerdict v = verdict(facts);
  const std::string name = facts.name.empty() ? "(no name)" : facts.name;
  std::string text = fmt::format("{}. {}, {} {}", to_string(v), name, grouped(facts.bytes_received),
                                 facts.bytes_received == 1 ? "byte" : "bytes");
  if (facts.size && *facts.size != facts.bytes_received) text += fmt::format(" of {} announced", grouped(*facts.size));
  if (!facts.transport.empty()) text += " via " + facts.transport;
  if (const double rate = throughput_bytes_per_s(facts); rate > 0) text += ", " + mega(rate);
  text += ".";
  text += as_sentence(facts.failure);
  // The whole digests, to compare with `sha256sum`: most clients (libpurple
  // among them) drop the <report/> element, so the body is all they show.
  if (facts.bytes_received > 0) {
    for (const char* algorithm : {"sha-256", "sha-1"}) {
      if (const auto found = facts.digests.find(algorithm); found != facts.digests.end())
        text += fmt::format(" {} {}.", algorithm, found->second);
    }
  }
  if (const auto algorithm = compared_algorithm(facts)) {
    const bool same = facts.advertised.at(*algorithm) == facts.digests.at(*algorithm);
    text += same ? fmt::format(" The {} matches the hash you sent.", *algorithm)
                 : fmt::format(" The {} differs from the hash you sent ({}).", *algorithm,
                               facts.advertised.at(*algorithm));
  } else if (facts.digests.contains("sha-256") && facts.bytes_received > 0) {
    text += " You sent no hash to compare.";
  }
  if (facts.ciphertext) text += " The transfer was encrypted, so these are hashes of the ciphertext.";
  return text;
}

}  // namespace parrot::bot::transfer
