#include "bot/probe/target_report.hpp"

namespace parrot::bot::probe {

std::optional<TargetReport> read_target_report(const gloox::Tag& message) {
  const gloox::Tag* report = message.findChild("report", "xmlns", "urn:parrot:report:1");
  if (report == nullptr) return std::nullopt;
  auto json = nlohmann::json::parse(report->cdata(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  const auto field = [&json](const char* key) {
    const auto found = json.find(key);
    return found != json.end() && found->is_string() ? found->get<std::string>() : std::string();
  };
  TargetReport read;
  read.kind = field("kind");
  if (read.kind.empty()) return std::nullopt;
  read.id = field("id");
  read.name = field("name");
  read.sha256 = field("sha256");
  if (const gloox::Tag* body = message.findChild("body")) read.summary = body->cdata();
  read.json = std::move(json);
  return read;
}

}  // namespace parrot::bot::probe
