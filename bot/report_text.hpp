// Text shared by call and file reports: timestamps and counts as people read
// them, and the chat message that carries a report (docs/reports.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace gloox {
class Tag;
}

namespace parrot::bot {

inline constexpr const char* kReportNamespace = "urn:parrot:report:1";

// "2026-11-22T08:41:27Z" (UTC, whole seconds).
std::string iso8601(std::chrono::system_clock::time_point t);
// 1512 -> "1,512".
std::string grouped(std::uint64_t n);
// (1, "file") -> "1 file", (3, "file") -> "3 files": nouns whose plural
// just adds an s.
std::string counted(std::uint64_t n, const std::string& noun);
// A reason written mid-sentence ("no media from you for 20 s") as a
// sentence of its own: " No media from you for 20 s."; empty stays empty.
std::string as_sentence(const std::string& text);
// <message type='chat' to=…><body>summary</body><report xmlns=…>json</report>
std::unique_ptr<gloox::Tag> report_message(const std::string& to, const std::string& summary, const std::string& json);

}  // namespace parrot::bot
