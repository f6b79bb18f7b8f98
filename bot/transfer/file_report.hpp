// What a file transfer looked like, for the person who sent it: one verdict,
// a chat summary ("report.pdf, 24,410,321 bytes via SOCKS5 direct, 310 MB/s.
// sha-256 9f86…: matches the hash you sent.") and the JSON file
// report. Every mechanism (Jingle FT, SI, HTTP Upload links) fills the same
// FileFacts, so reports read alike whatever carried the bytes.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace parrot::bot::transfer {

enum class TransferEnd {
  kComplete,   // the sender finished (or the announced size arrived)
  kCancelled,  // the sender cancelled (session-terminate, IBB close early, …)
  kFailed,     // the transport broke, timed out, or the sender misbehaved
  kRefused,    // parrot declined it (too large, too many, bad link)
};

struct FileFacts {
  std::string id;      // the Jingle sid, SI id, or a generated id for a link
  std::string peer;    // the sender's full JID
  std::chrono::system_clock::time_point started;
  double duration_s = 0;  // first byte expected to end
  std::string mechanism;  // "jingle-ft:5", "si", "http-upload", …
  std::string transport;  // "SOCKS5 direct", "SOCKS5 proxy", "IBB", "HTTPS", …
  std::string name;
  std::optional<std::uint64_t> size;  // as announced
  std::string media_type;
  std::uint64_t bytes_received = 0;
  // Lowercase hex by XEP-0300 name, what parrot computed over the bytes
  // received, and what the sender advertised (converted to hex).
  std::map<std::string, std::string> digests;
  std::map<std::string, std::string> advertised;
  bool ciphertext = false;  // an encrypted transfer (OMEMO, JET): the hashes are of ciphertext
  TransferEnd end = TransferEnd::kComplete;
  std::string failure;  // why it ended early or was refused, in the sender's terms
};

enum class FileVerdict {
  kOk,            // every byte, and every hash both sides have agrees (or none was sent)
  kHashMismatch,  // a hash the sender advertised differs from parrot's
  kShort,         // fewer bytes than announced
  kLong,          // more bytes than announced
  kCancelled,
  kFailed,
  kRefused,
};
std::string_view to_string(FileVerdict verdict) noexcept;  // "FILE OK", "HASH MISMATCH", …

// Refusals, cancellations and failures first; then size; then hashes.
FileVerdict verdict(const FileFacts& facts);
// True/false when at least one algorithm was both advertised and computed;
// nullopt when nothing can be compared.
std::optional<bool> hashes_match(const FileFacts& facts);
// Bytes per second over duration_s; 0 when nothing to measure.
double throughput_bytes_per_s(const FileFacts& facts);

// The file report of docs/reports.md: kind, id, peer, verdict, name, size,
// bytes_received, transport, sha256, sha1, advertised {algo: hex}, match,
// throughput_mbps (megabits per second), plus mechanism, duration_s,
// media_type, digests, ciphertext, failure.
nlohmann::json report_json(const FileFacts& facts);
std::string summary(const FileFacts& facts);

}  // namespace parrot::bot::transfer
