#include "bot/report_text.hpp"

#include <gloox/tag.h>

#include <array>
#include <cctype>
#include <ctime>

namespace parrot::bot {

std::string iso8601(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text.data();
}

std::string grouped(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string counted(std::uint64_t n, const std::string& noun) {
  return grouped(n) + " " + noun + (n == 1 ? "" : "s");
}

std::string as_sentence(const std::string& text) {
  if (text.empty()) return {};
  std::string sentence = " " + text + ".";
  sentence[1] = static_cast<char>(std::toupper(static_cast<unsigned char>(sentence[1])));
  return sentence;
}

std::unique_ptr<gloox::Tag> report_message(const std::string& to, const std::string& summary, const std::string& json) {
  auto message = std::make_unique<gloox::Tag>("message");
  message->addAttribute("to", to);
  message->addAttribute("type", "chat");
  new gloox::Tag(message.get(), "body", summary);
  auto* report = new gloox::Tag(message.get(), "report", json);
  report->setXmlns(kReportNamespace);
  return message;
}

}  // namespace parrot::bot
