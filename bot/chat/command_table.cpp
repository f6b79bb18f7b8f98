#include "bot/chat/command_table.hpp"

#include <algorithm>
#include <cctype>

namespace parrot::bot {
namespace {

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

std::optional<ParsedCommand> parse_command(std::string_view body) {
  body = trim(body);
  if (body.size() < 2 || body.front() != '!') return std::nullopt;
  body.remove_prefix(1);
  const auto end = std::find_if(body.begin(), body.end(),
                                [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
  ParsedCommand command;
  command.name.assign(body.begin(), end);
  if (command.name.empty()) return std::nullopt;
  std::transform(command.name.begin(), command.name.end(), command.name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  command.args = std::string(trim(std::string_view(end, body.end())));
  return command;
}

void CommandTable::add(std::string name, std::string usage, std::string summary, Handler handler) {
  commands_.insert_or_assign(std::move(name), Entry{std::move(usage), std::move(summary), std::move(handler)});
}

std::optional<CommandReply> CommandTable::dispatch(std::string_view body, const std::string& peer) const {
  auto parsed = parse_command(body);
  if (!parsed) return std::nullopt;
  const auto it = commands_.find(parsed->name);
  if (it == commands_.end()) return CommandReply("Unknown command !" + parsed->name + ".\n" + help());
  return it->second.handler(CommandRequest{peer, std::move(parsed->args)});
}

std::string CommandTable::help() const {
  std::string text = "Commands:";
  for (const auto& [name, entry] : commands_) {
    text += "\n!" + entry.usage + " \u2014 " + entry.summary;
  }
  text += "\nAnything else you write is echoed back.";
  return text;
}

}  // namespace parrot::bot
